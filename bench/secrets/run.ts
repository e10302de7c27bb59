/**
 * Benchmark of committed-key detection: sprawl against ripgrep (same patterns) and secretlint, on a
 * generated corpus with planted fake keys. Prints figures, asserts nothing, never prints a secret.
 *   node bench/secrets/run.ts [--size-mb 200] [--keep] [--seed s] [--workers 2] [--skip-secretlint]
 *     [--secretlint-subset-mb 20] [--secretlint-limit-min 10]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SecretRule } from '../../src/collectors/repos/types.ts';
import { describeCorpus, generateCorpus } from './corpus.ts';
import { measure } from './measure.ts';
import type { Measured } from './measure.ts';
import { PLANT_KINDS, githubToken } from './plant.ts';
import { createRandom } from './random.ts';
import { FALLBACK_PATTERNS, GITLEAKS_GENERIC_FROM_MEMORY, patternSet, ripgrepVersion, runRipgrep } from './ripgrep.ts';
import type { RgPatternSet, RgSource } from './ripgrep.ts';
import { SECRETLINT_PREFIX, runSecretlint, secretlintBin, secretlintVersion } from './secretlint.ts';
import type { SprawlChildResult } from './sprawl-child.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const sizeMb = Number(flag('--size-mb', '200'));
const seed = flag('--seed', 'sprawl-secrets-bench');
const workers = Number(flag('--workers', '2'));
const threads = Number(flag('--threads', String(workers)));
const subsetMb = Number(flag('--secretlint-subset-mb', '20'));
const limitMs = Number(flag('--secretlint-limit-min', '10')) * 60_000;
const keep = args.includes('--keep');
const here = dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;

/** secretlint is a peer we measure, not a dependency: installed from the npm registry outside the repository. */
function installSecretlint(): void {
  console.log(`installing secretlint into ${SECRETLINT_PREFIX} (npm registry)...`);
  try {
    execFileSync('npm', ['install', '--prefix', SECRETLINT_PREFIX, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'secretlint', '@secretlint/secretlint-rule-preset-recommend'], { stdio: 'inherit' });
  } catch (err) {
    console.log(`  failed: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
}

interface Row {
  tool: string;
  mb: number;
  seconds: number;
  peakRss: number;
  cpuSeconds?: number;
  findings: string;
  note?: string;
}

const rows: Row[] = [];
const notes: string[] = [];

// --- the rules (the engine's, when it is there) ------------------------------------------------
const rules = await loadRules();
if (!rules) notes.push('engine rules not found: ripgrep ran fallback patterns for the planted formats only');
const github = rules ? githubChecksumAccepted(rules) : false;
if (!github) notes.push('GitHub tokens not planted: no engine rule to confirm the checksum');

// --- the corpus --------------------------------------------------------------------------------
const base = mkdtempSync(join(tmpdir(), 'sprawl-secrets-bench-'));
const corpusDir = join(base, 'corpus');
mkdirSync(corpusDir);
console.log(`generating ${sizeMb} MB (seed ${seed}) in ${corpusDir}`);
const corpus = await generateCorpus({ dir: corpusDir, sizeMb, seed, github });
const manifest = join(base, 'planted.json');
writeFileSync(manifest, JSON.stringify(corpus.planted));
console.log(describeCorpus(corpus));
const corpusMb = corpus.bytes / MB;
// warm the page cache so no tool pays for the first read
await measure('rg', ['--hidden', '--no-ignore', '-c', 'zzzzqqqq', corpusDir]);

try {
  // --- sprawl --------------------------------------------------------------------------------
  const haveScanner = existsSync(join(here, '../../src/collectors/repos/scan.ts'));
  const sprawl = haveScanner ? await runSprawl() : undefined;
  if (!haveScanner) notes.push('sprawl: src/collectors/repos/scan.ts not found, not measured');

  // --- ripgrep -------------------------------------------------------------------------------
  const sources: RgSource[] = rules ? rules.map((r) => ({ id: r.id, pattern: r.pattern })) : FALLBACK_PATTERNS;
  const specific = rules ? rules.filter((r) => r.family !== 'generic').map((r) => ({ id: r.id, pattern: r.pattern })) : FALLBACK_PATTERNS.filter((s) => s.id !== 'generic');
  const sets: RgPatternSet[] = [patternSet(`all ${sources.length} patterns`, sources), patternSet(`${specific.length} specific patterns`, specific), GITLEAKS_GENERIC_FROM_MEMORY];
  let rgAll: Measured | undefined;
  const subset = packagePrefix(subsetMb);
  for (const set of sets) {
    // gitleaks' generic regex is slow under ripgrep (a lazy prefix, case-insensitive): the subset only
    const slow = set === GITLEAKS_GENERIC_FROM_MEMORY;
    const run = await runRipgrep(set, slow ? subset.dirs.map((d) => join(corpusDir, d)) : [corpusDir], base, threads);
    rgAll ??= run;
    const mode = [set.pcre ? '-P' : '', set.multiline ? '-U' : ''].filter(Boolean).join(' ');
    rows.push({
      tool: `ripgrep, ${set.label}${mode ? ` (${mode})` : ''}${slow ? ', subset' : ''}`,
      mb: slow ? subset.bytes / MB : corpusMb,
      seconds: run.seconds,
      peakRss: run.peakRss,
      cpuSeconds: run.cpuSeconds,
      findings: `${run.matches} matches`,
    });
    for (const n of set.notes) notes.push(`ripgrep ${set.label}: ${n}`);
  }

  // --- secretlint ----------------------------------------------------------------------------
  let secretlint: Row | undefined;
  if (args.includes('--skip-secretlint')) notes.push('secretlint skipped (--skip-secretlint)');
  else {
    if (!secretlintBin()) installSecretlint();
    if (!secretlintBin()) notes.push(`secretlint could not be installed in ${SECRETLINT_PREFIX}: skipped`);
    else secretlint = await runSecretlintMeasured();
  }

  // --- the table -----------------------------------------------------------------------------
  console.log(`\nrg: ${ripgrepVersion()}; node ${process.version}; ${workers} sprawl workers, rg -j ${threads}`);
  printTable(rows);
  const sprawlRow = rows.find((r) => r.tool.startsWith('sprawl'));
  if (sprawlRow && rgAll) {
    const rgRate = corpusMb / rgAll.seconds;
    console.log(`\nsprawl / ripgrep (all patterns): ${(sprawlRow.seconds / rgAll.seconds).toFixed(2)}× the time, ${(rate(sprawlRow) / rgRate).toFixed(2)}× the throughput`);
  }
  if (sprawlRow && secretlint) console.log(`sprawl / secretlint: ${(rate(sprawlRow) / rate(secretlint)).toFixed(2)}× the throughput`);
  if (sprawl) {
    console.log('\nplanted keys found by sprawl:');
    const total = countBy(corpus.planted.map((p) => p.kind));
    for (const kind of PLANT_KINDS) if (total[kind]) console.log(`  ${kind.padEnd(24)} ${String(sprawl.found[kind] ?? 0).padStart(5)} / ${total[kind]}`);
    const found = Object.values(sprawl.found).reduce((s, n) => s + n, 0);
    console.log(`  ${'all'.padEnd(24)} ${String(found).padStart(5)} / ${corpus.planted.length}`);
    console.log(`  findings off planted lines: ${sprawl.elsewhere}`);
    console.log(`  by rule: ${Object.entries(sprawl.byRule).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ')}`);
    console.log(`  stats: ${sprawl.filesScanned} files, ${(sprawl.bytesScanned / MB).toFixed(1)} MB scanned, ${sprawl.skippedBinary} binary, ${sprawl.skippedLarge} too large, ${sprawl.errors} errors`);
  }
  if (notes.length > 0) console.log(`\nnotes:\n${notes.map((n) => `  - ${n}`).join('\n')}`);
} finally {
  if (keep) console.log(`\nkept: ${base}`);
  else rmSync(base, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------------------

async function loadRules(): Promise<readonly SecretRule[] | undefined> {
  const path = join(here, '../../src/collectors/repos/rules/index.ts');
  if (!existsSync(path)) return undefined;
  const mod = (await import(path)) as { SECRET_RULES?: readonly SecretRule[] };
  return mod.SECRET_RULES;
}

/** Does the engine's GitHub rule accept the tokens this benchmark makes (checksum included)? */
function githubChecksumAccepted(all: readonly SecretRule[]): boolean {
  const r = createRandom('checksum-probe');
  const tokens = Array.from({ length: 20 }, () => githubToken(r));
  const ghRules = all.filter((rule) => rule.family === 'github');
  return tokens.every((token) =>
    ghRules.some((rule) => {
      const re = new RegExp(rule.pattern.source, rule.pattern.flags.replace('y', '').includes('g') ? rule.pattern.flags.replace('y', '') : `${rule.pattern.flags.replace('y', '')}g`);
      for (const m of `token = "${token}"`.matchAll(re)) {
        const secret = m.groups?.secret;
        if (secret === token && (rule.validate?.(secret, m.groups ?? {}) ?? true)) return true;
      }
      return false;
    }),
  );
}

async function runSprawl(): Promise<SprawlChildResult | undefined> {
  const child = join(here, 'sprawl-child.ts');
  let m = await measure(process.execPath, [child, corpusDir, manifest, String(workers)]);
  if (m.code !== 0 && /not a git repository/i.test(m.stderr) && !existsSync(join(corpusDir, '.git'))) {
    // the scanner may want a git repository: make one, outside the timed part, and try again
    notes.push(`sprawl needed a git repository (${firstLine(m.stderr)}): git init + git add -A, untimed`);
    execFileSync('git', ['init', '-q'], { cwd: corpusDir });
    execFileSync('git', ['add', '-A'], { cwd: corpusDir, maxBuffer: 64 * MB });
    m = await measure(process.execPath, [child, corpusDir, manifest, String(workers)]);
  }
  if (m.code !== 0) {
    notes.push(`sprawl failed: ${firstLine(m.stderr)}`);
    return undefined;
  }
  const result = JSON.parse(m.stdout.trim().split('\n').at(-1) ?? '{}') as SprawlChildResult;
  const found = Object.values(result.found).reduce((s, n) => s + n, 0);
  rows.push({
    tool: `sprawl (scanRepository, worktree, ${workers} workers)`,
    mb: corpusMb,
    seconds: result.ms / 1000,
    peakRss: m.peakRss,
    cpuSeconds: m.cpuSeconds,
    findings: `${result.findings} (planted ${found}/${corpus.planted.length})`,
    note: `process ${m.seconds.toFixed(2)} s with start-up`,
  });
  return result;
}

async function runSecretlintMeasured(): Promise<Row> {
  const label = `secretlint ${secretlintVersion()} (preset-recommend)`;
  // a subset first: a prefix of the packages of about `subsetMb`
  const { dirs: subset, bytes: subsetBytes } = packagePrefix(subsetMb);
  const small = await runSecretlint(base, subset, limitMs);
  const perMb = small.seconds / (subsetBytes / MB);
  rows.push({ tool: `${label}, subset`, mb: subsetBytes / MB, seconds: small.seconds, peakRss: small.peakRss, cpuSeconds: small.cpuSeconds, findings: String(small.findings) });
  const estimate = perMb * corpusMb;
  if (subset.length === corpus.packages.length) return rows.at(-1)!;
  if (estimate * 1000 > limitMs) {
    notes.push(`secretlint: ${(subsetBytes / MB).toFixed(0)} MB took ${small.seconds.toFixed(1)} s; the full ${corpusMb.toFixed(0)} MB would take ~${(estimate / 60).toFixed(1)} min (> limit): extrapolated, not run`);
    const row: Row = { tool: `${label}, extrapolated`, mb: corpusMb, seconds: estimate, peakRss: small.peakRss, findings: `~${Math.round((small.findings * corpusMb) / (subsetBytes / MB))}`, note: 'extrapolated from the subset' };
    rows.push(row);
    return row;
  }
  const full = await runSecretlint(base, corpus.packages.map((p) => p.name), limitMs);
  if (full.timedOut) {
    notes.push(`secretlint: the full corpus ran past ${limitMs / 60_000} min and was stopped`);
    return rows.at(-1)!;
  }
  const row: Row = { tool: label, mb: corpusMb, seconds: full.seconds, peakRss: full.peakRss, cpuSeconds: full.cpuSeconds, findings: String(full.findings) };
  rows.push(row);
  return row;
}

/** The first packages, about `mb` of them. */
function packagePrefix(mb: number): { dirs: string[]; bytes: number } {
  const dirs: string[] = [];
  let bytes = 0;
  for (const p of corpus.packages) {
    if (bytes >= mb * MB) break;
    dirs.push(p.name);
    bytes += p.bytes;
  }
  return { dirs, bytes };
}

function rate(r: Row): number {
  return r.mb / r.seconds;
}

function printTable(table: Row[]): void {
  const head = ['tool', 'MB', 'seconds', 'MB/s', 'peak RSS', 'CPU s', 'findings'];
  const body = table.map((r) => [
    r.tool,
    r.mb.toFixed(1),
    r.seconds.toFixed(2),
    rate(r).toFixed(1),
    r.peakRss > 0 ? `${(r.peakRss / MB).toFixed(0)} MB` : '?',
    r.cpuSeconds === undefined ? '' : r.cpuSeconds.toFixed(1),
    r.findings,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
  for (const r of table) if (r.note) console.log(`  ${r.tool}: ${r.note}`);
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

/** The error line of a stack trace, else the first line. */
function firstLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim().length > 0);
  return (lines.find((l) => /^\s*\w*Error\b.*:/.test(l)) ?? lines[0] ?? 'no output').trim().slice(0, 200);
}
