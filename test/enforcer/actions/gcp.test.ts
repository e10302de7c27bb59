/**
 * The GCP actions and minter against the GCP emulator, through the real googleapis clients built
 * as the collector builds them; every change is checked in the emulator's estate and, where it
 * matters, in what the collector sees on its next scan.
 */
import { auth, iam } from '@googleapis/iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpCollector } from '../../../src/collectors/gcp/index.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Config } from '../../../src/config/schema.ts';
import { enforceSchema } from '../../../src/config/enforce-schema.ts';
import { gcpHandlers, gcpMinter } from '../../../src/enforcer/actions/gcp.ts';
import type { ActionContext, ActionHandler } from '../../../src/enforcer/actions/types.ts';
import { NoRoomError } from '../../../src/enforcer/actions/types.ts';
import { buildPlan } from '../../../src/enforcer/plan.ts';
import type { ActionKind, Credential, Identity, PlanAction } from '../../../src/model/index.ts';
import { generateGcpEstate, startGcpEmulator } from '../../../src/sandbox/gcp/index.ts';
import type { GcpEmulator, GcpEstate, GcpKey, GcpProject, GcpServiceAccount } from '../../../src/sandbox/gcp/index.ts';
import type { LogFields, Logger } from '../../../src/util/log.ts';
import { collectInto } from '../../helpers/collect.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const estate: GcpEstate = generateGcpEstate({ seed: 'enforce-gcp', size: 80, nowMs: NOW.getTime() });
let emu: GcpEmulator;
let config: Config;
const logged: string[] = [];

const recordingLog: Logger = {
  debug: (m: string, f?: LogFields) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
  info: (m: string, f?: LogFields) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
  warn: (m: string, f?: LogFields) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
  error: (m: string, f?: LogFields) => void logged.push(`${m} ${JSON.stringify(f ?? {})}`),
};

const ctx = (): ActionContext => ({ config, env: { SPRAWL_GCP_ACCESS_TOKEN: emu.accessToken }, log: recordingLog, now: () => NOW });

async function scan(): Promise<{ identities: Identity[]; credentials: Credential[] }> {
  const collect = createGcpCollector({ env: { SPRAWL_GCP_ACCESS_TOKEN: emu.accessToken }, settings: { retryDelayMs: 5, maxRetryDelayMs: 50 } });
  const { gcp, owners } = config;
  if (!gcp) throw new Error('no gcp config');
  const r = await collectInto(collect, { gcp, owners }, { now: NOW });
  expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
  return r;
}

function handler(kind: ActionKind): ActionHandler {
  const h = gcpHandlers.find((x) => x.kinds.includes(kind));
  if (!h) throw new Error(`no handler for ${kind}`);
  return h;
}

function action(kind: ActionKind, params: PlanAction['params']): PlanAction {
  return {
    id: `a_${kind}`,
    kind,
    identityId: `gcp:${String(params.project)}:sa/${String(params.email)}`,
    identityName: String(params.email),
    provider: 'gcp',
    scope: String(params.project),
    verdict: 'revoke',
    target: String(params.keyId ?? params.email),
    stage: 1,
    reversible: true,
    dependsOn: [],
    params: { identityKind: 'gcp-service-account', ...params },
    summary: kind,
  };
}

/** Service accounts of kind `user` with an active user-managed key, taken once each (tests do not share targets). */
const taken = new Set<string>();
function pick(filter: (sa: GcpServiceAccount, p: GcpProject) => boolean): { project: GcpProject; sa: GcpServiceAccount } {
  for (const project of estate.projects) {
    for (const sa of project.serviceAccounts) {
      if (sa.kind !== 'user' || taken.has(sa.email) || !filter(sa, project)) continue;
      taken.add(sa.email);
      return { project, sa };
    }
  }
  throw new Error('no service account left that fits');
}
const activeKey = (sa: GcpServiceAccount): GcpKey | undefined => sa.keys.find((k) => k.type === 'USER_MANAGED' && !k.disabled);
const liveAccount = (p: GcpProject, email: string): GcpServiceAccount | undefined => p.serviceAccounts.find((s) => s.email === email);

beforeAll(async () => {
  emu = await startGcpEmulator(estate);
  config = configSchema.parse({ gcp: { endpoint: emu.endpoint, projects: estate.projects.map((p) => p.projectId), maxRetries: 1 } });
});

afterAll(async () => {
  await emu.stop();
});

describe('gcp disable actions: apply, apply again, undo (table)', () => {
  const cases: { kind: ActionKind; what: string }[] = [
    { kind: 'gcp.key.disable', what: 'key' },
    { kind: 'gcp.sa.disable', what: 'account' },
  ];
  for (const c of cases) {
    it(`${c.kind}: disables, is a noop the second time, and undo enables again (seen by the collector)`, async () => {
      const { project, sa } = pick((s) => !s.disabled && activeKey(s) !== undefined);
      const key = activeKey(sa) as GcpKey;
      const params = { project: project.projectId, email: sa.email, ...(c.what === 'key' ? { keyId: key.id } : {}) };
      const h = handler(c.kind);
      const isOff = (): boolean => (c.what === 'key' ? key.disabled : sa.disabled);

      const first = await h.apply(action(c.kind, params), ctx());
      expect(first).toMatchObject({ status: 'done', before: { exists: true, disabled: false }, after: { disabled: true } });
      expect(isOff()).toBe(true);
      const seen = await scan();
      if (c.what === 'key') expect(seen.credentials.find((x) => x.publicId === key.id)?.active).toBe(false);
      else expect(seen.identities.find((i) => i.name === sa.email)?.disabled).toBe(true);

      const again = await h.apply(action(c.kind, params), ctx());
      expect(again.status).toBe('noop');
      // Undoing the second (noop) run must not enable what it did not disable.
      expect((await h.undo?.(action(c.kind, params), again, ctx()))?.status).toBe('noop');
      expect(isOff()).toBe(true);

      const undone = await h.undo?.(action(c.kind, params), first, ctx());
      expect(undone).toMatchObject({ status: 'done', after: { disabled: false } });
      expect(isOff()).toBe(false);
      expect((await h.undo?.(action(c.kind, params), first, ctx()))?.status).toBe('noop');
      const restored = await scan();
      if (c.what === 'key') expect(restored.credentials.find((x) => x.publicId === key.id)?.active).toBe(true);
      else expect(restored.identities.find((i) => i.name === sa.email)?.disabled).toBe(false);
    });
  }

  it('undo of a disable whose target was deleted since is an error naming it', async () => {
    const { project, sa } = pick((s) => !s.disabled && activeKey(s) !== undefined);
    const key = activeKey(sa) as GcpKey;
    const a = action('gcp.key.disable', { project: project.projectId, email: sa.email, keyId: key.id });
    const applied = await handler('gcp.key.disable').apply(a, ctx());
    await handler('gcp.key.delete').apply(action('gcp.key.delete', a.params), ctx());
    await expect(handler('gcp.key.disable').undo?.(a, applied, ctx())).rejects.toThrow(new RegExp(`gcp ${project.projectId} key ${key.id} of .*NOT_FOUND`));
  });
});

describe('gcp delete actions', () => {
  it('gcp.key.delete removes the key (gone from the next scan); again it is a noop', async () => {
    const { project, sa } = pick((s) => activeKey(s) !== undefined);
    const key = activeKey(sa) as GcpKey;
    const a = action('gcp.key.delete', { project: project.projectId, email: sa.email, keyId: key.id });
    const out = await handler('gcp.key.delete').apply(a, ctx());
    expect(out).toMatchObject({ status: 'done', before: { exists: true, keyType: 'USER_MANAGED' }, request: { method: 'DELETE' }, after: { exists: false } });
    expect(sa.keys.some((k) => k.id === key.id)).toBe(false);
    expect((await scan()).credentials.some((c) => c.publicId === key.id)).toBe(false);
    expect((await handler('gcp.key.delete').apply(a, ctx())).status).toBe('noop');
  });

  it('gcp.sa.delete records the uniqueId (undelete works for 30 days), the account and its bindings leave the next scan', async () => {
    const { project, sa } = pick((s, p) => p.policy.bindings.some((b) => b.members.includes(`serviceAccount:${s.email}`)));
    const a = action('gcp.sa.delete', { project: project.projectId, email: sa.email });
    const out = await handler('gcp.sa.delete').apply(a, ctx());
    expect(out).toMatchObject({ status: 'done', before: { exists: true, uniqueId: sa.uniqueId, email: sa.email }, after: { exists: false, undeleteUntil: '2025-07-01T00:00:00.000Z' } });
    expect(liveAccount(project, sa.email)).toBeUndefined();
    expect(project.policy.bindings.some((b) => b.members.includes(`deleted:serviceAccount:${sa.email}?uid=${sa.uniqueId}`))).toBe(true);
    const seen = await scan();
    expect(seen.identities.some((i) => i.name === sa.email)).toBe(false);
    expect((await handler('gcp.sa.delete').apply(a, ctx())).status).toBe('noop');

    // What the recorded uniqueId is for: the real API's undelete brings it back.
    const client = iam({ version: 'v1', rootUrl: `${emu.endpoint}/`, auth: emu.accessToken });
    const restored = await client.projects.serviceAccounts.undelete({ name: `projects/-/serviceAccounts/${sa.uniqueId}`, requestBody: {} });
    expect(restored.data.restoredAccount?.email).toBe(sa.email);
    expect((await scan()).identities.some((i) => i.name === sa.email)).toBe(true);
  });
});

describe('gcp targets that are missing', () => {
  const cases: { kind: ActionKind; params: () => PlanAction['params']; expect: 'noop' | RegExp }[] = [
    { kind: 'gcp.key.disable', params: () => ({ project: estate.projects[0]!.projectId, email: estate.projects[0]!.serviceAccounts[0]!.email, keyId: 'f'.repeat(40) }), expect: 'noop' },
    { kind: 'gcp.key.delete', params: () => ({ project: estate.projects[0]!.projectId, email: 'gone@x.iam.gserviceaccount.com', keyId: 'f'.repeat(40) }), expect: 'noop' },
    { kind: 'gcp.sa.disable', params: () => ({ project: estate.projects[0]!.projectId, email: 'gone@x.iam.gserviceaccount.com' }), expect: 'noop' },
    { kind: 'gcp.sa.delete', params: () => ({ project: estate.projects[0]!.projectId, email: 'gone@x.iam.gserviceaccount.com' }), expect: 'noop' },
    { kind: 'gcp.sa.disable', params: () => ({ project: 'no-such-project', email: 'a@no-such-project.iam.gserviceaccount.com' }), expect: /^gcp no-such-project service account a@no-such-project\.iam\.gserviceaccount\.com: serviceAccounts\.get PERMISSION_DENIED \(HTTP 403\)/ },
    { kind: 'gcp.key.delete', params: () => ({ project: estate.projects[0]!.projectId, email: 'x@y.z' }), expect: /needs the parameter keyId/ },
  ];
  for (const c of cases) {
    it(`${c.kind} ${JSON.stringify(c.params()).slice(0, 90)} -> ${String(c.expect).slice(0, 60)}`, async () => {
      const run = handler(c.kind).apply(action(c.kind, c.params()), ctx());
      if (c.expect === 'noop') expect((await run).status).toBe('noop');
      else await expect(run).rejects.toThrow(c.expect);
    });
  }
});

describe('gcpMinter', () => {
  it('mints a key the emulator knows (listed, authenticates) without its secret in any log, and discard deletes it', async () => {
    const { project, sa } = pick((s) => !s.disabled && s.keys.filter((k) => k.type === 'USER_MANAGED').length < 9);
    const seen = (await scan()).identities.find((i) => i.name === sa.email) as Identity;
    const plan = buildPlan({
      scan: { id: 's1', startedAt: NOW.toISOString() },
      inventory: { identities: [seen], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] },
      verdicts: [{ identityId: seen.id, verdict: 'migrate', reasons: [], findingIds: [] }],
      findings: [],
      config: enforceSchema.parse({ gateway: { agentId: '1837453e-01fc-46f3-9e4c-dcf22d395393' } }),
      now: NOW,
    });
    const register = plan.actions.find((a) => a.kind === 'gateway.register') as PlanAction;
    expect(register.params).toMatchObject({ project: project.projectId, email: sa.email, identityKind: 'gcp-service-account' });

    logged.length = 0;
    const minted = await gcpMinter.mint(register, ctx());
    const file = JSON.parse(minted.secrets['filesystem:GOOGLE_APPLICATION_CREDENTIALS'] as string) as { private_key_id: string; private_key: string; client_email: string; type: string };
    expect(minted.secrets['envvar:CLOUDSDK_CORE_PROJECT']).toBe(project.projectId);
    expect(Object.keys(minted.secrets).sort()).toEqual(['envvar:CLOUDSDK_CORE_PROJECT', 'filesystem:GOOGLE_APPLICATION_CREDENTIALS']);
    expect(file).toMatchObject({ type: 'service_account', private_key_id: minted.publicId, client_email: sa.email });
    expect(file.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const listed = (await scan()).credentials.find((c) => c.publicId === minted.publicId);
    expect(listed).toMatchObject({ active: true, createdAt: expect.any(String) as string });
    expect(Date.now() - Date.parse(listed?.createdAt ?? '')).toBeLessThan(60_000);
    expect(logged.join('\n')).toContain(minted.publicId);
    expect(logged.join('\n')).not.toContain(file.private_key.split('\n')[1]);

    // The credentials file works as a real one does: a self-signed JWT the emulator checks against the key.
    const asAccount = (): Promise<unknown> => {
      const googleAuth = new auth.GoogleAuth({ credentials: file, scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      googleAuth.useJWTAccessWithScope = true;
      return iam({ version: 'v1', rootUrl: `${emu.endpoint}/`, auth: googleAuth }).projects.serviceAccounts.get({ name: `projects/${project.projectId}/serviceAccounts/${sa.email}` }, { retry: false });
    };
    await expect(asAccount()).resolves.toMatchObject({ status: 200 });

    await gcpMinter.discard(register, minted.publicId, ctx());
    expect(sa.keys.some((k) => k.id === minted.publicId)).toBe(false);
    await expect(asAccount()).rejects.toMatchObject({ status: 401 });
    await expect(gcpMinter.discard(register, minted.publicId, ctx())).resolves.toBeUndefined();
  });

  it('with IAM federation (keyless) creates nothing: only the project, publicId federation', async () => {
    const { project, sa } = pick(() => true);
    const before = emu.calls.count('iam.serviceAccounts.keys.create');
    const deletes = emu.calls.count('iam.serviceAccounts.keys.delete');
    const keys = sa.keys.length;
    const a = action('gcp.key.disable', { project: project.projectId, email: sa.email, keyless: true });
    const minted = await gcpMinter.mint({ ...a, kind: 'gateway.register' }, ctx());
    expect(minted).toEqual({ publicId: 'federation', secrets: { 'envvar:CLOUDSDK_CORE_PROJECT': project.projectId } });
    expect(emu.calls.count('iam.serviceAccounts.keys.create')).toBe(before);
    expect(sa.keys).toHaveLength(keys);
    await gcpMinter.discard(a, 'federation', ctx());
    expect(emu.calls.count('iam.serviceAccounts.keys.delete')).toBe(deletes);
  });

  it('refuses past the 10 user-managed keys IAM allows, with the error naming the account', async () => {
    const { project, sa } = pick(() => true);
    const a = { ...action('gcp.sa.disable', { project: project.projectId, email: sa.email }), kind: 'gateway.register' as const };
    const made: string[] = [];
    while (sa.keys.filter((k) => k.type === 'USER_MANAGED').length < 10) made.push((await gcpMinter.mint(a, ctx())).publicId);
    // a NoRoomError: apply then discards what an interrupted run minted and tries again
    const err = await gcpMinter.mint(a, ctx()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NoRoomError);
    expect((err as Error).message).toBe(`gcp ${project.projectId} service account ${sa.email}: already has 10 user-managed keys, the most GCP allows; delete one before a fresh key can be made`);
    for (const id of made) await gcpMinter.discard(a, id, ctx());
    // another 400 (a disabled account, say) stays what it was
    const other = await gcpMinter.mint({ ...a, params: { ...a.params, email: `missing-${sa.email}` } }, ctx()).then(() => undefined, (e: unknown) => e);
    expect(other).not.toBeInstanceOf(NoRoomError);
  });
});
