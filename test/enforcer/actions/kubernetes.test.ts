/**
 * The Kubernetes actions and minter against the emulator, through the real client-node: plans
 * built from a real collection of the emulated clusters, applied, applied again (noop), undone,
 * and checked in the emulator's estate and in the collector's next scan.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKubernetesCollector } from '../../../src/collectors/kubernetes/index.ts';
import { enforceSchema } from '../../../src/config/enforce-schema.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Config } from '../../../src/config/schema.ts';
import { DEFAULT_TOKEN_TTL_SECONDS, kubernetesHandlers, kubernetesMinter, tokenPublicId } from '../../../src/enforcer/actions/kubernetes.ts';
import type { ActionContext, Outcome } from '../../../src/enforcer/actions/types.ts';
import { buildPlan } from '../../../src/enforcer/plan.ts';
import type { ActionKind, Inventory, Plan, PlanAction, Verdict } from '../../../src/model/index.ts';
import { generateK8sEstate, startK8sEmulator } from '../../../src/sandbox/kubernetes/index.ts';
import type { K8sBinding, K8sCluster, K8sEmulator, K8sEstate } from '../../../src/sandbox/kubernetes/index.ts';
import type { LogFields, Logger } from '../../../src/util/log.ts';
import { collectInto } from '../../helpers/collect.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const AGENT = '1837453e-01fc-46f3-9e4c-dcf22d395393';
let estate: K8sEstate;
let emu: K8sEmulator;
let dir: string;
let config: Config;
let logs: { level: string; msg: string; fields: LogFields | undefined }[];

function recordingLogger(): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void logs.push({ level, msg, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const ctx = (over: Partial<ActionContext> = {}): ActionContext => ({ config, env: {}, log: recordingLogger(), now: () => NOW, ...over });
const cluster = (): K8sCluster => estate.clusters[0] as K8sCluster;
const handler = (kind: ActionKind) => {
  const h = kubernetesHandlers.find((x) => x.kinds.includes(kind));
  if (!h) throw new Error(`no handler for ${kind}`);
  return h;
};

async function collect(): Promise<Inventory> {
  const collector = createKubernetesCollector({ retry: { retryDelayMs: 5, maxRetryDelayMs: 20 } });
  const run = await collectInto(collector, { kubernetes: config.kubernetes ?? configSchema.parse({}).kubernetes!, owners: config.owners }, { now: NOW });
  expect(run.outcomes.every((o) => o.status === 'ok')).toBe(true);
  return { identities: run.identities, credentials: run.credentials, grants: run.grants, activities: run.activities, leaks: [], connections: [], gatewayUsers: [] };
}

const idOf = (ns: string, name: string): string => `k8s:${cluster().name}:ns/${ns}/sa/${name}`;

async function planFor(verdicts: [string, Verdict['verdict']][]): Promise<Plan> {
  const inventory = await collect();
  return buildPlan({
    scan: { id: 's_k8s', startedAt: NOW.toISOString() },
    inventory,
    verdicts: verdicts.map(([identityId, verdict]) => ({ identityId, verdict, reasons: [], findingIds: [] })),
    findings: [],
    config: enforceSchema.parse({ gateway: { agentId: AGENT } }),
    now: NOW,
  });
}

const actionsOf = (plan: Plan, kind: ActionKind): PlanAction[] => plan.actions.filter((a) => a.kind === kind);
const one = (plan: Plan, kind: ActionKind): PlanAction => {
  const a = actionsOf(plan, kind)[0];
  if (!a) throw new Error(`the plan has no ${kind}`);
  return a;
};

/** Bindings naming the account directly (ServiceAccount subject or its User form), as `Kind ns/name`. */
function bindingsNaming(ns: string, name: string): string[] {
  const names = (b: K8sBinding, bindingNs: string | undefined): boolean =>
    (b.subjects ?? []).some((s) => (s.kind === 'ServiceAccount' && s.name === name && (s.namespace ?? bindingNs) === ns) || (s.kind === 'User' && s.name === `system:serviceaccount:${ns}:${name}`));
  return [
    ...cluster().roleBindings.filter((b) => names(b, b.metadata.namespace)).map((b) => `RoleBinding ${b.metadata.namespace ?? ''}/${b.metadata.name}`),
    ...cluster().clusterRoleBindings.filter((b) => names(b, undefined)).map((b) => `ClusterRoleBinding ${b.metadata.name}`),
  ].sort();
}

/** Every binding's name, roleRef and subjects (what undo must bring back exactly). */
const bindingsSnapshot = (): string =>
  JSON.stringify(
    [...cluster().roleBindings, ...cluster().clusterRoleBindings]
      .map((b) => ({ ns: b.metadata.namespace ?? null, name: b.metadata.name, roleRef: b.roleRef, subjects: [...(b.subjects ?? [])].map((s) => `${s.kind}:${s.namespace ?? ''}:${s.name}`).sort() }))
      .sort((x, y) => `${x.ns ?? ''}/${x.name}`.localeCompare(`${y.ns ?? ''}/${y.name}`)),
  );

/** The outcome as it goes to the journal (JSON), so undo reads what the journal would give it. */
const journaled = (o: Outcome): Outcome => JSON.parse(JSON.stringify(o)) as Outcome;

beforeAll(async () => {
  estate = generateK8sEstate({ seed: 'enforce-k8s', size: 40, nowMs: NOW.getTime() });
  // An account named through its User form, beside a person: apply must take out only the account.
  cluster().clusterRoleBindings.push({
    metadata: { name: 'grafana-user-form', uid: '0f6a1b9e-1111-4aaa-a111-000000000001', creationTimestamp: NOW.toISOString(), resourceVersion: '999', labels: { team: 'monitoring' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccount:monitoring:grafana' },
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol@example.com' },
    ],
  });
  emu = await startK8sEmulator(estate);
  dir = mkdtempSync(join(tmpdir(), 'sprawl-k8s-enforce-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, emu.kubeconfig(), { mode: 0o600 });
  config = configSchema.parse({ kubernetes: { kubeconfig, contexts: ['*'], pageSize: 5, maxRetries: 2 } });
});

afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  logs = [];
  emu.faults = {};
});

describe('k8s.bindings.remove', () => {
  it.each([
    {
      what: 'ci/deployer: two bindings deleted (only subject), one replaced without it (a person stays)',
      ns: 'ci',
      name: 'deployer',
      changed: ['ClusterRoleBinding deployer-cluster-admin', 'RoleBinding ci/deployer-edit', 'RoleBinding payments/payments-exec'],
      deleted: ['deployer-cluster-admin', 'deployer-edit'],
    },
    {
      what: 'monitoring/grafana: its User form is taken out too, the person beside it stays',
      ns: 'monitoring',
      name: 'grafana',
      changed: ['ClusterRoleBinding grafana-secrets', 'ClusterRoleBinding grafana-user-form', 'RoleBinding monitoring/grafana-view'],
      deleted: ['grafana-secrets', 'grafana-view'],
    },
  ])('$what; again is a noop; undo restores every binding; undo again is a noop', async ({ ns, name, changed, deleted }) => {
    const original = bindingsSnapshot();
    expect(bindingsNaming(ns, name)).toEqual(changed);
    const plan = await planFor([[idOf(ns, name), 'revoke']]);
    const action = one(plan, 'k8s.bindings.remove');
    expect(action.params).toMatchObject({ cluster: cluster().name, namespace: ns, serviceAccount: name });
    const h = handler('k8s.bindings.remove');

    const applied = journaled(await h.apply(action, ctx()));
    expect(applied.status).toBe('done');
    expect(bindingsNaming(ns, name)).toEqual([]);
    const before = applied.before as { bindings: { kind: string; namespace?: string; name: string; action: string; subjects: unknown[]; roleRef: { name: string }; resourceVersion: string }[] };
    expect(before.bindings.map((b) => `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}`).sort()).toEqual(changed);
    expect(before.bindings.filter((b) => b.action === 'deleted').map((b) => b.name).sort()).toEqual(deleted);
    expect(before.bindings.every((b) => b.subjects.length > 0 && b.roleRef.name !== '' && /^\d+$/.test(b.resourceVersion))).toBe(true);
    // The group every account is in is left alone, and said so.
    expect((applied.after as { notRemoved: { name: string; subject: { name: string }; reason: string }[] }).notRemoved).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'system:service-account-issuer-discovery', subject: expect.objectContaining({ name: 'system:serviceaccounts' }) as unknown })]),
    );
    expect(cluster().clusterRoleBindings.some((b) => b.metadata.name === 'system:service-account-issuer-discovery')).toBe(true);
    // Other subjects of replaced bindings stay.
    expect(bindingsSnapshot()).toContain('User::bob@example.com');
    expect(bindingsSnapshot()).toContain('User::carol@example.com');

    // The collector's next scan: only the group grant is left.
    const grants = (await collect()).grants.filter((g) => g.identityId === idOf(ns, name));
    expect(grants.length).toBeGreaterThan(0);
    expect(grants.every((g) => g.via === 'group')).toBe(true);

    const again = await h.apply(action, ctx());
    expect(again.status).toBe('noop');
    expect(again.before).toMatchObject({ bindings: [] });

    const undone = await h.undo?.(action, applied, ctx());
    expect(undone?.status).toBe('done');
    expect(bindingsSnapshot()).toBe(original);
    const restored = (await collect()).grants.filter((g) => g.identityId === idOf(ns, name) && g.via === 'binding');
    expect(restored.map((g) => g.viaName?.split('/').pop()).sort()).toEqual(changed.map((c) => c.split(/[ /]/).pop()).sort());

    expect((await h.undo?.(action, applied, ctx()))?.status).toBe('noop');
    expect(bindingsSnapshot()).toBe(original);
  });

  it('undo re-adds the account to a replaced binding someone changed since, keeping their change', async () => {
    const plan = await planFor([[idOf('ci', 'deployer'), 'revoke']]);
    const action = one(plan, 'k8s.bindings.remove');
    const h = handler('k8s.bindings.remove');
    const applied = journaled(await h.apply(action, ctx()));
    const exec = cluster().roleBindings.find((b) => b.metadata.name === 'payments-exec');
    exec?.subjects?.push({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dave@example.com' });
    const undone = await h.undo?.(action, applied, ctx());
    expect(undone?.status).toBe('done');
    expect(exec?.subjects?.map((s) => s.name).sort()).toEqual(['bob@example.com', 'dave@example.com', 'deployer']);
    exec?.subjects?.splice(exec.subjects.findIndex((s) => s.name === 'dave@example.com'), 1);
  });

  it('an account no binding names directly is a noop (the group binding is reported)', async () => {
    const action: PlanAction = { ...one(await planFor([[idOf('ci', 'deployer'), 'revoke']]), 'k8s.bindings.remove'), params: { cluster: cluster().name, namespace: 'payments', serviceAccount: 'payments-legacy' } };
    const o = await handler('k8s.bindings.remove').apply(action, ctx());
    expect(o.status).toBe('noop');
    expect((o.after as { notRemoved: unknown[] }).notRemoved).toHaveLength(1);
  });

  it.each([
    ['an unknown cluster', { cluster: 'nowhere' }, /kubernetes cluster nowhere: no context/],
    ['no namespace', { namespace: '' }, /params\.namespace is missing/],
  ])('refuses %s with an error naming it', async (_what, params, message) => {
    const base = one(await planFor([[idOf('ci', 'deployer'), 'revoke']]), 'k8s.bindings.remove');
    await expect(handler('k8s.bindings.remove').apply({ ...base, params: { ...base.params, ...params } }, ctx())).rejects.toThrow(message);
  });

  it('fails with the target and the API error when listing is forbidden; without a kubernetes section it says so', async () => {
    const action = one(await planFor([[idOf('ci', 'deployer'), 'revoke']]), 'k8s.bindings.remove');
    emu.faults = { forbidden: [{ resource: 'clusterrolebindings' }] };
    await expect(handler('k8s.bindings.remove').apply(action, ctx())).rejects.toThrow(`kubernetes ${cluster().name} serviceaccount ci/deployer: ListBindings Forbidden (HTTP 403)`);
    emu.faults = {};
    await expect(handler('k8s.bindings.remove').apply(action, ctx({ config: configSchema.parse({}) }))).rejects.toThrow('the config has no kubernetes section');
  });
});

describe('k8s.token.delete and k8s.sa.delete', () => {
  it('deletes each legacy token of an account, then the account; again is a noop; the collector no longer sees them', async () => {
    const plan = await planFor([[idOf('payments', 'payments-legacy'), 'revoke']]);
    const tokens = actionsOf(plan, 'k8s.token.delete');
    expect(tokens).toHaveLength(1);
    const tokenAction = tokens[0] as PlanAction;
    const [ns, secretName] = String(tokenAction.params.secret).split('/') as [string, string];
    const secret = cluster().secrets.find((s) => s.metadata.namespace === ns && s.metadata.name === secretName);
    expect(secret).toBeDefined();
    const tokenValue = secret?.data.token ?? '';

    const deleted = await handler('k8s.token.delete').apply(tokenAction, ctx());
    expect(deleted).toMatchObject({ status: 'done', before: { namespace: 'payments', secret: secretName, type: 'kubernetes.io/service-account-token', serviceAccount: 'payments-legacy' }, after: { deleted: true } });
    expect(JSON.stringify(deleted)).not.toContain(tokenValue);
    expect(JSON.stringify(deleted)).not.toContain(Buffer.from(tokenValue, 'base64').toString('utf8'));
    expect(cluster().secrets.some((s) => s.metadata.name === secretName)).toBe(false);
    expect((await handler('k8s.token.delete').apply(tokenAction, ctx())).status).toBe('noop');

    const saAction = one(plan, 'k8s.sa.delete');
    const saDeleted = await handler('k8s.sa.delete').apply(saAction, ctx());
    expect(saDeleted).toMatchObject({ status: 'done', before: { namespace: 'payments', serviceAccount: 'payments-legacy', labels: { 'app.kubernetes.io/name': 'payments-legacy', team: 'payments' } }, after: { deleted: true } });
    expect((await handler('k8s.sa.delete').apply(saAction, ctx())).status).toBe('noop');
    const inv = await collect();
    expect(inv.identities.some((i) => i.id === idOf('payments', 'payments-legacy'))).toBe(false);
    expect(inv.credentials.some((c) => c.publicId === `${ns}/${secretName}`)).toBe(false);
  });

  it('deleting an account also removes its remaining legacy tokens (the token controller), as the next scan shows', async () => {
    const runnerTokens = cluster().secrets.filter((s) => s.metadata.annotations?.['kubernetes.io/service-account.name'] === 'ci-runner').length;
    expect(runnerTokens).toBeGreaterThan(0);
    const plan = await planFor([[idOf('ci', 'ci-runner'), 'revoke']]);
    expect((await handler('k8s.sa.delete').apply(one(plan, 'k8s.sa.delete'), ctx())).status).toBe('done');
    expect(cluster().secrets.filter((s) => s.metadata.annotations?.['kubernetes.io/service-account.name'] === 'ci-runner')).toHaveLength(0);
    expect((await handler('k8s.token.delete').apply(one(plan, 'k8s.token.delete'), ctx())).status).toBe('noop');
  });

  it.each([
    ['a secret that is not a token', { secret: 'payments/payments-db' }, 'is a Opaque secret, not a service-account token: not deleted'],
    ['a token of another account', { secret: '', serviceAccount: 'someone-else' }, 'not someone-else: not deleted'],
    ['a malformed secret reference', { secret: 'no-slash' }, 'params.secret must be <namespace>/<name>'],
  ])('refuses %s', async (_what, params, message) => {
    const plan = await planFor([[idOf('ci', 'deployer'), 'revoke']]);
    const base = one(plan, 'k8s.token.delete');
    const p = { ...base.params, ...params };
    if (p.secret === '') p.secret = base.params.secret as string;
    await expect(handler('k8s.token.delete').apply({ ...base, params: p }, ctx())).rejects.toThrow(message);
  });

  it.each([
    ['k8s.token.delete', { secret: 'ci/no-such-token' }],
    ['k8s.sa.delete', { namespace: 'ci', serviceAccount: 'no-such-account' }],
    ['k8s.sa.delete', { namespace: 'no-such-namespace', serviceAccount: 'x' }],
  ] as const)('%s of a missing target is a noop', async (kind, params) => {
    const plan = await planFor([[idOf('ci', 'deployer'), 'revoke']]);
    const o = await handler(kind).apply({ ...one(plan, kind), params: { ...one(plan, kind).params, ...params } }, ctx());
    expect(o).toMatchObject({ status: 'noop', after: { deleted: false } });
  });
});

describe('kubernetesMinter', () => {
  it('mints a bound token the emulator issued and accepts; its value appears in no outcome or log', async () => {
    const plan = await planFor([[idOf('monitoring', 'prometheus'), 'migrate']]);
    const register = one(plan, 'gateway.register');
    expect(kubernetesMinter.kinds).toContain(register.params.identityKind);
    const minted = await kubernetesMinter.mint(register, ctx());
    const token = minted.secrets['envvar:KUBERNETES_BEARER_TOKEN'] ?? '';
    expect(Object.keys(minted.secrets).sort()).toEqual(register.params.secretKeys);
    expect(minted.secrets['envvar:KUBERNETES_CLUSTER_URL']).toBe(emu.clusters[0]?.server);
    const issued = emu.tokens.find((t) => t.token === token);
    expect(issued).toMatchObject({ cluster: cluster().name, namespace: 'monitoring', serviceAccount: 'prometheus', jti: minted.publicId });
    expect(minted.expiresAt).toBe(issued?.expiresAt.replace('Z', '.000Z'));
    expect(Date.parse(minted.expiresAt ?? '') - Date.now()).toBeGreaterThan((DEFAULT_TOKEN_TTL_SECONDS - 60) * 1000);
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(minted.publicId).not.toContain(token.split('.')[2] ?? 'x');

    // The emulator authenticates with it.
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: emu.clusters[0]?.server ?? '', skipTLSVerify: true }], users: [{ name: 'u', token }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const sa = await kc.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'prometheus', namespace: 'monitoring' });
    expect(sa.metadata?.name).toBe('prometheus');

    await kubernetesMinter.discard(register, minted.publicId, ctx());
    const warning = logs.find((l) => l.level === 'warn');
    expect(warning?.msg).toContain('cannot be revoked one by one');
    expect(warning?.fields).toMatchObject({ publicId: minted.publicId, expiresAt: minted.expiresAt });
    expect(JSON.stringify(logs)).not.toContain(token);
  });

  it.each([
    ['a TTL the API server refuses (under 10 minutes)', { tokenTtlSeconds: 300 }, 'CreateServiceAccountToken Invalid (HTTP 422)'],
    ['a missing account', { serviceAccount: 'ghost' }, 'serviceaccount monitoring/ghost: CreateServiceAccountToken NotFound (HTTP 404)'],
    ['a TTL that is not a number', { tokenTtlSeconds: 'soon' }, 'params.tokenTtlSeconds must be a positive whole number'],
  ])('refuses %s', async (_what, params, message) => {
    const register = one(await planFor([[idOf('monitoring', 'prometheus'), 'migrate']]), 'gateway.register');
    await expect(kubernetesMinter.mint({ ...register, params: { ...register.params, ...params } }, ctx())).rejects.toThrow(message);
  });

  it('honours tokenTtlSeconds; the public id is the jti, else a hash prefix, never the token', async () => {
    const register = one(await planFor([[idOf('monitoring', 'prometheus'), 'migrate']]), 'gateway.register');
    const minted = await kubernetesMinter.mint({ ...register, params: { ...register.params, tokenTtlSeconds: 3600 } }, ctx());
    expect(Math.abs(Date.parse(minted.expiresAt ?? '') - Date.now() - 3600_000)).toBeLessThan(60_000);
    expect(tokenPublicId('not-a-jwt')).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(tokenPublicId('not-a-jwt')).not.toContain('not-a-jwt');
  });
});
