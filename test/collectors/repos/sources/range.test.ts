import { afterAll, describe, expect, it } from 'vitest';
import { rangeSource } from '../../../../src/collectors/repos/sources/range.ts';
import { AUTHOR, cleanupTempDirs, createRepo, tempDir } from '../../../helpers/git.ts';
import { collect, sourceOptions } from './util.ts';

afterAll(cleanupTempDirs);

describe('range source', () => {
  it('gives each commit’s added lines with the commit, author, time and new-file line numbers', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'l1\nl2\nl3\n');
    const base = repo.commit('base');
    repo.write('a.txt', 'l1\nadded-1\nl2\nl3\nadded-2\n');
    repo.write('odd "name"\n.txt', 'odd\n');
    const c1 = repo.commit('add', { author: { name: 'Bob Builder', email: 'bob@example.test' } });
    repo.write('a.txt', 'l1\nl2\nl3\n');
    repo.write('img.png', 'x\n');
    repo.write('data.bin', Buffer.from([0, 0, 1]));
    const c2 = repo.commit('remove again');
    repo.remove('odd "name"\n.txt');
    repo.commit('delete');

    const opts = sourceOptions(repo.dir);
    const items = await collect(rangeSource({ ...opts, range: `${base}..HEAD` }));
    const summary = items.map((i) => ({ path: i.location.path, commit: i.location.commit, lines: i.lineMap, text: i.content.toString() }));
    expect(summary).toContainEqual({ path: 'a.txt', commit: c1, lines: [2, 5], text: 'added-1\nadded-2' });
    expect(summary).toContainEqual({ path: 'odd "name"\n.txt', commit: c1, lines: [1], text: 'odd' });
    expect(items).toHaveLength(2); // c2 only removes lines and adds binaries; the deletion adds nothing
    const a = items.find((i) => i.location.path === 'a.txt');
    expect(a?.location.author).toBe('Bob Builder <bob@example.test>');
    expect(a?.location.time).toBe(repo.timeOf(1).replace('Z', '+00:00'));
    expect(a?.location.commit).not.toBe(c2);
    expect(opts.stats.skippedBinary).toBe(2);
  });

  it('keeps a removed line that reads like a diff header out of the file headers', async () => {
    const repo = createRepo();
    repo.write('a.txt', '-- not a header\nkeep\n');
    const base = repo.commit('base');
    repo.write('a.txt', 'keep\n++ added line\n');
    repo.commit('change');
    const items = await collect(rangeSource({ ...sourceOptions(repo.dir), range: `${base}..HEAD` }));
    expect(items.map((i) => [i.location.path, i.content.toString(), i.lineMap])).toEqual([['a.txt', '++ added line', [2]]]);
    expect(AUTHOR.name).toBe(items[0]?.location.author?.split(' <')[0]);
  });

  it('counts an oversized addition as large', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\n');
    const base = repo.commit('base');
    repo.write('big.txt', 'y'.repeat(5000) + '\n');
    repo.commit('big');
    const opts = sourceOptions(repo.dir, { maxFileBytes: 1000 });
    expect(await collect(rangeSource({ ...opts, range: `${base}..HEAD` }))).toEqual([]);
    expect(opts.stats.skippedLarge).toBe(1);
  });

  it('fails clearly on a bad range or outside git', async () => {
    const repo = createRepo();
    repo.write('a.txt', 'a\n');
    repo.commit('base');
    await expect(collect(rangeSource({ ...sourceOptions(repo.dir), range: 'nope..HEAD' }))).rejects.toThrow(repo.dir);
    await expect(collect(rangeSource({ ...sourceOptions(repo.dir), range: '--all' }))).rejects.toThrow(/invalid commit range/);
    const dir = tempDir();
    await expect(collect(rangeSource({ ...sourceOptions(dir), range: 'a..b' }))).rejects.toThrow(`${dir} is not a git repository`);
  });
});
