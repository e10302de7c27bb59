import { analyze } from '../analyzers/index.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { Severity, SourceOutcome } from '../model/index.ts';
import { SEVERITIES } from '../model/index.ts';
import { loadInventory, saveAnalysis, type Store } from '../store/index.ts';

export interface AnalysisSummary {
  findings: number;
  bySeverity: Record<Severity, number>;
  new: number;
  open: number;
  resolved: number;
  verdicts: Record<string, number>;
}

/**
 * Analyzes one stored scan: reads its inventory, runs every rule, records findings (stable ids,
 * first and last seen) and verdicts. Findings of sources that failed are neither raised nor resolved.
 */
export async function analyzeScan(opts: { store: Store; scanId: string; at: Date; policy: PolicyConfig; sources: readonly SourceOutcome[] }): Promise<AnalysisSummary> {
  const inventory = await loadInventory(opts.store, opts.scanId);
  const { findings, verdicts } = analyze(inventory, opts.policy, opts.at);
  const okSources = opts.sources.filter((s) => s.status === 'ok').map((s) => s.source);
  const saved = await saveAnalysis(opts.store, { id: opts.scanId, at: opts.at.toISOString(), okSources }, findings, verdicts);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;
  const byVerdict: Record<string, number> = {};
  for (const v of verdicts) byVerdict[v.verdict] = (byVerdict[v.verdict] ?? 0) + 1;
  return { findings: findings.length, bySeverity, ...saved, verdicts: byVerdict };
}
