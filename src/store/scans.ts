import { hostname } from 'node:os';
import type { ScanInfo, ScanStatus, SourceOutcome } from '../model/index.ts';
import type { Store } from './db.ts';
import { opt, parseJson } from './json.ts';
import type { ScansTable } from './schema.ts';

export async function createScan(store: Store, scan: { id: string; startedAt: string; toolVersion: string; runId?: string; shard?: string }): Promise<void> {
  await store.db
    .insertInto('scans')
    .values({
      id: scan.id,
      run_id: scan.runId ?? null,
      started_at: scan.startedAt,
      finished_at: null,
      status: 'running',
      sources: '[]',
      tool_version: scan.toolVersion,
      host: hostname(),
      pid: process.pid,
      analyzed_at: null,
      shard: scan.shard ?? null,
    })
    .execute();
}

export async function finishScan(store: Store, id: string, done: { status: ScanStatus; sources: SourceOutcome[]; finishedAt: string }): Promise<void> {
  await store.db
    .updateTable('scans')
    .set({ status: done.status, sources: JSON.stringify(done.sources), finished_at: done.finishedAt })
    .where('id', '=', id)
    .execute();
}

function toScanInfo(row: ScansTable): ScanInfo {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: opt(row.finished_at),
    status: row.status as ScanStatus,
    sources: parseJson<SourceOutcome[]>(row.sources, [], `scans ${row.id} sources`),
    runId: opt(row.run_id),
    analyzedAt: opt(row.analyzed_at),
    shard: opt(row.shard),
  };
}

export async function getScan(store: Store, id: string): Promise<ScanInfo | undefined> {
  const row = await store.db.selectFrom('scans').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toScanInfo(row) : undefined;
}

/**
 * The newest finished scan (complete or partial), or the newest before a given scan. Shards of a
 * sharded run are not scans of the estate: the run's own scan (`sprawl analyze --run`) is.
 */
export async function latestScan(store: Store, opts: { before?: string } = {}): Promise<ScanInfo | undefined> {
  let q = store.db.selectFrom('scans').selectAll().where('status', 'in', ['complete', 'partial']).where('shard', 'is', null);
  if (opts.before) {
    const ref = await getScan(store, opts.before);
    if (!ref) return undefined;
    q = q.where((eb) => eb.or([eb('started_at', '<', ref.startedAt), eb.and([eb('started_at', '=', ref.startedAt), eb('id', '<', ref.id)])]));
  }
  const row = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? toScanInfo(row) : undefined;
}

export async function listScans(store: Store, limit = 50): Promise<ScanInfo[]> {
  const rows = await store.db.selectFrom('scans').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toScanInfo);
}

/** Every scan of a run, shards and the run's own scan, oldest first. */
export async function scansOfRun(store: Store, runId: string): Promise<ScanInfo[]> {
  const rows = await store.db.selectFrom('scans').selectAll().where('run_id', '=', runId).orderBy('started_at').orderBy('id').execute();
  return rows.map(toScanInfo);
}

/** The tables holding a scan's inventory (what its collectors found), each keyed by scan_id. */
export const INVENTORY_TABLES = ['identities', 'credentials', 'grants', 'activities', 'leaks', 'gateway_connections', 'gateway_users'] as const;
