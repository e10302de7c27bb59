/**
 * The gateway's actions against the hoop emulator (src/sandbox/hoop): register, rotate and cutoff
 * change the emulator's connections and plugins; applying again is a no-op; undo restores; the
 * gateway collector links a registered connection on the next scan. Minters are test doubles
 * (sprawl's own interface) except one: the GCP minter in keyless (IAM federation) mode.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayCollector } from '../../../src/collectors/gateway/index.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Config } from '../../../src/config/schema.ts';
import { gatewayHandlers, REDACTED } from '../../../src/enforcer/actions/gateway.ts';
import { gcpMinter } from '../../../src/enforcer/actions/gcp.ts';
import type { ActionContext, ActionHandler, CredentialMinter, MintedCredential, Outcome } from '../../../src/enforcer/actions/types.ts';
import { buildPlan } from '../../../src/enforcer/plan.ts';
import type { Identity, PlanAction, Verdict, VerdictKind } from '../../../src/model/index.ts';
import { SPRAWL_TAG, decodeSprawlTag } from '../../../src/providers/hoop/tags.ts';
import { generateHoopEstate, startHoopEmulator } from '../../../src/sandbox/hoop/index.ts';
import type { HoopEmulator, HoopEstate, HoopStoredConnection } from '../../../src/sandbox/hoop/index.ts';
import type { Logger } from '../../../src/util/log.ts';
import { NOW, key, user } from '../../analyzers/factories.ts';
import { connection } from '../../analyzers/gateway-factories.ts';
import { collectInto } from '../../helpers/collect.ts';
import { IDENTITIES } from '../../sandbox/hoop/fixtures.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const FAST = { settings: { retryDelayMs: 1, maxRetryDelayMs: 5 } };

let estate: HoopEstate;
let emu: HoopEmulator;
let logs: string[];

async function start(opts: { hideRoleInfo?: boolean } = {}): Promise<void> {
  estate = generateHoopEstate({ seed: 'enforce', nowMs: NOW.getTime(), identities: IDENTITIES, sessionsPerIdentity: 2 });
  emu = await startHoopEmulator(estate, opts);
}
beforeEach(async () => {
  logs = [];
  await start();
});
afterEach(async () => {
  await emu.stop();
});

const logger: Logger = {
  debug: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
  info: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
  warn: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
  error: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
};

function configFor(over: { enforce?: Record<string, unknown>; gateway?: Record<string, unknown> } = {}): Config {
  const agentId = estate.agents[0]?.id;
  return configSchema.parse({
    gateway: { url: emu.endpoint, name: estate.gateway, ...over.gateway },
    enforce: { gateway: { agentId, accessControlGroups: ['sre', 'etl-bots'], tags: { team: 'data' }, ...over.enforce } },
  });
}

function ctxOf(config: Config = configFor(), env: NodeJS.ProcessEnv = { HOOP_API_KEY: emu.apiKey }): ActionContext {
  return { config, env, log: logger, now: () => NOW };
}

/** A stub minter: fresh random secrets, remembered so the test can compare what hoop stored. */
function stubMinter(kinds: CredentialMinter['kinds'], keys: (n: number) => Record<string, string>) {
  const minted = new Map<string, MintedCredential>();
  const discarded: string[] = [];
  let n = 0;
  const minter: CredentialMinter = {
    kinds,
    mint: (): Promise<MintedCredential> => {
      n++;
      const cred = { publicId: `STUB${String(n).padStart(4, '0')}`, secrets: keys(n) };
      minted.set(cred.publicId, cred);
      return Promise.resolve(cred);
    },
    discard: (_a, id): Promise<void> => {
      discarded.push(id);
      minted.delete(id);
      return Promise.resolve();
    },
  };
  return { minter, minted, discarded };
}

const awsMinter = () =>
  stubMinter(['aws-iam-user'], (n) => ({
    'envvar:AWS_ACCESS_KEY_ID': `AKIASTUB${String(n).padStart(12, '0')}`,
    'envvar:AWS_SECRET_ACCESS_KEY': `stub/${randomBytes(24).toString('base64')}`,
  }));

const verdict = (identity: Identity, kind: VerdictKind): Verdict => ({ identityId: identity.id, verdict: kind, reasons: [kind], findingIds: [] });

/** The plan's first gateway action for one identity and verdict. */
function gatewayAction(identity: Identity, kind: VerdictKind, opts: { connectionName?: string; config?: Config } = {}): PlanAction {
  const conns = opts.connectionName ? [connection(opts.connectionName, identity, { gateway: estate.gateway })] : [];
  const plan = buildPlan({
    scan: { id: 's', startedAt: NOW.toISOString() },
    inventory: { identities: [identity], credentials: identity.provider === 'aws' ? [key(identity, '1')] : [], grants: [], activities: [], connections: conns, gatewayUsers: [], leaks: [] },
    verdicts: [verdict(identity, kind)],
    findings: [],
    config: (opts.config ?? configFor()).enforce,
    now: NOW,
  });
  const action = plan.actions.find((a) => a.kind.startsWith('gateway.'));
  if (!action) throw new Error(`no gateway action in ${plan.actions.map((a) => a.kind).join(',')}`);
  return action;
}

const handler = (handlers: ActionHandler[], kind: PlanAction['kind']): ActionHandler => {
  const h = handlers.find((x) => x.kinds.includes(kind));
  if (!h) throw new Error(kind);
  return h;
};

const stored = (name: string): HoopStoredConnection | undefined => emu.estate.connections.find((c) => c.name === name);
const accessControl = () => emu.estate.plugins.find((p) => p.name === 'access_control');

/** No minted value (plain or base64) anywhere in the outcome or the log. */
function expectNoSecrets(outcome: Outcome, minted: Iterable<MintedCredential>): void {
  const text = JSON.stringify(outcome) + logs.join('\n');
  for (const m of minted) {
    for (const [k, v] of Object.entries(m.secrets)) {
      if (k.includes('REGION') || k.includes('PROJECT')) continue;
      expect(text).not.toContain(v);
      expect(text).not.toContain(b64(v));
    }
  }
}

const etl = user('etl');
const awsConnection = (): HoopStoredConnection => {
  const c = emu.estate.connections.find((x) => x.subtype === 'aws-cli');
  if (!c) throw new Error('no aws connection in the estate');
  return c;
};

describe('gateway.register', () => {
  it('creates the connection with the minted secret (base64), its tags and groups; again is a noop; undo removes it; the collector links it', async () => {
    const { minter, minted, discarded } = awsMinter();
    const handlers = gatewayHandlers([minter], FAST);
    const action = gatewayAction(etl, 'migrate');
    expect(action.kind).toBe('gateway.register');
    const name = action.params['connection'] as string;
    const h = handler(handlers, 'gateway.register');
    const before = emu.estate.connections.length;

    const out = await h.apply(action, ctxOf());
    expect(out.status).toBe('done');
    expect(out.before).toEqual({ exists: false });
    const conn = stored(name);
    expect(conn).toBeDefined();
    const cred = minted.get((out.after as { credentialPublicId: string }).credentialPublicId);
    expect(cred).toBeDefined();
    // Exactly the base64 of the minted values, the keys exactly the plan's.
    expect(conn?.secret).toEqual({
      'envvar:AWS_ACCESS_KEY_ID': b64(cred?.secrets['envvar:AWS_ACCESS_KEY_ID'] ?? ''),
      'envvar:AWS_SECRET_ACCESS_KEY': b64(cred?.secrets['envvar:AWS_SECRET_ACCESS_KEY'] ?? ''),
      'envvar:AWS_REGION': b64('us-east-1'),
    });
    expect(decodeSprawlTag(conn?.connection_tags[SPRAWL_TAG] ?? '')).toBe(etl.id);
    expect(conn?.connection_tags['team']).toBe('data');
    expect(conn).toMatchObject({ type: 'custom', subtype: 'aws-cli', command: ['bash'], agent_id: estate.agents[0]?.id, access_schema: 'disabled', access_mode_exec: 'enabled' });
    expect(out.after).toEqual({ connectionId: conn?.id, name, credentialPublicId: cred?.publicId });
    expect(accessControl()?.connections).toEqual([expect.objectContaining({ connection_id: conn?.id, config: ['sre', 'etl-bots'] })]);
    const req = out.request as { body: { secret: Record<string, string> } };
    expect(Object.values(req.body.secret)).toEqual([REDACTED, REDACTED, REDACTED]);
    expectNoSecrets(out, minted.values());

    // Applied again: nothing minted, nothing sent.
    const again = await h.apply(action, ctxOf());
    expect(again.status).toBe('noop');
    expect(minted.size).toBe(1);
    expect(emu.estate.connections.length).toBe(before + 1);

    // The next scan links it by its tag.
    const collect = createGatewayCollector({ env: { HOOP_API_KEY: emu.apiKey }, settings: FAST.settings });
    const r = await collectInto(collect, { gateway: configFor().gateway!, inventory: { identities: [{ id: etl.id, name: 'etl' }], credentials: [] } }, { now: NOW });
    const linked = r.records.filter((x) => x.type === 'connection').map((x) => x.record as { name: string; identityId?: string; linkedBy?: string });
    expect(linked.find((c) => c.name === name)).toMatchObject({ identityId: etl.id, linkedBy: 'sprawl-tag' });

    // Undo: the connection (and its plugin entry) gone, the credential discarded.
    const undone = await h.undo!(action, out, ctxOf());
    expect(undone.status).toBe('done');
    expect(stored(name)).toBeUndefined();
    expect(accessControl()?.connections).toEqual([]);
    expect(discarded).toEqual([cred?.publicId]);
    expect((await h.undo!(action, out, ctxOf())).status).toBe('noop');
  });

  it('registers keylessly with the real GCP minter (IAM federation: no key at all)', async () => {
    const sa: Identity = { id: 'gcp:data-prod:sa/bi@data-prod.iam.gserviceaccount.com', provider: 'gcp', kind: 'gcp-service-account', scope: 'data-prod', name: 'bi', labels: {}, disabled: false, managed: false };
    const config = configFor({ enforce: { gcpFederation: true, accessControlGroups: [] } });
    const action = gatewayAction(sa, 'migrate', { config });
    expect(action.params['keyless']).toBe(true);
    const out = await handler(gatewayHandlers([gcpMinter], FAST), 'gateway.register').apply(action, ctxOf(config));
    expect(out.status).toBe('done');
    expect(stored(action.params['connection'] as string)?.secret).toEqual({ 'envvar:CLOUDSDK_CORE_PROJECT': b64('data-prod') });
    expect(accessControl()).toBeUndefined();
  });

  it('POST answered 500 after hoop created it: found by name, not sent twice', async () => {
    const { minter, discarded } = awsMinter();
    emu.faults.serverErrorAfter = { op: 'connections.create', times: 1 };
    const action = gatewayAction(etl, 'migrate');
    const out = await handler(gatewayHandlers([minter], FAST), 'gateway.register').apply(action, ctxOf());
    expect(out.status).toBe('done');
    expect(emu.calls.count('connections.create')).toBe(1);
    expect(emu.estate.connections.filter((c) => c.name === action.params['connection'])).toHaveLength(1);
    expect(discarded).toEqual([]);
  });

  it('POST answered 500 before creating it: looked up, then sent again', async () => {
    const { minter } = awsMinter();
    emu.faults.serverError = { op: 'connections.create', times: 1 };
    const action = gatewayAction(etl, 'migrate');
    const out = await handler(gatewayHandlers([minter], FAST), 'gateway.register').apply(action, ctxOf());
    expect(out.status).toBe('done');
    expect(emu.calls.count('connections.create')).toBe(2);
  });

  const failures: { name: string; setup: (a: PlanAction) => PlanAction; error: RegExp }[] = [
    { name: 'hoop refuses a tag value with a dot (422)', setup: (a) => ({ ...a, params: { ...a.params, tags: [...(a.params['tags'] as string[]), 'owner=a.b'] } }), error: /POST \/api\/connections: 422 connection_tags \(owner\)/ },
    {
      name: 'the access_control plugin refuses (403)',
      setup: (a) => {
        emu.faults.forbidden = ['pluginconnections.put'];
        return a;
      },
      error: /PUT \/api\/plugins\/access_control\/conn\/.+: 403/,
    },
  ];
  it.each(failures)('fails cleanly: $name: nothing left, the credential discarded', async ({ setup, error }) => {
    const { minter, minted, discarded } = awsMinter();
    const action = setup(gatewayAction(etl, 'migrate'));
    const before = emu.estate.connections.length;
    await expect(handler(gatewayHandlers([minter], FAST), 'gateway.register').apply(action, ctxOf())).rejects.toThrow(error);
    expect(emu.estate.connections.length).toBe(before);
    expect(minted.size).toBe(0);
    expect(discarded).toHaveLength(1);
  });

  it.each([
    { name: 'a connection of that name that is not this identity\'s', error: /not tagged sprawl-identity/ },
    { name: 'no minter for the identity kind', error: /no credential minter for identity kind aws-iam-user/ },
    { name: 'no API key in the environment', error: /HOOP_API_KEY .* is not set/ },
    { name: 'no agent id in the plan', error: /needs the parameter agentId/ },
  ])('refuses: $name', async ({ name, error }) => {
    const { minter, minted } = awsMinter();
    let action = gatewayAction(etl, 'migrate');
    let env: NodeJS.ProcessEnv = { HOOP_API_KEY: emu.apiKey };
    let minters = [minter];
    if (name.startsWith('a connection')) action = { ...action, params: { ...action.params, connection: awsConnection().name } };
    if (name.startsWith('no minter')) minters = [];
    if (name.startsWith('no API key')) env = {};
    if (name.startsWith('no agent')) action = { ...action, params: { ...action.params, agentId: '' } };
    await expect(handler(gatewayHandlers(minters, FAST), 'gateway.register').apply(action, ctxOf(configFor(), env))).rejects.toThrow(error);
    expect(minted.size).toBe(0);
  });

  it('a minted credential without a value for a secret key is discarded', async () => {
    const { minter, discarded } = stubMinter(['aws-iam-user'], () => ({ 'envvar:AWS_ACCESS_KEY_ID': 'AKIASTUB' }));
    const action = gatewayAction(etl, 'migrate');
    await expect(handler(gatewayHandlers([minter], FAST), 'gateway.register').apply(action, ctxOf())).rejects.toThrow(/no value for envvar:AWS_SECRET_ACCESS_KEY/);
    expect(discarded).toEqual(['STUB0001']);
  });
});

describe('gateway.rotate', () => {
  it.each([false, true])('replaces our entries, keeps the others (hide_role_info %s)', async (hide) => {
    if (hide) {
      await emu.stop();
      await start({ hideRoleInfo: true });
    }
    const conn = awsConnection();
    conn.secret['envvar:EXTRA'] = b64('keep-me');
    delete conn.connection_tags[SPRAWL_TAG];
    const kept = conn.secret['envvar:EXTRA'];
    // The minter gives no region and the rotate plan carries none: the stored one stays.
    const region = conn.secret['envvar:AWS_REGION'];
    const { minter, minted, discarded } = awsMinter();
    const action = gatewayAction(etl, 'migrate', { connectionName: conn.name });
    expect(action.kind).toBe('gateway.rotate');
    const out = await handler(gatewayHandlers([minter], FAST), 'gateway.rotate').apply(action, ctxOf());
    expect(out.status).toBe('done');
    const cred = [...minted.values()][0];
    expect(stored(conn.name)?.secret).toEqual({
      'envvar:AWS_ACCESS_KEY_ID': b64(cred?.secrets['envvar:AWS_ACCESS_KEY_ID'] ?? ''),
      'envvar:AWS_SECRET_ACCESS_KEY': b64(cred?.secrets['envvar:AWS_SECRET_ACCESS_KEY'] ?? ''),
      'envvar:AWS_REGION': region,
      'envvar:EXTRA': kept,
    });
    expect(out.after).toEqual({ credentialPublicId: cred?.publicId, previousSecretKeys: ['envvar:AWS_ACCESS_KEY_ID', 'envvar:AWS_REGION', 'envvar:AWS_SECRET_ACCESS_KEY', 'envvar:EXTRA'] });
    expect(discarded).toEqual([]);
    expectNoSecrets(out, minted.values());
    expect(JSON.stringify(out)).not.toContain(kept);
    // an untagged connection now carries the identity's tag (its sessions map back whatever key it holds)
    const tags = stored(conn.name)?.connection_tags ?? {};
    expect(tags[SPRAWL_TAG] !== undefined ? decodeSprawlTag(tags[SPRAWL_TAG]) : undefined).toBe(etl.id);
  });

  it('a missing connection is an error, and nothing is minted', async () => {
    const { minter, minted } = awsMinter();
    const action = gatewayAction(etl, 'migrate', { connectionName: 'aws-gone-connection' });
    await expect(handler(gatewayHandlers([minter], FAST), 'gateway.rotate').apply(action, ctxOf())).rejects.toThrow(/gateway connection aws-gone-connection: not found/);
    expect(minted.size).toBe(0);
  });

  it('a refused PATCH discards the fresh credential', async () => {
    const conn = awsConnection();
    const secretBefore = { ...conn.secret };
    const { minter, discarded } = awsMinter();
    emu.faults.forbidden = ['connections.patch'];
    const action = gatewayAction(etl, 'migrate', { connectionName: conn.name });
    await expect(handler(gatewayHandlers([minter], FAST), 'gateway.rotate').apply(action, ctxOf())).rejects.toThrow(/PATCH .*: 403/);
    expect(discarded).toEqual(['STUB0001']);
    expect(stored(conn.name)?.secret).toEqual(secretBefore);
  });

  it('refuses a plan made for another gateway', async () => {
    const conn = awsConnection();
    const action = gatewayAction(etl, 'migrate', { connectionName: conn.name });
    const other = { ...action, params: { ...action.params, gateway: 'gateway.elsewhere.example' } };
    await expect(handler(gatewayHandlers([awsMinter().minter], FAST), 'gateway.rotate').apply(other, ctxOf())).rejects.toThrow(/names gateway gateway.elsewhere.example/);
  });
});

describe('gateway.cutoff', () => {
  it('disable: every access mode off, again a noop, undo restores them', async () => {
    const conn = awsConnection();
    const modes = { exec: conn.access_mode_exec, connect: conn.access_mode_connect, runbooks: conn.access_mode_runbooks };
    const action = gatewayAction(etl, 'revoke', { connectionName: conn.name });
    expect(action).toMatchObject({ kind: 'gateway.cutoff', reversible: true });
    const h = handler(gatewayHandlers([], FAST), 'gateway.cutoff');
    const out = await h.apply(action, ctxOf());
    expect(out.status).toBe('done');
    expect(out.before).toEqual({ exists: true, connectionId: conn.id, accessModeExec: modes.exec, accessModeConnect: modes.connect, accessModeRunbooks: modes.runbooks });
    expect(stored(conn.name)).toMatchObject({ access_mode_exec: 'disabled', access_mode_connect: 'disabled', access_mode_runbooks: 'disabled' });
    expect((await h.apply(action, ctxOf())).status).toBe('noop');
    const undone = await h.undo!(action, out, ctxOf());
    expect(undone.status).toBe('done');
    expect(stored(conn.name)).toMatchObject({ access_mode_exec: modes.exec, access_mode_connect: modes.connect, access_mode_runbooks: modes.runbooks });
    expect((await h.undo!(action, out, ctxOf())).status).toBe('noop');
  });

  it('delete: the connection gone, before keeps it without secret values; again a noop; no undo', async () => {
    const conn = awsConnection();
    const secrets = Object.values(conn.secret);
    const config = configFor({ enforce: { cutoff: 'delete' } });
    const action = gatewayAction(etl, 'revoke', { connectionName: conn.name, config });
    expect(action).toMatchObject({ kind: 'gateway.cutoff', reversible: false, params: { mode: 'delete' } });
    const h = handler(gatewayHandlers([], FAST), 'gateway.cutoff');
    const out = await h.apply(action, ctxOf(config));
    expect(out.status).toBe('done');
    expect(stored(conn.name)).toBeUndefined();
    expect(out.before).toMatchObject({ exists: true, connection: { id: conn.id, name: conn.name, secretKeys: Object.keys(conn.secret).sort() } });
    for (const v of secrets) expect(JSON.stringify(out)).not.toContain(v);
    expect((await h.apply(action, ctxOf(config))).status).toBe('noop');
    await expect(h.undo!(action, out, ctxOf(config))).rejects.toThrow(/cannot be restored/);
  });

  it('a connection already gone is a noop', async () => {
    const action = gatewayAction(etl, 'revoke', { connectionName: 'aws-never-existed' });
    const out = await handler(gatewayHandlers([], FAST), 'gateway.cutoff').apply(action, ctxOf());
    expect(out).toEqual({ status: 'noop', before: { exists: false }, request: null, after: { exists: false } });
  });
});

describe('the emulator\'s write API (as hoop answers)', () => {
  const valid = () => ({
    name: 'sprawl-test-conn',
    type: 'custom',
    subtype: 'aws-cli',
    command: ['bash'],
    agent_id: estate.agents[0]?.id,
    secret: { 'envvar:AWS_ACCESS_KEY_ID': b64('AKIAEXAMPLE') },
    connection_tags: { team: 'data' },
    access_mode_runbooks: 'enabled',
    access_mode_exec: 'enabled',
    access_mode_connect: 'disabled',
    access_schema: 'disabled',
  });
  async function send(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${emu.endpoint}${path}`, {
      method,
      headers: { authorization: `Bearer ${emu.apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  it.each([
    { name: 'a valid connection', body: {}, status: 201 },
    { name: 'no agent_id', body: { agent_id: undefined }, status: 400, message: /'AgentId' failed on the 'required' tag/ },
    { name: 'no access_schema', body: { access_schema: undefined }, status: 400, message: /'AccessSchema' failed/ },
    { name: 'a name breaking the rule', body: { name: 'a/b' }, status: 422, message: /name: it must contain/ },
    { name: 'a two-character name', body: { name: 'ab' }, status: 422 },
    { name: '11 tags', body: { connection_tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, status: 422, message: /max tag association reached \(10\)/ },
    { name: 'a tag value with a dot', body: { connection_tags: { owner: 'a.b' } }, status: 422 },
    { name: '10 tags with sprawl\'s encoded identity', body: { connection_tags: { ...Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])), [SPRAWL_TAG]: 's1:Z2NwOnA6c2EvYUBwLmlhbQ' } }, status: 201 },
    { name: 'a secret value that is not base64', body: { secret: { 'envvar:X': 'not base64!' } }, status: 422, message: /envvar:X/ },
    { name: 'a secret map that is not an object', body: { secret: 'x' }, status: 400 },
  ])('POST /api/connections: $name -> $status', async ({ body, status, message }) => {
    const r = await send('POST', '/api/connections', { ...valid(), ...body });
    expect(r.status).toBe(status);
    if (message) expect((r.body as { message: string }).message).toMatch(message);
    if (status === 201) expect(emu.estate.connections.some((c) => c.id === (r.body as { id: string }).id)).toBe(true);
  });

  it('409 on an existing name; PATCH replaces the whole secret map; DELETE 204 then 404', async () => {
    expect((await send('POST', '/api/connections', valid())).status).toBe(201);
    expect((await send('POST', '/api/connections', valid())).status).toBe(409);
    const patched = await send('PATCH', '/api/connections/sprawl-test-conn', { secret: { 'envvar:NEW': b64('x') }, access_mode_exec: 'disabled' });
    expect(patched.status).toBe(200);
    expect(stored('sprawl-test-conn')).toMatchObject({ secret: { 'envvar:NEW': b64('x') }, access_mode_exec: 'disabled', access_mode_runbooks: 'enabled' });
    // Without hide_role_info hoop stores null as the text `<nil>`: not base64.
    expect((await send('PATCH', '/api/connections/sprawl-test-conn', { secret: { 'envvar:NEW': null } })).status).toBe(422);
    expect((await send('PATCH', '/api/connections/nope-nope', {})).status).toBe(404);
    expect((await send('DELETE', '/api/connections/sprawl-test-conn')).status).toBe(204);
    expect((await send('DELETE', '/api/connections/sprawl-test-conn')).status).toBe(404);
  });

  it('plugins: 404 until enabled, 400 when enabled twice; per-connection entries', async () => {
    const created = (await send('POST', '/api/connections', valid())).body as { id: string };
    expect((await send('GET', '/api/plugins/access_control')).status).toBe(404);
    expect((await send('PUT', `/api/plugins/access_control/conn/${created.id}`, { config: ['sre'] })).status).toBe(404);
    expect((await send('POST', '/api/plugins', { name: 'access_control', connections: [] })).status).toBe(201);
    expect((await send('POST', '/api/plugins', { name: 'access_control', connections: [] })).status).toBe(400);
    expect((await send('PUT', `/api/plugins/review/conn/${created.id}`, { config: ['sre'] })).status).toBe(400);
    const put = await send('PUT', `/api/plugins/access_control/conn/${created.id}`, { config: ['sre'] });
    expect(put).toMatchObject({ status: 200, body: { connection_id: created.id, config: ['sre'] } });
    expect((await send('GET', `/api/plugins/access_control/conn/${created.id}`)).body).toMatchObject({ config: ['sre'] });
    expect((await send('GET', '/api/plugins')).body).toEqual([expect.objectContaining({ name: 'access_control', connections: [{ id: created.id, name: 'sprawl-test-conn', config: ['sre'] }] })]);
    expect((await send('DELETE', `/api/plugins/access_control/conn/${created.id}`)).status).toBe(204);
    expect((await send('GET', `/api/plugins/access_control/conn/${created.id}`)).status).toBe(404);
    expect((await send('GET', '/api/agents')).body).toEqual(estate.agents);
  });
});
