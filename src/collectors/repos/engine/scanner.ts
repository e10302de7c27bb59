/**
 * The detection engine: text in, hits out. One case-insensitive pass finds every rule keyword; each
 * rule's pattern then runs only on windows (the keyword's line, plus the rule's declared reach)
 * around occurrences of its keywords, merged so no region is searched twice by the same rule. A
 * match is turned into a fingerprint and a redacted preview at once; the raw value goes no further.
 */
import { isAscii } from 'node:buffer';
import { SECRET_RULES } from '../rules/index.ts';
import type { SecretHit, SecretRule } from '../types.ts';
import { ALLOW_MARKER, lineAllows } from './allow.ts';
import { shannonEntropy } from './entropy.ts';
import { DEFAULT_FINGERPRINT_KEY, fingerprint } from './fingerprint.ts';
import { finderSupports, createKeywordFinder } from './finder.ts';
import type { Occurrences } from './finder.ts';
import { createRegexFinder, keywordRuleMap } from './keywords.ts';
import { isPlaceholder } from './placeholders.ts';
import { redact } from './redact.ts';

export interface ScannerOptions {
  /** Rules to run; default SECRET_RULES. */
  rules?: readonly SecretRule[];
  /** HMAC key of fingerprints (callers pass SPRAWL_FINGERPRINT_KEY); default the domain constant. */
  fingerprintKey?: string;
  /** Rule ids to leave out. */
  disabledRules?: readonly string[];
}

/** A time limit on one scan: past `deadline` (a `performance.now()` time) it stops with ScanCutOff. */
export interface ScanLimit {
  deadline: number;
}

/**
 * Thrown when a scan passes its deadline: the hits found until then (complete hits, each checked)
 * travel with it. The deadline is checked between pattern runs, and a pattern never runs on more
 * than SLICE characters at once, so the cut comes at most one slice's run after the deadline.
 */
export class ScanCutOff extends Error {
  override name = 'ScanCutOff';
  readonly hits: SecretHit[];
  readonly elapsedMs: number;
  constructor(hits: SecretHit[], elapsedMs: number) {
    super(`scan cut off after ${Math.round(elapsedMs)} ms`);
    this.hits = hits;
    this.elapsedMs = elapsedMs;
  }
}

export interface Scanner {
  readonly rules: readonly SecretRule[];
  /** Hits sorted by position (then rule order). Throws ScanCutOff past `limit.deadline`. */
  scan(text: string, limit?: ScanLimit): SecretHit[];
  /** UTF-8 decode, then scan. The caller has already skipped binary content. */
  scanBuffer(buf: Buffer, limit?: ScanLimit): SecretHit[];
}

/**
 * A pattern runs on at most this many characters at once (a long merged window, as in a minified
 * one-line file dense with keywords, is cut in slices), plus SLICE_OVERLAP so that a match starting
 * in a slice ends in it; matches are kept by the slice they start in.
 */
export const SLICE = 256 * 1024;
export const SLICE_OVERLAP = 16 * 1024;

/** How far from a keyword, within its line, a window reaches by default (each side). */
export const LINE_REACH = 1024;

interface CompiledRule {
  rule: SecretRule;
  /** The pattern, global, without match indices (cheaper when most matches are rejected). */
  re: RegExp;
  /** The pattern, sticky, with match indices: re-run at an accepted match for the secret's span. */
  spanRe: RegExp;
  before: number;
  after: number;
  /** Overlap priority: lower wins when two hits' secrets overlap. */
  rank: number;
}

interface Candidate {
  rule: number;
  start: number;
  end: number;
  rank: number;
  fingerprint: string;
  preview: string;
  publicId: string | undefined;
}

/** Broad families yield to specific ones on the same span. */
function familyTier(family: string): number {
  if (family === 'generic') return 2;
  if (family === 'jwt' || family === 'private-key') return 1;
  return 0;
}

function compilePattern(p: RegExp, mode: 'g' | 'yd'): RegExp {
  const flags = p.flags.replace(/[gyd]/g, '') + mode;
  return new RegExp(p.source, flags);
}

/** Builds the scanner. Compiles the combined keyword pre-filter once. */
export function createScanner(opts: ScannerOptions = {}): Scanner {
  const all = opts.rules ?? SECRET_RULES;
  const disabled = new Set(opts.disabledRules ?? []);
  const rules = all.filter((r) => !disabled.has(r.id));
  const key = opts.fingerprintKey ?? DEFAULT_FINGERPRINT_KEY;
  const knownNames = new Set<string>([...all.map((r) => r.id), ...all.map((r) => r.family)]);

  const compiled: CompiledRule[] = rules.map((rule, i) => ({
    rule,
    re: compilePattern(rule.pattern, 'g'),
    spanRe: compilePattern(rule.pattern, 'yd'),
    before: rule.window?.before ?? 0,
    after: rule.window?.after ?? 0,
    rank: familyTier(rule.family) * 100_000 + i,
  }));

  const { words, rules: rulesFor } = keywordRuleMap(compiled.map((c) => c.rule.keywords));
  const finder = finderSupports(words) ? createKeywordFinder(words) : createRegexFinder(words);
  /** For each keyword (the finder's index): its length and the rules to run on its occurrences. */
  const wordLength = finder.words.map((w) => w.length);
  const wordRules = finder.words.map((w) => rulesFor.get(w) ?? []);

  function accept(rule: SecretRule, secret: string, groups: Record<string, string | undefined>): boolean {
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return false;
    if (rule.validate && !rule.validate(secret, groups)) return false;
    return !isPlaceholder(secret);
  }

  function scan(text: string, limit?: ScanLimit): SecretHit[] {
    if (text.length === 0 || compiled.length === 0) return [];
    const started = performance.now();
    const occ = finder.findInText(text);
    if (!occ.wide) return scanAt(text, occ, limit, started);
    // Keywords are matched against the lower-cased text (a non-ASCII character may lower-case to an
    // ASCII one); a few characters lower-case to two code units, and positions would drift: then
    // case stays folded on the original (ASCII letters only), as found.
    const hay = text.toLowerCase();
    return scanAt(text, hay.length === text.length ? finder.findInText(hay) : occ, limit, started);
  }

  function scanBuffer(buf: Buffer, limit?: ScanLimit): SecretHit[] {
    if (buf.length === 0 || compiled.length === 0) return [];
    if (!isAscii(buf)) return scan(buf.toString('utf8'), limit);
    // ASCII: byte offsets are string offsets, and a buffer without a keyword is never decoded
    const started = performance.now();
    const occ = finder.findInBytes(buf);
    return occ.count === 0 ? [] : scanAt(buf.toString('latin1'), occ, limit, started);
  }

  /** Runs the rules on the windows around the keyword occurrences. */
  function scanAt(text: string, occ: Occurrences, limit: ScanLimit | undefined, started: number): SecretHit[] {
    const n = text.length;
    if (occ.count === 0) return [];
    const found: Candidate[] = [];
    const pendStart = new Int32Array(compiled.length).fill(-1);
    const pendEnd = new Int32Array(compiled.length);
    const deadline = limit?.deadline ?? Infinity;
    const checkTime = (): void => {
      if (deadline === Infinity) return;
      const now = performance.now();
      if (now > deadline) throw new ScanCutOff(found.length === 0 ? [] : toHits(text, resolveOverlaps(found)), now - started);
    };

    /** The rule on [s, e), in slices of SLICE characters when longer. */
    const run = (r: number, s: number, e: number): void => {
      for (let from = s; from < e; from += SLICE) {
        checkTime();
        const last = from + SLICE >= e;
        runSlice(r, from, last ? e : Math.min(e, from + SLICE + SLICE_OVERLAP), last ? Infinity : from + SLICE);
      }
    };

    /** The rule on [s, e); matches starting at or after `keepBefore` belong to the next slice. */
    const runSlice = (r: number, s: number, e: number, keepBefore: number): void => {
      const c = compiled[r]!;
      const re = c.re;
      const sub = s === 0 && e === n ? text : text.slice(s, e);
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      let tries = 0;
      while ((m = re.exec(sub)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        if (s + m.index >= keepBefore) break;
        if ((++tries & 255) === 0) checkTime();
        const groups = (m.groups ?? {}) as Record<string, string | undefined>;
        const secret = groups['secret'];
        if (secret === undefined || secret.length === 0) continue;
        if (!accept(c.rule, secret, groups)) continue;
        // the same pattern at the same index gives the same match, now with indices
        c.spanRe.lastIndex = m.index;
        const span = c.spanRe.exec(sub)?.indices?.groups?.['secret'];
        if (span === undefined) continue;
        found.push({
          rule: r,
          start: s + span[0],
          end: s + span[1],
          rank: c.rank,
          fingerprint: fingerprint(secret, key),
          preview: redact(secret),
          publicId: c.rule.publicId?.(secret, groups),
        });
      }
    };

    let lineStart = 0;
    let lineEnd = -1;
    const { starts, words: occWords } = occ;
    for (let k = 0; k < occ.count; k++) {
      if ((k & 4095) === 4095) checkTime();
      const p = starts[k]!;
      const w = occWords[k]!;
      const ids = wordRules[w]!;
      if (p >= lineEnd) {
        lineStart = text.lastIndexOf('\n', p) + 1;
        const e = text.indexOf('\n', p);
        lineEnd = e < 0 ? n : e;
      }
      const from = Math.max(lineStart, p - LINE_REACH);
      const to = Math.min(lineEnd, p + wordLength[w]! + LINE_REACH);
      for (const r of ids) {
        const c = compiled[r]!;
        const ws = Math.max(0, from - c.before);
        const we = Math.min(n, to + c.after);
        const ps = pendStart[r]!;
        if (ps >= 0 && ws <= pendEnd[r]!) {
          if (we > pendEnd[r]!) pendEnd[r] = we;
        } else {
          if (ps >= 0) run(r, ps, pendEnd[r]!);
          pendStart[r] = ws;
          pendEnd[r] = we;
        }
      }
    }
    for (let r = 0; r < compiled.length; r++) if (pendStart[r]! >= 0) run(r, pendStart[r]!, pendEnd[r]!);
    if (found.length === 0) return [];
    return toHits(text, resolveOverlaps(found));
  }

  function toHits(text: string, cands: Candidate[]): SecretHit[] {
    const checkAllow = text.includes(ALLOW_MARKER);
    const n = text.length;
    const nextBreak = (from: number): number => {
      const i = text.indexOf('\n', from);
      return i < 0 ? n : i;
    };
    const hits: SecretHit[] = [];
    // The line of each hit, moving forward; the next line break is kept, not searched again for
    // every hit (on a one-line file of megabytes that search ran to the end each time).
    let line = 1;
    let lineStart = 0;
    let lineEnd = nextBreak(0);
    const allowMemo = new Map<string, boolean>();
    const allows = (start: number, rule: SecretRule): boolean => {
      const k = `${start}\u0000${rule.id}`;
      let a = allowMemo.get(k);
      if (a === undefined) {
        a = lineAllows(lineAt(text, start), rule.id, rule.family, knownNames);
        allowMemo.set(k, a);
      }
      return a;
    };
    for (const c of cands) {
      if (c.start < lineStart) {
        line = 1;
        lineStart = 0;
        lineEnd = nextBreak(0);
      }
      while (lineEnd < c.start) {
        line++;
        lineStart = lineEnd + 1;
        lineEnd = nextBreak(lineStart);
      }
      let endLine = line;
      let endLineStart = lineStart;
      for (let nl = lineEnd; nl < c.end && nl < n; nl = nextBreak(nl + 1)) {
        endLine++;
        endLineStart = nl + 1;
      }
      const { rule } = compiled[c.rule]!;
      let allowed = false;
      if (checkAllow) {
        allowed = allows(lineStart, rule);
        if (!allowed && endLine !== line) allowed = allows(endLineStart, rule);
      }
      const hit: SecretHit = {
        ruleId: rule.id,
        severity: rule.severity,
        line,
        column: c.start - lineStart + 1,
        endLine,
        endColumn: c.end - endLineStart + 1,
        fingerprint: c.fingerprint,
        preview: c.preview,
        allowed,
      };
      if (c.publicId !== undefined) hit.publicId = c.publicId;
      hits.push(hit);
    }
    return hits;
  }

  return {
    rules,
    scan,
    scanBuffer,
  };
}

function lineAt(text: string, start: number): string {
  const e = text.indexOf('\n', start);
  return text.slice(start, e < 0 ? text.length : e);
}

/**
 * Keeps, among hits whose secrets overlap, the one of the most specific rule (family tier, then
 * rule order); the same rule matching the same span twice is kept once. Result sorted by position.
 */
export function resolveOverlaps<T extends { start: number; end: number; rank: number }>(cands: T[]): T[] {
  const byRank = [...cands].sort((a, b) => a.rank - b.rank || a.start - b.start);
  const kept: T[] = []; // sorted by start
  for (const c of byRank) {
    // first kept with start >= c.end is past c; check the neighbours before it
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.start < c.end) lo = mid + 1;
      else hi = mid;
    }
    let overlaps = false;
    for (let i = lo - 1; i >= 0; i--) {
      const k = kept[i]!;
      if (k.end > c.start) {
        overlaps = true;
        break;
      }
      if (k.start < c.start - 65_536) break; // spans are bounded; no need to look further back
    }
    if (!overlaps) kept.splice(lo, 0, c);
  }
  return kept.sort((a, b) => a.start - b.start || a.rank - b.rank);
}
