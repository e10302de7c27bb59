/**
 * The terminal and CI-log format: one line per finding, then a short summary.
 *   src/config.ts:12:17  critical  aws-secret-access-key  wJal…EKEY  [a1b2c3d alice@example.com 2025-06-01]
 * Never the secret: a finding only carries its redacted preview.
 */
import { SEVERITIES } from '../../../model/index.ts';
import type { Severity } from '../../../model/index.ts';
import type { ScanStats, SecretFinding } from '../types.ts';
import { compareByPlace, summarize } from './summary.ts';
import type { SecretScanResult, SecretSummary } from './summary.ts';

const ANSI: Record<Severity | 'dim' | 'bold', string> = {
  critical: '\u001b[1;31m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
};
const RESET = '\u001b[0m';
const SEVERITY_WIDTH = Math.max(...SEVERITIES.map((s) => s.length));
/** How many scan errors the summary lists by name. */
const ERRORS_LISTED = 5;

export function renderText(result: SecretScanResult): string {
  const paint = painter(result.color === true);
  const active = result.findings.filter((f) => !f.allowed).sort(compareByPlace);
  const ruleWidth = Math.max(0, ...active.map((f) => printable(f.ruleId).length));
  const lines = active.map((f) => findingLine(f, ruleWidth, paint));
  if (lines.length > 0) lines.push('');
  lines.push(...summaryLines(summarize(result), result.stats, paint));
  return lines.join('\n') + '\n';
}

type Paint = (style: keyof typeof ANSI, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (style, text) => `${ANSI[style]}${text}${RESET}` : (_style, text) => text;
}

function findingLine(f: SecretFinding, ruleWidth: number, paint: Paint): string {
  const where = `${printable(f.location.path)}:${f.line}:${f.column}`;
  const parts = [where, paint(f.severity, f.severity.padEnd(SEVERITY_WIDTH)), printable(f.ruleId).padEnd(ruleWidth), printable(f.preview)];
  const origin = originOf(f);
  if (origin) parts.push(paint('dim', `[${origin}]`));
  return parts.join('  ').trimEnd();
}

/** `a1b2c3d alice@example.com 2025-06-01` for findings from history or a range. */
function originOf(f: SecretFinding): string {
  const { commit, author, time } = f.location;
  const parts: string[] = [];
  if (commit) parts.push(commit.slice(0, 7));
  if (author) parts.push(printable(author));
  if (time) parts.push(dateOf(time));
  return parts.join(' ');
}

function dateOf(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? printable(iso) : new Date(t).toISOString().slice(0, 10);
}

function summaryLines(summary: SecretSummary, stats: ScanStats, paint: Paint): string[] {
  const lines: string[] = [];
  if (summary.findings === 0) {
    lines.push(paint('bold', 'No secrets found.'));
  } else {
    const severities = SEVERITIES.filter((s) => summary.bySeverity[s] > 0).map((s) => paint(s, `${summary.bySeverity[s]} ${s}`));
    lines.push(`${paint('bold', `${plural(summary.findings, 'finding')} in ${plural(summary.files, 'file')}`)}: ${severities.join(', ')}`);
  }
  const skipped = [
    stats.skippedBinary > 0 ? `${stats.skippedBinary} binary` : '',
    stats.skippedLarge > 0 ? `${stats.skippedLarge} too large` : '',
  ].filter(Boolean);
  lines.push(
    `Scanned ${plural(stats.filesScanned, 'file')} (${megabytes(stats.bytesScanned)}) in ${seconds(stats.durationMs)}` +
      (skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : ''),
  );
  const suppressed = [
    summary.suppressed.baseline > 0 ? `${summary.suppressed.baseline} by baseline` : '',
    summary.suppressed.inline > 0 ? `${summary.suppressed.inline} by inline sprawl:allow` : '',
  ].filter(Boolean);
  if (suppressed.length > 0) lines.push(`Suppressed ${suppressed.join(', ')}`);
  if (stats.errors.length > 0) {
    lines.push(`${plural(stats.errors.length, 'file')} ${stats.cutOff?.length ? 'could not be read or were scanned only in part' : 'could not be read'}:`);
    for (const e of stats.errors.slice(0, ERRORS_LISTED)) lines.push(`  ${printable(e.path)}: ${printable(e.error)}`);
    if (stats.errors.length > ERRORS_LISTED) lines.push(`  … and ${stats.errors.length - ERRORS_LISTED} more`);
  }
  return lines;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function megabytes(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  return `${mb >= 10 || mb === 0 ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * Control characters, and the bidirectional overrides that make text read differently from what it
 * is, shown as escapes: a file name must not drive the terminal or disguise a line of the log.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
