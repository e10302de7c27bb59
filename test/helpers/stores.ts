import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/index.ts';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** Set when the target cannot run here (reported as skipped). */
  skip: boolean;
  open(): Promise<{ store: Store; location: string; dispose: () => Promise<void> }>;
}

/** The PostgreSQL server the store tests use, from SPRAWL_TEST_PG (CI sets it). */
export const PG_URL = process.env.SPRAWL_TEST_PG;

/** A throw-away database on the test server, dropped by dispose(). */
export async function tempPostgresUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!PG_URL) throw new Error('SPRAWL_TEST_PG is not set');
  const name = `sprawl_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export const storeTargets: StoreTarget[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'sprawl-store-'));
      const location = join(dir, 'nested', 'sprawl.db');
      const store = await openStore(location);
      return {
        store,
        location,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: !PG_URL,
    async open() {
      const db = await tempPostgresUrl();
      const store = await openStore(db.url);
      return {
        store,
        location: db.url,
        async dispose() {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

export interface StoreLocation {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  /** Where a new, empty store may be opened (not opened here: processes under test open it). */
  location: () => Promise<string>;
}

/**
 * New store locations for tests that hand them to other processes: a SQLite file in a fresh
 * directory, or a throw-away database on the test server. cleanup() removes every one made.
 */
export function storeLocations(): { targets: StoreLocation[]; cleanup(): Promise<void> } {
  const undo: (() => Promise<void> | void)[] = [];
  return {
    targets: [
      {
        name: 'sqlite',
        skip: false,
        location: () => {
          const dir = mkdtempSync(join(tmpdir(), 'sprawl-store-'));
          undo.push(() => rmSync(dir, { recursive: true, force: true }));
          return Promise.resolve(join(dir, 'sprawl.db'));
        },
      },
      {
        name: 'postgres',
        skip: !PG_URL,
        location: async () => {
          const db = await tempPostgresUrl();
          undo.push(() => db.drop());
          return db.url;
        },
      },
    ],
    async cleanup() {
      for (const u of undo.splice(0)) await u();
    },
  };
}
