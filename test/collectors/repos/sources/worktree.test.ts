import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileItem, worktreeFiles, worktreeSource } from '../../../../src/collectors/repos/sources/worktree.ts';
import { cleanupTempDirs, createRepo, tempDir } from '../../../helpers/git.ts';
import { byPath, collect, sourceOptions } from './util.ts';

afterAll(cleanupTempDirs);

describe('worktree source in a git repository', () => {
  it('lists tracked and untracked files, respects .gitignore, skips binary, large and linked files', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.txt'), 'outside the tree\n');
    const repo = createRepo();
    repo.write('.gitignore', 'ignored.txt\nbuild/\n');
    repo.write('tracked.txt', 'tracked\n');
    repo.write('dir with space/ünïcode ✓.txt', 'unicode\n');
    repo.write('line\nbreak.txt', 'newline in name\n');
    repo.write('tab\there "quoted".txt', 'odd\n');
    repo.commit('first');
    repo.write('untracked.txt', 'untracked\n');
    repo.write('ignored.txt', 'ignored\n');
    repo.write('build/out.js', 'built\n');
    repo.write('blob.dat', Buffer.from([1, 2, 0, 3]));
    repo.write('image.png', 'not really a png\n');
    repo.write('big.txt', 'x'.repeat(2000));
    symlinkSync(join(outside, 'secret.txt'), join(repo.dir, 'link.txt'));
    symlinkSync(outside, join(repo.dir, 'linkdir'));

    const opts = sourceOptions(repo.dir, { maxFileBytes: 1000 });
    const items = byPath(await collect(worktreeSource(opts)));
    expect([...items.keys()].sort()).toEqual(['.gitignore', 'dir with space/ünïcode ✓.txt', 'line\nbreak.txt', 'tab\there "quoted".txt', 'tracked.txt', 'untracked.txt']);
    expect(items.get('line\nbreak.txt')?.content.toString()).toBe('newline in name\n');
    expect(items.get('tracked.txt')?.location).toEqual({ repo: repo.dir, path: 'tracked.txt' });
    expect(opts.stats.skippedBinary).toBe(2);
    expect(opts.stats.skippedLarge).toBe(1);
    expect(opts.stats.errors).toEqual([]);

    // the same files named (for the scanner to read), then read
    const named = sourceOptions(repo.dir, { maxFileBytes: 1000 });
    const read = new Map<string, string>();
    const skipped: string[] = [];
    for await (const f of worktreeFiles(named)) {
      expect(f.file).toBe(join(repo.dir, f.location.path));
      const r = readFileItem(f);
      if ('content' in r) read.set(f.location.path, r.content.toString());
      else skipped.push(`${f.location.path}: ${'skipped' in r ? r.skipped : r.error}`);
    }
    expect([...read.keys()].sort()).toEqual([...items.keys()].sort());
    expect(read.get('line\nbreak.txt')).toBe('newline in name\n');
    expect(skipped.sort()).toEqual(['big.txt: large', 'blob.dat: binary', 'link.txt: gone', 'linkdir: gone']);
    expect(named.stats.skippedBinary).toBe(1); // image.png, by its extension
  });

  it('reads a named file without following a symlink, and says why it did not', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    symlinkSync(join(dir, 'a.txt'), join(dir, 'link.txt'));
    const item = (p: string, maxBytes = 100): Parameters<typeof readFileItem>[0] => ({ location: { path: p }, file: join(dir, p), maxBytes });
    expect(readFileItem(item('a.txt'))).toEqual({ content: Buffer.from('a\n') });
    expect(readFileItem(item('a.txt', 1))).toEqual({ skipped: 'large' });
    expect(readFileItem(item('link.txt'))).toEqual({ skipped: 'gone' });
    expect(readFileItem(item('missing.txt'))).toEqual({ skipped: 'gone' });
    expect(readFileItem({ location: { path: '.' }, file: dir, maxBytes: 100 })).toEqual({ skipped: 'gone' });
  });

  it('applies the ignore matcher, and does not read through a tracked folder that became a symlink', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'f.txt'), 'outside\n');
    const repo = createRepo();
    repo.write('keep.txt', 'keep\n');
    repo.write('fixtures/a.txt', 'fixture\n');
    repo.write('moved/f.txt', 'inside\n');
    repo.commit('first');
    execFileSync('rm', ['-rf', join(repo.dir, 'moved')]);
    symlinkSync(outside, join(repo.dir, 'moved'));
    const opts = sourceOptions(repo.dir, { ignore: ['fixtures/'] });
    const items = byPath(await collect(worktreeSource(opts)));
    expect([...items.keys()]).toEqual(['keep.txt']);
  });

  it('scans a subfolder of a repository with paths relative to it', async () => {
    const repo = createRepo();
    repo.write('a/one.txt', '1\n');
    repo.write('b/two.txt', '2\n');
    repo.commit('first');
    const items = await collect(worktreeSource(sourceOptions(join(repo.dir, 'a'))));
    expect(items.map((i) => i.location.path)).toEqual(['one.txt']);
  });

  it('reports a file name that is not valid UTF-8, in git and outside', async () => {
    const repo = createRepo();
    repo.write('ok.txt', 'ok\n');
    writeFileSync(Buffer.from(`${repo.dir}/bad-\xff.txt`, 'latin1'), 'bad name\n');
    const inGit = sourceOptions(repo.dir);
    expect((await collect(worktreeSource(inGit))).map((i) => i.location.path)).toEqual(['ok.txt']);
    expect(inGit.stats.errors).toEqual([{ path: 'bad-\uFFFD.txt', error: 'file name is not valid UTF-8: not scanned' }]);
    rmSync(join(repo.dir, '.git'), { recursive: true });
    const outside = sourceOptions(repo.dir);
    expect((await collect(worktreeSource(outside))).map((i) => i.location.path)).toEqual(['ok.txt']);
    expect(outside.stats.errors.map((e) => e.path)).toEqual(['bad-\uFFFD.txt']);
  });

  it('does not hang on a FIFO', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\n');
    execFileSync('mkfifo', [join(repo.dir, 'pipe')]);
    const items = await collect(worktreeSource(sourceOptions(repo.dir)));
    expect(items.map((i) => i.location.path)).toEqual(['a.txt']);
  });
});

describe('worktree source outside git', () => {
  it('walks the folder honouring nested .gitignore and .sprawlignore files, skipping .git and symlinks', async () => {
    const dir = tempDir();
    const put = (p: string, c: string): void => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), c);
    };
    put('.gitignore', '*.log\n');
    put('a.txt', 'a\n');
    put('a.log', 'log\n');
    put('sub/.sprawlignore', 'private/\n!keep.log\n');
    put('sub/keep.log', 'kept by negation\n');
    put('sub/private/x.txt', 'x\n');
    put('sub/b.txt', 'b\n');
    put('.git/config', 'not a repo really\n');
    symlinkSync(join(dir, 'a.txt'), join(dir, 'link.txt'));
    const items = await collect(worktreeSource(sourceOptions(dir)));
    expect(items.map((i) => i.location.path).sort()).toEqual(['.gitignore', 'a.txt', 'sub/.sprawlignore', 'sub/b.txt', 'sub/keep.log']);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file and goes on (not as root)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    writeFileSync(join(dir, 'locked.txt'), 'b\n', { mode: 0o000 });
    const opts = sourceOptions(dir);
    const items = await collect(worktreeSource(opts));
    expect(items.map((i) => i.location.path)).toEqual(['a.txt']);
    expect(opts.stats.errors.map((e) => e.path)).toEqual(['locked.txt']);
  });
});
