import { describe, expect, it } from 'vitest';
import { unquoteGitPath } from '../../../../src/collectors/repos/sources/git.ts';
import { parsePatch, toRanges } from '../../../../src/collectors/repos/sources/patch.ts';
import type { PatchEvent } from '../../../../src/collectors/repos/sources/patch.ts';

async function events(text: string, collectText = true, maxBytes = 1 << 20): Promise<PatchEvent[]> {
  const source = (async function* () {
    for (const l of text.split('\n')) yield await Promise.resolve([Buffer.from(l)]);
  })();
  const out: PatchEvent[] = [];
  for await (const e of parsePatch(source, { collectText, maxBytes })) out.push(e);
  return out;
}

describe('unquoteGitPath', () => {
  it.each([
    ['plain.txt', 'plain.txt'],
    ['"a\\nb.txt"', 'a\nb.txt'],
    ['"tab\\there \\"q\\" back\\\\slash"', 'tab\there "q" back\\slash'],
    ['"\\303\\251t\\303\\251.txt"', 'été.txt'],
    ['"ünï\\n"', 'ünï\n'],
  ])('%s', (quoted, plain) => expect(unquoteGitPath(quoted)).toBe(plain));
});

describe('parsePatch', () => {
  it('reads commits, added lines with their new line numbers, deletions and binaries', async () => {
    const patch = [
      '\0Cabc 2024-01-01T00:00:00+00:00 A <a@b>',
      '',
      'diff --git a/x.txt b/x.txt',
      'index 1..2 100644',
      '--- a/x.txt',
      '+++ b/x.txt',
      '@@ -1,2 +1 @@',
      '--- removed line that looks like a header',
      '-+++ another',
      '+new first',
      '@@ -10,0 +11,2 @@',
      '+eleven',
      '+twelve',
      '\\ No newline at end of file',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      'diff --git a/p.png b/p.png',
      'Binary files /dev/null and b/p.png differ',
    ].join('\n');
    const ev = await events(patch);
    expect(ev[0]).toEqual({ kind: 'commit', fields: ['Cabc 2024-01-01T00:00:00+00:00 A <a@b>'] });
    const files = ev.flatMap((e) => (e.kind === 'file' ? [e.file] : []));
    expect(files.map((f) => [f.path, f.binary, f.lineNumbers, f.lines.map(String)])).toEqual([
      ['x.txt', false, [1, 11, 12], ['new first', 'eleven', 'twelve']],
      [undefined, false, [], []],
      ['p.png', true, [], []],
    ]);
  });

  it('stops keeping text past maxBytes but still counts it', async () => {
    const ev = await events(['diff --git a/a b/a', '+++ b/a', '@@ -0,0 +1,3 @@', '+aaaa', '+bbbb', '+cccc'].join('\n'), true, 8);
    const f = ev[0]?.kind === 'file' ? ev[0].file : undefined;
    expect(f?.lines.map(String)).toEqual(['aaaa']);
    expect(f?.addedBytes).toBe(15);
  });

  it('merges line numbers into ranges', () => {
    expect(toRanges([1, 2, 3, 7, 9, 10])).toEqual([[1, 3], [7, 7], [9, 10]]);
    expect(toRanges([])).toEqual([]);
  });
});
