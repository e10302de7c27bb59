import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Activity, Identity } from '../../src/model/index.ts';
import { createInventoryWriter, createScan, loadInventory, openStore, storeFailure, type Store } from '../../src/store/index.ts';
import type { GatewayUsersTable } from '../../src/store/schema.ts';
import { startSqliteWriter } from '../../src/store/sqlite-writer.ts';

let dirs: string[] = [];
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  stores = [];
});

async function fileStore(): Promise<{ store: Store; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sprawl-writer-'));
  dirs.push(dir);
  const file = join(dir, 'sprawl.db');
  const store = await openStore(file);
  stores.push(store);
  await createScan(store, { id: 's1', startedAt: '2026-01-01T00:00:00.000Z', toolVersion: 'test' });
  return { store, file };
}

const identity = (n: number, name = `svc-${n}`): Identity => ({
  id: `aws:111111111111:user/svc-${n}`,
  provider: 'aws',
  kind: 'aws-iam-user',
  scope: '111111111111',
  name,
  labels: { n: String(n) },
  disabled: false,
  managed: false,
});

const activity = (n: number): Activity => ({
  identityId: `aws:111111111111:user/svc-${n % 97}`,
  at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
  source: 'gateway',
  actor: `job-${n % 5}`,
  sessionId: `session-${n}`,
  command: `SELECT ${n}`,
});

const user = (id: string, email: string): GatewayUsersTable => ({ scan_id: 's1', id, gateway: 'gw.example', email, name: null, status: 'active', kind: 'human' });

describe('the inventory writer on a SQLite file', () => {
  // Infinity: every row on the main thread; 0: every row from the background thread; between: some of each.
  it.each([{ backgroundAfter: Infinity }, { backgroundAfter: 0 }, { backgroundAfter: 4000 }, { backgroundAfter: 11_000 }])(
    'stores the same inventory with backgroundAfter $backgroundAfter, a repeated key keeping its first record',
    async ({ backgroundAfter }) => {
      const { store } = await fileStore();
      const w = createInventoryWriter(store, 's1', { backgroundAfter });
      for (let n = 0; n < 5000; n++) w.write({ type: 'identity', record: identity(n) });
      for (let n = 0; n < 30_000; n++) w.write({ type: 'activity', record: activity(n) });
      // Written again, batches later: the first record stays.
      for (let n = 0; n < 3000; n++) w.write({ type: 'identity', record: identity(n, `renamed-${n}`) });
      await w.flush();
      expect(w.counts).toMatchObject({ identity: 8000, activity: 30_000 });
      const inv = await loadInventory(store, 's1');
      expect(inv.identities).toHaveLength(5000);
      expect(inv.identities.filter((i) => i.name.startsWith('renamed-'))).toEqual([]);
      expect(inv.identities.find((i) => i.id.endsWith('/svc-42'))).toMatchObject({ name: 'svc-42', labels: { n: '42' } });
      expect(inv.activities).toHaveLength(30_000);
      expect(new Set(inv.activities.map((a) => a.sessionId)).size).toBe(30_000);
      expect(inv.activities.find((a) => a.sessionId === 'session-29999')).toMatchObject(activity(29_999));
    },
  );

  it('writes again after a flush; a failed background batch fails the flush with its SQLite error, and what came after it is not written', async () => {
    const { store } = await fileStore();
    const w = createInventoryWriter(store, 's1', { backgroundAfter: 0 });
    for (let n = 0; n < 2500; n++) w.write({ type: 'identity', record: identity(n) });
    await w.flush();
    for (let n = 2500; n < 5000; n++) w.write({ type: 'identity', record: identity(n) });
    await w.flush();
    expect((await loadInventory(store, 's1')).identities).toHaveLength(5000);
    // A table gone under the writer (as a store damaged or from another version would be).
    store.sqlite?.exec('ALTER TABLE identities RENAME TO identities_gone');
    const w2 = createInventoryWriter(store, 's1', { backgroundAfter: 0 });
    for (let n = 5000; n < 9000; n++) w2.write({ type: 'identity', record: identity(n) });
    w2.write({ type: 'activity', record: activity(1) });
    const err = await w2.flush().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err).toMatchObject({ code: 'SQLITE_ERROR', message: expect.stringMatching(/no such table: identities/) as string });
    store.sqlite?.exec('ALTER TABLE identities_gone RENAME TO identities');
    expect((await loadInventory(store, 's1')).identities).toHaveLength(5000);
    // The batches after the failed one were not written.
    expect((await loadInventory(store, 's1')).activities).toEqual([]);
  });
});

describe('startSqliteWriter', () => {
  it('writes more batches than wait unwritten, in the order sent', async () => {
    const { store, file } = await fileStore();
    const writer = startSqliteWriter(file);
    for (let b = 0; b < 40; b++) writer.insert('gateway_users', Array.from({ length: 500 }, (_, i) => user(`u${(b * 500 + i) % 15_000}`, `batch${b}@x`)), ['scan_id', 'id']);
    await writer.close();
    const rows = await store.db.selectFrom('gateway_users').select(['id', 'email']).execute();
    expect(rows).toHaveLength(15_000);
    // u0..u499 came first in batch 0, again in batches 30 and after: the first batch's rows stay.
    expect(new Set(rows.filter((r) => Number(r.id.slice(1)) < 500).map((r) => r.email))).toEqual(new Set(['batch0@x']));
    expect(new Set(rows.filter((r) => Number(r.id.slice(1)) >= 14_500).map((r) => r.email))).toEqual(new Set(['batch29@x']));
  });

  it.each([
    { name: 'a constraint', table: 'identities', rows: [{ scan_id: 's1', id: 'x', provider: null }], code: 'SQLITE_CONSTRAINT_NOTNULL', named: false },
    { name: 'an unknown table', table: 'nope', rows: [{ a: 1 }], code: 'SQLITE_ERROR', named: false },
  ])('stops at the first failed batch ($name): close() throws its error with its code; later batches are not written', async ({ table, rows, code, named }) => {
    const { store, file } = await fileStore();
    const writer = startSqliteWriter(file);
    writer.insert('gateway_users', [user('before', 'a@x')], ['scan_id', 'id']);
    writer.insert(table, rows);
    writer.insert('gateway_users', [user('after', 'b@x')], ['scan_id', 'id']);
    const err = await writer.close().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe(code);
    expect(storeFailure(file, err) !== undefined).toBe(named);
    expect((await store.db.selectFrom('gateway_users').select('id').execute()).map((r) => r.id)).toEqual(['before']);
  });

  it('a store file that cannot be opened fails close() with SQLITE_CANTOPEN, which storeFailure names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sprawl-writer-'));
    dirs.push(dir);
    const file = join(dir, 'a-directory');
    mkdirSync(file);
    const writer = startSqliteWriter(file);
    writer.insert('gateway_users', [user('u', 'a@x')], ['scan_id', 'id']);
    const err = await writer.close().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(storeFailure(file, err)?.message).toMatch(/cannot be opened/);
  });

  it('an empty writer closes at once, and close() twice is one close', async () => {
    const { file } = await fileStore();
    const writer = startSqliteWriter(file);
    writer.insert('gateway_users', []);
    await Promise.all([writer.close(), writer.close()]);
    expect(() => writer.insert('gateway_users', [user('u', 'a@x')])).toThrow(/closed/);
  });
});
