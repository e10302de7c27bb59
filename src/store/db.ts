import { closeSync, mkdirSync, openSync, chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type DatabaseConnection, type Dialect as KyselyDialect, type Driver } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import type { Database } from './schema.ts';
import { openSqliteConnection } from './sqlite-connection.ts';
import * as m0001 from './migrations/0001_init.ts';
import * as m0002 from './migrations/0002_leaks.ts';
import * as m0003 from './migrations/0003_credential_details.ts';
import * as m0004 from './migrations/0004_gateway.ts';
import * as m0005 from './migrations/0005_analysis.ts';
import * as m0006 from './migrations/0006_enforcer.ts';
import * as m0007 from './migrations/0007_connection_credential.ts';
import * as m0008 from './migrations/0008_shards.ts';
import * as m0009 from './migrations/0009_activities_scan_index.ts';
import * as m0010 from './migrations/0010_scan_liveness.ts';
import { recoverAbandonedScans, type AbandonedScan } from './scans.ts';

export const DEFAULT_SQLITE_PATH = '.sprawl/sprawl.db';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the store is, without any password. */
  location: string;
  /** SQLite only: the connection under kysely, for bulk inserts with prepared statements (bulk.ts). */
  sqlite?: SQLite.Database;
  /** Scans left running by a process that died, marked failed when the store was opened. */
  recovered?: AbandonedScan[];
  close(): Promise<void>;
}

type SqliteStore = Store & { sqlite: SQLite.Database };

export class StoreError extends Error {
  override name = 'StoreError';
}

const migrations: Record<string, Migration> = { '0001_init': m0001, '0002_leaks': m0002, '0003_credential_details': m0003, '0004_gateway': m0004, '0005_analysis': m0005, '0006_enforcer': m0006, '0007_connection_credential': m0007, '0008_shards': m0008, '0009_activities_scan_index': m0009, '0010_scan_liveness': m0010 };
const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A URL without its password, safe to print. */
export function redactUrl(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/** Where the store this process opened last is (redacted): what a store failure that escaped elsewhere names. */
let lastOpened: string | undefined;

/**
 * A SQLite or PostgreSQL failure that reached the top without being named (databaseFailure) as a
 * StoreError naming the store this process opened last; undefined for any other error. File-system
 * codes are left alone here: at the top they may be about a report or plan file, not the store.
 */
export function databaseFailure(err: unknown): StoreError | undefined {
  if (err instanceof StoreError || !(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  const fromDatabase = typeof code === 'string' && (code.startsWith('SQLITE_') || ('severity' in err && /^[0-9A-Z]{5}$/.test(code)));
  return fromDatabase ? storeFailure(lastOpened ?? '(unknown)', err) : undefined;
}

/**
 * Opens (and migrates) the store: a SQLite file path, or a postgres:// URL. Scans left running by
 * a process that died are then marked failed (recoverAbandonedScans), listed in `recovered`.
 */
export async function openStore(location: string = DEFAULT_SQLITE_PATH): Promise<Store> {
  const store = isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
  lastOpened = store.location;
  try {
    if (store.sqlite) await migrateSqlite(store as SqliteStore);
    else await migrate(store);
    store.recovered = await recoverAbandonedScans(store);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw storeFailure(store.location, err) ?? err;
  }
  return store;
}

/** SQLite result codes (better-sqlite3 `code`, extended codes included) of a store that cannot be written. */
const SQLITE_FAILURES: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'is full: its disk (or quota) has no room left'],
  [/^SQLITE_READONLY/, 'is read-only'],
  [/^SQLITE_IOERR/, 'cannot be written: disk I/O error (the disk may be full or failing, or the file over a size limit)'],
  [/^SQLITE_CANTOPEN/, 'cannot be opened'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'is damaged or not a sprawl store'],
  [/^SQLITE_PERM/, 'may not be written (permission denied)'],
];
/** File-system errors (node `code`). */
const FS_FAILURES: Record<string, string> = {
  ENOSPC: 'is full: its disk has no room left',
  EDQUOT: 'is full: the disk quota is used up',
  EFBIG: 'cannot grow: the file is over a size limit',
  EROFS: 'is read-only: its file system is mounted read-only',
  EACCES: 'may not be written (permission denied)',
  EPERM: 'may not be written (operation not permitted: an immutable file?)',
  EIO: 'cannot be written: disk I/O error',
};
/** PostgreSQL SQLSTATEs (pg `code`). */
const PG_FAILURES: Record<string, string> = {
  '53100': 'is full: the database server has no disk space left',
  '53200': 'cannot be written: the database server is out of memory',
  '25006': 'is read-only: the database (or its server, a standby?) accepts no writes',
  '42501': 'may not be written: the database user lacks the privilege',
  '57P03': 'cannot be reached: the database server is starting up or shutting down',
};

/**
 * The error a store gives when it cannot be written (disk full, read-only, I/O error...), as one
 * line that names the store and the cause, or undefined for any other error.
 */
export function storeFailure(location: string, err: unknown): StoreError | undefined {
  if (err instanceof StoreError) return err;
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const detail = firstLine(err.message);
  const say = (what: string): StoreError => new StoreError(`the store at ${redactUrl(location)} ${what} (${detail.startsWith(code) ? detail : `${code}: ${detail}`})`, { cause: err });
  if (code.startsWith('SQLITE_')) {
    const hit = SQLITE_FAILURES.find(([re]) => re.test(code));
    return hit ? say(hit[1]) : undefined;
  }
  const fs = FS_FAILURES[code];
  if (fs) return say(fs);
  const pgWhy = PG_FAILURES[code];
  if (pgWhy && 'severity' in err) return say(pgWhy);
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/**
 * A kysely dialect whose every query and transaction step turns a store failure (storeFailure)
 * into a StoreError naming the store; any other error passes unchanged.
 */
function failuresNamed(dialect: KyselyDialect, location: string): KyselyDialect {
  const named = (err: unknown): StoreError | undefined => storeFailure(location, err);
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => namedDriver(dialect.createDriver(), named),
  };
}

function namedDriver(inner: Driver, named: (err: unknown) => StoreError | undefined): Driver {
  // The driver's own connection behind each one handed to kysely (drivers release their own).
  const own = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (c: DatabaseConnection): DatabaseConnection => own.get(c) ?? c;
  // Connections whose transaction the store itself gave up: SQLite rolls back on SQLITE_FULL or
  // an I/O error, so kysely's ROLLBACK then fails ("no transaction is active") and would hide why.
  const failed = new WeakSet<DatabaseConnection>();
  const guard = async <T>(run: () => Promise<T>, conn?: DatabaseConnection): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      const failure = named(err);
      if (!failure) throw err;
      if (conn) failed.add(conn);
      throw failure;
    }
  };
  return {
    init: (o) => guard(() => inner.init(o)),
    async acquireConnection(o) {
      const conn = await guard(() => inner.acquireConnection(o));
      const wrapped: DatabaseConnection = {
        executeQuery: (q, qo) => guard(() => conn.executeQuery(q, qo), conn),
        async *streamQuery(q, chunkSize, qo) {
          try {
            yield* conn.streamQuery(q, chunkSize, qo);
          } catch (err) {
            const failure = named(err);
            if (failure) failed.add(conn);
            throw failure ?? err;
          }
        },
      };
      own.set(wrapped, conn);
      return wrapped;
    },
    beginTransaction: (c, s) => {
      failed.delete(unwrap(c));
      return guard(() => inner.beginTransaction(unwrap(c), s), unwrap(c));
    },
    commitTransaction: (c) => guard(() => inner.commitTransaction(unwrap(c)), unwrap(c)),
    async rollbackTransaction(c) {
      const conn = unwrap(c);
      try {
        await inner.rollbackTransaction(conn);
      } catch (err) {
        // kysely throws the store's failure, already named, once this returns.
        if (!failed.has(conn)) throw named(err) ?? err;
      } finally {
        failed.delete(conn);
      }
    },
    savepoint: (c, name, compile) => guard(() => (inner.savepoint ? inner.savepoint(unwrap(c), name, compile) : Promise.reject(new Error('savepoints are not supported')))),
    rollbackToSavepoint: (c, name, compile) => guard(() => (inner.rollbackToSavepoint ? inner.rollbackToSavepoint(unwrap(c), name, compile) : Promise.reject(new Error('savepoints are not supported')))),
    releaseSavepoint: (c, name, compile) => guard(() => (inner.releaseSavepoint ? inner.releaseSavepoint(unwrap(c), name, compile) : Promise.reject(new Error('savepoints are not supported')))),
    releaseConnection: (c, o) => inner.releaseConnection(unwrap(c), o),
    destroy: (o) => inner.destroy(o),
  };
}

function openSqlite(path: string): SqliteStore {
  const file = path === ':memory:' ? path : resolve(path);
  let database: SQLite.Database;
  try {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Create the file owner-only before SQLite opens it: it holds the map of an estate's keys.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
    }
    database = openSqliteConnection(file);
  } catch (err) {
    throw storeFailure(file, err) ?? new StoreError(`cannot open the SQLite store at ${file}: ${(err as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: failuresNamed(new SqliteDialect({ database }), file) });
  return { db, dialect: 'sqlite', location: file, sqlite: database, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: failuresNamed(new PostgresDialect({ pool }), url) });
  return { db, dialect: 'postgres', location: redactUrl(url), close: () => db.destroy() };
}

/**
 * SQLite has no advisory lock, and kysely takes none there: two processes opening a new store at
 * once would both apply the same migration. The whole migration runs instead in one BEGIN
 * IMMEDIATE transaction, which holds the database's write lock from its first statement, so a
 * second process waits (busy_timeout) and then finds nothing left to do.
 */
async function migrateSqlite(store: SqliteStore): Promise<void> {
  const database = store.sqlite;
  try {
    database.exec('BEGIN IMMEDIATE');
  } catch (err) {
    throw storeFailure(store.location, err) ?? new StoreError(`cannot lock the SQLite store at ${store.location} to migrate it: ${(err as Error).message}`);
  }
  try {
    await migrate(store, { disableTransactions: true });
    database.exec('COMMIT');
  } catch (err) {
    if (database.inTransaction) database.exec('ROLLBACK');
    throw storeFailure(store.location, err) ?? err;
  }
}

/** Runs pending migrations. On PostgreSQL kysely holds an advisory lock meanwhile, so concurrent scanners migrate once. */
export async function migrate(store: Store, opts: { disableTransactions?: boolean } = {}): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider, ...opts });
  let result;
  try {
    result = await migrator.migrateToLatest();
  } catch (err) {
    throw storeFailure(store.location, err) ?? new StoreError(`cannot migrate the store at ${store.location}: ${(err as Error).message}`);
  }
  if (result.error) {
    if (result.error instanceof StoreError) throw result.error;
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const message = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new StoreError(`cannot migrate the store at ${store.location} (migration ${failed}): ${message}`);
  }
}
