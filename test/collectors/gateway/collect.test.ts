import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectInto } from '../../helpers/collect.ts';
import { createGatewayCollector } from '../../../src/collectors/gateway/index.ts';
import type { GatewayCollectorOptions, GatewayStats } from '../../../src/collectors/gateway/index.ts';
import { gatewaySchema } from '../../../src/config/gateway-schema.ts';
import type { GatewayConnection, GatewayUser } from '../../../src/model/index.ts';
import { generateHoopEstate, hoopConnectionMap, startHoopEmulator } from '../../../src/sandbox/hoop/index.ts';
import type { HoopEmulator, HoopEstate } from '../../../src/sandbox/hoop/index.ts';
import { IDENTITIES, NOW, inventoryOf } from '../../sandbox/hoop/fixtures.ts';
import { SPRAWL_TAG, encodeSprawlTag } from '../../../src/providers/hoop/tags.ts';

const DAY = 86_400_000;
let estate: HoopEstate;
let emu: HoopEmulator;
let dir: string;

beforeAll(async () => {
  estate = generateHoopEstate({ seed: 'collect', nowMs: NOW, identities: IDENTITIES, sessionsPerIdentity: 30 });
  emu = await startHoopEmulator(estate);
  dir = await mkdtemp(join(tmpdir(), 'sprawl-gw-'));
});
afterAll(async () => {
  await emu.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
  emu.calls.reset();
});

async function run(e: HoopEmulator, overrides: Record<string, unknown> = {}, opts: GatewayCollectorOptions = {}, est: HoopEstate = estate) {
  let stats: GatewayStats | undefined;
  const collect = createGatewayCollector({ env: { HOOP_API_KEY: e.apiKey }, settings: { retryDelayMs: 1, maxRetryDelayMs: 5 }, onStats: (s) => (stats = s), ...opts });
  const gateway = gatewaySchema.parse({ url: e.endpoint, name: est.gateway, connectionMap: hoopConnectionMap(est), ...overrides });
  const r = await collectInto(collect, { gateway, inventory: inventoryOf(IDENTITIES) }, { now: NOW });
  const of = <T>(t: string) => r.records.filter((x) => x.type === t).map((x) => x.record as T);
  return { ...r, connections: of<GatewayConnection>('connection'), users: of<GatewayUser>('gateway-user'), stats: stats as GatewayStats };
}

/** Sessions of the estate started in [from, to). */
function expected(est: HoopEstate, from: number, to: number) {
  return [...est.sessions()].filter((s) => Date.parse(s.start_date) >= from && Date.parse(s.start_date) < to);
}

describe('collectGateway against the hoop emulator', () => {
  it('links connections by tag, principal, credential, federation and config; lists the unlinked', async () => {
    const r = await run(emu);
    expect(r.outcomes).toEqual([{ source: `gateway:${estate.gateway}`, status: 'ok', items: r.records.length }]);
    const byName = new Map(r.connections.map((c) => [c.name, c]));
    expect(r.connections).toHaveLength(estate.connections.length);
    for (const t of estate.truth) {
      const c = byName.get(t.name);
      expect(c?.id).toBe(`hoop:${estate.gateway}:conn/${t.name}`);
      if (t.link === 'none') expect(c?.identityId).toBeUndefined();
      else expect({ name: t.name, id: c?.identityId, by: c?.linkedBy }).toEqual({ name: t.name, id: t.identityId, by: t.link });
    }
    for (const c of r.connections) for (const k of c.secretKeys) expect(k).toMatch(/^(envvar|filesystem):[A-Z_]+$/);
    const unlinked = new Set(estate.truth.filter((t) => t.link === 'none').map((t) => t.name));
    expect(new Set(r.stats.unlinkedConnections.map((c) => c.name))).toEqual(unlinked);
    const all = expected(estate, NOW - 90 * DAY, NOW);
    const linkedSessions = all.filter((s) => !unlinked.has(s.connection));
    expect(r.activities).toHaveLength(linkedSessions.length);
    expect(r.stats.skippedSessions).toBe(all.length - linkedSessions.length);
    // credential-linked sessions carry the matched credential
    const credConn = estate.truth.find((t) => t.link === 'credential');
    const credActs = r.activities.filter((a) => a.target === credConn?.name);
    expect(credActs.length).toBeGreaterThan(0);
    expect(credActs.every((a) => a.credentialId?.startsWith(`${credConn?.identityId ?? ''}/key/`))).toBe(true);
    // users: people (with an inactive one), machine identities and API keys
    expect(r.users.filter((u) => u.kind === 'human')).toHaveLength(estate.users.length);
    expect(r.users.some((u) => u.kind === 'human' && u.status === 'inactive')).toBe(true);
    expect(r.users.filter((u) => u.kind === 'machine')).toHaveLength(estate.machineIdentities.length + estate.apiKeys.length);
    expect(emu.calls.count('sessions.get')).toBe(0);
  });

  it('maps sessions to the identity a connection was tagged with after them (sprawl tags what it rotates)', async () => {
    const t = estate.truth.find((x) => x.link === 'none')!;
    const live = estate.connections.find((c) => c.name === t.name)!;
    const before = { ...live.connection_tags };
    const identity = IDENTITIES[0]!.id;
    live.connection_tags = { ...before, [SPRAWL_TAG]: encodeSprawlTag(identity) };
    try {
      const r = await run(emu);
      const sessions = expected(estate, NOW - 90 * DAY, NOW).filter((s) => s.connection === t.name);
      expect(sessions.length).toBeGreaterThan(0);
      // the sessions themselves carry the tags of their time, without sprawl's
      expect(sessions.every((s) => s.connection_tags?.[SPRAWL_TAG] === undefined)).toBe(true);
      const acts = r.activities.filter((a) => a.target === t.name);
      expect(acts).toHaveLength(sessions.length);
      expect(new Set(acts.map((a) => a.identityId))).toEqual(new Set([identity]));
    } finally {
      live.connection_tags = before;
    }
  });

  it('maps sessions faithfully: one activity per session, machine vs human actors', async () => {
    const r = await run(emu);
    const ids = r.activities.map((a) => a.sessionId);
    expect(new Set(ids).size).toBe(ids.length);
    const keyNames = new Set(estate.apiKeys.map((k) => k.name));
    for (const a of r.activities) {
      const s = estate.sessionAt(estate.indexOf(a.sessionId ?? '') ?? -1);
      expect(a).toMatchObject({ at: s.start_date, source: 'gateway', target: s.connection, verb: s.verb, status: s.status, connectionId: `hoop:${estate.gateway}:conn/${s.connection}` });
      expect(a.endAt).toBe(s.end_date ?? undefined);
      expect(a.review).toBe(s.review?.status);
      expect(a.actorKind).toBe(s.identity_type === 'machine' || keyNames.has(s.user) ? 'machine' : 'human');
      expect(a.actor).toBe(s.user || s.user_name);
      expect(a.command).toBeUndefined();
    }
    expect(new Set(r.activities.map((a) => a.actorKind))).toEqual(new Set(['machine', 'human']));
  });

  it('fetches a bounded number of scripts and redacts secrets in them', async () => {
    const r = await run(emu, { fetchScripts: estate.sessionCount });
    expect(emu.calls.count('sessions.get')).toBe(r.stats.scripts);
    expect(r.stats.scripts).toBeGreaterThan(0);
    const planted = r.activities.find((a) => a.sessionId === estate.planted.sessionId);
    expect(planted?.command).toContain('[REDACTED');
    expect(planted?.command).toContain('aws s3 ls');
    expect(JSON.stringify(r.records)).not.toContain(estate.planted.secret);
    expect(JSON.stringify(r.records)).not.toContain(estate.planted.secret.slice(4, 20));
    const few = await run(emu, { fetchScripts: 3 });
    expect(few.stats.scripts).toBe(3);
  });

  it('never stores a secret value of a connection', async () => {
    const r = await run(emu);
    const text = JSON.stringify(r.records);
    for (const c of estate.connections) for (const v of Object.values(c.secret)) if (v && v.length > 12) expect(text).not.toContain(v);
    expect(text).not.toContain('AKIA2FAKEKEYQ7ZT3MVB"');
  });

  it('splits capped windows and reads every session exactly once', async () => {
    const dense = generateHoopEstate({ seed: 'dense', nowMs: NOW, identities: IDENTITIES, sessionCount: 4000, spanDays: 1 });
    const small = await startHoopEmulator(dense, { countCap: 150, maxOffset: 150 });
    try {
      const r = await run(small, { since: 1, windowHours: 24 }, { maxOffset: 150, minWindowMs: 1000 }, dense);
      expect(r.outcomes[0]?.status).toBe('ok');
      expect(r.stats.splits).toBeGreaterThan(5);
      expect(r.stats.truncatedWindows).toBe(0);
      const want = expected(dense, NOW - DAY, NOW);
      expect(r.stats.sessions).toBe(want.length);
      const seen = [...r.activities.map((a) => a.sessionId)];
      const unlinked = new Set(dense.truth.filter((t) => t.link === 'none').map((t) => t.name));
      expect(new Set(seen)).toEqual(new Set(want.filter((s) => !unlinked.has(s.connection)).map((s) => s.id)));
      expect(seen.length).toBe(new Set(seen).size);
      expect(small.calls.log.every((c) => c.status === 200)).toBe(true);
    } finally {
      await small.stop();
    }
  });

  it('splits windows at the real cap of 10000', async () => {
    const dense = generateHoopEstate({ seed: 'dense2', nowMs: NOW, identities: IDENTITIES, sessionCount: 12_000, spanDays: 1 });
    const e = await startHoopEmulator(dense);
    try {
      const r = await run(e, { since: 1 }, {}, dense);
      expect(r.stats.splits).toBeGreaterThanOrEqual(1);
      expect(r.stats.sessions).toBe(expected(dense, NOW - DAY, NOW).length);
    } finally {
      await e.stop();
    }
  });

  it('reports truncation when even the smallest window is capped', async () => {
    const dense = generateHoopEstate({ seed: 'trunc', nowMs: NOW, identities: IDENTITIES, sessionCount: 2000, spanDays: 0.01 });
    const small = await startHoopEmulator(dense, { countCap: 100, maxOffset: 100 });
    try {
      const r = await run(small, { since: 1, windowHours: 24 }, { maxOffset: 100, minWindowMs: 600_000 }, dense);
      expect(r.stats.truncatedWindows).toBeGreaterThan(0);
      expect(r.stats.sessions).toBeLessThan(2000);
      expect(small.calls.log.every((c) => c.status === 200)).toBe(true);
    } finally {
      await small.stop();
    }
  });

  it.each([
    ['429 on sessions', { throttle: { op: 'sessions.list' as const, times: 3 } }, 'ok'],
    ['500 on connections', { serverError: { op: 'connections.list' as const, times: 2 } }, 'ok'],
  ])('retries %s', async (_name, faults, status) => {
    Object.assign(emu.faults, faults);
    const r = await run(emu, { since: 3 });
    expect(r.outcomes[0]?.status).toBe(status);
    expect(r.totals.retries).toBeGreaterThanOrEqual(2);
    expect(r.connections).toHaveLength(estate.connections.length);
  });

  it.each([
    ['a revoked key (401)', { unauthorized: true }],
    ['persistent 500 on sessions', { serverError: { op: 'sessions.list' as const, times: 1000 } }],
  ])('fails the source on %s, keeping what was read', async (_name, faults) => {
    Object.assign(emu.faults, faults);
    const r = await run(emu, { since: 3, maxRetries: 1 });
    expect(r.outcomes[0]?.status).toBe('failed');
    expect(r.outcomes[0]?.error).toMatch(/401|500/);
    expect(r.outcomes[0]?.items).toBe(r.records.length);
  });

  it('fails cleanly without the API key', async () => {
    const collect = createGatewayCollector({ env: {} });
    const r = await collectInto(collect, { gateway: gatewaySchema.parse({ url: emu.endpoint }) }, { now: NOW });
    expect(r.outcomes[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('HOOP_API_KEY') as string });
    expect(emu.calls.count()).toBe(0);
  });

  it('imports exported session files, reporting malformed lines', async () => {
    const sessions = [...estate.sessions()].slice(0, 40);
    const lines = sessions.map((s) => JSON.stringify(s));
    lines.splice(4, 0, '{"id": "broken",');
    lines.splice(9, 0, '{"not": "a session"}');
    const jsonl = join(dir, 'sessions.jsonl');
    await writeFile(jsonl, lines.join('\n') + '\n');
    const arr = join(dir, 'sessions.json');
    await writeFile(arr, JSON.stringify(sessions.slice(0, 10)));
    let stats: GatewayStats | undefined;
    const collect = createGatewayCollector({ onStats: (s) => (stats = s) });
    const gateway = gatewaySchema.parse({ name: estate.gateway, files: [jsonl, arr], connectionMap: hoopConnectionMap(estate) });
    const r = await collectInto(collect, { gateway, inventory: inventoryOf(IDENTITIES) }, { now: NOW });
    expect(r.outcomes.map((o) => [o.source, o.status])).toEqual([
      [`gateway:${estate.gateway}:file:${jsonl}`, 'ok'],
      [`gateway:${estate.gateway}:file:${jsonl}#rejected`, 'failed'],
      [`gateway:${estate.gateway}:file:${arr}`, 'ok'],
    ]);
    expect(r.outcomes[1]?.error).toContain(`${jsonl}:line 5, ${jsonl}:line 10`);
    expect(stats?.files).toEqual([
      { path: jsonl, sessions: 40, dropped: 2, droppedAt: [`${jsonl}:line 5`, `${jsonl}:line 10`], fieldsLeftOut: 0 },
      { path: arr, sessions: 10, dropped: 0, droppedAt: [], fieldsLeftOut: 0 },
    ]);
    // Without the API there are no connection secrets: credential-only connections stay unlinked.
    const unlinked = new Set(estate.truth.filter((t) => t.link === 'none' || t.link === 'credential').map((t) => t.name));
    const linked = (xs: typeof sessions) => xs.filter((s) => !unlinked.has(s.connection)).length;
    expect(r.activities).toHaveLength(linked(sessions) + linked(sessions.slice(0, 10)));
    // files carry scripts: commands are kept, redacted
    expect(r.activities.some((a) => a.command !== undefined)).toBe(true);
    expect(JSON.stringify(r.records)).not.toContain(estate.planted.secret);
  });

  it('links each session of one connection by the tags it carried, however many different tag sets there are', async () => {
    // One connection, its sessions tagged with the identity of their time: more tag sets than
    // are compared one by one, in a different key order, and untagged ones (the config's link).
    const base = [...estate.sessions()].find((s) => estate.truth.some((t) => t.name === s.connection && t.link === 'config'))!;
    const configId = estate.truth.find((t) => t.name === base.connection)!.identityId;
    const tagged = (i: number, order: 'ab' | 'ba') => {
      const identity = IDENTITIES[i % IDENTITIES.length]!.id;
      const tags = order === 'ab' ? { team: `t${i}`, [SPRAWL_TAG]: encodeSprawlTag(identity) } : { [SPRAWL_TAG]: encodeSprawlTag(identity), team: `t${i}` };
      return { session: { ...base, id: `s-${i}-${order}`, connection_tags: tags }, identity };
    };
    const cases = [
      ...Array.from({ length: 20 }, (_, i) => tagged(i, 'ab')),
      ...Array.from({ length: 20 }, (_, i) => tagged(i, 'ba')),
      { session: { ...base, id: 's-none', connection_tags: null }, identity: configId },
      { session: { ...base, id: 's-empty', connection_tags: {} }, identity: configId },
    ];
    const file = join(dir, 'tagged.jsonl');
    await writeFile(file, cases.map((c) => JSON.stringify(c.session)).join('\n') + '\n');
    const gateway = gatewaySchema.parse({ name: estate.gateway, files: [file], connectionMap: hoopConnectionMap(estate) });
    const r = await collectInto(createGatewayCollector(), { gateway, inventory: inventoryOf(IDENTITIES) }, { now: NOW });
    expect(new Map(r.activities.map((a) => [a.sessionId, a.identityId]))).toEqual(new Map(cases.map((c) => [c.session.id, c.identity])));
  });
});
