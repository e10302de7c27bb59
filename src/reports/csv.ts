/**
 * CSV of the report's findings and of its identities: RFC 4180 (quoted where needed, quotes
 * doubled, CRLF line ends), a header row, a fixed column order, UTF-8 without a byte order mark.
 * Identity names, tags and messages are attacker-controlled, so every text cell that a spreadsheet
 * could read as a formula gets a leading apostrophe (OWASP, "CSV Injection").
 */
import type { FindingRow, IdentityRow, ReportModel } from './model.ts';

export type CsvCell = string | number | boolean | null;

/**
 * First characters that make Excel, LibreOffice or Google Sheets evaluate a cell: = + - @, tab,
 * carriage return, line feed, and the full-width forms of = + - @ that some of them fold.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A text cell made inert for spreadsheets: a leading apostrophe when it could start a formula. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field. Text is neutralized; numbers and booleans are ours and written as they are. */
export function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  const text = typeof cell === 'string' ? neutralizeFormula(cell) : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvCell;
}

/** A header row and one line per row, each ended by CRLF. */
export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Several values in one cell: "a; b; c". */
function joined(values: readonly string[]): string {
  return values.join('; ');
}

export const FINDING_COLUMNS: readonly CsvColumn<FindingRow>[] = [
  { header: 'id', value: (f) => f.id },
  { header: 'severity', value: (f) => f.severity },
  { header: 'status', value: (f) => f.status },
  { header: 'rule_id', value: (f) => f.ruleId },
  { header: 'title', value: (f) => f.title },
  { header: 'identity_id', value: (f) => f.identityId },
  { header: 'identity_name', value: (f) => f.identityName },
  { header: 'provider', value: (f) => f.provider },
  { header: 'scope', value: (f) => f.scope },
  { header: 'message', value: (f) => f.message },
  { header: 'first_seen_at', value: (f) => f.firstSeenAt },
  { header: 'remediation', value: (f) => f.remediation },
  { header: 'references', value: (f) => joined(f.references) },
  { header: 'evidence', value: (f) => joined(f.evidence.map((e) => `${e.key}=${e.value}`)) },
  { header: 'exemption_reason', value: (f) => f.exemption?.reason ?? null },
  { header: 'exemption_approver', value: (f) => f.exemption?.approver ?? null },
  { header: 'exemption_expires', value: (f) => f.exemption?.expires ?? null },
];

export const IDENTITY_COLUMNS: readonly CsvColumn<IdentityRow>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'name', value: (i) => i.name },
  { header: 'provider', value: (i) => i.provider },
  { header: 'kind', value: (i) => i.kind },
  { header: 'scope', value: (i) => i.scope },
  { header: 'owner', value: (i) => i.owner },
  { header: 'labels', value: (i) => joined(i.labels.map((l) => `${l.key}=${l.value}`)) },
  { header: 'disabled', value: (i) => i.disabled },
  { header: 'managed', value: (i) => i.managed },
  { header: 'credentials', value: (i) => i.credentials },
  { header: 'active_credentials', value: (i) => i.activeCredentials },
  { header: 'oldest_key_age_days', value: (i) => i.oldestKeyAgeDays },
  { header: 'last_used_at', value: (i) => i.lastUsedAt },
  { header: 'privilege', value: (i) => i.privilege },
  { header: 'verdict', value: (i) => i.verdict },
  { header: 'verdict_reasons', value: (i) => joined(i.verdictReasons) },
  { header: 'findings', value: (i) => i.findings },
  { header: 'worst_severity', value: (i) => i.worstSeverity },
];

/** The findings of the report (new, open, exempt), worst first, as the model orders them. */
export function renderFindingsCsv(model: ReportModel): string {
  return toCsv(FINDING_COLUMNS, model.findings);
}

/** Every identity of the report, in the model's order. */
export function renderIdentitiesCsv(model: ReportModel): string {
  return toCsv(IDENTITY_COLUMNS, model.identities);
}
