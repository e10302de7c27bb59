/**
 * Which scans left 'running' the next sprawl takes for dead, on SQLite and on PostgreSQL: in this
 * pid scope (host, boot, pid namespace) a pid that no longer lives; anywhere a heartbeat silent for
 * over 10 minutes. A scan whose process lives, or another host's scan that still beats, is left
 * running: a shared PostgreSQL store serves scanners on several hosts at once.
 */
import { describe, expect, it } from 'vitest';
import { beat, openStore, pidScope, recoverAbandonedScans, scanError, STALE_AFTER_MS, type Store } from '../../src/store/index.ts';
import { storeTargets } from '../helpers/stores.ts';
import { deadAndLivePids } from './crash-helpers.ts';

const MIN = 60_000;
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

const pids = deadAndLivePids();

interface Case {
  name: string;
  row: () => { pid: number | null; pid_scope: string | null; heartbeat_at: string | null; started_at: string; status?: string };
  /** The status after recovery, and what its error says. */
  status: string;
  error?: RegExp;
}

const here = () => pidScope();
const elsewhere = 'other-host|00000000-0000-0000-0000-000000000000|pid:[1]';

const cases: Case[] = [
  { name: 'this host, its process gone', row: () => ({ pid: pids.dead(), pid_scope: here(), heartbeat_at: ago(1000), started_at: ago(MIN) }), status: 'failed', error: /process \d+ on \S+ that ran it ended without finishing it/ },
  { name: 'this host, its process alive', row: () => ({ pid: pids.live(), pid_scope: here(), heartbeat_at: ago(1000), started_at: ago(MIN) }), status: 'running' },
  { name: 'this process (a scan in progress here)', row: () => ({ pid: process.pid, pid_scope: here(), heartbeat_at: ago(1000), started_at: ago(MIN) }), status: 'running' },
  { name: 'another host, beating', row: () => ({ pid: pids.live(), pid_scope: elsewhere, heartbeat_at: ago(MIN), started_at: ago(60 * MIN) }), status: 'running' },
  { name: 'another host, a dead pid number here but beating there', row: () => ({ pid: pids.dead(), pid_scope: elsewhere, heartbeat_at: ago(MIN), started_at: ago(60 * MIN) }), status: 'running' },
  { name: 'another host, silent for 11 min', row: () => ({ pid: 1, pid_scope: elsewhere, heartbeat_at: ago(11 * MIN), started_at: ago(60 * MIN) }), status: 'failed', error: /no heartbeat from the process 1 .* since .* \(over 10 min\)/ },
  { name: 'this host, a live pid (reused) but silent for 11 min', row: () => ({ pid: pids.live(), pid_scope: here(), heartbeat_at: ago(11 * MIN), started_at: ago(60 * MIN) }), status: 'failed', error: /no heartbeat/ },
  { name: 'a scan from before heartbeats, started an hour ago', row: () => ({ pid: null, pid_scope: null, heartbeat_at: null, started_at: ago(60 * MIN) }), status: 'failed', error: /no heartbeat/ },
  { name: 'a scan from before heartbeats, started a minute ago', row: () => ({ pid: null, pid_scope: null, heartbeat_at: null, started_at: ago(MIN) }), status: 'running' },
  { name: 'a complete scan with a dead pid', row: () => ({ pid: pids.dead(), pid_scope: here(), heartbeat_at: ago(11 * MIN), started_at: ago(60 * MIN), status: 'complete' }), status: 'complete' },
];

async function insert(store: Store, id: string, row: ReturnType<Case['row']>): Promise<void> {
  await store.db
    .insertInto('scans')
    .values({ id, run_id: null, started_at: row.started_at, finished_at: null, status: row.status ?? 'running', sources: '[]', tool_version: 't', host: row.pid_scope?.split('|')[0] ?? null, pid: row.pid, analyzed_at: null, shard: null, heartbeat_at: row.heartbeat_at, error: null, pid_scope: row.pid_scope })
    .execute();
}

describe.each(storeTargets)('abandoned scans on $name', (target) => {
  const { skip } = target;
  const open = () => target.open();
  it.skipIf(skip).each(cases)('$name: $status', async ({ row, status, error }) => {
    const { store, dispose } = await open();
    try {
      await insert(store, 's1', row());
      const recovered = await recoverAbandonedScans(store);
      const after = await store.db.selectFrom('scans').select(['status', 'finished_at']).where('id', '=', 's1').executeTakeFirstOrThrow();
      expect(after.status).toBe(status);
      if (error) {
        expect(await scanError(store, 's1')).toMatch(error);
        expect(recovered.map((r) => r.id)).toEqual(['s1']);
        expect(after.finished_at).not.toBeNull();
      } else {
        expect(recovered).toEqual([]);
        expect(await scanError(store, 's1')).toBeUndefined();
      }
    } finally {
      await dispose();
    }
  });

  it.skipIf(skip)('a beat keeps another host\'s long scan alive; opening the store recovers a dead one', async () => {
    const { store, location, dispose } = await open();
    try {
      await insert(store, 'beating', { pid: 1, pid_scope: elsewhere, heartbeat_at: ago(11 * MIN), started_at: ago(60 * MIN) });
      await insert(store, 'killed', { pid: pids.dead(), pid_scope: here(), heartbeat_at: ago(1000), started_at: ago(MIN) });
      await beat(store, 'beating');
      // Another sprawl opens the store: the killed scan is marked, the beating one is not.
      const again = await openStore(location);
      try {
        expect(again.recovered?.map((r) => r.id)).toEqual(['killed']);
      } finally {
        await again.close();
      }
      const rows = await store.db.selectFrom('scans').select(['id', 'status']).orderBy('id').execute();
      expect(rows).toEqual([{ id: 'beating', status: 'running' }, { id: 'killed', status: 'failed' }]);
      // Ten minutes on without a beat, it is taken for dead too.
      const later = await recoverAbandonedScans(store, { now: new Date(Date.now() + STALE_AFTER_MS + MIN) });
      expect(later.map((r) => r.id)).toEqual(['beating']);
    } finally {
      await dispose();
    }
  });
});
