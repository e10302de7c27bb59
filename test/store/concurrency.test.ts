/**
 * Several scanner processes opening one new store at the same moment: the migrations run once
 * (SQLite: one BEGIN IMMEDIATE transaction; PostgreSQL: kysely's advisory lock), every process
 * opens it, and the store ends migrated. Real processes, not promises in one process: SQLite's
 * locks are per connection and per process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { storeLocations } from '../helpers/stores.ts';

const DB_MODULE = fileURLToPath(new URL('../../src/store/db.ts', import.meta.url));
const PROCESSES = 4;

/** A child process that opens the store (migrating it) and closes it; resolves its exit code and stderr. */
function openInChild(location: string): Promise<{ code: number | null; stderr: string }> {
  const script = `const { openStore } = await import(${JSON.stringify(DB_MODULE)}); const s = await openStore(process.argv[1]); await s.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, location], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const stores = storeLocations();
afterAll(() => stores.cleanup());

describe.each(stores.targets)('a new $name store opened by several processes at once', ({ skip, location }) => {
  it.skipIf(skip)(`migrates once: all ${PROCESSES} open it`, { timeout: 60_000 }, async () => {
    const where = await location();
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => openInChild(where)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const store = await openStore(where);
    try {
      const applied = await store.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      const names = (applied as { name: string }[]).map((m) => m.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toContain('0008_shards');
    } finally {
      await store.close();
    }
  });
});
