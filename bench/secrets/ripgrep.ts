/**
 * The rules' patterns for ripgrep. ripgrep's default engine (Rust regex, as in the Debian build
 * 13.0) has no lookaround or backreferences, spells named groups `(?P<name>…)` and rejects escapes
 * of characters that need none (`\/`); with `-P` it runs PCRE2, which takes JS syntax nearly as is.
 * A pattern that can match a line break needs `-U` (multiline). `-f` joins the patterns into one
 * alternation, so named groups (`(?<secret>…)` in every rule) become non-capturing groups.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.ts';
import type { Measured } from './measure.ts';

export interface RgPatternSet {
  label: string;
  patterns: string[];
  /** Run with `-P` (PCRE2): some pattern needs what the default engine lacks. */
  pcre: boolean;
  /** Run with `-U`: some pattern matches across lines. */
  multiline: boolean;
  /** Which patterns forced PCRE2 or multiline. */
  notes: string[];
}

export interface RgSource {
  id: string;
  pattern: RegExp;
}

/** Characters Rust's regex (regex-syntax 0.6) lets you escape. */
const RUST_ESCAPABLE = new Set('\\.+*?()|[]{}^$#&-~'.split(''));
const LOOKAROUND = /\(\?<?[=!]/;
const BACKREF = /\\[1-9]|\\k</;
const NAMED_GROUP = /^\(\?<[A-Za-z_][A-Za-z0-9_]*>/;

/** The regex with its flags as a scoped group: `-f` joins patterns with `|`, and a bare `(?i)` would reach the next ones. */
function withFlags(re: RegExp, source: string): string {
  const flags = ['i', 'm', 's'].filter((f) => re.flags.includes(f)).join('');
  return `(?${flags}:${source})`;
}

/** JS regex source -> Rust regex syntax, or undefined when it needs lookaround or backreferences. */
export function toRust(re: RegExp): string | undefined {
  const src = re.source;
  if (LOOKAROUND.test(src) || BACKREF.test(src)) return undefined;
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const next = src[i + 1]!;
      i += 1;
      // a needless escape of punctuation: Rust wants it bare
      out += /[!-/:-@[-`{-~]/.test(next) && !RUST_ESCAPABLE.has(next) ? next : `\\${next}`;
    } else if (NAMED_GROUP.test(src.slice(i, i + 40))) {
      // `(?<name>` -> `(?:`
      out += '(?:';
      i += NAMED_GROUP.exec(src.slice(i, i + 40))![0].length - 1;
    } else {
      out += c;
    }
  }
  return withFlags(re, out);
}

function toPcre(re: RegExp): string {
  return withFlags(re, re.source.replace(/\(\?<[A-Za-z_][A-Za-z0-9_]*>/g, '(?:'));
}

/** ripgrep's complaint about `pattern` with these flags, or undefined when it takes it (exit 2 is a regex error). */
function rejects(pattern: string, flags: string[]): string | undefined {
  const r = spawnSync('rg', [...flags, '-e', pattern, '/dev/null'], { encoding: 'utf8' });
  if (r.status !== 2) return undefined;
  return (/error[^:]*: (.*)/.exec(r.stderr)?.[1] ?? r.stderr.trim().split('\n')[0] ?? 'rejected').trim();
}

export function patternSet(label: string, sources: readonly RgSource[]): RgPatternSet {
  const converted = sources.map((s) => ({ id: s.id, rust: toRust(s.pattern), pcre: toPcre(s.pattern) }));
  const needPcre: string[] = [];
  let multiline = false;
  for (const p of converted) {
    if (p.rust === undefined || (rejects(p.rust, []) !== undefined && rejects(p.rust, ['-U']) !== undefined)) needPcre.push(p.id);
    else if (rejects(p.rust, []) !== undefined) multiline = true;
  }
  const pcre = needPcre.length > 0;
  const notes: string[] = [];
  if (pcre) notes.push(`${needPcre.length} of ${sources.length} patterns need PCRE2 (lookaround): the set runs with -P`);
  const patterns: string[] = [];
  const left: string[] = [];
  for (const p of converted) {
    if (!pcre) {
      patterns.push(p.rust!);
      continue;
    }
    const plain = rejects(p.pcre, ['-P']);
    const multi = plain === undefined ? undefined : rejects(p.pcre, ['-P', '-U']);
    if (plain === undefined) patterns.push(p.pcre);
    else if (multi === undefined) {
      multiline = true;
      patterns.push(p.pcre);
    } else left.push(`${p.id} (${multi})`);
  }
  if (left.length > 0) notes.push(`left out, PCRE2 rejects them: ${left.join('; ')}`);
  return { label, patterns, pcre, multiline, notes };
}

export interface RgRun extends Measured {
  matches: number;
}

/** `rg --no-filename --count-matches -f patterns corpus`, summed. Hidden files (.env) in, .git out. */
export async function runRipgrep(set: RgPatternSet, paths: string[], workDir: string, threads: number): Promise<RgRun> {
  const file = join(workDir, `patterns-${set.label.replace(/\W+/g, '-')}.txt`);
  writeFileSync(file, set.patterns.join('\n') + '\n');
  const args = ['--no-filename', '--count-matches', '-j', String(threads), '--hidden', '--no-ignore', '-g', '!.git', ...(set.pcre ? ['-P'] : []), ...(set.multiline ? ['-U'] : []), '-f', file, ...paths];
  const m = await measure('rg', args);
  if (m.code !== 0 && m.code !== 1) throw new Error(`rg failed (${m.code}): ${m.stderr.slice(0, 500)}`);
  const matches = m.stdout
    .split('\n')
    .filter(Boolean)
    .reduce((s, l) => s + Number(l), 0);
  return { ...m, stdout: '', matches };
}

export function ripgrepVersion(): string {
  return execFileSync('rg', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'rg';
}

/**
 * gitleaks' `generic-api-key` regex, reproduced from memory of gitleaks 8.x (not copied from its
 * source), in ripgrep's syntax. gitleaks then also applies an entropy floor and stopwords, which
 * ripgrep does not: its count is an upper bound of what gitleaks would report.
 */
export const GITLEAKS_GENERIC_FROM_MEMORY: RgPatternSet = {
  label: 'gitleaks generic (from memory)',
  patterns: [
    String.raw`(?i)[\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
  ],
  pcre: false,
  multiline: false,
  notes: [],
};

/** Until the engine's rules exist: the planted formats, for developing the benchmark. */
export const FALLBACK_PATTERNS: RgSource[] = [
  { id: 'aws-access-key-id', pattern: /\b(?<secret>(?:AKIA|ASIA)[A-Z2-7]{16})\b/g },
  { id: 'aws-secret-access-key', pattern: /aws_?secret_?access_?key\W{1,4}(?<secret>[A-Za-z0-9/+]{40})\b/gi },
  { id: 'github-pat', pattern: /\b(?<secret>ghp_[A-Za-z0-9]{36})\b/g },
  { id: 'gcp-api-key', pattern: /\b(?<secret>AIza[A-Za-z0-9_-]{35})/g },
  { id: 'slack-bot-token', pattern: /\b(?<secret>xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24})\b/g },
  { id: 'private-key', pattern: /-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----/g },
  { id: 'generic', pattern: /(?:password|passwd|secret)\s*[:=]\s*["']?(?<secret>[^\s"']{12,})/gi },
];
