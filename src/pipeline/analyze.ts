import { analyze, catalogue, correlationSettings, leakedRule, loadPeople } from '../analyzers/index.ts';
import type { AnalysisConfig } from '../config/analysis-schema.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { Severity, SourceOutcome } from '../model/index.ts';
import { SEVERITIES } from '../model/index.ts';
import { linkLeaks, loadInventory, saveAnalysis, type Store } from '../store/index.ts';

export interface AnalysisSummary {
  findings: number;
  bySeverity: Record<Severity, number>;
  new: number;
  open: number;
  resolved: number;
  verdicts: Record<string, number>;
  /** Committed secrets found, and how many of them expose a credential of the inventory. */
  leaks: number;
  leaksLinked: number;
  /** Findings set aside by exemptions in the config. */
  exempted: number;
}

/** Sources of committed-key scans are named `repo:<name>`. */
export const REPO_SOURCE_PREFIX = 'repo:';

/**
 * What a scan may resolve: findings of the sources it collected (`okSources`), except those of
 * `holdRules`: a repository that could not be read says nothing about the keys committed to it.
 */
export function resolvable(sources: readonly SourceOutcome[]): { okSources: string[]; holdRules: string[] } {
  return {
    okSources: sources.filter((s) => s.status === 'ok').map((s) => s.source),
    holdRules: sources.some((s) => s.status === 'failed' && s.source.startsWith(REPO_SOURCE_PREFIX)) ? [leakedRule.id] : [],
  };
}

/** The analysis stopped by a signal before it wrote anything: the scan stays collected, not analyzed. */
export class AnalysisInterrupted extends Error {
  override name = 'AnalysisInterrupted';
}

/**
 * Throws AnalysisInterrupted when `signal` was aborted. The event loop is given two turns first: a
 * SIGINT that came during synchronous work (the rules) reaches its handler only in a poll phase.
 */
async function stopIfAborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return;
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  if (signal.aborted) throw new AnalysisInterrupted(`analysis stopped: ${signal.reason instanceof Error ? signal.reason.message : 'aborted'}`);
}

/**
 * Analyzes one stored scan: reads its inventory, runs every rule, records findings (stable ids,
 * first and last seen) and verdicts. Findings of sources that failed are neither raised nor resolved.
 * With `signal`: aborted before the findings are saved, it throws AnalysisInterrupted and nothing of
 * the analysis is written (leaks linked to credentials aside, which the next analysis redoes); the
 * save itself is one transaction (saveAnalysis), so a scan is analyzed whole or not at all.
 */
export async function analyzeScan(opts: { store: Store; scanId: string; at: Date; policy: PolicyConfig; analysis?: AnalysisConfig; sources: readonly SourceOutcome[]; signal?: AbortSignal }): Promise<AnalysisSummary> {
  await stopIfAborted(opts.signal);
  const leaksLinked = await linkLeaks(opts.store, opts.scanId);
  const inventory = await loadInventory(opts.store, opts.scanId, { activities: 'digest' });
  const people = opts.analysis?.people ? loadPeople(opts.analysis.people.file) : undefined;
  const rules = opts.analysis ? catalogue(correlationSettings(opts.analysis, people)) : catalogue();
  const { findings, verdicts, exempted } = analyze(inventory, opts.policy, opts.at, rules, { exemptions: opts.analysis?.exemptions ?? [] });
  await stopIfAborted(opts.signal);
  const saved = await saveAnalysis(opts.store, { id: opts.scanId, at: opts.at.toISOString(), ...resolvable(opts.sources) }, findings, verdicts, exempted);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;
  const byVerdict: Record<string, number> = {};
  for (const v of verdicts) byVerdict[v.verdict] = (byVerdict[v.verdict] ?? 0) + 1;
  return { findings: findings.length, bySeverity, ...saved, verdicts: byVerdict, leaks: inventory.leaks.length, leaksLinked, exempted: exempted.length };
}
