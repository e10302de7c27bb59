import { describe, expect, it } from 'vitest';
import { finderSupports, createKeywordFinder } from '../../../../src/collectors/repos/engine/finder.ts';
import type { KeywordFinder, Occurrences } from '../../../../src/collectors/repos/engine/finder.ts';
import { createRegexFinder, keywordRuleMap } from '../../../../src/collectors/repos/engine/keywords.ts';
import { createScanner } from '../../../../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../../../../src/collectors/repos/rules/index.ts';

const { words } = keywordRuleMap(SECRET_RULES.map((r) => r.keywords));
const finder = createKeywordFinder(words);
const regex = createRegexFinder(words);

/** Occurrences as [start, keyword] pairs (a copy: the finders reuse their result). */
function pairs(f: KeywordFinder, occ: Occurrences): [number, string][] {
  return Array.from({ length: occ.count }, (_, i) => [occ.starts[i]!, f.words[occ.words[i]!]!]);
}

let seed = 7;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

/** Text built from keyword pieces, their case-flipped forms, near misses and noise. */
function randomText(length: number): string {
  const pieces = [...words, ...words.map((w) => w.toUpperCase()), 'tok', 'secre', 'q', '~', 'gh', '_', ':', '/', ' ', '\n', 'x', 'EyJ', 'Q~'];
  let s = '';
  while (s.length < length) s += pieces[rnd(pieces.length)];
  return s;
}

describe('keyword finder', () => {
  it('supports the built-in keywords', () => {
    expect(finderSupports(words)).toBe(true);
    expect(finderSupports(['ü'])).toBe(false);
    expect(finderSupports(['Token'])).toBe(false);
  });

  it('reports what the regex pre-filter reports: the longest keyword at every start', () => {
    for (let round = 0; round < 50; round++) {
      const text = randomText(2000);
      const expected = pairs(regex, regex.findInText(text.toLowerCase()));
      expect(pairs(finder, finder.findInText(text))).toEqual(expected);
      expect(pairs(finder, finder.findInBytes(Buffer.from(text, 'latin1')))).toEqual(expected);
    }
  });

  it('finds keywords at the very start and end, short ones included', () => {
    for (const text of ['q~', 'xq~', 'token', 'TOKEN', 'a://', 'eyj', 'EYJx']) {
      const expected = pairs(regex, regex.findInText(text.toLowerCase()));
      expect(expected.length).toBeGreaterThan(0);
      expect(pairs(finder, finder.findInBytes(Buffer.from(text)))).toEqual(expected);
      expect(pairs(finder, finder.findInText(text))).toEqual(expected);
    }
    expect(finder.findInBytes(Buffer.alloc(0)).count).toBe(0);
    expect(finder.findInText('q').count).toBe(0);
  });

  it('matches no keyword character with a code unit above 127', () => {
    // U+0170 and U+0161 have the low bytes of "p" and "a"
    expect(finder.findInText('\u0170ass \u0161uth').count).toBe(0);
  });

  it('grows its result for many occurrences', () => {
    const text = 'token '.repeat(5000);
    const occ = finder.findInBytes(Buffer.from(text));
    expect(occ.count).toBe(5000);
    expect(occ.starts[4999]).toBe(6 * 4999);
  });
});

describe('scanner keyword paths', () => {
  const scanner = createScanner();
  const fallback = createScanner({ rules: SECRET_RULES.map((r) => ({ ...r, keywords: [...r.keywords, 'ünïcode'] })) });

  it('gives the same hits from bytes, from text and through the regex fallback', () => {
    for (const rule of SECRET_RULES) {
      for (const sample of rule.samples.match) {
        for (const text of [sample, `é ${sample}`, `x\n\u0130\u0130 ${sample.toUpperCase()}\n${sample}`]) {
          const hits = scanner.scan(text);
          expect(scanner.scanBuffer(Buffer.from(text, 'utf8'))).toEqual(hits);
          expect(fallback.scan(text)).toEqual(hits);
        }
      }
    }
  });
});
