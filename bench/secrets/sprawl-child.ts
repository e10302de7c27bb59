/**
 * The sprawl side of the benchmark, in its own process so its peak RSS is its own:
 *   node bench/secrets/sprawl-child.ts <corpus> <planted.json> <workers>
 * Prints one JSON line: scan time, stats, findings by rule, planted keys found. No secret: findings
 * only carry fingerprints and previews, and only counts are printed.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { Planted } from './plant.ts';

export interface SprawlChildResult {
  ms: number;
  filesScanned: number;
  bytesScanned: number;
  skippedBinary: number;
  skippedLarge: number;
  errors: number;
  findings: number;
  byRule: Record<string, number>;
  /** Planted keys with at least one finding on their lines, by kind. */
  found: Record<string, number>;
  /** Findings on no planted key's lines. */
  elsewhere: number;
}

const [corpus, manifest, workers] = process.argv.slice(2);
if (!corpus || !manifest) throw new Error('usage: sprawl-child.ts <corpus> <planted.json> [workers]');
const planted = JSON.parse(readFileSync(manifest, 'utf8')) as Planted[];

const { scanRepository } = await import('../../src/collectors/repos/scan.ts');
const started = performance.now();
const { findings, stats } = await scanRepository({ path: corpus, mode: 'worktree', workers: Number(workers ?? 2) });
const ms = performance.now() - started;

const byPath = new Map<string, Planted[]>();
for (const p of planted) byPath.set(p.path, [...(byPath.get(p.path) ?? []), p]);
const hit = new Set<Planted>();
const byRule: Record<string, number> = {};
let elsewhere = 0;
for (const f of findings) {
  byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const path = (isAbsolute(f.location.path) ? relative(corpus, f.location.path) : f.location.path).replaceAll('\\', '/');
  const on = (byPath.get(path) ?? []).filter((p) => f.line >= p.startLine && f.line <= p.endLine);
  for (const p of on) hit.add(p);
  if (on.length === 0) elsewhere += 1;
}
const found: Record<string, number> = {};
for (const p of hit) found[p.kind] = (found[p.kind] ?? 0) + 1;

const result: SprawlChildResult = {
  ms,
  filesScanned: stats.filesScanned,
  bytesScanned: stats.bytesScanned,
  skippedBinary: stats.skippedBinary,
  skippedLarge: stats.skippedLarge,
  errors: stats.errors.length,
  findings: findings.length,
  byRule,
  found,
  elsewhere,
};
console.log(JSON.stringify(result));
