/**
 * SARIF 2.1.0 of a stored scan (`sprawl report --format sarif`), for GitHub code scanning and any
 * SARIF viewer. One run with two kinds of results:
 *
 * - every committed secret the scan found (its leaks) that has a file location, rendered by the
 *   repository scanner's own SARIF writer (collectors/repos/output/sarif.ts): same rules, regions,
 *   redacted previews and `sprawl/v1` fingerprints as `sprawl secrets --sarif`;
 * - every new or open analyzer finding located in a repository: its evidence names a committed
 *   secret (`secretFingerprint`, `fingerprint`: located at that secret's leaks) or a file (`path`,
 *   `line`, `repo`). Its rule is the analyzer rule; it is tracked by its finding id. Exempt findings
 *   are accepted risks and left out.
 *
 * Paths are repository-relative under `%SRCROOT%`, the repository goes in the result's properties.
 * Never a secret: messages carry the analyzer's sentence or the redacted preview.
 */
import { byExposure } from '../analyzers/facts.ts';
import { compareStrings } from '../analyzers/verdict.ts';
import {
  SARIF_LEVEL,
  SARIF_MAX_RESULTS,
  SECURITY_SEVERITY,
  artifactLocation,
  bounded,
  buildSarif,
  pascalCase,
  type SarifLog,
  type SarifResult,
  type SarifRule,
  type SarifRun,
} from '../collectors/repos/output/sarif.ts';
import { SECRET_RULES } from '../collectors/repos/rules/index.ts';
import type { SecretFinding } from '../collectors/repos/types.ts';
import type { FindingRecord, Leak, LeakLocation } from '../model/index.ts';
import { formatReference } from './format.ts';
import type { RuleInfo } from './sections.ts';

/** The key of a finding's fingerprint in `partialFingerprints`: the finding id (rule + subject), stable across scans. */
export const FINDING_FINGERPRINT_KEY = 'sprawl/finding/v1';
/** `runs[0].automationDetails.id` is this plus the scan id: GitHub's category, then the run. */
export const REPORT_AUTOMATION_PREFIX = 'sprawl/report/';
/** Places of one finding listed as related locations beyond its first. */
const MAX_RELATED = 50;
const MAX_TEXT = 1024;

export interface SarifReportInput {
  scanId: string;
  toolVersion: string;
  /** The scan's committed secrets. */
  leaks: readonly Leak[];
  /** The scan's findings (new, open, exempt). */
  findings: readonly FindingRecord[];
  /** The analyzer rule catalogue: rule metadata of the findings' rules. */
  rules: readonly RuleInfo[];
}

interface PhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string };
  region: { startLine: number; startColumn?: number; endLine?: number; endColumn?: number };
}

/** A result of either kind: a finding's may list its other places and says whose it is. */
export interface ReportSarifResult extends Omit<SarifResult, 'locations' | 'properties'> {
  locations: { physicalLocation: PhysicalLocation }[];
  relatedLocations?: { id: number; message: { text: string }; physicalLocation: PhysicalLocation }[];
  properties?: Record<string, string>;
}

export interface ReportSarifLog extends Omit<SarifLog, 'runs'> {
  runs: [Omit<SarifRun, 'results'> & { results: ReportSarifResult[] }];
}

export function renderReportSarif(input: SarifReportInput): string {
  return JSON.stringify(buildReportSarif(input), null, 2) + '\n';
}

export function buildReportSarif(input: SarifReportInput): ReportSarifLog {
  const located = input.leaks.filter(hasFile);
  const used = new Set(located.map((l) => l.rule));
  const base = buildSarif({
    findings: located.map(leakFinding),
    rules: SECRET_RULES.filter((r) => used.has(r.id)),
    stats: { filesScanned: 0, bytesScanned: 0, skippedBinary: 0, skippedLarge: 0, errors: [], durationMs: 0 },
    toolVersion: input.toolVersion,
    automationId: `${REPORT_AUTOMATION_PREFIX}${input.scanId}`,
  });
  const run = base.runs[0];
  const rules = run.tool.driver.rules;
  const findingResults = findingSarif(input, rules);
  const leakResults = run.results.slice(0, Math.max(0, SARIF_MAX_RESULTS - findingResults.kept.length));
  return {
    ...base,
    runs: [
      {
        ...run,
        results: [...findingResults.kept, ...leakResults],
        properties: {
          leaks: input.leaks.length,
          leaksWithoutLocation: input.leaks.length - located.length,
          findings: findingResults.total,
          resultsOmitted: findingResults.total - findingResults.kept.length + located.length - leakResults.length,
        },
      },
    ],
  };
}

function hasFile(leak: Leak): boolean {
  return leak.location.path !== '';
}

/** A stored leak as the repository scanner reported it (its end column is not stored: one character). */
function leakFinding(leak: Leak): SecretFinding {
  const column = leak.location.column ?? 1;
  const { repo, path, commit, author, time } = leak.location;
  return {
    ruleId: leak.rule,
    severity: leak.severity,
    line: leak.location.line,
    column,
    endLine: leak.location.line,
    endColumn: column + 1,
    fingerprint: leak.fingerprint,
    preview: leak.preview,
    ...(leak.publicId === undefined ? {} : { publicId: leak.publicId }),
    allowed: false,
    location: { path, ...(repo ? { repo } : {}), ...(commit ? { commit } : {}), ...(author ? { author } : {}), ...(time ? { time } : {}) },
  };
}

/** Results of the findings located in a repository (worst first, at most SARIF_MAX_RESULTS); their rules are appended to `rules`. */
function findingSarif(input: SarifReportInput, rules: SarifRule[]): { kept: ReportSarifResult[]; total: number } {
  const leaksByFingerprint = new Map<string, Leak[]>();
  for (const leak of input.leaks.filter(hasFile)) {
    const list = leaksByFingerprint.get(leak.fingerprint);
    if (list) list.push(leak);
    else leaksByFingerprint.set(leak.fingerprint, [leak]);
  }
  const catalogue = new Map(input.rules.map((r) => [r.id, r]));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: { severity: number; result: ReportSarifResult }[] = [];
  for (const f of input.findings) {
    if (f.status !== 'new' && f.status !== 'open') continue;
    const places = findingPlaces(f, leaksByFingerprint);
    const [first, ...rest] = places;
    if (!first) continue;
    let ruleIndex = index.get(f.ruleId);
    if (ruleIndex === undefined) {
      ruleIndex = rules.push(analyzerRule(f, catalogue.get(f.ruleId))) - 1;
      index.set(f.ruleId, ruleIndex);
    }
    const related = rest.slice(0, MAX_RELATED).map((p, i) => ({ id: i + 1, message: { text: 'Also committed here' }, physicalLocation: physical(p) }));
    results.push({
      severity: Number(SECURITY_SEVERITY[f.severity]),
      result: {
        ruleId: f.ruleId,
        ruleIndex,
        level: SARIF_LEVEL[f.severity],
        message: { text: bounded(`${f.message}.${places.length > 1 ? ` ${places.length} places.` : ''}`, MAX_TEXT) },
        locations: [{ physicalLocation: physical(first) }],
        ...(related.length > 0 ? { relatedLocations: related } : {}),
        partialFingerprints: { [FINDING_FINGERPRINT_KEY]: f.id },
        properties: { identity: f.identityId, provider: f.provider, scope: f.scope, status: f.status, ...(first.repo ? { repo: first.repo } : {}) },
      },
    });
  }
  results.sort((a, b) => b.severity - a.severity || compareStrings(a.result.partialFingerprints[FINDING_FINGERPRINT_KEY] ?? '', b.result.partialFingerprints[FINDING_FINGERPRINT_KEY] ?? ''));
  return { kept: results.slice(0, SARIF_MAX_RESULTS).map((r) => r.result), total: results.length };
}

/** Where a finding is in repositories: the leaks of the secret its evidence names, else the file it names. */
export function findingPlaces(f: Pick<FindingRecord, 'evidence'>, leaksByFingerprint: ReadonlyMap<string, readonly Leak[]>): LeakLocation[] {
  const { secretFingerprint, fingerprint, path, line, repo } = f.evidence;
  for (const fp of [secretFingerprint, fingerprint]) {
    const leaks = typeof fp === 'string' ? leaksByFingerprint.get(fp) : undefined;
    if (leaks && leaks.length > 0) return [...leaks].sort(byExposure).map((l) => l.location);
  }
  if (typeof path !== 'string' || path === '') return [];
  return [{ path, line: typeof line === 'number' ? line : 1, ...(typeof repo === 'string' && repo !== '' ? { repo } : {}) }];
}

function physical(place: LeakLocation): PhysicalLocation {
  const startLine = Number.isInteger(place.line) && place.line >= 1 ? place.line : 1;
  return { artifactLocation: artifactLocation(place.path), region: { startLine } };
}

function analyzerRule(f: FindingRecord, rule: RuleInfo | undefined): SarifRule {
  const title = rule?.title ?? f.title;
  const remediation = rule?.remediation ?? f.remediation;
  const references = (rule?.references ?? f.references).map(formatReference);
  const severity = rule?.severity ?? f.severity;
  const markdown = [`**${title}**`, '', remediation, '', `Severity: ${severity}. Rule: \`${f.ruleId}\`.`, ...(references.length > 0 ? ['', `Controls: ${references.join('; ')}.`] : [])].join('\n');
  return {
    id: f.ruleId,
    name: bounded(pascalCase(f.ruleId), 255),
    shortDescription: { text: bounded(title, MAX_TEXT) },
    fullDescription: { text: bounded(`${title}. ${remediation}`, MAX_TEXT) },
    help: { text: remediation, markdown },
    defaultConfiguration: { level: SARIF_LEVEL[severity] },
    properties: { tags: ['security', 'machine-identity'], 'security-severity': SECURITY_SEVERITY[severity], precision: 'high' },
  };
}

