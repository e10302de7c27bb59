import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { historySource } from '../../../../src/collectors/repos/sources/history.ts';
import { cleanupTempDirs, createRepo, tempDir } from '../../../helpers/git.ts';
import { collect, sourceOptions } from './util.ts';

afterAll(cleanupTempDirs);

describe('history source', () => {
  it('gives every unique blob once, attributed to the commit that introduced it, branches included', async () => {
    const repo = createRepo();
    repo.write('config.txt', 'key = v1\n');
    const c0 = repo.commit('base');
    repo.write('config.txt', 'key = v2-secret\n');
    const c1 = repo.commit('add secret', { author: { name: 'Eve', email: 'eve@example.test' } });
    repo.write('config.txt', 'key = v1\n'); // back to the first blob: not scanned again
    repo.commit('remove secret');
    repo.git(['checkout', '-q', '-b', 'feature']);
    repo.write('branch only.txt', 'on a branch\n');
    const c3 = repo.commit('branch work');
    repo.git(['checkout', '-q', 'main']);

    const opts = sourceOptions(repo.dir);
    const items = await collect(historySource(opts));
    const rows = items.map((i) => ({ path: i.location.path, commit: i.location.commit, text: i.content.toString() }));
    expect(rows).toEqual([
      { path: 'config.txt', commit: c0, text: 'key = v1\n' },
      { path: 'config.txt', commit: c1, text: 'key = v2-secret\n' },
      { path: 'branch only.txt', commit: c3, text: 'on a branch\n' },
    ]);
    const secret = items[1];
    expect(secret?.location.author).toBe('Eve <eve@example.test>');
    expect(secret?.location.time).toBe(repo.timeOf(1).replace('Z', '+00:00'));
    expect(secret?.location.blob).toMatch(/^[0-9a-f]{40}$/);
    expect(secret?.location.repo).toBe(repo.dir);
  });

  it('reads the same content committed 50 times once', async () => {
    const repo = createRepo();
    for (let i = 0; i < 50; i++) {
      repo.write('toggle.txt', i % 2 === 0 ? 'even\n' : 'odd\n');
      repo.write(`copy-${i}.txt`, 'same everywhere\n');
      repo.commit(`commit ${i}`);
    }
    const items = await collect(historySource(sourceOptions(repo.dir)));
    expect(items.map((i) => i.content.toString()).sort()).toEqual(['even\n', 'odd\n', 'same everywhere\n']);
    expect(items.find((i) => i.content.toString() === 'same everywhere\n')?.location.path).toBe('copy-0.txt');
  });

  it('skips symlinks, submodules, binary and large blobs; handles odd paths; honours the ignore matcher', async () => {
    const repo = createRepo();
    repo.write('normal.txt', 'text\n');
    repo.write('new\nline "q" ünï.txt', 'odd path\n');
    repo.write('bin.dat', Buffer.from([0, 1, 2, 3]));
    repo.write('photo.jpg', 'jpg\n');
    repo.write('large.txt', 'z'.repeat(5000));
    repo.write('vendor/lib.txt', 'vendored\n');
    symlinkSync('/etc/passwd', join(repo.dir, 'link'));
    repo.commit('files');
    const sub = createRepo();
    sub.write('s.txt', 's\n');
    const subCommit = sub.commit('sub');
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${subCommit},submodule`]);
    repo.commit('submodule');

    const opts = sourceOptions(repo.dir, { maxFileBytes: 1000, ignore: ['vendor/'] });
    const items = await collect(historySource(opts));
    expect(items.map((i) => i.location.path).sort()).toEqual(['new\nline "q" ünï.txt', 'normal.txt']);
    expect(opts.stats.skippedBinary).toBe(2);
    expect(opts.stats.skippedLarge).toBe(1);
    expect(opts.stats.errors).toEqual([]);
  });

  it('finds a blob only an evil merge introduced', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\n');
    repo.commit('base');
    repo.git(['checkout', '-q', '-b', 'side']);
    repo.write('b.txt', 'b\n');
    repo.commit('side');
    repo.git(['checkout', '-q', 'main']);
    repo.write('c.txt', 'c\n');
    repo.commit('main');
    repo.git(['merge', '-q', '--no-commit', 'side']);
    repo.write('evil.txt', 'only in the merge\n');
    const merge = repo.commit('merge');
    const items = await collect(historySource(sourceOptions(repo.dir)));
    const evil = items.find((i) => i.location.path === 'evil.txt');
    expect(evil?.location.commit).toBe(merge);
  });

  it('scans a bare clone and an empty repository', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\n');
    repo.commit('base');
    const bare = join(tempDir(), 'bare.git');
    execFileSync('git', ['clone', '-q', '--bare', repo.dir, bare]);
    expect((await collect(historySource(sourceOptions(bare)))).map((i) => i.location.path)).toEqual(['a.txt']);
    const empty = createRepo();
    expect(await collect(historySource(sourceOptions(empty.dir)))).toEqual([]);
  });

  it('fails clearly outside a git repository', async () => {
    const dir = tempDir();
    await expect(collect(historySource(sourceOptions(dir)))).rejects.toThrow(`${dir} is not a git repository`);
  });
});
