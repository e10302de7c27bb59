import { describe, expect, it } from 'vitest';
import { createMatcher, parseIgnore } from '../../../../src/collectors/repos/ignore.ts';

const cases: { patterns: string[]; path: string; dir?: boolean; ignored: boolean }[] = [
  { patterns: ['*.log'], path: 'a.log', ignored: true },
  { patterns: ['*.log'], path: 'deep/down/a.log', ignored: true },
  { patterns: ['*.log'], path: 'a.log.txt', ignored: false },
  { patterns: ['/root.txt'], path: 'root.txt', ignored: true },
  { patterns: ['/root.txt'], path: 'sub/root.txt', ignored: false },
  { patterns: ['root.txt'], path: 'sub/root.txt', ignored: true },
  { patterns: ['build/'], path: 'build/out.js', ignored: true },
  { patterns: ['build/'], path: 'src/build/out.js', ignored: true },
  { patterns: ['build/'], path: 'build', ignored: false },
  { patterns: ['build/'], path: 'build', dir: true, ignored: true },
  { patterns: ['docs/*.md'], path: 'docs/a.md', ignored: true },
  { patterns: ['docs/*.md'], path: 'docs/sub/a.md', ignored: false },
  { patterns: ['docs/*.md'], path: 'x/docs/a.md', ignored: false },
  { patterns: ['**/fixtures/**'], path: 'a/b/fixtures/c/d.txt', ignored: true },
  { patterns: ['**/fixtures'], path: 'fixtures/x', ignored: true },
  { patterns: ['a/**/z.txt'], path: 'a/z.txt', ignored: true },
  { patterns: ['a/**/z.txt'], path: 'a/b/c/z.txt', ignored: true },
  { patterns: ['a/**/z.txt'], path: 'b/a/z.txt', ignored: false },
  { patterns: ['vendor/**'], path: 'vendor/x/y.go', ignored: true },
  { patterns: ['vendor/**'], path: 'vendorx/y.go', ignored: false },
  { patterns: ['file?.txt'], path: 'file1.txt', ignored: true },
  { patterns: ['file?.txt'], path: 'file10.txt', ignored: false },
  { patterns: ['file?.txt'], path: 'file/.txt', ignored: false },
  { patterns: ['[ab].txt'], path: 'b.txt', ignored: true },
  { patterns: ['[!ab].txt'], path: 'b.txt', ignored: false },
  { patterns: ['[!ab].txt'], path: 'c.txt', ignored: true },
  { patterns: ['*.txt', '!keep.txt'], path: 'keep.txt', ignored: false },
  { patterns: ['*.txt', '!keep.txt'], path: 'drop.txt', ignored: true },
  { patterns: ['!keep.txt', '*.txt'], path: 'keep.txt', ignored: true },
  { patterns: ['dir/', '!dir/keep.txt'], path: 'dir/keep.txt', ignored: true }, // as git: an ignored folder cannot be re-included
  { patterns: ['dir/*', '!dir/keep.txt'], path: 'dir/keep.txt', ignored: false },
  { patterns: ['# comment', '', '   '], path: '# comment', ignored: false },
  { patterns: ['\\#hash.txt'], path: '#hash.txt', ignored: true },
  { patterns: ['\\!bang.txt'], path: '!bang.txt', ignored: true },
  { patterns: ['trailing.txt   '], path: 'trailing.txt', ignored: true },
  { patterns: ['name with space.txt'], path: 'x/name with space.txt', ignored: true },
  { patterns: ['ünï*.txt'], path: 'ünïcode.txt', ignored: true },
  { patterns: ['a.b'], path: 'aXb', ignored: false },
  { patterns: ['(x)+.txt'], path: '(x)+.txt', ignored: true },
  { patterns: ['*'], path: 'anything/at/all', ignored: true },
  { patterns: ['/'], path: 'x', ignored: false },
];

describe('ignore matcher', () => {
  it.each(cases)('$patterns on $path (dir: $dir) -> $ignored', ({ patterns, path, dir, ignored }) => {
    expect(createMatcher(parseIgnore(patterns)).ignores(path, dir ?? false)).toBe(ignored);
  });

  it('parses a file with CRLF line ends and a base folder', () => {
    const m = createMatcher([...parseIgnore('*.tmp\r\n!keep.tmp\r\n'), ...parseIgnore('/local.txt\n', 'sub')]);
    expect(m.ignores('a.tmp')).toBe(true);
    expect(m.ignores('keep.tmp')).toBe(false);
    expect(m.ignores('sub/local.txt')).toBe(true);
    expect(m.ignores('local.txt')).toBe(false);
    expect(m.ignores('sub/deeper/local.txt')).toBe(false);
  });
});
