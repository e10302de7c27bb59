/**
 * Reading an IAM credential report file: the plain CSV (`Content` decoded), the CLI's JSON
 * (`{"Content": "<base64>", "ReportFormat": "text/csv", ...}`) or the bare base64 content.
 * Rows are checked (column count, dates, booleans) and parsed with the live collector's parser.
 */
import { parseCredentialReport } from '../collectors/aws/credential-report.ts';
import type { CredentialReportRow } from '../collectors/aws/credential-report.ts';
import { parseCsv } from '../collectors/aws/csv.ts';
import { asObject, asString, describeProblem, parseJsonDocuments } from './json-values.ts';
import { atLine } from './types.ts';
import type { WarningSink } from './types.ts';

export const ROOT_USER = '<root_account>';

export const CREDENTIAL_REPORT_COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed', 'password_next_rotation', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
  'cert_1_active', 'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
] as const;

const REQUIRED = ['user', 'arn', 'password_enabled', 'access_key_1_active', 'access_key_1_last_rotated', 'access_key_2_active', 'access_key_2_last_rotated'];
const DATE_COLUMNS = new Set(['user_creation_time', 'password_last_used', 'password_last_changed', 'password_next_rotation', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'cert_1_last_rotated', 'cert_2_last_rotated']);
const BOOL_COLUMNS = new Set(['password_enabled', 'mfa_active', 'access_key_1_active', 'access_key_2_active', 'cert_1_active', 'cert_2_active']);
/** Values the report uses for "nothing here" (the live parser treats them the same). */
const ABSENT = new Set(['', 'n/a', 'no_information', 'not_supported']);

/** A parsed row and the line it came from. */
export interface LocatedReportRow extends CredentialReportRow {
  line: number;
}

export interface ReadCredentialReport {
  /** One row per user (a user listed twice keeps the later row), `<root_account>` included. */
  rows: LocatedReportRow[];
  /** Accounts named by the rows' ARNs. */
  accounts: string[];
  /** Why nothing could be read, when so. */
  fatal?: string;
  /** Rows that had the right shape, before duplicates were dropped. */
  rowsRead: number;
}

export const accountOfArn = (arn: string | undefined): string | undefined => (arn ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1] : undefined);

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/** The CSV text inside whatever form the report came in; `prefix` is prepended to line places (`Content `). */
function unwrap(text: string, file: string): { csv: string; prefix: string } | { fatal: string } {
  const t = text.replace(/^\uFEFF/, '');
  const trimmed = t.trimStart();
  if (trimmed.startsWith('{')) {
    const parsed = parseJsonDocuments(t);
    const p = parsed.problems[0];
    if (p) return { fatal: `${atLine(file, p.line)}: not valid JSON (${describeProblem(p)}: ${p.message})` };
    const doc = asObject(parsed.docs[0]?.value);
    const content = asString(doc?.Content);
    if (!doc || content === undefined) return { fatal: `${file}:$.Content: not a credential report: JSON without a Content string (expected the output of aws iam get-credential-report)` };
    const format = asString(doc.ReportFormat);
    if (format !== undefined && format !== 'text/csv') return { fatal: `${file}:$.ReportFormat: unsupported report format ${format} (expected text/csv)` };
    return { csv: decodeBase64(content) ?? content, prefix: '$.Content ' };
  }
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  if (!firstLine.includes(',') && BASE64.test(trimmed)) {
    const csv = decodeBase64(trimmed);
    if (csv !== undefined) return { csv, prefix: 'base64 content ' };
  }
  return { csv: t, prefix: '' };
}

function decodeBase64(s: string): string | undefined {
  const compact = s.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.startsWith('user,') || decoded.startsWith('\uFEFFuser,') ? decoded : undefined;
}

/** CSV records with the line each starts on (a quoted field may span lines). */
function csvRecords(csv: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = csv.split(/\r?\n/);
  let pending: { line: number; text: string } | undefined;
  lines.forEach((l, i) => {
    pending = pending ? { line: pending.line, text: `${pending.text}\n${l}` } : { line: i + 1, text: l };
    if ((pending.text.match(/"/g)?.length ?? 0) % 2 === 0) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out.filter((r) => r.text.trim() !== '');
}

/** What is wrong with a row, if anything. */
function rowProblem(header: readonly string[], fields: readonly string[]): string | undefined {
  if (fields.length !== header.length) return `expected ${header.length} columns, found ${fields.length}`;
  const rec = new Map(header.map((h, i) => [h, (fields[i] ?? '').trim()]));
  if (!rec.get('user')) return 'empty user';
  if (accountOfArn(rec.get('arn')) === undefined) return `arn ${JSON.stringify(rec.get('arn') ?? '')} is not an IAM ARN`;
  for (const [col, v] of rec) {
    if (ABSENT.has(v.toLowerCase())) continue;
    if (DATE_COLUMNS.has(col) && Number.isNaN(Date.parse(v))) return `${col}: ${JSON.stringify(v)} is not a date`;
    if (BOOL_COLUMNS.has(col) && v !== 'true' && v !== 'false') return `${col}: ${JSON.stringify(v)} is not true or false`;
  }
  return undefined;
}

/** Parses a credential report file; rejected rows and duplicates go to `sink` with their line. */
export function readCredentialReport(text: string, file: string, sink: WarningSink): ReadCredentialReport {
  const unwrapped = unwrap(text, file);
  if ('fatal' in unwrapped) return { rows: [], accounts: [], fatal: unwrapped.fatal, rowsRead: 0 };
  const { csv, prefix } = unwrapped;
  const where = (line: number): string => atLine(file, line).replace(':line ', `:${prefix}line `);
  const records = csvRecords(csv.replace(/^\uFEFF/, ''));
  const headerRec = records[0];
  if (!headerRec) return { rows: [], accounts: [], fatal: `${where(1)}: the credential report is empty`, rowsRead: 0 };
  const header = parseCsvLine(headerRec.text)?.map((h) => h.trim()) ?? [];
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    return { rows: [], accounts: [], fatal: `${where(headerRec.line)}: not an IAM credential report: the header lacks ${missing.join(', ')}`, rowsRead: 0 };
  }
  const absent = CREDENTIAL_REPORT_COLUMNS.filter((c) => !header.includes(c));
  if (absent.length > 0) sink.note(where(headerRec.line), `the header lacks ${absent.join(', ')}: those values are unknown`);

  const byUser = new Map<string, LocatedReportRow>();
  let rowsRead = 0;
  const headerText = header.join(',');
  for (const r of records.slice(1)) {
    const fields = parseCsvLine(r.text);
    const problem = fields === undefined ? 'unterminated quoted field' : rowProblem(header, fields);
    if (problem !== undefined) {
      sink.reject(where(r.line), `row skipped: ${problem}`);
      continue;
    }
    const row = parseCredentialReport(`${headerText}\n${r.text}\n`)[0];
    if (!row) continue;
    rowsRead++;
    const before = byUser.get(row.user);
    if (before) {
      sink.note(where(r.line), `user ${row.user} is listed on lines ${before.line} and ${r.line}: the later row (line ${r.line}) is kept`);
      byUser.delete(row.user);
    }
    byUser.set(row.user, { ...row, line: r.line });
  }
  const rows = [...byUser.values()];
  const accounts = [...new Set(rows.map((r) => accountOfArn(r.arn)).filter((a): a is string => a !== undefined))];
  return { rows, accounts, rowsRead };
}

function parseCsvLine(text: string): string[] | undefined {
  try {
    return parseCsv(text)[0] ?? [];
  } catch {
    return undefined;
  }
}
