/**
 * SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer). One run; the driver's rules come from
 * the SecretRules; each result carries a repo-relative URI under `%SRCROOT%`, the secret's region and
 * `partialFingerprints['sprawl/v1']` (the keyed fingerprint: GitHub tracks alerts across runs with it).
 *
 * GitHub's documented limits shape the output: at most 25,000 results per run (the worst are kept,
 * the cut is recorded in the run's properties), at most 20 tags per rule (we use 3), and rule names
 * and descriptions bounded to 255 and 1,024 characters. Never the secret: messages name the rule,
 * the place and the redacted preview.
 */
import { isAbsolute, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../../../model/index.ts';
import type { SecretFinding, SecretRule } from '../types.ts';
import { compareFindings, summarize } from './summary.ts';
import type { SecretScanResult } from './summary.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** GitHub rejects a run with more results. */
export const SARIF_MAX_RESULTS = 25_000;
/** The key of the fingerprint in `partialFingerprints`; a new version only if the fingerprint changes. */
export const SARIF_FINGERPRINT_KEY = 'sprawl/v1';
const SRCROOT = '%SRCROOT%';
const MAX_NAME = 255;
const MAX_DESCRIPTION = 1024;

export type SarifLevel = 'error' | 'warning' | 'note';

export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** GitHub's `security-severity` score (>= 9 critical, >= 7 high, >= 4 medium, else low). */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.0', high: '7.5', medium: '5.0', low: '3.0', info: '3.0' };

export interface SarifOptions {
  toolVersion: string;
  /** The repository's root on disk: absolute finding paths are made relative to it, and it is recorded as `%SRCROOT%`. */
  repoRoot?: string;
  /** `runs[0].automationDetails.id`, e.g. `sprawl/secrets/`: tells GitHub which analysis this is. */
  automationId?: string;
  /** The project's page, shown by viewers as the tool's home. */
  informationUri?: string;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; 'security-severity': string; precision: 'high' | 'medium' };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
  partialFingerprints: Record<string, string>;
  properties?: { repo?: string; commit?: string; author?: string; time?: string };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: [SarifRun];
}

export interface SarifRun {
  tool: { driver: { name: 'sprawl'; informationUri?: string; semanticVersion: string; version: string; rules: SarifRule[] } };
  automationDetails?: { id: string };
  originalUriBaseIds?: Record<string, { uri: string }>;
  columnKind: 'utf16CodeUnits';
  invocations: {
    executionSuccessful: boolean;
    toolExecutionNotifications: { level: 'warning'; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[];
  }[];
  results: SarifResult[];
  properties: Record<string, number>;
}

/** How many unreadable files the invocation lists. */
const NOTIFICATIONS_LISTED = 100;

export function renderSarif(result: SecretScanResult & SarifOptions): string {
  return JSON.stringify(buildSarif(result), null, 2) + '\n';
}

export function buildSarif(result: SecretScanResult & SarifOptions): SarifLog {
  const rules = result.rules.map(sarifRule);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const rulesById = new Map(result.rules.map((r) => [r.id, r]));
  const active = result.findings.filter((f) => !f.allowed).sort(compareFindings);
  const kept = active.slice(0, SARIF_MAX_RESULTS);
  const results = kept.map((f) => {
    let ruleIndex = index.get(f.ruleId);
    if (ruleIndex === undefined) {
      // a finding of a rule the caller did not pass: describe it from the finding so the result resolves
      ruleIndex = rules.push(unknownRule(f.ruleId, f.severity)) - 1;
      index.set(f.ruleId, ruleIndex);
    }
    return sarifResult(f, ruleIndex, rulesById.get(f.ruleId), result.repoRoot);
  });
  const summary = summarize(result);
  const run: SarifRun = {
    tool: {
      driver: {
        name: 'sprawl',
        ...(result.informationUri ? { informationUri: result.informationUri } : {}),
        semanticVersion: result.toolVersion,
        version: result.toolVersion,
        rules,
      },
    },
    ...(result.automationId ? { automationDetails: { id: result.automationId } } : {}),
    ...(result.repoRoot ? { originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(result.repoRoot) } } } : {}),
    columnKind: 'utf16CodeUnits',
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: result.stats.errors.slice(0, NOTIFICATIONS_LISTED).map((e) => ({
          level: 'warning' as const,
          message: { text: bounded(`Not scanned: ${e.error}`, MAX_DESCRIPTION) },
          locations: [{ physicalLocation: { artifactLocation: artifactLocation(e.path, result.repoRoot) } }],
        })),
      },
    ],
    results,
    properties: {
      filesScanned: result.stats.filesScanned,
      bytesScanned: result.stats.bytesScanned,
      skippedBinary: result.stats.skippedBinary,
      skippedLarge: result.stats.skippedLarge,
      scanErrors: result.stats.errors.length,
      suppressedByBaseline: summary.suppressed.baseline,
      suppressedInline: summary.suppressed.inline,
      resultsOmitted: active.length - kept.length,
    },
  };
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}

export function sarifRule(rule: SecretRule): SarifRule {
  const precision = rule.family === 'generic' ? 'medium' : 'high';
  const markdown = [
    `**${rule.title}**`,
    '',
    rule.description,
    '',
    `Severity: ${rule.severity}. Family: ${rule.family}. Rule: \`${rule.id}\`.`,
    '',
    'A committed key stays in the history after it is deleted from the code: rotate or revoke it, then remove it. ' +
      'Mark a deliberate test value with a `sprawl:allow` comment on its line.',
  ].join('\n');
  return {
    id: rule.id,
    name: bounded(pascalCase(rule.id), MAX_NAME),
    shortDescription: { text: bounded(rule.title, MAX_DESCRIPTION) },
    fullDescription: { text: bounded(rule.description, MAX_DESCRIPTION) },
    help: { text: rule.description, markdown },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: { tags: [...new Set(['security', 'secret', rule.family])], 'security-severity': SECURITY_SEVERITY[rule.severity], precision },
  };
}

function unknownRule(id: string, severity: Severity): SarifRule {
  const text = `Committed secret (${id})`;
  return {
    id,
    name: bounded(pascalCase(id), MAX_NAME),
    shortDescription: { text: bounded(text, MAX_DESCRIPTION) },
    fullDescription: { text: bounded(text, MAX_DESCRIPTION) },
    help: { text, markdown: text },
    defaultConfiguration: { level: SARIF_LEVEL[severity] },
    properties: { tags: ['security', 'secret'], 'security-severity': SECURITY_SEVERITY[severity], precision: 'medium' },
  };
}

function sarifResult(f: SecretFinding, ruleIndex: number, rule: SecretRule | undefined, repoRoot: string | undefined): SarifResult {
  const { repo, commit, author, time } = f.location;
  const where = `${f.location.path} at line ${f.line}, column ${f.column}${commit ? ` (commit ${commit.slice(0, 12)})` : ''}`;
  const text = `${rule?.title ?? f.ruleId} (${f.preview}) committed in ${where}. Rotate or revoke it: deleting it from the code does not.`;
  const properties = { ...(repo ? { repo } : {}), ...(commit ? { commit } : {}), ...(author ? { author } : {}), ...(time ? { time } : {}) };
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: bounded(text, MAX_DESCRIPTION) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(f.location.path, repoRoot),
          region: region(f),
        },
      },
    ],
    partialFingerprints: { [SARIF_FINGERPRINT_KEY]: f.fingerprint },
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}

/**
 * A repo-relative path as a relative URI reference under `%SRCROOT%`: forward slashes, each segment
 * percent-encoded (spaces, `#`, `?`, `%`, non-ASCII as UTF-8). An absolute path under `repoRoot` is
 * made relative; one outside it (or absolute with no root) becomes a `file:` URI on its own.
 */
export function artifactLocation(path: string, repoRoot?: string): { uri: string; uriBaseId?: string } {
  let rel = path.replaceAll('\\', '/');
  if (isAbsolute(path) || /^[A-Za-z]:\//.test(rel)) {
    const inside = repoRoot ? relative(repoRoot, path).replaceAll('\\', '/') : undefined;
    if (inside === undefined || inside === '' || inside.startsWith('../') || inside === '..' || isAbsolute(inside)) {
      return { uri: pathToFileURL(path).href };
    }
    rel = inside;
  }
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  return { uri: segments.map(encodeSegment).join('/'), uriBaseId: SRCROOT };
}

/** encodeURIComponent, plus the characters it leaves that a URI segment should not carry bare. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** `aws-access-key-id` -> `AwsAccessKeyId`. */
export function pascalCase(id: string): string {
  const name = id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  return name || 'Secret';
}

/** At most `max` UTF-16 units, cut with an ellipsis, never inside a surrogate pair. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** The hit's region (1-based, end column exclusive: SARIF's convention too), kept well-formed. */
function region(f: SecretFinding): { startLine: number; startColumn: number; endLine: number; endColumn: number } {
  const startLine = atLeastOne(f.line);
  const startColumn = atLeastOne(f.column);
  const endLine = Math.max(atLeastOne(f.endLine), startLine);
  const endColumn = endLine === startLine ? Math.max(atLeastOne(f.endColumn), startColumn + 1) : atLeastOne(f.endColumn);
  return { startLine, startColumn, endLine, endColumn };
}

function atLeastOne(n: number): number {
  return Number.isInteger(n) && n >= 1 ? n : 1;
}
