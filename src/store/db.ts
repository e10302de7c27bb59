import { closeSync, mkdirSync, openSync, chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import type { Database } from './schema.ts';
import * as m0001 from './migrations/0001_init.ts';
import * as m0002 from './migrations/0002_leaks.ts';
import * as m0003 from './migrations/0003_credential_details.ts';
import * as m0004 from './migrations/0004_gateway.ts';
import * as m0005 from './migrations/0005_analysis.ts';
import * as m0006 from './migrations/0006_enforcer.ts';
import * as m0007 from './migrations/0007_connection_credential.ts';
import * as m0008 from './migrations/0008_shards.ts';
import * as m0009 from './migrations/0009_activities_scan_index.ts';

export const DEFAULT_SQLITE_PATH = '.sprawl/sprawl.db';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the store is, without any password. */
  location: string;
  /** SQLite only: the connection under kysely, for bulk inserts with prepared statements (bulk.ts). */
  sqlite?: SQLite.Database;
  close(): Promise<void>;
}

type SqliteStore = Store & { sqlite: SQLite.Database };

export class StoreError extends Error {
  override name = 'StoreError';
}

const migrations: Record<string, Migration> = { '0001_init': m0001, '0002_leaks': m0002, '0003_credential_details': m0003, '0004_gateway': m0004, '0005_analysis': m0005, '0006_enforcer': m0006, '0007_connection_credential': m0007, '0008_shards': m0008, '0009_activities_scan_index': m0009 };
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

/** Opens (and migrates) the store: a SQLite file path, or a postgres:// URL. */
export async function openStore(location: string = DEFAULT_SQLITE_PATH): Promise<Store> {
  if (isPostgresUrl(location)) {
    const store = openPostgres(location);
    await migrateOrClose(store, () => migrate(store));
    return store;
  }
  const store = openSqlite(location);
  await migrateOrClose(store, () => migrateSqlite(store));
  return store;
}

async function migrateOrClose(store: Store, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    await store.close();
    throw err;
  }
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
    database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 10000');
  } catch (err) {
    throw new StoreError(`cannot open the SQLite store at ${file}: ${(err as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', location: file, sqlite: database, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
    throw new StoreError(`cannot lock the SQLite store at ${store.location} to migrate it: ${(err as Error).message}`);
  }
  try {
    await migrate(store, { disableTransactions: true });
    database.exec('COMMIT');
  } catch (err) {
    if (database.inTransaction) database.exec('ROLLBACK');
    throw err;
  }
}

/** Runs pending migrations. On PostgreSQL kysely holds an advisory lock meanwhile, so concurrent scanners migrate once. */
export async function migrate(store: Store, opts: { disableTransactions?: boolean } = {}): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider, ...opts });
  let result;
  try {
    result = await migrator.migrateToLatest();
  } catch (err) {
    throw new StoreError(`cannot migrate the store at ${store.location}: ${(err as Error).message}`);
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const message = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new StoreError(`cannot migrate the store at ${store.location} (migration ${failed}): ${message}`);
  }
}
