/**
 * What every output format shares: the result it renders, the order of findings, and the counts of
 * the summary. Nothing here reads a secret: findings only carry a fingerprint and a redacted preview.
 */
import { SEVERITIES, severityRank } from '../../../model/index.ts';
import type { Severity } from '../../../model/index.ts';
import type { ScanStats, SecretFinding, SecretRule } from '../types.ts';

/** A finished scan, as the renderers receive it. */
export interface SecretScanResult {
  findings: SecretFinding[];
  stats: ScanStats;
  /** The rules the scan ran: SARIF rule metadata, titles in the text output. */
  rules: readonly SecretRule[];
  /** Findings the baseline file suppressed (already removed from `findings`). */
  baselineSuppressed?: number;
  /** ANSI colours in the text output. */
  color?: boolean;
}

export interface SecretSummary {
  /** Findings that count: not allowed by an inline `sprawl:allow`. */
  findings: number;
  files: number;
  bySeverity: Record<Severity, number>;
  suppressed: { baseline: number; inline: number };
}

/** The findings that count (an inline `sprawl:allow` takes a finding out), worst first, then by place. */
export function activeFindings(findings: readonly SecretFinding[]): SecretFinding[] {
  return findings.filter((f) => !f.allowed).sort(compareFindings);
}

/** By path, line, column, rule: the order of a compiler's diagnostics. */
export function compareByPlace(a: SecretFinding, b: SecretFinding): number {
  return (
    compareStrings(a.location.path, b.location.path) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.location.commit ?? '', b.location.commit ?? '')
  );
}

/** Worst severity first, then by place. */
export function compareFindings(a: SecretFinding, b: SecretFinding): number {
  return severityRank(b.severity) - severityRank(a.severity) || compareByPlace(a, b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function summarize(result: SecretScanResult): SecretSummary {
  const active = result.findings.filter((f) => !f.allowed);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of active) bySeverity[f.severity] += 1;
  return {
    findings: active.length,
    files: new Set(active.map((f) => `${f.location.repo ?? ''}\0${f.location.path}`)).size,
    bySeverity,
    // the scanner counts the hits it dropped for `sprawl:allow` in the stats (and those it kept, marked `allowed`)
    suppressed: { baseline: result.baselineSuppressed ?? 0, inline: Math.max(result.stats.allowedInline ?? 0, result.findings.length - active.length) },
  };
}
