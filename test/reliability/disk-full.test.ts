/**
 * A store that cannot be written, with the real binary: a disk that fills while the scan writes or
 * while the store is created, a read-only file system, a file-size limit, a read-only or full
 * PostgreSQL database. Each ends with one line naming the store and the cause, exit 2, no stack
 * trace; the scan that hit it is recorded failed once there is room again.
 *
 * Disk full and read-only use small tmpfs mounts (this runs as root; a container without
 * CAP_SYS_ADMIN refuses mounts and those cases are skipped, said so). Two techniques need no
 * mount and always run: RLIMIT_FSIZE (`ulimit -f`) for the CLI, and SQLite's max_page_count for
 * SQLITE_FULL in process. PostgreSQL cases run with SPRAWL_TEST_PG; the full one also needs the
 * server on this machine (a tablespace on a tmpfs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exitCodeFor } from '../../src/cli/main.ts';
import { configSchema } from '../../src/config/schema.ts';
import { runScan } from '../../src/pipeline/scan.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openStore, redactUrl, StoreError } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { user } from '../analyzers/factories.ts';
import { BIN, runCli, type CliResult } from '../helpers/cli.ts';
import { PG_URL, tempPostgresUrl } from '../helpers/stores.ts';
import { scanRows } from './crash-helpers.ts';

let dir: string;
let sandbox: Sandbox;
const mounts: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

function tryMount(target: string, options: string): boolean {
  mkdirSync(target, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target], { stdio: 'ignore' });
    mounts.push(target);
    return true;
  } catch {
    return false;
  }
}
const remount = (target: string, options: string) => execFileSync('mount', ['-o', `remount,${options}`, target], { stdio: 'ignore' });

/** Whether tmpfs mounts work here (root with CAP_SYS_ADMIN); probed once. */
let canMount = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-disk-'));
  canMount = userInfo().uid === 0 && tryMount(join(dir, 'probe'), 'size=64k');
  if (!canMount) console.warn('disk-full: tmpfs mounts are refused here; the mount cases are skipped (ulimit -f, max_page_count and PostgreSQL read-only still run)');
  sandbox = await startSandbox({ seed: 'disk', size: 60, now: '2026-11-01T00:00:00Z' });
  writeFileSync(join(dir, 'sprawl.yaml'), stringify({ version: 1, ...sandbox.config, repos: [] }));
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const m of mounts.splice(0).reverse()) spawnSync('umount', ['-l', m]);
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: { ...sandbox.env }, timeoutMs: 120_000 });

/** One line on stderr names the store and the cause; exit 2; no stack, no "internal error". */
function expectClearError(r: CliResult, store: string, cause: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  const line = r.stderr.trimEnd().split('\n').at(-1) ?? '';
  expect(line.startsWith(`sprawl: the store at ${store} `), line).toBe(true);
  expect(line).toMatch(cause);
}

interface SqliteCase {
  name: string;
  mount?: string;
  /** Prepares the store and returns the commands to run against it. */
  setup(at: string): Promise<string[][]>;
  cause: RegExp;
  /** After the failure: room again (options of a remount), and the scan then recorded failed. */
  after?: string;
  shell?: string;
}

const sqliteCases: SqliteCase[] = [
  {
    name: 'the disk fills while the scan writes (tmpfs of 600 KB)',
    mount: 'size=600k',
    setup: (at) => Promise.resolve([['scan', '--quiet', '--db', join(at, 's.db')]]),
    cause: /is full: its disk \(or quota\) has no room left \(SQLITE_FULL/,
    after: 'size=16m',
  },
  {
    name: 'the disk is full before the store is made (tmpfs of 64 KB)',
    mount: 'size=64k',
    setup: (at) => Promise.resolve([['scan', '--quiet', '--db', join(at, 's.db')], ['report', '--output', '-', '--db', join(at, 's.db')]]),
    cause: /is full: .*\((SQLITE_FULL|ENOSPC)/,
  },
  {
    name: 'a store on a file system remounted read-only',
    mount: 'size=8m',
    async setup(at) {
      const ok = await cli(['scan', '--quiet', '--db', join(at, 's.db')]);
      expect(ok.code, ok.stderr).toBe(0);
      remount(at, 'ro');
      return [['scan', '--quiet', '--db', join(at, 's.db')], ['report', '--output', '-', '--db', join(at, 's.db')], ['analyze', '--db', join(at, 's.db')]];
    },
    cause: /is read-only: its file system is mounted read-only \(EROFS/,
  },
  {
    name: 'a new store on a read-only file system',
    mount: 'ro,size=64k',
    setup: (at) => Promise.resolve([['scan', '--quiet', '--db', join(at, 's.db')]]),
    cause: /is read-only: .*\(EROFS/,
  },
  {
    name: 'a file-size limit (ulimit -f 300: no mount needed)',
    shell: 'ulimit -f 300',
    setup: (at) => Promise.resolve([['scan', '--quiet', '--db', join(at, 's.db')]]),
    cause: /cannot be written: disk I\/O error .*\(SQLITE_IOERR/,
  },
];

describe('a SQLite store that cannot be written', { timeout: 240_000 }, () => {
  it.each(sqliteCases)('$name: one clear line, exit 2', async (c) => {
    const at = join(dir, `case-${sqliteCases.indexOf(c)}`);
    if (c.mount && !canMount) return; // said in beforeAll
    if (c.mount) expect(tryMount(at, c.mount)).toBe(true);
    else mkdirSync(at, { recursive: true });
    const store = join(at, 's.db');
    for (const args of await c.setup(at)) {
      const r = c.shell
        ? await new Promise<CliResult>((resolve) => {
            const out = spawnSync('sh', ['-c', `${c.shell ?? ''} && exec "${process.execPath}" "${BIN}" "$@"`, 'sh', ...args], {
              cwd: dir,
              encoding: 'utf8',
              env: { ...process.env, ...sandbox.env, SPRAWL_FROM_SOURCE: '1', NO_COLOR: '1', CI: 'true' },
            });
            resolve({ code: out.status, stdout: out.stdout, stderr: out.stderr });
          })
        : await cli(args);
      expectClearError(r, store, c.cause);
    }
    if (c.after) {
      // Room again: the scan that hit the full disk is failed (recorded, or found dead on open).
      remount(at, c.after);
      const report = await cli(['report', '--output', '-', '--db', store]);
      expect(report.stderr).toContain('no finished scan');
      const rows = await scanRows(store);
      expect(rows.map((r) => r.status)).toEqual(['failed']);
      expect(rows[0]?.error).toMatch(/is full|ended without finishing/);
    }
  });

  it('SQLITE_FULL at max_page_count, in process (no mount needed): runScan throws a StoreError naming the store', async () => {
    const at = mkdtempSync(join(dir, 'pages-'));
    const location = join(at, 's.db');
    const escaped = location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const store = await openStore(location);
    try {
      const pages = Number(store.sqlite?.pragma('page_count', { simple: true }));
      store.sqlite?.pragma(`max_page_count = ${pages + 20}`);
      const config = configSchema.parse({ version: 1, aws: { accounts: [] }, repos: [] });
      // A collector of many identities (the store fills long before the last).
      const many = (_input: unknown, ctx: { emit: (r: never) => void }) => {
        for (let i = 0; i < 6000; i++) ctx.emit({ type: 'identity', record: user(`svc-${i}`, { labels: { pad: 'x'.repeat(200) } }) } as never);
        return Promise.resolve([{ source: 'aws:111122223333', status: 'ok' as const, items: 6000 }]);
      };
      const err: unknown = await runScan({ store, config, log: silentLogger, progress: { start() {}, update() {}, finish() {} }, collectors: { aws: many } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(new RegExp(`^the store at ${escaped} is full: .*\\(SQLITE_FULL`));
      const written: string[] = [];
      expect(exitCodeFor(err, (s) => written.push(s))).toBe(2);
      expect(written.join('').trimEnd().split('\n')).toHaveLength(1);
      // The scan says why it failed (the store still takes that small update).
      const [row] = await store.db.selectFrom('scans').select(['status', 'error']).execute();
      expect(row?.status).toBe('failed');
      expect(row?.error).toMatch(/is full/);
      // A write past kysely (a prepared statement on the SQLite handle) that fails reaches the top
      // as SQLite's own error: the CLI names the store it opened, in one line, exit 2.
      const raw: unknown = (() => {
        try {
          store.sqlite?.prepare('insert into scans (id, started_at, status, sources, tool_version) values (?, ?, ?, ?, ?)').run('x', 'now', 'complete', 'y'.repeat(200_000), 't');
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect((raw as { code?: string }).code).toBe('SQLITE_FULL');
      expect(raw).not.toBeInstanceOf(StoreError);
      const lines: string[] = [];
      expect(exitCodeFor(raw, (s) => lines.push(s))).toBe(2);
      expect(lines.join('')).toMatch(new RegExp(`^sprawl: the store at ${escaped} is full: .*\\(SQLITE_FULL[^\n]*\n$`));
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!PG_URL)('a PostgreSQL store that cannot be written', { timeout: 240_000 }, () => {
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };

  it('a read-only database (default_transaction_read_only): scan says so in one line, exit 2', async () => {
    const db = await tempPostgresUrl();
    cleanups.push(() => db.drop());
    const ok = await cli(['scan', '--quiet', '--db', db.url]);
    expect(ok.code, ok.stderr).toBe(0);
    const name = new URL(db.url).pathname.slice(1);
    await admin((c) => c.query(`alter database ${name} set default_transaction_read_only = on`));
    expectClearError(await cli(['scan', '--quiet', '--db', db.url]), redactUrl(db.url), /is read-only: .*\(25006/);
  });

  it('a database whose tablespace is full (a tmpfs; the server on this machine)', async (ctx) => {
    // The server's user must reach the directory: not under the test's own (0700) directory.
    const parent = mkdtempSync(join(tmpdir(), 'sprawl-pgspace-'));
    chmodSync(parent, 0o755);
    const space = join(parent, 'ts');
    cleanups.push(() => {
      spawnSync('umount', ['-l', space]);
      rmSync(parent, { recursive: true, force: true });
    });
    if (!canMount || !tryMount(space, 'size=64k')) return ctx.skip();
    try {
      chownSync(space, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
    } catch {
      return ctx.skip();
    }
    // A migrated store whose inventory tables live on the tiny tablespace.
    const db = await tempPostgresUrl();
    const name = `sprawl_full_${process.pid}`;
    cleanups.push(async () => {
      await admin((c) => c.query(`drop tablespace if exists ${name}`));
    });
    cleanups.push(() => db.drop());
    expect((await cli(['report', '--output', '-', '--db', db.url])).stderr).toContain('no finished scan');
    const created = await admin(async (c) => {
      try {
        await c.query(`create tablespace ${name} location '${space}'`);
        return true;
      } catch {
        return false; // a server elsewhere (CI's service container) cannot see this tmpfs
      }
    });
    if (!created) return ctx.skip();
    const store = new pg.Client({ connectionString: db.url });
    await store.connect();
    try {
      for (const t of ['identities', 'credentials', 'grants', 'activities']) await store.query(`alter table ${t} set tablespace ${name}`);
    } finally {
      await store.end();
    }
    const r = await cli(['scan', '--quiet', '--db', db.url]);
    expectClearError(r, redactUrl(db.url), /is full: the database server has no disk space left \(53100/);
  });
});
