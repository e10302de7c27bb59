/**
 * One kubeconfig context, one source (`k8s:<cluster>`): every list call paged with `limit` and
 * `continue` to the end (a 410 Expired continue token restarts that listing once), under the
 * concurrency limit, with retries (providers/kubernetes/client.ts). Any failed listing (403 on
 * a resource, cluster unreachable) fails this source only.
 */
import { linkedAbort } from '../../util/abort.ts';
import { faultReason } from '../../providers/faults.ts';
import type { V1ClusterRole, V1ClusterRoleBinding, V1Pod, V1Role, V1RoleBinding, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../../config/kubernetes-schema.ts';
import { isSystemNamespace } from '../../config/kubernetes-schema.ts';
import type { OwnersConfig } from '../../config/schema.ts';
import type { Grant, InventoryRecord, SourceOutcome } from '../../model/index.ts';
import { KubeAbortedError, describeKubeError, withRetry } from '../../providers/kubernetes/client.ts';
import type { KubeClients, RetrySettings } from '../../providers/kubernetes/client.ts';
import { listAllPages, type KubeRunner } from '../../providers/kubernetes/cluster.ts';
import { createLimit } from '../../util/limit.ts';
import type { CollectorContext, ProgressDelta } from '../context.ts';
import { resolveClusterRoleRules } from './rbac.ts';
import type { PolicyRule, RoleData } from './rbac.ts';
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, buildAccount, buildGrant, buildTokenSecret, k8sIdentityId, podActivity, toIso } from './records.ts';

export interface ClusterJob {
  clients: KubeClients;
  source: string;
  kubernetes: KubernetesConfig;
  owners: OwnersConfig;
  retry: RetrySettings;
  ctx: CollectorContext;
}

export function failureReason(err: unknown, timeoutMs?: number): string {
  if (err instanceof KubeAbortedError) return 'interrupted';
  const { status, reason, message } = describeKubeError(err);
  return faultReason(err, { ...(status !== undefined ? { status } : {}), code: reason, message }, `${reason}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, timeoutMs !== undefined ? { timeoutMs } : {});
}

interface Listed {
  accounts: V1ServiceAccount[];
  secrets: V1Secret[];
  pods: V1Pod[];
  roles: V1Role[];
  roleBindings: V1RoleBinding[];
  clusterRoles: V1ClusterRole[];
  clusterRoleBindings: V1ClusterRoleBinding[];
}

async function listEverything(job: ClusterJob, run: KubeRunner): Promise<Listed> {
  const { core, rbac } = job.clients;
  const limit = job.kubernetes.pageSize;
  const page = (cont: string | undefined): { limit: number; _continue?: string } => ({ limit, ...(cont !== undefined ? { _continue: cont } : {}) });
  const [accounts, secrets, pods, roles, roleBindings, clusterRoles, clusterRoleBindings] = await Promise.all([
    listAllPages(run, (c) => core.listServiceAccountForAllNamespaces(page(c))),
    listAllPages(run, (c) => core.listSecretForAllNamespaces({ ...page(c), fieldSelector: `type=${SA_TOKEN_TYPE}` })),
    listAllPages(run, (c) => core.listPodForAllNamespaces({ ...page(c), fieldSelector: 'status.phase=Running' })),
    listAllPages(run, (c) => rbac.listRoleForAllNamespaces(page(c))),
    listAllPages(run, (c) => rbac.listRoleBindingForAllNamespaces(page(c))),
    listAllPages(run, (c) => rbac.listClusterRole(page(c))),
    listAllPages(run, (c) => rbac.listClusterRoleBinding(page(c))),
  ]);
  return { accounts, secrets, pods, roles, roleBindings, clusterRoles, clusterRoleBindings };
}

interface PodUse {
  count: number;
  lastStart?: string;
  automount: boolean;
}

const rulesOf = (rules: PolicyRule[] | undefined): PolicyRule[] => (rules ?? []).map((r) => ({ ...r, verbs: r.verbs ?? [] }));

/** Builds the records of one cluster from its listings. */
export function buildRecords(cluster: string, listed: Listed, kubernetes: KubernetesConfig, owners: OwnersConfig, now: Date): InventoryRecord[] {
  const out: InventoryRecord[] = [];
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  const automountOfAccount = new Map<string, boolean | undefined>();
  for (const sa of listed.accounts) automountOfAccount.set(key(sa.metadata?.namespace ?? 'default', sa.metadata?.name ?? ''), sa.automountServiceAccountToken);

  // Pods: activity per running pod, usage per account.
  const use = new Map<string, PodUse>();
  const activities: InventoryRecord[] = [];
  for (const pod of listed.pods) {
    const ns = pod.metadata?.namespace ?? 'default';
    const saName = pod.spec?.serviceAccountName || 'default';
    const k = key(ns, saName);
    if (!automountOfAccount.has(k)) continue; // its account is gone (the pod was admitted before the delete)
    const start = toIso(pod.status?.startTime);
    const automount = pod.spec?.automountServiceAccountToken ?? automountOfAccount.get(k) ?? true;
    const u = use.get(k) ?? { count: 0, automount: false };
    u.count += 1;
    u.automount ||= automount;
    if (start !== undefined && (u.lastStart === undefined || start > u.lastStart)) u.lastStart = start;
    use.set(k, u);
    if (start !== undefined) activities.push({ type: 'activity', record: podActivity(k8sIdentityId(cluster, ns, saName), ns, pod.metadata?.name ?? '', start) });
  }

  // Accounts.
  const accountIds = new Map<string, string>();
  for (const sa of listed.accounts) {
    const ns = sa.metadata?.namespace ?? 'default';
    const u = use.get(key(ns, sa.metadata?.name ?? ''));
    const identity = buildAccount({
      cluster,
      metadata: sa.metadata ?? {},
      managed: isSystemNamespace(ns, kubernetes.systemNamespaces),
      ownerKeys: owners.tagKeys,
      runningPods: u?.count ?? 0,
      ...(u ? { automount: u.automount, lastUsedAt: now.toISOString() } : {}),
      ...(u?.lastStart !== undefined ? { lastPodStartAt: u.lastStart } : {}),
    });
    accountIds.set(key(ns, sa.metadata?.name ?? ''), identity.id);
    out.push({ type: 'identity', record: identity });
  }
  out.push(...activities);

  // Legacy token secrets, linked to the account their annotation names (data never read).
  for (const s of listed.secrets) {
    if (s.type !== SA_TOKEN_TYPE) continue;
    const ns = s.metadata?.namespace ?? 'default';
    const identityId = accountIds.get(key(ns, s.metadata?.annotations?.[SA_NAME_ANNOTATION] ?? ''));
    if (identityId === undefined) continue; // a token of a deleted account is invalid
    out.push({ type: 'credential', record: buildTokenSecret(identityId, { name: s.metadata?.name, namespace: ns, creationTimestamp: s.metadata?.creationTimestamp, labels: s.metadata?.labels }) });
  }

  // RBAC.
  const clusterRoles = new Map<string, RoleData>();
  for (const r of listed.clusterRoles) {
    const name = r.metadata?.name ?? '';
    const aggregation = r.aggregationRule?.clusterRoleSelectors?.map((s) => s.matchLabels ?? {});
    clusterRoles.set(name, { name, labels: r.metadata?.labels ?? {}, rules: rulesOf(r.rules), ...(aggregation ? { aggregation } : {}) });
  }
  const roles = new Map<string, PolicyRule[]>();
  for (const r of listed.roles) roles.set(key(r.metadata?.namespace ?? '', r.metadata?.name ?? ''), rulesOf(r.rules));
  const resolved = new Map<string, PolicyRule[]>();
  const clusterRoleRules = (name: string): PolicyRule[] => {
    let rules = resolved.get(name);
    if (!rules) {
      rules = resolveClusterRoleRules(name, clusterRoles);
      resolved.set(name, rules);
    }
    return rules;
  };

  const grants = new Map<string, Grant>();
  const bind = (binding: V1RoleBinding | V1ClusterRoleBinding, namespace: string | undefined): void => {
    const ref = binding.roleRef;
    const roleKind = ref.kind === 'Role' ? 'Role' : 'ClusterRole';
    const rules = roleKind === 'Role' ? roles.get(key(namespace ?? '', ref.name)) : clusterRoles.has(ref.name) ? clusterRoleRules(ref.name) : undefined;
    for (const { identityId, viaGroup } of subjectsOf(binding, namespace, accountIds)) {
      const g = buildGrant({ identityId, roleKind, roleName: ref.name, rules: rules ?? [], bindingName: binding.metadata?.name ?? '', ...(namespace !== undefined ? { namespace } : {}), ...(viaGroup !== undefined ? { viaGroup } : {}) });
      grants.set(`${g.identityId}|${g.scope}|${g.role}|${g.viaName ?? ''}`, g);
    }
  };
  for (const b of listed.roleBindings) bind(b, b.metadata?.namespace ?? 'default');
  for (const b of listed.clusterRoleBindings) bind(b, undefined);
  for (const g of grants.values()) out.push({ type: 'grant', record: g });
  return out;
}

/**
 * The listed accounts a binding's subjects name: ServiceAccount subjects (namespace defaults to
 * the binding's), the `system:serviceaccount:<ns>:<name>` User, and the `system:serviceaccounts`
 * and `system:serviceaccounts:<ns>` Groups (every account, or every account of a namespace).
 * Other Users and Groups (people) are skipped.
 */
function subjectsOf(binding: V1RoleBinding | V1ClusterRoleBinding, namespace: string | undefined, accountIds: ReadonlyMap<string, string>): { identityId: string; viaGroup?: string }[] {
  const out: { identityId: string; viaGroup?: string }[] = [];
  for (const s of binding.subjects ?? []) {
    if (s.kind === 'ServiceAccount') {
      const id = accountIds.get(`${s.namespace ?? namespace ?? 'default'}/${s.name}`);
      if (id !== undefined) out.push({ identityId: id });
    } else if (s.kind === 'User' && s.name.startsWith('system:serviceaccount:')) {
      const [ns, name] = s.name.slice('system:serviceaccount:'.length).split(':');
      const id = accountIds.get(`${ns ?? ''}/${name ?? ''}`);
      if (id !== undefined) out.push({ identityId: id });
    } else if (s.kind === 'Group' && (s.name === 'system:serviceaccounts' || s.name.startsWith('system:serviceaccounts:'))) {
      const ns = s.name === 'system:serviceaccounts' ? undefined : s.name.slice('system:serviceaccounts:'.length);
      for (const [k, id] of accountIds) if (ns === undefined || k.startsWith(`${ns}/`)) out.push({ identityId: id, viaGroup: s.name });
    }
  }
  return out;
}

export async function collectCluster(job: ClusterJob): Promise<SourceOutcome> {
  const { ctx, source } = job;
  ctx.progress.start(source);
  const report = (delta: ProgressDelta): void => ctx.progress.update(source, delta);
  const { controller: abort, dispose } = linkedAbort(ctx.signal);
  const limit = createLimit(Math.max(1, Math.min(job.kubernetes.concurrency, ctx.concurrency)));
  const run: KubeRunner = <T>(call: () => Promise<T>): Promise<T> =>
    limit(async () => {
      try {
        const out = await withRetry(call, job.retry, { signal: abort.signal, onRetry: () => report({ retries: 1 }) });
        report({ pages: 1 });
        return out;
      } catch (err) {
        report({ errors: 1 });
        throw err;
      }
    });
  let outcome: SourceOutcome;
  try {
    const listed = await listEverything(job, run);
    const records = buildRecords(job.clients.cluster, listed, job.kubernetes, job.owners, ctx.now);
    for (const r of records) ctx.emit(r);
    report({ items: records.length });
    outcome = { source, status: 'ok', items: records.length };
  } catch (err) {
    abort.abort(); // stop this source's queued and retrying calls
    outcome = { source, status: 'failed', items: 0, error: failureReason(ctx.signal?.aborted ? new KubeAbortedError() : err, job.kubernetes.requestTimeoutMs) };
    ctx.log.warn('kubernetes cluster failed', { source, error: outcome.error });
  } finally {
    dispose();
  }
  ctx.progress.finish(source, outcome);
  return outcome;
}
