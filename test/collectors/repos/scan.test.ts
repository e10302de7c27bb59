import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanRepository } from '../../../src/collectors/repos/scan.ts';
import type { ScanRepositoryOptions } from '../../../src/collectors/repos/scan.ts';
import type { ScanStats, SecretFinding } from '../../../src/collectors/repos/types.ts';
import { cleanupTempDirs, createRepo, fakeAwsKey, tempDir } from '../../helpers/git.ts';

afterAll(cleanupTempDirs);

const FAKE = new URL('./sources/fake-scanner.ts', import.meta.url).href;
const ENGINE_PRESENT = existsSync(new URL('../../../src/collectors/repos/engine/index.ts', import.meta.url));

const K1 = fakeAwsKey(1);
const K2 = fakeAwsKey(2);
const K3 = fakeAwsKey(3);
const line = (k: string): string => `aws_access_key_id = ${k}\n`;

/** Each suite runs with the tiny test scanner, and with the real engine once it exists. */
const scanners = [
  { name: 'test scanner', module: FAKE as string | undefined },
  ...(ENGINE_PRESENT ? [{ name: 'engine', module: undefined }] : []),
];

function places(findings: SecretFinding[]): [string, number][] {
  return findings.map((f) => [f.location.path, f.line]);
}

describe.each(scanners)('scanRepository with the $name', ({ module }) => {
  const scan = (opts: ScanRepositoryOptions): ReturnType<typeof scanRepository> =>
    scanRepository({ workers: 0, ...(module !== undefined ? { scannerModule: module } : {}), ...opts });

  it('worktree: respects .gitignore, .sprawlignore and config globs; sorts by path and line', async () => {
    const repo = createRepo();
    repo.write('.gitignore', 'ignored.txt\n');
    repo.write('.sprawlignore', '# test data\ndocs/\n');
    repo.write('z.txt', 'x\n' + line(K2) + line(K1));
    repo.write('a b/ünï.txt', line(K1));
    repo.write('ignored.txt', line(K3));
    repo.write('docs/readme.md', line(K3));
    repo.write('vendor/lib.txt', line(K3));
    repo.commit('base');
    repo.write('untracked.txt', line(K2));
    const { findings, stats } = await scan({ path: repo.dir, mode: 'worktree', ignore: ['vendor/**'] });
    expect(places(findings)).toEqual([
      ['a b/ünï.txt', 1],
      ['untracked.txt', 1],
      ['z.txt', 2],
      ['z.txt', 3],
    ]);
    expect(findings[0]?.location).toEqual({ repo: repo.dir, path: 'a b/ünï.txt' });
    expect(stats.filesScanned).toBe(5); // .gitignore, .sprawlignore, a b/ünï.txt, z.txt, untracked.txt
  });

  it('worktree: skips binary, large and linked files and counts them; a plain folder works too', async () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'key.txt'), line(K3));
    writeFileSync(join(dir, 'ok.txt'), line(K1));
    writeFileSync(join(dir, 'bin.dat'), Buffer.concat([Buffer.from(line(K2)), Buffer.from([0])]));
    writeFileSync(join(dir, 'big.txt'), line(K2) + 'x'.repeat(4000));
    writeFileSync(join(dir, 'line\nbreak.txt'), line(K2));
    symlinkSync(join(outside, 'key.txt'), join(dir, 'link.txt'));
    symlinkSync(outside, join(dir, 'linkdir'));
    const { findings, stats } = await scan({ path: dir, mode: 'worktree', maxFileBytes: 1000 });
    expect(places(findings)).toEqual([
      ['line\nbreak.txt', 1],
      ['ok.txt', 1],
    ]);
    expect(stats).toMatchObject({ skippedBinary: 1, skippedLarge: 1, filesScanned: 2, errors: [] });
  });

  it('drops and counts inline sprawl:allow hits (kept with keepAllowed); de-duplicates', async () => {
    const repo = createRepo();
    repo.write('a.txt', `${K1} ${K1}\naws_access_key_id = ${K2} # sprawl:allow\n`);
    const { findings, stats } = await scan({ path: repo.dir, mode: 'worktree' });
    expect(places(findings)).toEqual([['a.txt', 1]]);
    expect(stats.allowedInline).toBe(1);
    const kept = await scan({ path: repo.dir, mode: 'worktree', keepAllowed: true });
    expect(kept.findings.map((f) => [f.line, f.allowed])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('staged: reports only keys on added lines, at their line in the staged file', async () => {
    const repo = createRepo();
    repo.write('app.env', 'A=1\n' + line(K1) + 'B=2\n');
    repo.commit('old key already committed');
    repo.write('app.env', 'A=1\n' + line(K1) + 'B=2\nC=3\n' + line(K2));
    repo.write('new.env', line(K3));
    repo.git(['add', '-A']);
    repo.write('app.env', 'unstaged\n' + line(K3));
    const { findings } = await scan({ path: repo.dir, mode: 'staged' });
    expect(places(findings)).toEqual([
      ['app.env', 5],
      ['new.env', 1],
    ]);
    expect(findings[0]?.location.blob).toMatch(/^[0-9a-f]{40}$/);
  });

  it('range: finds a key added then removed inside the range, with its commit, author and time', async () => {
    const repo = createRepo();
    repo.write('config.yml', 'a: 1\nb: 2\n');
    repo.write('old.txt', line(K3));
    const base = repo.commit('base');
    repo.write('config.yml', 'a: 1\n' + line(K1) + 'b: 2\n');
    const added = repo.commit('add key', { author: { name: 'Mallory', email: 'mallory@example.test' } });
    repo.write('config.yml', 'a: 1\nb: 2\n');
    repo.commit('remove key');
    const { findings } = await scan({ path: repo.dir, mode: 'range', range: `${base}..HEAD` });
    expect(places(findings)).toEqual([['config.yml', 2]]);
    expect(findings[0]?.location).toMatchObject({ commit: added, author: 'Mallory <mallory@example.test>', time: repo.timeOf(1).replace('Z', '+00:00') });
    expect(findings[0]?.column).toBe(21);
  });

  it('history: finds a key added and later removed, on main and on a branch, each blob scanned once', async () => {
    const repo = createRepo();
    repo.write('settings.ini', 'x=1\n');
    repo.commit('base');
    repo.write('settings.ini', 'x=1\n' + line(K1));
    const c1 = repo.commit('add key', { author: { name: 'Eve', email: 'eve@example.test' } });
    repo.write('settings.ini', 'x=1\n');
    repo.commit('remove key');
    repo.git(['checkout', '-q', '-b', 'wip']);
    repo.write('deploy/creds.txt', line(K2));
    const c3 = repo.commit('branch key');
    repo.git(['checkout', '-q', 'main']);
    for (let i = 0; i < 50; i++) {
      repo.write('same.txt', i % 2 ? 'odd\n' : line(K3));
      repo.commit(`toggle ${i}`);
    }
    const { findings, stats } = await scan({ path: repo.dir, mode: 'history' });
    expect(findings.map((f) => [f.location.path, f.line, f.location.commit])).toEqual([
      ['deploy/creds.txt', 1, c3],
      ['same.txt', 1, expect.stringMatching(/^[0-9a-f]{40}$/)],
      ['settings.ini', 2, c1],
    ]);
    expect(findings[2]?.location).toMatchObject({ author: 'Eve <eve@example.test>', time: repo.timeOf(1).replace('Z', '+00:00') });
    // blobs: settings.ini x2, creds, same.txt x2
    expect(stats.filesScanned).toBe(5);
  });

  it('uses worker threads for a bigger scan with the same results', async () => {
    const dir = tempDir();
    const body = 'filler line without secrets\n'.repeat(2000);
    for (let i = 0; i < 60; i++) writeFileSync(join(dir, `f${String(i).padStart(2, '0')}.txt`), body + (i % 10 === 0 ? line(fakeAwsKey(100 + i)) : ''));
    const seen: ScanStats[] = [];
    const pooled = await scanRepository({ path: dir, mode: 'worktree', workers: 2, ...(module ? { scannerModule: module } : {}), onProgress: (s) => seen.push(s) });
    const inline = await scan({ path: dir, mode: 'worktree' });
    expect(places(pooled.findings)).toEqual(places(inline.findings));
    expect(pooled.findings).toHaveLength(6);
    expect(pooled.stats.filesScanned).toBe(60);
    expect(pooled.stats.bytesScanned).toBeGreaterThan(3_000_000);
    expect(seen.at(-1)?.filesScanned).toBe(60);
  });

  it('fails clearly for a missing path, or staged/range/history outside git', async () => {
    const dir = tempDir();
    await expect(scan({ path: join(dir, 'nope'), mode: 'worktree' })).rejects.toThrow(/does not exist/);
    for (const mode of ['staged', 'history', 'range'] as const) {
      await expect(scan({ path: dir, mode, range: 'a..b' })).rejects.toThrow(`${dir} is not a git repository`);
    }
    await expect(scan({ path: dir, mode: 'range' })).rejects.toThrow(/needs a commit range/);
  });
});
