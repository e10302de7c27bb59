/**
 * Ground truth of the Kubernetes service accounts (`k8s:<cluster>:ns/<namespace>/sa/<name>`),
 * computed from the generated clusters: RBAC resolved here from the Roles, ClusterRoles
 * (aggregation by label selectors, recursively) and bindings; use from running pods, legacy token
 * last-used labels and the gateway's sessions (estate.hoop: which connection acts as which
 * account, and whether it holds the account's token secret).
 */
import type { K8sBinding, K8sCluster, K8sPolicyRule, K8sSecret, K8sServiceAccount } from '../kubernetes/estate.ts';
import { LEGACY_TOKEN_LAST_USED_LABEL, SA_NAME_ANNOTATION, SA_TOKEN_TYPE } from '../kubernetes/estate.ts';
import type { Mark, TruthContext } from './types.ts';

const DAY_MS = 86_400_000;
/** The namespaces the sandbox config leaves to the platform (config default `systemNamespaces`). */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];

/** One service account with what the truth needs to know about it. */
interface Account {
  id: string;
  cluster: K8sCluster;
  sa: K8sServiceAccount;
  ns: string;
  name: string;
  managed: boolean;
  tokens: K8sSecret[];
  runningPods: number;
  /** Whether a running pod mounts the token (pod setting, else the account's, else true). */
  automount: boolean;
  grants: Grant[];
  /** Start (ms) of the latest gateway session on a connection acting as the account. */
  lastSessionMs?: number;
}

/** One binding naming the account, with the role's effective rules. */
interface Grant {
  /** `cluster` for a ClusterRoleBinding, else the RoleBinding's namespace. */
  scope: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  binding: string;
  rules: K8sPolicyRule[];
  /** Named by a group (`system:serviceaccounts[:ns]`), not by the account itself. */
  viaGroup: boolean;
}

const daysOld = (ctx: TruthContext, ms: number): number => Math.floor((ctx.now.getTime() - ms) / DAY_MS);

/** Rules of a ClusterRole: its own plus those of every ClusterRole its aggregationRule selects, recursively. */
function clusterRoleRules(cluster: K8sCluster, name: string, seen = new Set<string>()): K8sPolicyRule[] | undefined {
  const role = cluster.clusterRoles.find((r) => r.metadata.name === name);
  if (!role) return undefined;
  if (seen.has(name)) return [];
  seen.add(name);
  const rules = [...role.rules];
  for (const { matchLabels } of role.aggregationRule?.clusterRoleSelectors ?? []) {
    for (const other of cluster.clusterRoles) {
      const labels = other.metadata.labels ?? {};
      if (other.metadata.name !== name && Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) {
        rules.push(...(clusterRoleRules(cluster, other.metadata.name, seen) ?? []));
      }
    }
  }
  return rules;
}

/** Whether `binding` (in `bindingNs` for a RoleBinding) names the account: directly, or through a service-account group. */
function names(binding: K8sBinding, bindingNs: string | undefined, ns: string, name: string): 'direct' | 'group' | undefined {
  let how: 'direct' | 'group' | undefined;
  for (const s of binding.subjects ?? []) {
    if (s.kind === 'ServiceAccount' && s.name === name && (s.namespace ?? bindingNs ?? 'default') === ns) return 'direct';
    if (s.kind === 'User' && s.name === `system:serviceaccount:${ns}:${name}`) return 'direct';
    if (s.kind === 'Group' && (s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${ns}`)) how = 'group';
  }
  return how;
}

function grantsOf(cluster: K8sCluster, ns: string, name: string): Grant[] {
  const out: Grant[] = [];
  const add = (b: K8sBinding, bindingNs: string | undefined): void => {
    const how = names(b, bindingNs, ns, name);
    if (!how) return;
    const { kind, name: roleName } = b.roleRef;
    const rules = kind === 'Role' ? cluster.roles.find((r) => r.metadata.namespace === bindingNs && r.metadata.name === roleName)?.rules : clusterRoleRules(cluster, roleName);
    out.push({ scope: bindingNs ?? 'cluster', roleKind: kind, roleName, binding: b.metadata.name, rules: rules ?? [], viaGroup: how === 'group' });
  };
  for (const b of cluster.roleBindings) add(b, b.metadata.namespace);
  for (const b of cluster.clusterRoleBindings) add(b, undefined);
  return out;
}

const listed = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).includes('*') || (list ?? []).includes(value);

/** Whether a rule unrestricted by resourceNames allows `verb` on `resource` (a subresource also by `base/*`) of `group`. */
function allows(rules: readonly K8sPolicyRule[], verb: string, group: string, resource: string): boolean {
  return rules.some((r) => {
    if ((r.resourceNames ?? []).length > 0 || !listed(r.verbs, verb) || !listed(r.apiGroups, group)) return false;
    const resources = r.resources ?? [];
    return resources.includes('*') || resources.includes(resource) || (resource.includes('/') && resources.includes(`${resource.split('/')[0] ?? ''}/*`));
  });
}

/** cluster-admin, or `*` verbs on `*` resources of `*` groups. */
const isAdmin = (g: Grant): boolean => (g.roleKind === 'ClusterRole' && g.roleName === 'cluster-admin') || g.rules.some((r) => (r.resourceNames ?? []).length === 0 && r.verbs.includes('*') && (r.resources ?? []).includes('*') && (r.apiGroups ?? []).includes('*'));

/** A `*` among the verbs, resources, API groups or non-resource URLs (CIS 5.1.3). */
const hasWildcard = (g: Grant): boolean => g.rules.some((r) => [r.verbs, r.resources, r.apiGroups, r.nonResourceURLs].some((l) => (l ?? []).includes('*')));

/** The escalation methods a grant opens: escalate or bind on roles, impersonate, create service account tokens. */
function escalationMethods(g: Grant): string[] {
  const methods: string[] = [];
  if (['roles', 'clusterroles'].some((r) => allows(g.rules, 'escalate', RBAC, r))) methods.push('escalate');
  if (['roles', 'clusterroles'].some((r) => allows(g.rules, 'bind', RBAC, r))) methods.push('bind');
  if (['users', 'groups', 'serviceaccounts'].some((r) => allows(g.rules, 'impersonate', '', r)) || ['uids', 'userextras'].some((r) => allows(g.rules, 'impersonate', 'authentication.k8s.io', r))) methods.push('impersonate');
  if (allows(g.rules, 'create', '', 'serviceaccounts/token')) methods.push('token-create');
  return methods;
}

const readsSecrets = (g: Grant): boolean => READ.some((v) => allows(g.rules, v, '', 'secrets'));
const label = (g: Grant): string => `${g.roleKind}/${g.roleName} via ${g.scope === 'cluster' ? 'ClusterRoleBinding' : `RoleBinding in ${g.scope}`} ${g.binding}`;

/** Latest gateway session start per identity id, and per credential for connections that hold the account's token. */
function gatewayUse(ctx: TruthContext): { byIdentity: Map<string, number>; byToken: Map<string, number> } {
  const hoop = ctx.estate.hoop;
  const links = new Map(hoop.truth.filter((t) => t.identityId !== undefined && t.link !== 'none').map((t) => [t.name, t]));
  const byIdentity = new Map<string, number>();
  const byToken = new Map<string, number>();
  for (const s of hoop.sessions()) {
    const link = links.get(s.connection);
    if (!link?.identityId?.startsWith('k8s:')) continue;
    const at = Date.parse(s.start_date);
    byIdentity.set(link.identityId, Math.max(byIdentity.get(link.identityId) ?? 0, at));
    // A connection holding the account's first token secret (whatever linked it) uses that token.
    if (link.holdsKey === true) byToken.set(link.identityId, Math.max(byToken.get(link.identityId) ?? 0, at));
  }
  return { byIdentity, byToken };
}

function accountsOf(ctx: TruthContext, use: ReturnType<typeof gatewayUse>): Account[] {
  const out: Account[] = [];
  for (const cluster of ctx.estate.kubernetes.clusters) {
    for (const sa of cluster.serviceAccounts) {
      const ns = sa.metadata.namespace ?? 'default';
      const name = sa.metadata.name;
      const id = `k8s:${cluster.name}:ns/${ns}/sa/${name}`;
      const pods = cluster.pods.filter((p) => p.status.phase === 'Running' && p.metadata.namespace === ns && p.spec.serviceAccountName === name);
      const account: Account = {
        id,
        cluster,
        sa,
        ns,
        name,
        managed: SYSTEM_NAMESPACES.has(ns),
        tokens: cluster.secrets.filter((s) => s.type === SA_TOKEN_TYPE && s.metadata.namespace === ns && s.metadata.annotations?.[SA_NAME_ANNOTATION] === name),
        runningPods: pods.length,
        automount: pods.some((p) => p.spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true),
        grants: grantsOf(cluster, ns, name),
      };
      const session = use.byIdentity.get(id);
      if (session !== undefined) account.lastSessionMs = session;
      out.push(account);
    }
  }
  return out;
}

/** Last use of a token secret: the API server's last-used label (a date), or a session on a connection holding it. */
function tokenLastUse(a: Account, token: K8sSecret, byToken: Map<string, number>): number | undefined {
  const times: number[] = [];
  const label = token.metadata.labels?.[LEGACY_TOKEN_LAST_USED_LABEL];
  if (label !== undefined) times.push(Date.parse(label));
  const session = byToken.get(a.id);
  if (session !== undefined && a.sa.secrets?.[0]?.name === token.metadata.name) times.push(session);
  return times.length > 0 ? Math.max(...times) : undefined;
}

const direct = (a: Account): Grant[] => a.grants.filter((g) => !g.viaGroup);

/** credential.key-age: a legacy token secret of an application account older than the rotation threshold. */
function keyAge(ctx: TruthContext, a: Account, mark: Mark): void {
  for (const t of a.tokens) {
    const age = daysOld(ctx, Date.parse(t.metadata.creationTimestamp));
    if (age > ctx.policy.keyRotationDays) mark('credential.key-age', a.id, `token secret ${t.metadata.name} ${age} days old`);
  }
}

/**
 * credential.unused: a token secret last used (label or a session on a connection holding it) past
 * the threshold, or never used and older than it; an account without a token secret, no running
 * pod and whose last gateway session is past the threshold (no session at all: unknown).
 */
function unused(ctx: TruthContext, a: Account, byToken: Map<string, number>, mark: Mark): void {
  const limit = ctx.policy.unusedDays;
  for (const t of a.tokens) {
    const last = tokenLastUse(a, t, byToken);
    const created = Date.parse(t.metadata.creationTimestamp);
    if (last !== undefined && daysOld(ctx, last) > limit) mark('credential.unused', a.id, `token secret ${t.metadata.name} last used ${daysOld(ctx, last)} days ago`);
    if (last === undefined && daysOld(ctx, created) > limit) mark('credential.unused', a.id, `token secret ${t.metadata.name} never used, ${daysOld(ctx, created)} days old`);
  }
  if (a.tokens.length === 0 && a.runningPods === 0 && a.lastSessionMs !== undefined && daysOld(ctx, a.lastSessionMs) > limit) {
    mark('credential.unused', a.id, `no running pod, last gateway session ${daysOld(ctx, a.lastSessionMs)} days ago`);
  }
}

/** credential.multiple-active: more than one legacy token secret. */
function multipleActive(a: Account, mark: Mark): void {
  if (a.tokens.length > 1) mark('credential.multiple-active', a.id, `${a.tokens.length} token secrets (${a.tokens.map((t) => t.metadata.name).join(', ')})`);
}

/** identity.privilege-escalation: not an admin, and a binding (own or group) opens escalate, bind, impersonate or token creation. */
function privilegeEscalation(a: Account, mark: Mark): void {
  if (a.grants.some(isAdmin)) return;
  const opening = a.grants.filter((g) => escalationMethods(g).length > 0);
  if (opening.length > 0) mark('identity.privilege-escalation', a.id, opening.map((g) => `${escalationMethods(g).join(', ')} through ${label(g)}`).join('; '));
}

/** k8s.cluster-admin: a binding of the account to cluster-admin, `*` on `*`, or any wildcard rule. */
function clusterAdmin(a: Account, mark: Mark): void {
  const admin = direct(a).filter((g) => isAdmin(g) || hasWildcard(g));
  if (admin.length > 0) mark('k8s.cluster-admin', a.id, admin.map(label).join('; '));
}

/** k8s.secrets-read-cluster: a ClusterRoleBinding of the account whose rules read secrets, unless it is an admin. */
function secretsReadCluster(a: Account, mark: Mark): void {
  if (direct(a).some(isAdmin)) return;
  const readers = direct(a).filter((g) => g.scope === 'cluster' && readsSecrets(g));
  if (readers.length > 0) mark('k8s.secrets-read-cluster', a.id, readers.map(label).join('; '));
}

/** k8s.legacy-token: any legacy token secret (none is ever marked invalid). */
function legacyToken(a: Account, mark: Mark): void {
  if (a.tokens.length > 0) mark('k8s.legacy-token', a.id, `legacy token secret ${a.tokens.map((t) => t.metadata.name).join(', ')}`);
}

/** k8s.automount-unused-api: a running pod mounts the token of an account no binding names. */
function automountUnusedApi(a: Account, mark: Mark): void {
  if (a.runningPods > 0 && a.automount && direct(a).length === 0) mark('k8s.automount-unused-api', a.id, `${a.runningPods} running pods mount the token, no binding`);
}

/** k8s.default-sa-bound: a namespace's default account named by a binding. */
function defaultSaBound(a: Account, mark: Mark): void {
  if (a.name === 'default' && direct(a).length > 0) mark('k8s.default-sa-bound', a.id, direct(a).map(label).join('; '));
}

/**
 * k8s.sa-unused: not `default`, no running pod, no use (gateway session, legacy token use) within
 * the threshold, and created before it.
 */
function saUnused(ctx: TruthContext, a: Account, byToken: Map<string, number>, mark: Mark): void {
  if (a.name === 'default' || a.runningPods > 0) return;
  const uses = [a.lastSessionMs, ...a.tokens.map((t) => tokenLastUse(a, t, byToken))].filter((t): t is number => t !== undefined);
  if (uses.length > 0 && daysOld(ctx, Math.max(...uses)) <= ctx.policy.unusedDays) return;
  const age = daysOld(ctx, Date.parse(a.sa.metadata.creationTimestamp));
  if (age > ctx.policy.unusedDays) mark('k8s.sa-unused', a.id, `no running pod, created ${age} days ago${uses.length > 0 ? `, last used ${daysOld(ctx, Math.max(...uses))} days ago` : ''}`);
}

export function kubernetesTruth(ctx: TruthContext, mark: Mark): void {
  const use = gatewayUse(ctx);
  const { byToken } = use;
  for (const a of accountsOf(ctx, use)) {
    // Accounts of system namespaces are the platform's: no hygiene rule reports them.
    if (a.managed) continue;
    keyAge(ctx, a, mark);
    unused(ctx, a, byToken, mark);
    multipleActive(a, mark);
    privilegeEscalation(a, mark);
    clusterAdmin(a, mark);
    secretsReadCluster(a, mark);
    legacyToken(a, mark);
    automountUnusedApi(a, mark);
    defaultSaBound(a, mark);
    saUnused(ctx, a, byToken, mark);
  }
}
