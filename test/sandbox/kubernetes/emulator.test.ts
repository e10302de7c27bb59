import { ApiException, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countK8s, generateK8sEstate, startK8sEmulator } from '../../../src/sandbox/kubernetes/index.ts';
import type { K8sEmulator, K8sEstate } from '../../../src/sandbox/kubernetes/index.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
let estate: K8sEstate;
let emu: K8sEmulator;

function clients(context?: string): { core: CoreV1Api; rbac: RbacAuthorizationV1Api } {
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  if (context) kc.setCurrentContext(context);
  return { core: kc.makeApiClient(CoreV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api) };
}

beforeAll(async () => {
  estate = generateK8sEstate({ seed: 'emulator', size: 50, nowMs: NOW });
  emu = await startK8sEmulator(estate);
});
afterAll(() => emu.stop());
beforeEach(() => {
  emu.faults = {};
  emu.calls.reset();
});

describe('kubernetes estate', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateK8sEstate({ seed: 7, size: 50, nowMs: NOW });
    expect(generateK8sEstate({ seed: 7, size: 50, nowMs: NOW })).toEqual(a);
    expect(generateK8sEstate({ seed: 8, size: 50, nowMs: NOW })).not.toEqual(a);
  });

  it.each([1, 30, 60, 200])('size %i gives 1-3 clusters with the scenarios', (size) => {
    const e = generateK8sEstate({ seed: 's', size, nowMs: NOW });
    expect(e.clusters.length).toBeGreaterThanOrEqual(1);
    expect(e.clusters.length).toBeLessThanOrEqual(3);
    for (const c of e.clusters) {
      expect(c.namespaces.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['kube-system', 'default', 'ci', 'monitoring', 'payments']));
      for (const ns of c.namespaces) expect(c.serviceAccounts.some((s) => s.metadata.name === 'default' && s.metadata.namespace === ns.metadata.name)).toBe(true);
      const edit = c.clusterRoles.find((r) => r.metadata.name === 'edit');
      expect(edit?.aggregationRule?.clusterRoleSelectors[0]?.matchLabels).toEqual({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
    }
    expect(countK8s(e).tokenSecrets).toBeGreaterThan(0);
  });

  it('makes token secrets whose fake JWT names the account', () => {
    const secret = estate.clusters[0]?.secrets.find((s) => s.type === 'kubernetes.io/service-account-token');
    const jwt = Buffer.from(secret?.data.token ?? '', 'base64').toString('utf8');
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, string>;
    expect(claims['kubernetes.io/serviceaccount/service-account.name']).toBe(secret?.metadata.annotations?.['kubernetes.io/service-account.name']);
    expect(Buffer.from(jwt.split('.')[2] ?? '', 'base64url').toString('utf8')).toMatch(/^fake-signature-/);
  });
});

describe('kubernetes emulator, with the real client', () => {
  it('serves a kubeconfig with one context per cluster at distinct servers', () => {
    const kc = new KubeConfig();
    kc.loadFromString(emu.kubeconfig());
    expect(kc.getContexts().map((c) => c.name)).toEqual(estate.clusters.map((c) => c.name));
    expect(new Set(kc.getClusters().map((c) => c.server)).size).toBe(estate.clusters.length);
    expect(kc.getCurrentContext()).toBe(estate.clusters[0]?.name);
  });

  it('pages with limit and continue to the end', async () => {
    const { core } = clients();
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const res = await core.listServiceAccountForAllNamespaces({ limit: 5, ...(cont ? { _continue: cont } : {}) });
      names.push(...res.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`));
      if (res.metadata?._continue) expect(res.metadata.remainingItemCount).toBeGreaterThan(0);
      cont = res.metadata?._continue || undefined;
      pages++;
    } while (cont);
    expect(names).toHaveLength(estate.clusters[0]?.serviceAccounts.length ?? -1);
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toBeGreaterThan(2);
  });

  it('filters secrets and pods by field selector', async () => {
    const { core } = clients();
    const secrets = await core.listSecretForAllNamespaces({ fieldSelector: 'type=kubernetes.io/service-account-token' });
    expect(secrets.items.length).toBeGreaterThan(0);
    expect(secrets.items.every((s) => s.type === 'kubernetes.io/service-account-token')).toBe(true);
    const pods = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running' });
    expect(pods.items.every((p) => p.status?.phase === 'Running')).toBe(true);
    expect(pods.items[0]?.status?.startTime).toBeInstanceOf(Date);
  });

  it('serves RBAC lists', async () => {
    const { rbac } = clients(estate.clusters[1]?.name);
    const [roles, crs, rbs, crbs] = await Promise.all([rbac.listRoleForAllNamespaces(), rbac.listClusterRole(), rbac.listRoleBindingForAllNamespaces(), rbac.listClusterRoleBinding()]);
    const c = estate.clusters[1];
    expect([roles.items.length, crs.items.length, rbs.items.length, crbs.items.length]).toEqual([c?.roles.length, c?.clusterRoles.length, c?.roleBindings.length, c?.clusterRoleBindings.length]);
    expect(emu.calls.count(undefined, c?.name)).toBe(4);
  });

  const statusOf = async (p: Promise<unknown>): Promise<{ code: number; reason: string; headers: Record<string, string> }> => {
    try {
      await p;
    } catch (err) {
      if (!(err instanceof ApiException)) throw err;
      const e = err as ApiException<unknown>;
      // The client keeps the raw Status JSON for most codes (not for 401, whose body it drops).
      if (typeof e.body !== 'string') return { code: e.code, reason: '', headers: e.headers };
      const body = JSON.parse(e.body) as { kind: string; reason: string };
      expect(body.kind).toBe('Status');
      return { code: e.code, reason: body.reason, headers: e.headers };
    }
    throw new Error('expected a failure');
  };

  it.each([
    ['throttle', { throttle: { times: 1, retryAfterSeconds: 2 } }, 429, 'TooManyRequests'],
    ['server error', { serverError: { times: 1 } }, 500, 'InternalError'],
    ['forbidden', { forbidden: [{ resource: 'serviceaccounts' as const }] }, 403, 'Forbidden'],
  ])('answers %s as a Status', async (_n, faults, code, reason) => {
    emu.faults = faults;
    const s = await statusOf(clients().core.listServiceAccountForAllNamespaces());
    expect([s.code, s.reason]).toEqual([code, reason]);
    if (code === 429) expect(s.headers['retry-after']).toBe('2');
  });

  it('rejects a wrong token (401) and an expired continue token (410)', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: emu.clusters[0]?.server ?? '', skipTLSVerify: true }], users: [{ name: 'u', token: 'wrong' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    expect((await statusOf(kc.makeApiClient(CoreV1Api).listNamespace())).code).toBe(401);
    const { core } = clients();
    const first = await core.listPodForAllNamespaces({ limit: 1 });
    emu.faults = { expireContinue: { times: 1 } };
    expect((await statusOf(core.listPodForAllNamespaces({ limit: 1, _continue: first.metadata?._continue ?? '' }))).reason).toBe('Expired');
  });

  it('drops connections of an unreachable cluster', async () => {
    emu.faults = { unreachable: [estate.clusters[0]?.name ?? ''] };
    await expect(clients().core.listNamespace()).rejects.toThrow();
  });
});
