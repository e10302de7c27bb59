import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectInto, type Collected } from '../../helpers/collect.ts';
import type { CollectorContext } from '../../../src/collectors/context.ts';
import type { Grant } from '../../../src/model/index.ts';
import { createKubernetesCollector } from '../../../src/collectors/kubernetes/index.ts';
import type { KubernetesCollectorConfig } from '../../../src/collectors/kubernetes/index.ts';
import { kubernetesSchema } from '../../../src/config/kubernetes-schema.ts';
import { ownersSchema } from '../../../src/config/schema.ts';
import { generateK8sEstate, startK8sEmulator } from '../../../src/sandbox/kubernetes/index.ts';
import type { K8sEmulator, K8sEstate } from '../../../src/sandbox/kubernetes/index.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
let estate: K8sEstate;
let emu: K8sEmulator;
let dir: string;
let kubeconfig: string;

/** What one collector run emitted and reported. */
type Run = Collected;

function config(overrides: Record<string, unknown> = {}): KubernetesCollectorConfig {
  return { kubernetes: kubernetesSchema.parse({ kubeconfig, contexts: ['*'], pageSize: 7, maxRetries: 3, ...overrides }), owners: ownersSchema.parse({}) };
}

async function run(cfg: KubernetesCollectorConfig, extra: Partial<CollectorContext> = {}): Promise<Run> {
  const collect = createKubernetesCollector({ retry: { retryDelayMs: 5, maxRetryDelayMs: 50 } });
  return collectInto(collect, cfg, { now: NOW, ...extra });
}

const first = (): string => estate.clusters[0]?.name ?? '';
const id = (ns: string, name: string, cluster = first()): string => `k8s:${cluster}:ns/${ns}/sa/${name}`;

beforeAll(async () => {
  estate = generateK8sEstate({ seed: 'collector', size: 60, nowMs: NOW });
  emu = await startK8sEmulator(estate);
  dir = mkdtempSync(join(tmpdir(), 'sprawl-k8s-'));
  kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, emu.kubeconfig(), { mode: 0o600 });
});

afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  emu.faults = {};
  emu.calls.reset();
});

describe('kubernetes collector, end to end against the emulator', () => {
  it('lists every cluster to the end through continue tokens', async () => {
    expect(estate.clusters.length).toBeGreaterThanOrEqual(2);
    const r = await run(config());
    expect(r.outcomes.map((o) => o.status)).toEqual(estate.clusters.map(() => 'ok'));
    expect(r.outcomes.map((o) => o.source)).toEqual(estate.clusters.map((c) => `k8s:${c.name}`));
    const accounts = estate.clusters.reduce((n, c) => n + c.serviceAccounts.length, 0);
    expect(r.identities).toHaveLength(accounts);
    expect(emu.calls.log.filter((c) => c.continued).length).toBeGreaterThan(10);
    expect(r.totals.pages).toBe(emu.calls.log.length);
    expect(r.totals.items).toBe(r.records.length);
  });

  it('maps accounts: scope, name, managed system namespaces, owner, labels', async () => {
    const r = await run(config());
    const runner = r.identities.find((i) => i.id === id('ci', 'ci-runner'));
    expect(runner).toMatchObject({ provider: 'kubernetes', kind: 'k8s-service-account', scope: first(), name: 'ci/ci-runner', managed: false, owner: 'platform', labels: { namespace: 'ci', automount: 'true' } });
    expect(runner?.createdAt).toMatch(/Z$/);
    expect(r.identities.find((i) => i.id === id('kube-system', 'coredns'))?.managed).toBe(true);
    expect(r.identities.filter((i) => i.name.startsWith('kube-system/')).every((i) => i.managed)).toBe(true);
  });

  it('maps running pods to activities and automount labels; finished pods are left out', async () => {
    const r = await run(config());
    const running = estate.clusters.reduce((n, c) => n + c.pods.filter((p) => p.status.phase === 'Running').length, 0);
    expect(r.activities).toHaveLength(running);
    const worker = r.activities.filter((a) => a.identityId === id('payments', 'payments-worker'));
    expect(worker).toHaveLength(1);
    expect(worker[0]).toMatchObject({ source: 'provider', verb: 'runs-as' });
    expect(worker[0]?.actor).toMatch(/^pod\/payments\/payments-worker-/);
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    expect(byId.get(id('payments', 'payments-worker'))?.lastUsedAt).toBe(new Date(NOW).toISOString());
    // SA opts out but one pod opts back in -> mounted; grafana's only pod opts out -> not mounted.
    expect(byId.get(id('payments', 'payments-api'))?.labels.automount).toBe('true');
    expect(byId.get(id('monitoring', 'grafana'))?.labels.automount).toBe('false');
    expect(byId.get(id('payments', 'payments-legacy'))?.labels.automount).toBeUndefined();
    expect(byId.get(id('payments', 'payments-legacy'))?.lastUsedAt).toBeUndefined();
  });

  it('links legacy token secrets to their accounts without keeping token values', async () => {
    const r = await run(config());
    const tokens = estate.clusters.reduce((n, c) => n + c.secrets.filter((s) => s.type === 'kubernetes.io/service-account-token').length, 0);
    expect(r.credentials).toHaveLength(tokens);
    const runner = r.credentials.find((c) => c.identityId === id('ci', 'ci-runner'));
    expect(runner?.kind).toBe('k8s-token-secret');
    expect(runner?.publicId).toMatch(/^ci\/ci-runner-token-/);
    expect(runner?.lastUsedAt).toBeDefined();
    expect(runner?.active).toBe(true);
    const dump = JSON.stringify(r.records);
    for (const c of estate.clusters) for (const s of c.secrets) for (const v of Object.values(s.data)) expect(dump).not.toContain(v);
    expect(dump).not.toContain('fake-signature');
  });

  it('resolves RBAC: cluster-admin, wildcards, aggregated roles, groups, escalation paths', async () => {
    const r = await run(config());
    const grantsOf = (identityId: string): Grant[] => r.grants.filter((g) => g.identityId === identityId);
    const deployer = grantsOf(id('ci', 'deployer'));
    expect(deployer.find((g) => g.role === 'ClusterRole/cluster-admin')).toMatchObject({ scope: 'cluster', privilege: 'admin', via: 'binding', viaName: 'ClusterRoleBinding/deployer-cluster-admin' });
    const edit = deployer.find((g) => g.role === 'ClusterRole/edit');
    expect(edit).toMatchObject({ scope: 'ci', privilege: 'write', viaName: 'RoleBinding/ci/deployer-edit' });
    // edit aggregates system:aggregate-to-edit and (through view's aggregate-to-edit label) view's components.
    expect(edit?.permissions).toEqual(expect.arrayContaining(['create pods/exec', 'get secrets', 'list servicemonitors.monitoring.coreos.com', 'escalation:secrets-read', 'escalation:pods-exec', 'escalation:pods-create', 'escalation:impersonate']));
    const view = grantsOf(id('payments', 'default')).find((g) => g.role === 'ClusterRole/view');
    expect(view).toMatchObject({ privilege: 'read', scope: 'payments' });
    expect(view?.permissions).toContain('list pods');
    expect(view?.permissions.some((p) => p.includes('secrets'))).toBe(false);
    const argo = grantsOf(id('argocd', 'argocd-application-controller')).find((g) => g.via === 'binding');
    expect(argo?.privilege).toBe('admin');
    expect(argo?.permissions).toContain('* *.*');
    const server = grantsOf(id('argocd', 'argocd-server')).flatMap((g) => g.permissions);
    expect(server).toEqual(expect.arrayContaining(['escalation:impersonate', 'escalation:token-create', 'escalation:escalate', 'escalation:bind']));
    const grafana = grantsOf(id('monitoring', 'grafana')).find((g) => g.role === 'ClusterRole/secret-reader');
    expect(grafana).toMatchObject({ scope: 'cluster', privilege: 'read' });
    expect(grafana?.permissions).toContain('escalation:secrets-read');
    const api = grantsOf(id('payments', 'payments-api')).find((g) => g.role === 'Role/payments/payments-config-reader');
    expect(api?.permissions).toEqual(['get configmaps[payments-config]']);
    // The issuer-discovery Group binding reaches every account, marked as via group.
    expect(grantsOf(id('payments', 'payments-worker'))).toEqual([expect.objectContaining({ via: 'group', role: 'ClusterRole/system:service-account-issuer-discovery' })]);
    // People (User / Group subjects) never become grants.
    expect(r.grants.some((g) => g.viaName === 'ClusterRoleBinding/platform-admins')).toBe(false);
  });

  it('retries throttling (Retry-After) and 5xx, then succeeds', async () => {
    emu.faults = { throttle: { times: 2, resource: 'serviceaccounts', retryAfterSeconds: 0 }, serverError: { times: 1, resource: 'clusterroles' } };
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(r.totals.retries).toBe(3);
    expect(emu.calls.log.filter((c) => c.status === 429)).toHaveLength(2);
  });

  it('restarts a listing whose continue token expired (410)', async () => {
    emu.faults = { expireContinue: { times: 1, resource: 'pods', cluster: first() } };
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(emu.calls.log.filter((c) => c.status === 410)).toHaveLength(1);
    const running = estate.clusters.reduce((n, c) => n + c.pods.filter((p) => p.status.phase === 'Running').length, 0);
    expect(r.activities).toHaveLength(running);
  });

  it('fails an unreachable cluster only, keeping the others', async () => {
    const down = estate.clusters[1]?.name ?? '';
    emu.faults = { unreachable: [down] };
    const r = await run(config({ maxRetries: 1 }));
    const outcome = r.outcomes.find((o) => o.source === `k8s:${down}`);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toBeTruthy();
    expect(r.outcomes.filter((o) => o.status === 'ok')).toHaveLength(estate.clusters.length - 1);
    expect(r.identities.some((i) => i.scope === down)).toBe(false);
    expect(r.identities.some((i) => i.scope === first())).toBe(true);
  });

  it('fails a cluster that forbids a resource (403) with the reason', async () => {
    emu.faults = { forbidden: [{ cluster: first(), resource: 'clusterrolebindings' }] };
    const r = await run(config());
    const outcome = r.outcomes.find((o) => o.source === `k8s:${first()}`);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(/^Forbidden \(HTTP 403\)/);
    expect(r.outcomes.filter((o) => o.status === 'ok')).toHaveLength(estate.clusters.length - 1);
  });

  it('scans only the current context by default, or the named ones', async () => {
    const current = await run(config({ contexts: [] }));
    expect(current.outcomes.map((o) => o.source)).toEqual([`k8s:${first()}`]);
    const named = await run(config({ contexts: [estate.clusters[1]?.name] }));
    expect(named.outcomes.map((o) => o.source)).toEqual([`k8s:${estate.clusters[1]?.name}`]);
    const missing = await run(config({ contexts: ['nope'] }));
    expect(missing.outcomes).toEqual([expect.objectContaining({ source: 'k8s:nope', status: 'failed' })]);
  });

  it('honours the abort signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await run(config(), { signal: controller.signal });
    expect(r.outcomes.every((o) => o.status === 'failed' && o.error === 'interrupted')).toBe(true);
  });
});
