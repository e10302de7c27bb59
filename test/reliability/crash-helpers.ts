/**
 * Shared by the crash and signal tests: a raw look into a store (SQLite read-only, or a pg client)
 * that runs none of sprawl's own opening (no migration, no recovery of abandoned scans), so the
 * test sees what the killed process left, and waiting for a condition on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';

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

/** The pid of a process that has exited, and of one that lives (killed after the file's tests). */
export function deadAndLivePids(): { dead: () => number; live: () => number } {
  let deadPid = -1;
  let live: ChildProcess | undefined;
  beforeAll(async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    deadPid = dead.pid ?? -1;
    await once(dead, 'exit');
    live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)']);
  });
  afterAll(() => {
    live?.kill('SIGKILL');
  });
  return { dead: () => deadPid, live: () => live?.pid ?? -1 };
}

/** A temp directory and a sandbox estate whose scans can be slowed down (the gateway's `delayMs`), with its config written there. */
export interface SlowEstate {
  readonly dir: string;
  readonly sandbox: Sandbox;
  readonly cli: (args: string[], onSpawn?: (child: ChildProcess) => void) => ReturnType<typeof runCli>;
}

export function slowEstate(seed: string): SlowEstate {
  const state: { dir?: string; sandbox?: Sandbox } = {};
  beforeAll(async () => {
    const dir = (state.dir = mkdtempSync(join(tmpdir(), `sprawl-${seed}-`)));
    // 8,000 gateway sessions: the gateway collector writes its first 2,000 activities (one batch)
    // while it is still paging, so a scan killed then leaves rows behind.
    const sandbox = (state.sandbox = await startSandbox({ seed, size: 40, now: '2026-11-01T00:00:00Z', gatewaySessions: 8000 }));
    // No session scripts fetched: one request per session would make the slow scan far too slow.
    writeFileSync(join(dir, 'sprawl.yaml'), stringify({ version: 1, ...sandbox.config, gateway: { ...sandbox.config.gateway, fetchScripts: 0 }, repos: [] }));
  }, 60_000);
  afterAll(async () => {
    await state.sandbox?.stop();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the slow estate is not started yet');
    return v;
  };
  return {
    get dir() {
      return need(state.dir);
    },
    get sandbox() {
      return need(state.sandbox);
    },
    cli: (args, onSpawn) => runCli(args, { cwd: need(state.dir), env: { ...need(state.sandbox).env }, timeoutMs: 180_000, ...(onSpawn ? { onSpawn } : {}) }),
  };
}
