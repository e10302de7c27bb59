/**
 * Shared by the crash and signal tests: a raw look into a store (SQLite read-only, or a pg client)
 * that runs none of sprawl's own opening (no migration, no recovery of abandoned scans), so the
 * test sees what the killed process left, and waiting for a condition on it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../../src/store/index.ts';

export async function rawQuery<T>(location: string, text: string, params: unknown[] = []): Promise<T[]> {
  if (isPostgresUrl(location)) {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      const pgText = text.replace(/\?/g, (() => { let i = 0; return () => `$${++i}`; })());
      return (await client.query(pgText, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new SQLite(location, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(text).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface ScanRow {
  id: string;
  status: string;
  error: string | null;
  finished_at: string | null;
  pid: number | null;
}

export const scanRows = (location: string): Promise<ScanRow[]> =>
  rawQuery<ScanRow>(location, 'select id, status, error, finished_at, pid from scans order by started_at, id');

export const INVENTORY = ['identities', 'credentials', 'grants', 'activities', 'leaks', 'gateway_connections', 'gateway_users', 'scan_findings', 'verdicts'] as const;

/** Rows per inventory table (and findings) of one scan. */
export async function rowCounts(location: string, scanId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of INVENTORY) {
    const [row] = await rawQuery<{ n: number | string }>(location, `select count(*) as n from ${t} where scan_id = ?`, [scanId]);
    out[t] = Number(row?.n ?? 0);
  }
  return out;
}

/** Polls until `check` returns a value (not undefined), or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let seen: T | undefined;
    try {
      seen = await check();
    } catch {
      // the store may not exist yet, or be locked for a moment
    }
    if (seen !== undefined) return seen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(everyMs);
  }
}
