/**
 * The keyword pre-filter over raw bytes (or a string's UTF-16 code units), ASCII case folded: the
 * text is never lower-cased, and a buffer with no keyword is never decoded at all.
 *
 * Two stages. A rolling hash of the last three bytes (letters folded by `| 0x20`) is tested
 * against a small bitset of keyword prefixes: independent work per byte, so the loop runs at the
 * CPU's throughput instead of waiting on a chain of table loads as a DFA does. Positions that pass
 * (under 1% on the benchmark corpus) are verified by walking the keyword trie from there, which
 * also gives the longest keyword starting at that position: what the regex pre-filter reported. Measured on a
 * 200 MB corpus, one thread: ~600 MB/s, against ~300-400 MB/s for an Aho-Corasick DFA over the same
 * bytes and ~200 MB/s for the trie regex over `text.toLowerCase()` (lower-casing included).
 */

/** Keyword occurrences: start positions (ascending, unique) and, for each, the keyword's index. */
export interface Occurrences {
  count: number;
  /** findInText: the text has a code unit above 127 (then case folding may need its lower-cased form). */
  wide: boolean;
  starts: Int32Array;
  words: Int32Array;
}

export interface KeywordFinder {
  /** The keywords, longest first (the index space of `Occurrences.words`). */
  readonly words: readonly string[];
  /** Occurrences in ASCII bytes (offsets are byte offsets). The result is reused by the next call. */
  findInBytes(bytes: Uint8Array): Occurrences;
  /** Occurrences in a string; code units >= 128 match no keyword character. The result is reused. */
  findInText(text: string): Occurrences;
}

/** Whether the finder can stand for these keywords (non-empty, lower-case ASCII). */
export function finderSupports(words: readonly string[]): boolean {
  return words.every((w) => w.length > 0 && [...w].every((ch) => ch.charCodeAt(0) < 128) && w === w.toLowerCase());
}

/** Prefix length the hash filter looks at. */
const GRAM = 3;
const GRAM_MASK = 0xff_ffff;
/** 2^18 buckets: a 32 KB bitset, small enough to stay in L1 cache. */
const FILTER_BITS = 18;
/** Bucket of a gram (the last GRAM bytes, each `| 0x20`, the newest in the low byte). */
const bucket = (gram: number): number => Math.imul(gram, 0x9e37_79b1) >>> (32 - FILTER_BITS);

interface Trie {
  /** Byte (or code unit < 128) to class; 0 for a byte no keyword has. ASCII letters fold. */
  cls: Uint8Array;
  width: number;
  /** Child of node n by class c at n * width + c; -1 when none. */
  next: Int32Array;
  /** The keyword ending at a node, or -1. */
  word: Int32Array;
}

function buildTrie(words: readonly string[]): Trie {
  const cls = new Uint8Array(256);
  let width = 1;
  for (const w of words) {
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      if (cls[c] !== 0) continue;
      cls[c] = width;
      if (c >= 0x61 && c <= 0x7a) cls[c - 0x20] = width;
      width++;
    }
  }
  const next: number[] = new Array<number>(width).fill(-1);
  const word: number[] = [-1];
  words.forEach((w, wi) => {
    let s = 0;
    for (let i = 0; i < w.length; i++) {
      const at = s * width + cls[w.charCodeAt(i)]!;
      if (next[at]! < 0) {
        next[at] = word.length;
        word.push(-1);
        for (let c = 0; c < width; c++) next.push(-1);
      }
      s = next[at]!;
    }
    word[s] = wi;
  });
  return { cls, width, next: Int32Array.from(next), word: Int32Array.from(word) };
}

/** Bitset of the buckets of every gram a keyword can start with (short keywords: any bytes after). */
function buildFilter(words: readonly string[]): Int32Array {
  const bits = new Int32Array(1 << (FILTER_BITS - 5));
  const set = (gram: number): void => {
    const b = bucket(gram);
    bits[b >>> 5]! |= 1 << (b & 31);
  };
  const fill = (gram: number, left: number): void => {
    if (left === 0) set(gram);
    else for (let c = 0; c < 256; c++) fill(((gram << 8) | c | 0x20) & GRAM_MASK, left - 1);
  };
  for (const w of words) {
    let gram = 0;
    const k = Math.min(GRAM, w.length);
    for (let i = 0; i < k; i++) gram = (gram << 8) | w.charCodeAt(i) | 0x20;
    fill(gram, GRAM - k);
  }
  return bits;
}

/** Bytes filtered per call of filterBytes (its candidates fit in a buffer of this size). */
const CHUNK = 1 << 16;

/**
 * Stage one over bytes [from, to): the end positions of grams that pass the filter and start at or
 * after 0, into `out`; returns how many. A plain function of its arguments: the hot loop.
 */
function filterBytes(bytes: Uint8Array, from: number, to: number, filter: Int32Array, out: Int32Array): number {
  let gram = 0;
  for (let i = Math.max(0, from - GRAM + 1); i < from; i++) gram = ((gram << 8) | bytes[i]! | 0x20) & GRAM_MASK;
  let k = 0;
  for (let i = from; i < to; i++) {
    gram = ((gram << 8) | bytes[i]! | 0x20) & GRAM_MASK;
    const b = bucket(gram);
    if (((filter[b >>> 5]! >>> (b & 31)) & 1) !== 0 && i >= GRAM - 1) out[k++] = i;
  }
  return k;
}

/** filterBytes over a string's code units (their low byte); ORs every code unit into `units[0]`. */
function filterText(text: string, from: number, to: number, filter: Int32Array, out: Int32Array, units: Int32Array): number {
  let gram = 0;
  for (let i = Math.max(0, from - GRAM + 1); i < from; i++) gram = ((gram << 8) | (text.charCodeAt(i) & 0xff) | 0x20) & GRAM_MASK;
  let seen = 0;
  let k = 0;
  for (let i = from; i < to; i++) {
    const u = text.charCodeAt(i);
    seen |= u;
    gram = ((gram << 8) | (u & 0xff) | 0x20) & GRAM_MASK;
    const b = bucket(gram);
    if (((filter[b >>> 5]! >>> (b & 31)) & 1) !== 0 && i >= GRAM - 1) out[k++] = i;
  }
  units[0]! |= seen;
  return k;
}

/** Builds the finder for non-empty lower-case ASCII keywords (see finderSupports). */
export function createKeywordFinder(keywords: readonly string[]): KeywordFinder {
  const words = [...new Set(keywords)].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const { cls, width, next, word } = buildTrie(words);
  const filter = buildFilter(words);
  const candidates = new Int32Array(CHUNK);
  const units = new Int32Array(1);
  const result: Occurrences = { count: 0, wide: false, starts: new Int32Array(256), words: new Int32Array(256) };

  const push = (start: number, w: number): void => {
    const k = result.count;
    if (k === result.starts.length) {
      const starts = new Int32Array(k * 2);
      const found = new Int32Array(k * 2);
      starts.set(result.starts);
      found.set(result.words);
      result.starts = starts;
      result.words = found;
    }
    result.starts[k] = start;
    result.words[k] = w;
    result.count = k + 1;
  };

  /** Longest keyword starting at `start` of the bytes, or -1. */
  const walkBytes = (bytes: Uint8Array, start: number): number => {
    let node = 0;
    let best = -1;
    for (let j = start; j < bytes.length; j++) {
      const c = cls[bytes[j]!]!;
      if (c === 0) break;
      node = next[node * width + c]!;
      if (node < 0) break;
      if (word[node]! >= 0) best = word[node]!;
    }
    return best;
  };

  const walkText = (text: string, start: number): number => {
    let node = 0;
    let best = -1;
    for (let j = start; j < text.length; j++) {
      const u = text.charCodeAt(j);
      const c = u < 128 ? cls[u]! : 0;
      if (c === 0) break;
      node = next[node * width + c]!;
      if (node < 0) break;
      if (word[node]! >= 0) best = word[node]!;
    }
    return best;
  };

  return {
    words,
    findInBytes(bytes) {
      result.count = 0;
      const n = bytes.length;
      for (let from = 0; from < n; from += CHUNK) {
        const k = filterBytes(bytes, from, Math.min(n, from + CHUNK), filter, candidates);
        for (let c = 0; c < k; c++) {
          const start = candidates[c]! - GRAM + 1;
          const w = walkBytes(bytes, start);
          if (w >= 0) push(start, w);
        }
      }
      // keywords shorter than GRAM at the very end: padding bytes would complete their gram
      for (let j = Math.max(0, n - GRAM + 1); j < n; j++) {
        const w = walkBytes(bytes, j);
        if (w >= 0) push(j, w);
      }
      return result;
    },
    findInText(text) {
      result.count = 0;
      const n = text.length;
      units[0] = 0;
      for (let from = 0; from < n; from += CHUNK) {
        const k = filterText(text, from, Math.min(n, from + CHUNK), filter, candidates, units);
        for (let c = 0; c < k; c++) {
          const start = candidates[c]! - GRAM + 1;
          const w = walkText(text, start);
          if (w >= 0) push(start, w);
        }
      }
      for (let j = Math.max(0, n - GRAM + 1); j < n; j++) {
        const w = walkText(text, j);
        if (w >= 0) push(j, w);
      }
      result.wide = units[0] > 0x7f;
      return result;
    },
  };
}
