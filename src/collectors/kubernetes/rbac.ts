/**
 * RBAC resolution, pure: effective rules of a role (aggregated ClusterRoles resolved from their
 * `aggregationRule` label selectors, recursively), the permissions a grant lists, its privilege
 * class and the escalation paths it opens.
 *
 * Grant.permissions encoding (sorted, deduplicated):
 * - `<verb> <resource>[.<apiGroup>]` per verb and resource (`get secrets`, `create deployments.apps`,
 *   `* *.*` for full wildcards); a rule limited by resourceNames adds `[name,name]`
 *   (`get configmaps[payments-config]`); non-resource URLs read `<verb> url:<path>`.
 * - `escalation:<path>` for each escalation path the rules open, resourceNames-limited rules excluded:
 *   `secrets-read` (get/list/watch secrets), `pods-exec` (create or get pods/exec),
 *   `pods-create` (create pods or a workload controller: deployments, daemonsets, statefulsets,
 *   replicasets, jobs, cronjobs), `impersonate` (the impersonate verb on users, groups,
 *   serviceaccounts, or authentication.k8s.io uids and userextras), `escalate` and `bind`
 *   (those verbs on roles/clusterroles), `token-create` (create serviceaccounts/token).
 */
import type { PrivilegeClass } from '../../model/index.ts';

export interface PolicyRule {
  apiGroups?: string[] | undefined;
  resources?: string[] | undefined;
  verbs: string[];
  resourceNames?: string[] | undefined;
  nonResourceURLs?: string[] | undefined;
}

export interface RoleData {
  name: string;
  labels: Record<string, string>;
  rules: PolicyRule[];
  /** matchLabels of each clusterRoleSelector (matchExpressions are not supported and match nothing). */
  aggregation?: Record<string, string>[];
}

export type EscalationPath = 'secrets-read' | 'pods-exec' | 'pods-create' | 'impersonate' | 'escalate' | 'bind' | 'token-create';

export const ESCALATION_PREFIX = 'escalation:';
const READ_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch']);
const WORKLOADS = ['deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs'];
/** What the impersonate verb applies to (group, resource): a `*` verb on pods impersonates nobody. */
const IMPERSONABLE: readonly (readonly [string, string])[] = [['', 'users'], ['', 'groups'], ['', 'serviceaccounts'], ['authentication.k8s.io', 'uids'], ['authentication.k8s.io', 'userextras']];

const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Effective rules of a ClusterRole: its own plus those of the roles its aggregationRule selects (recursively). */
export function resolveClusterRoleRules(name: string, roles: ReadonlyMap<string, RoleData>, seen: Set<string> = new Set()): PolicyRule[] {
  const role = roles.get(name);
  if (!role || seen.has(name)) return [];
  seen.add(name);
  const rules = [...role.rules];
  for (const selector of role.aggregation ?? []) {
    for (const other of roles.values()) {
      if (other.name !== name && selects(selector, other.labels)) rules.push(...resolveClusterRoleRules(other.name, roles, seen));
    }
  }
  return rules;
}

const has = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).includes('*') || (list ?? []).includes(value);

/** Whether a rule covers `verb` on `resource` (with subresource) of `group`. */
export function covers(rule: PolicyRule, verb: string, group: string, resource: string): boolean {
  if (!has(rule.verbs, verb) || !has(rule.apiGroups, group)) return false;
  const base = resource.split('/')[0] as string;
  const resources = rule.resources ?? [];
  return resources.includes('*') || resources.includes(resource) || (resource.includes('/') && resources.includes(`${base}/*`));
}

export function escalationPaths(rules: readonly PolicyRule[]): EscalationPath[] {
  const open = rules.filter((r) => (r.resourceNames ?? []).length === 0 && (r.resources ?? []).length > 0);
  const any = (test: (r: PolicyRule) => boolean): boolean => open.some(test);
  const paths: EscalationPath[] = [];
  if (any((r) => ['get', 'list', 'watch'].some((v) => covers(r, v, '', 'secrets')))) paths.push('secrets-read');
  if (any((r) => covers(r, 'create', '', 'pods/exec') || covers(r, 'get', '', 'pods/exec'))) paths.push('pods-exec');
  if (any((r) => covers(r, 'create', '', 'pods') || WORKLOADS.some((w) => covers(r, 'create', 'apps', w) || covers(r, 'create', 'batch', w)))) paths.push('pods-create');
  if (any((r) => IMPERSONABLE.some(([group, resource]) => covers(r, 'impersonate', group, resource)))) paths.push('impersonate');
  if (any((r) => covers(r, 'escalate', 'rbac.authorization.k8s.io', 'roles') || covers(r, 'escalate', 'rbac.authorization.k8s.io', 'clusterroles'))) paths.push('escalate');
  if (any((r) => covers(r, 'bind', 'rbac.authorization.k8s.io', 'roles') || covers(r, 'bind', 'rbac.authorization.k8s.io', 'clusterroles'))) paths.push('bind');
  if (any((r) => covers(r, 'create', '', 'serviceaccounts/token'))) paths.push('token-create');
  return paths;
}

/** `verb resource[.group][names]` strings, and `verb url:<path>` for non-resource URLs. */
export function flattenRules(rules: readonly PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    const names = (r.resourceNames ?? []).length > 0 ? `[${[...(r.resourceNames ?? [])].sort().join(',')}]` : '';
    for (const verb of r.verbs) {
      for (const url of r.nonResourceURLs ?? []) out.add(`${verb} url:${url}`);
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) out.add(`${verb} ${resource}${group === '' ? '' : `.${group}`}${names}`);
      }
    }
  }
  return [...out].sort();
}

/**
 * admin: cluster-admin, or `*` verbs on `*` resources in any apiGroup; write: any verb other than
 * get/list/watch (create, update, patch, delete, deletecollection, escalate, bind, impersonate, `*`...);
 * read: get/list/watch only.
 */
export function privilegeOf(roleName: string, roleKind: 'Role' | 'ClusterRole', rules: readonly PolicyRule[]): PrivilegeClass {
  if (roleKind === 'ClusterRole' && roleName === 'cluster-admin') return 'admin';
  if (rules.some((r) => r.verbs.includes('*') && (r.resources ?? []).includes('*') && (r.resourceNames ?? []).length === 0)) return 'admin';
  if (rules.some((r) => r.verbs.some((v) => !READ_VERBS.has(v)))) return 'write';
  return 'read';
}

/** Whether the rules include `*` verbs, resources or apiGroups (CIS 5.1.3). */
export function hasWildcard(rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => r.verbs.includes('*') || (r.resources ?? []).includes('*') || (r.apiGroups ?? []).includes('*'));
}
