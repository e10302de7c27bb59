import { afterAll, describe, expect, it } from 'vitest';
import { stagedSource } from '../../../../src/collectors/repos/sources/staged.ts';
import { cleanupTempDirs, createRepo, tempDir } from '../../../helpers/git.ts';
import { byPath, collect, sourceOptions } from './util.ts';

afterAll(cleanupTempDirs);

describe('staged source', () => {
  it('gives the index version of changed files with the added line ranges', async () => {
    const repo = createRepo();
    repo.write('app.txt', 'one\ntwo\nthree\nfour\n');
    repo.write('gone.txt', 'bye\n');
    repo.write('old name.txt', 'a\nb\nc\nd\ne\nf\ng\nh\n');
    repo.write('untouched.txt', 'same\n');
    repo.commit('base');
    repo.write('app.txt', 'one\nTWO\nthree\nfour\nfive\nsix\n');
    repo.remove('gone.txt');
    repo.git(['mv', 'old name.txt', 'new\nname.txt']);
    repo.write('new\nname.txt', 'a\nb\nc\nd\ne\nf\ng\nh\ni\n');
    repo.write('fresh ✓.txt', 'x\ny\n');
    repo.write('pic.png', 'png\n');
    repo.write('bin.dat', Buffer.from([0, 1, 2]));
    repo.git(['add', '-A']);
    repo.write('app.txt', 'unstaged edit\n'); // the work tree differs from the index: the index counts

    const opts = sourceOptions(repo.dir);
    const items = byPath(await collect(stagedSource(opts)));
    expect([...items.keys()].sort()).toEqual(['app.txt', 'fresh ✓.txt', 'new\nname.txt']);
    const app = items.get('app.txt');
    expect(app?.content.toString()).toBe('one\nTWO\nthree\nfour\nfive\nsix\n');
    expect(app?.addedLines).toEqual([[2, 2], [5, 6]]);
    expect(app?.location.blob).toMatch(/^[0-9a-f]{40}$/);
    expect(items.get('fresh ✓.txt')?.addedLines).toEqual([[1, 2]]);
    expect(items.get('new\nname.txt')?.addedLines).toEqual([[9, 9]]);
    expect(opts.stats.skippedBinary).toBe(2);
  });

  it('yields nothing when nothing is staged', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\n');
    repo.commit('base');
    repo.write('a.txt', 'b\n');
    expect(await collect(stagedSource(sourceOptions(repo.dir)))).toEqual([]);
  });

  it('works before the first commit', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\nb\n');
    repo.git(['add', '-A']);
    const items = await collect(stagedSource(sourceOptions(repo.dir)));
    expect(items.map((i) => [i.location.path, i.addedLines])).toEqual([['a.txt', [[1, 2]]]]);
  });

  it('fails clearly outside a git repository', async () => {
    const dir = tempDir();
    await expect(collect(stagedSource(sourceOptions(dir)))).rejects.toThrow(`${dir} is not a git repository`);
  });
});
