import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHoopEstate, startHoopEmulator } from '../../../src/sandbox/hoop/index.ts';
import type { HoopEmulator, HoopEstate } from '../../../src/sandbox/hoop/index.ts';
import { IDENTITIES, NOW } from './fixtures.ts';

let estate: HoopEstate;
let emu: HoopEmulator;

beforeAll(async () => {
  estate = generateHoopEstate({ seed: 'emu', nowMs: NOW, identities: IDENTITIES, sessionCount: 1_000_000 });
  emu = await startHoopEmulator(estate);
});
afterAll(async () => {
  await emu.stop();
});

async function get(path: string, key: string | null = emu.apiKey): Promise<{ status: number; body: Record<string, unknown> & { data?: Record<string, unknown>[] } }> {
  const res = await fetch(`${emu.endpoint}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('hoop emulator', () => {
  it.each([
    ['no key', null, 401],
    ['wrong key', 'hpk_wrong', 401],
    ['the key', 'KEY', 200],
  ] as const)('auth: %s -> %s', async (_name, key, status) => {
    const r = await get('/api/users', key === 'KEY' ? emu.apiKey : key);
    expect(r.status).toBe(status);
    if (status === 401) expect(r.body).toEqual({ message: expect.any(String) as string });
  });

  it.each([
    ['bad start_date', '?start_date=2025-05-01', 422],
    ['bad end_date', '?start_date=2025-05-01T00:00:00Z&end_date=yesterday', 422],
    ['offset above 10000', '?offset=10001', 422],
    ['offset 10000', '?offset=10000&limit=1', 200],
    ['limit 0', '?limit=0', 422],
    ['bad count', '?count=maybe', 422],
  ])('validation: %s', async (_name, query, status) => {
    expect((await get(`/api/sessions${query}`)).status).toBe(status);
  });

  it('clamps the limit, caps totals, lists newest first without scripts', async () => {
    const r = await get('/api/sessions?limit=500');
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(100);
    expect(r.body.total).toBe(10_000);
    expect(r.body.total_is_capped).toBe(true);
    expect(r.body.has_next_page).toBe(true);
    const starts = (r.body.data ?? []).map((s) => Date.parse(s['start_date'] as string));
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    expect((r.body.data ?? []).every((s) => s['script'] === null)).toBe(true);
  });

  it('counts a small window exactly, both dates inclusive, and pages to the end', async () => {
    const [lo, hi] = estate.indexRange(NOW - 3_600_000, NOW - 1_800_000);
    const q = `start_date=${new Date(NOW - 3_600_000).toISOString()}&end_date=${new Date(NOW - 1_800_000).toISOString()}`;
    const first = await get(`/api/sessions?${q}&limit=100`);
    expect(first.body.total).toBe(hi - lo);
    expect(first.body.total_is_capped).toBe(false);
    const lastPage = await get(`/api/sessions?${q}&limit=100&offset=${Math.floor((hi - lo - 1) / 100) * 100}`);
    expect(lastPage.body.has_next_page).toBe(false);
    const none = await get(`/api/sessions?${q}&count=none`);
    expect(none.body.total).toBeNull();
  });

  it('returns one session with its script, connections with secrets, audit pages', async () => {
    const s = estate.sessionAt(estate.planted.index);
    const one = await get(`/api/sessions/${s.id}`);
    expect(one.status).toBe(200);
    expect((one.body['script'] as { data: string }).data).toContain('AWS_SECRET_ACCESS_KEY');
    expect((await get('/api/sessions/00000000-0000-4000-a000-000000000000')).status).toBe(404);
    const conns = await get('/api/connections');
    expect(Array.isArray(conns.body)).toBe(true);
    const name = estate.connections[0]?.name ?? '';
    expect((await get(`/api/connections/${name}`)).body['name']).toBe(name);
    expect((await get('/api/connections/nope')).status).toBe(404);
    const audit = await get('/api/audit/logs?page=1&page_size=10');
    expect(audit.body.data).toHaveLength(10);
    expect(audit.body['pages']).toEqual({ total: estate.auditLogs.length, page: 1, size: 10 });
  });

  it('injects faults and logs calls', async () => {
    emu.calls.reset();
    emu.faults.throttle = { op: 'users.list', times: 1, retryAfterSeconds: 0 };
    emu.faults.serverError = { times: 1 };
    expect((await get('/api/users')).status).toBe(429);
    expect((await get('/api/users')).status).toBe(500);
    expect((await get('/api/users')).status).toBe(200);
    emu.faults.forbidden = ['connections.list'];
    expect((await get('/api/connections')).status).toBe(403);
    delete emu.faults.forbidden;
    expect(emu.calls.count('users.list')).toBe(3);
    expect(emu.calls.log.map((c) => c.status)).toEqual([429, 500, 200, 403]);
  });
});
