import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ScanInfo, ScanStatus, SourceOutcome } from '../model/index.ts';
import type { Store } from './db.ts';
import { opt, parseJson } from './json.ts';
import type { ScansTable } from './schema.ts';

/**
 * Where a pid names one process: the host name, and on Linux the boot id and the pid namespace,
 * so that a pid of another container with the same host name, or of before a reboot, is not
 * looked up here.
 */
export function pidScope(): string {
  const parts = [hostname()];
  try {
    parts.push(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), readlinkSync('/proc/self/ns/pid'));
  } catch {
    // not Linux: the host name alone
  }
  return parts.join('|');
}

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
      heartbeat_at: new Date().toISOString(),
      error: null,
      pid_scope: pidScope(),
    })
    .execute();
}

/**
 * Makes a finished scan running again, owned by this process (the run's scan, refilled by a later
 * `sprawl analyze --run`): while it is refilled it is not current, and if this process dies the
 * scan is found abandoned like a new one.
 */
export async function reopenScan(store: Store, id: string): Promise<void> {
  await store.db
    .updateTable('scans')
    .set({ status: 'running', finished_at: null, error: null, host: hostname(), pid: process.pid, pid_scope: pidScope(), heartbeat_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
}

export async function finishScan(store: Store, id: string, done: { status: ScanStatus; sources: SourceOutcome[]; finishedAt: string; error?: string }): Promise<void> {
  await store.db
    .updateTable('scans')
    .set({ status: done.status, sources: JSON.stringify(done.sources), finished_at: done.finishedAt, error: done.error ?? null })
    .where('id', '=', id)
    .execute();
}

/** How often a running scan refreshes its heartbeat. */
export const HEARTBEAT_MS = 30_000;
/** A running scan of another host without a heartbeat for this long is taken for dead. */
export const STALE_AFTER_MS = 10 * 60_000;

/** Refreshes the heartbeat of a running scan. */
export async function beat(store: Store, id: string, at: Date = new Date()): Promise<void> {
  await store.db.updateTable('scans').set({ heartbeat_at: at.toISOString() }).where('id', '=', id).where('status', '=', 'running').execute();
}

/**
 * Refreshes the scan's heartbeat every `everyMs` until stopped. A beat that fails (the store is
 * busy or full) is skipped: the next one may pass, and the scan itself reports the store's failure.
 */
export function startHeartbeat(store: Store, id: string, everyMs: number = HEARTBEAT_MS): { stop(): void } {
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(() => beat(store, id)).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Whether a process of this host still lives (EPERM: it does, and is someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface AbandonedScan {
  id: string;
  /** Why it is taken for dead, as recorded in the scan's `error`. */
  reason: string;
}

export interface RecoverOptions {
  now?: Date;
  /** Where this process's pids mean something (default pidScope()). */
  scope?: string;
  /** Whether a pid of this host lives (default: signal 0). */
  alive?: (pid: number) => boolean;
  staleAfterMs?: number;
}

/** Why a running scan is dead, or undefined when it may still be running. */
function deathOf(row: Pick<ScansTable, 'host' | 'pid' | 'pid_scope' | 'heartbeat_at' | 'started_at'>, o: Required<RecoverOptions>): string | undefined {
  const last = row.heartbeat_at ?? row.started_at;
  const silentMs = o.now.getTime() - Date.parse(last);
  const who = `process ${row.pid ?? '?'} on ${row.host ?? 'an unknown host'}`;
  if (row.pid_scope === o.scope && row.pid !== null && row.pid !== process.pid) {
    if (!o.alive(row.pid)) return `the ${who} that ran it ended without finishing it (killed or crashed); its partial inventory is not used`;
  }
  // Another host's scan (or a pid reused since): only a heartbeat long silent says it is dead.
  if (Number.isFinite(silentMs) && silentMs > o.staleAfterMs) {
    return `no heartbeat from the ${who} that ran it since ${last} (over ${Math.round(o.staleAfterMs / 60_000)} min): taken for dead; its partial inventory is not used`;
  }
  return undefined;
}

/**
 * Marks failed, with the reason, every scan left 'running' by a process that died: in this pid
 * scope (host, boot, pid namespace) a pid that no longer lives, anywhere a heartbeat silent for over
 * `staleAfterMs`. A scan still running in another process (here, or on another host or container
 * sharing the store) is left alone.
 * Runs when a store is opened, so the next sprawl command after a crash records it.
 */
export async function recoverAbandonedScans(store: Store, opts: RecoverOptions = {}): Promise<AbandonedScan[]> {
  const o: Required<RecoverOptions> = { now: opts.now ?? new Date(), scope: opts.scope ?? pidScope(), alive: opts.alive ?? processAlive, staleAfterMs: opts.staleAfterMs ?? STALE_AFTER_MS };
  const running = await store.db.selectFrom('scans').select(['id', 'host', 'pid', 'pid_scope', 'heartbeat_at', 'started_at']).where('status', '=', 'running').execute();
  const out: AbandonedScan[] = [];
  for (const row of running) {
    const reason = deathOf(row, o);
    if (!reason) continue;
    // Only if it did not beat or finish meanwhile (another process may recover it at the same time).
    const res = await store.db
      .updateTable('scans')
      .set({ status: 'failed', error: reason, finished_at: o.now.toISOString() })
      .where('id', '=', row.id)
      .where('status', '=', 'running')
      .where((eb) => (row.heartbeat_at === null ? eb('heartbeat_at', 'is', null) : eb('heartbeat_at', '=', row.heartbeat_at)))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) out.push({ id: row.id, reason });
  }
  return out;
}

/** Why the scan failed without finishing (recoverAbandonedScans), if it did. */
export async function scanError(store: Store, id: string): Promise<string | undefined> {
  const row = await store.db.selectFrom('scans').select('error').where('id', '=', id).executeTakeFirst();
  return row?.error ?? undefined;
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
