/**
 * Keyword bookkeeping, and the regex pre-filter kept for keywords the byte finder (finder.ts)
 * cannot take (non-ASCII ones): one regex, built as a trie of the lower-cased keywords (irregexp
 * dispatches on the first character instead of trying every alternative: measured ~1.9x faster
 * than a flat alternation).
 */
import type { KeywordFinder, Occurrences } from './finder.ts';

interface TrieNode {
  end: boolean;
  kids: Map<string, TrieNode>;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Regex source matching any of the words (longest first at each position). */
export function trieSource(words: readonly string[]): string {
  const root: TrieNode = { end: false, kids: new Map() };
  for (const w of words) {
    let n = root;
    for (const ch of w) {
      let k = n.kids.get(ch);
      if (!k) {
        k = { end: false, kids: new Map() };
        n.kids.set(ch, k);
      }
      n = k;
    }
    n.end = true;
  }
  const emit = (n: TrieNode): string => {
    const alts = [...n.kids].map(([ch, k]) => escapeRe(ch) + emit(k));
    if (alts.length === 0) return '';
    const body = alts.length === 1 ? alts[0]! : `(?:${alts.join('|')})`;
    return n.end ? `(?:${body})?` : body;
  };
  return words.length === 0 ? '(?!)' : emit(root);
}

/**
 * The keywords to search and, for each, the indexes of the rules to run on its occurrences: those
 * with that keyword or one contained in it (the trie reports the longest keyword at a position, so
 * `secret_access_key` also stands for `secret` and `access_key` there).
 */
export function keywordRuleMap(ruleKeywords: readonly (readonly string[])[]): { words: string[]; rules: Map<string, number[]> } {
  const lowered = ruleKeywords.map((ks) => ks.map((k) => k.toLowerCase()).filter((k) => k.length > 0));
  const words = [...new Set(lowered.flat())].sort();
  const rules = new Map<string, number[]>();
  for (const w of words) {
    const ids: number[] = [];
    lowered.forEach((ks, i) => {
      if (ks.some((k) => w.includes(k))) ids.push(i);
    });
    rules.set(w, ids);
  }
  return { words, rules };
}

/**
 * The regex pre-filter behind the finder's interface. `findInText` takes the lower-cased text,
 * or the original when lower-casing changed its length (then the regex folds case itself).
 */
export function createRegexFinder(keywords: readonly string[]): KeywordFinder {
  const words = [...new Set(keywords)].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(words.map((w, i) => [w, i]));
  const source = trieSource(words);
  const lower = new RegExp(source, 'g');
  const fold = new RegExp(source, 'gi');
  const findInText = (text: string): Occurrences => {
    const kw = text === text.toLowerCase() ? lower : fold;
    const starts: number[] = [];
    const found: number[] = [];
    kw.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = kw.exec(text)) !== null) {
      kw.lastIndex = m.index + 1;
      const w = index.get(m[0].toLowerCase());
      if (w === undefined) continue;
      starts.push(m.index);
      found.push(w);
    }
    // eslint-disable-next-line no-control-regex
    const wide = /[^\x00-\x7f]/.test(text);
    return { count: starts.length, wide, starts: Int32Array.from(starts), words: Int32Array.from(found) };
  };
  return { words, findInText, findInBytes: (bytes) => findInText(Buffer.from(bytes).toString('latin1').toLowerCase()) };
}
