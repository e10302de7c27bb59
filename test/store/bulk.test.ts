import { afterEach, describe, expect, it } from 'vitest';
import { insertRows } from '../../src/store/bulk.ts';
import type { Store } from '../../src/store/index.ts';
import type { ActivitiesTable, GatewayUsersTable } from '../../src/store/schema.ts';
import { storeTargets } from '../helpers/stores.ts';

function user(id: string, email: string | null): GatewayUsersTable {
  return { scan_id: 's1', id, gateway: 'gw.example', email, name: null, status: 'active', kind: 'human' };
}

function activity(identity: string, at: string): ActivitiesTable {
  return {
    scan_id: 's1',
    identity_id: identity,
    credential_id: null,
    at,
    source: 'gateway',
    actor: null,
    target: null,
    verb: null,
    actor_kind: null,
    session_id: null,
    connection_id: null,
    end_at: null,
    status: null,
    review: null,
    command: "it's \"quoted\" ? and ; not a statement",
  };
}

describe.each(storeTargets)('insertRows on $name', (target) => {
  const { skip } = target;
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });
  const opened = async (): Promise<Store> => {
    const o = await target.open();
    dispose = o.dispose;
    return o.store;
  };

  it.skipIf(skip).each([
    { name: 'new keys all land', first: [user('u1', 'a@x'), user('u2', null)], second: [user('u3', 'c@x')], want: ['u1:a@x', 'u2:', 'u3:c@x'] },
    { name: 'a key already there is skipped, the rest of the batch lands', first: [user('u1', 'a@x')], second: [user('u1', 'changed@x'), user('u2', 'b@x')], want: ['u1:a@x', 'u2:b@x'] },
    { name: 'a key twice in one batch keeps the first', first: [user('u1', 'a@x'), user('u1', 'b@x')], second: [], want: ['u1:a@x'] },
  ])('with a conflict key: $name', async ({ first, second, want }) => {
    const store = await opened();
    await insertRows(store, 'gateway_users', first, ['scan_id', 'id']);
    await insertRows(store, 'gateway_users', second, ['scan_id', 'id']);
    const rows = await store.db.selectFrom('gateway_users').select(['id', 'email']).orderBy('id').execute();
    expect(rows.map((r) => `${r.id}:${r.email ?? ''}`)).toEqual(want);
  });

  // SQLite writes 32 rows per statement and the rest one by one: keys repeated inside one
  // statement, across two, and in the tail resolve as if every row were its own statement.
  it.skipIf(skip).each([
    { name: 'inside one multi-row statement', dupes: [[3, 20]] },
    { name: 'across two statements', dupes: [[30, 40]] },
    { name: 'from a statement into the tail', dupes: [[5, 66]] },
    { name: 'inside the tail', dupes: [[65, 68]] },
    { name: 'several at once', dupes: [[0, 31], [32, 63], [64, 69], [10, 50]] },
  ])('a repeated key keeps its first row $name', async ({ dupes }) => {
    const store = await opened();
    const rows = Array.from({ length: 70 }, (_, i) => user(`u${String(i).padStart(2, '0')}`, `${i}@x`));
    for (const [first, again] of dupes as [number, number][]) rows[again] = user((rows[first] as GatewayUsersTable).id, `${again}@x`);
    await insertRows(store, 'gateway_users', rows, ['scan_id', 'id']);
    const stored = await store.db.selectFrom('gateway_users').select(['id', 'email']).orderBy('id').execute();
    const want = new Map<string, string>();
    for (const r of rows) if (!want.has(r.id)) want.set(r.id, r.email ?? '');
    expect(stored.map((r) => `${r.id}:${r.email ?? ''}`)).toEqual([...want].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, email]) => `${id}:${email}`));
  });

  it.skipIf(skip)('an upsert over more rows than one statement updates the rows already there and adds the rest', async () => {
    const store = await opened();
    const before = Array.from({ length: 50 }, (_, i) => user(`u${String(i).padStart(2, '0')}`, `old${i}@x`));
    await insertRows(store, 'gateway_users', before, ['scan_id', 'id']);
    const after = Array.from({ length: 75 }, (_, i) => ({ ...user(`u${String(i + 25).padStart(2, '0')}`, `new${i + 25}@x`), status: 'suspended' }));
    await insertRows(store, 'gateway_users', after, ['scan_id', 'id'], { update: ['email'] });
    const stored = await store.db.selectFrom('gateway_users').select(['id', 'email', 'status']).orderBy('id').execute();
    expect(stored).toHaveLength(100);
    expect(stored.slice(0, 25).every((r, i) => r.email === `old${i}@x` && r.status === 'active')).toBe(true);
    // Updated: the email only; the status stays as first written.
    expect(stored.slice(25, 50).every((r, i) => r.email === `new${i + 25}@x` && r.status === 'active')).toBe(true);
    expect(stored.slice(50).every((r, i) => r.email === `new${i + 50}@x` && r.status === 'suspended')).toBe(true);
  });

  it.skipIf(skip)('without a conflict key keeps every row, in batches bigger than one statement, values intact', async () => {
    const store = await opened();
    const rows = Array.from({ length: 1203 }, (_, i) => activity(`id-${i % 7}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()));
    await insertRows(store, 'activities', rows);
    await insertRows(store, 'activities', rows.slice(0, 3));
    const stored = await store.db.selectFrom('activities').selectAll().execute();
    expect(stored).toHaveLength(1206);
    expect(new Set(stored.map((r) => r.command))).toEqual(new Set([activity('x', 'y').command]));
    expect(stored.filter((r) => r.identity_id === 'id-3')).toHaveLength(172);
  });

  it.skipIf(skip)('refuses rows of different shapes, naming the table, and writes none of them', async () => {
    const store = await opened();
    const odd = { ...user('u2', null), extra: 'x' } as unknown as GatewayUsersTable;
    await expect(insertRows(store, 'gateway_users', [user('u1', null), odd], ['scan_id', 'id'])).rejects.toThrow(/gateway_users: rows of different shapes/);
    expect(await store.db.selectFrom('gateway_users').selectAll().execute()).toEqual([]);
  });

  it.skipIf(skip)('an empty list is a no-op', async () => {
    const store = await opened();
    await insertRows(store, 'gateway_users', []);
    expect(await store.db.selectFrom('gateway_users').selectAll().execute()).toEqual([]);
  });
});
