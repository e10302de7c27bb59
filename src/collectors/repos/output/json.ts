/**
 * The machine-readable format: `{ schemaVersion, tool, summary, findings, stats }`. Each finding is
 * built field by field from the known-safe ones (place, rule, fingerprint, redacted preview), so
 * nothing else a finding object might carry can reach the output.
 */
import type { Severity } from '../../../model/index.ts';
import type { ScanStats, SecretFinding, SourceLocation } from '../types.ts';
import { compareByPlace, summarize } from './summary.ts';
import type { SecretScanResult, SecretSummary } from './summary.ts';

/** Bumped on any breaking change of the JSON output's shape. */
export const SECRETS_JSON_SCHEMA_VERSION = 1;

export interface JsonSecretFinding {
  ruleId: string;
  severity: Severity;
  location: SourceLocation;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  fingerprint: string;
  preview: string;
  publicId?: string;
}

export interface JsonSecretReport {
  schemaVersion: typeof SECRETS_JSON_SCHEMA_VERSION;
  tool: { name: 'sprawl'; version: string };
  summary: SecretSummary;
  /** The findings that count: those an inline `sprawl:allow` allowed are only counted in the summary. */
  findings: JsonSecretFinding[];
  stats: ScanStats;
}

export function renderJson(result: SecretScanResult & { toolVersion: string }): string {
  const report: JsonSecretReport = {
    schemaVersion: SECRETS_JSON_SCHEMA_VERSION,
    tool: { name: 'sprawl', version: result.toolVersion },
    summary: summarize(result),
    findings: result.findings.filter((f) => !f.allowed).sort(compareByPlace).map(jsonFinding),
    stats: {
      filesScanned: result.stats.filesScanned,
      bytesScanned: result.stats.bytesScanned,
      skippedBinary: result.stats.skippedBinary,
      skippedLarge: result.stats.skippedLarge,
      allowedInline: result.stats.allowedInline,
      errors: result.stats.errors.map((e) => ({ path: e.path, error: e.error })),
      durationMs: result.stats.durationMs,
    },
  };
  return JSON.stringify(report, null, 2) + '\n';
}

function jsonFinding(f: SecretFinding): JsonSecretFinding {
  const { repo, path, commit, author, time, blob } = f.location;
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    location: { repo, path, commit, author, time, blob },
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    fingerprint: f.fingerprint,
    preview: f.preview,
    publicId: f.publicId,
  };
}
