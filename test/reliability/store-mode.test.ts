/**
 * The SQLite store holds the map of an estate's keys: its file, and the -wal and -shm files SQLite
 * makes beside it, are owner-only (0600) whatever the umask of the process that creates them, and
 * the directory sprawl makes for it is 0700. A store file found with wider modes is narrowed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';

const DB_MODULE = fileURLToPath(new URL('../../src/store/db.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'sprawl-mode-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/**
 * In a child process with the given umask: opens the store, writes to it so that SQLite has made
 * its -wal and -shm files, and reports the modes while the store is still open.
 */
function openWithUmask(umask: number, file: string): Record<string, string> {
  const script = `
    process.umask(${umask});
    const { openStore } = await import(${JSON.stringify(DB_MODULE)});
    const { statSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const store = await openStore(${JSON.stringify(file)});
    store.sqlite.exec("insert into scans (id, started_at, status, sources, tool_version) values ('s1', '2026-01-01T00:00:00Z', 'complete', '[]', 't')");
    const m = (p) => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');
    const f = ${JSON.stringify(file)};
    process.stdout.write(JSON.stringify({ db: m(f), wal: m(f + '-wal'), shm: m(f + '-shm'), dir: m(dirname(f)) }));
    await store.close();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed (${String(r.status)}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

describe('the SQLite store file is created owner-only, whatever the umask', () => {
  it.each([
    { umask: 0o000, name: 'umask 000 (everything open)' },
    { umask: 0o022, name: 'umask 022 (the usual)' },
    { umask: 0o002, name: 'umask 002 (group-writable)' },
    { umask: 0o077, name: 'umask 077' },
  ])('$name: store, -wal and -shm 0600, its new directory 0700', ({ umask }) => {
    const file = join(mkdtempSync(join(root, 'u-')), 'nested', 'sprawl.db');
    expect(openWithUmask(umask, file)).toEqual({ db: '0600', wal: '0600', shm: '0600', dir: '0700' });
  });

  it('a store file found world-readable is narrowed to 0600, and its -wal and -shm made so', () => {
    const dir = mkdtempSync(join(root, 'wide-'));
    const file = join(dir, 'sprawl.db');
    writeFileSync(file, '');
    chmodSync(file, 0o666);
    expect(mode(file)).toBe('0666');
    expect(openWithUmask(0o000, file)).toEqual({ db: '0600', wal: '0600', shm: '0600', dir: '0700' });
  });

  it('the CLI, under umask 000, creates .sprawl/ 0700 and .sprawl/sprawl.db 0600 (the default store)', () => {
    const cwd = mkdtempSync(join(root, 'cli-'));
    // `report` opens (and so creates) the default store, then says it holds no scan.
    const r = spawnSync('sh', ['-c', `umask 000 && exec "${process.execPath}" "${BIN}" report --output -`], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, SPRAWL_FROM_SOURCE: '1', NO_COLOR: '1', SPRAWL_DB: '' },
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const file = join(cwd, '.sprawl', 'sprawl.db');
    expect(existsSync(file), r.stderr).toBe(true);
    expect(mode(file)).toBe('0600');
    expect(mode(join(cwd, '.sprawl'))).toBe('0700');
  });
});
