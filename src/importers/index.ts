/**
 * Importers: exported files (an auditor's hand-off) turned into inventory records without live
 * access. `sprawl import KIND FILE` calls importFile and stores the records as a scan of their
 * own, with the sources the result names (`import:<kind>:<file>`).
 */
import { readFile, stat } from 'node:fs/promises';
import type { MachineRules, OwnersConfig } from '../config/schema.ts';
import { importAwsAuthorizationDetails } from './aws-authorization-details.ts';
import { importAwsCredentialReport } from './aws-credential-report.ts';
import { readCredentialReport } from './credential-report.ts';
import { importHoopSessions } from './hoop-sessions.ts';
import type { HoopImportResult } from './hoop-sessions.ts';
import { IMPORT_KINDS, atLine, createWarningSink } from './types.ts';
import type { ImportKind, ImportResult, ImportWarning } from './types.ts';

export { IMPORT_KINDS, importSource } from './types.ts';
export type { ImportKind, ImportResult, ImportWarning } from './types.ts';
export { importAwsAuthorizationDetails } from './aws-authorization-details.ts';
export type { AuthorizationDetailsImportOptions } from './aws-authorization-details.ts';
export { importAwsCredentialReport } from './aws-credential-report.ts';
export type { CredentialReportImportOptions } from './aws-credential-report.ts';
export { readCredentialReport, CREDENTIAL_REPORT_COLUMNS } from './credential-report.ts';
export type { LocatedReportRow, ReadCredentialReport } from './credential-report.ts';
export { importHoopSessions, toApiSession, MAX_COMMAND_BYTES, MAX_FIELD_CHARS } from './hoop-sessions.ts';
export type { HoopImportResult, HoopSession } from './hoop-sessions.ts';
export { ROOT_LABEL, rootIdentityId, slotPublicId } from './aws-keys.ts';

/** Files above this are refused: a JavaScript string holds at most about 512 MiB. */
export const DEFAULT_MAX_IMPORT_BYTES = 256 * 1024 * 1024;

export interface ImportFileOptions {
  machineRules: MachineRules;
  owners: OwnersConfig;
  accountId?: string;
  /** aws-authorization-details only: the same account's credential report file (CSV or the CLI's JSON). */
  credentialReportFile?: string;
  /** Refuse larger files (default DEFAULT_MAX_IMPORT_BYTES). */
  maxBytes?: number;
  /** Name shown in warnings and sources (default: the path as given). */
  displayName?: string;
}

export interface ImportResults {
  'aws-authorization-details': ImportResult;
  'aws-credential-report': ImportResult;
  'hoop-sessions': HoopImportResult;
}

/** A file that cannot be imported at all (missing, too large, unknown kind). */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

export const isImportKind = (k: string): k is ImportKind => (IMPORT_KINDS as readonly string[]).includes(k);

/** Lines with invalid UTF-8 named one by one, up to this many (then one warning counts the rest). */
export const MAX_ENCODING_WARNINGS = 100;

/** UTF-16 without a byte order mark: JSON and CSV start with ASCII, so one of the first two bytes is 0. */
function utf16Guess(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes.length < 4 || bytes.length % 2 !== 0) return undefined;
  if (bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0) return 'utf-16le';
  if (bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0) return 'utf-16be';
  return undefined;
}

/**
 * Text of an exported file: UTF-8 (BOM or not), or UTF-16 (with a BOM, as PowerShell's `>` writes
 * it, or without one, recognised by the zero bytes of its ASCII). Invalid UTF-8 (a Latin-1 export,
 * a cut multi-byte character) is replaced by U+FFFD and each line it is on reported (the line is
 * kept: its other fields are intact).
 */
export function decodeFileText(bytes: Uint8Array, file: string): { text: string; warnings: ImportWarning[]; replacedLines: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), warnings: [], replacedLines: 0 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), warnings: [], replacedLines: 0 };
  const utf16 = utf16Guess(bytes);
  if (utf16) return { text: new TextDecoder(utf16).decode(bytes), warnings: [{ where: file, message: `no byte order mark, but the file is ${utf16.toUpperCase()}: read as such` }], replacedLines: 0 };
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), warnings: [], replacedLines: 0 };
  } catch {
    // Find the lines with invalid bytes (each decoded strictly on its own).
    const strict = new TextDecoder('utf-8', { fatal: true });
    const warnings: ImportWarning[] = [];
    let replacedLines = 0;
    let start = 0;
    for (let line = 1; start <= body.length; line++) {
      const nl = body.indexOf(0x0a, start);
      const end = nl < 0 ? body.length : nl;
      try {
        strict.decode(body.subarray(start, end));
      } catch {
        replacedLines++;
        if (replacedLines <= MAX_ENCODING_WARNINGS) warnings.push({ where: atLine(file, line), message: 'not valid UTF-8 (a Latin-1 or cut character?): the invalid bytes were replaced by U+FFFD, the line kept' });
      }
      if (nl < 0) break;
      start = nl + 1;
    }
    if (replacedLines > MAX_ENCODING_WARNINGS) warnings.push({ where: file, message: `${replacedLines - MAX_ENCODING_WARNINGS} more line(s) not valid UTF-8` });
    return { text: new TextDecoder('utf-8').decode(body), warnings, replacedLines };
  }
}

async function readText(path: string, file: string, maxBytes: number): Promise<{ text: string; warnings: ImportWarning[]; replacedLines: number }> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new ImportFileError(file, 'not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size > maxBytes) throw new ImportFileError(file, `${size} bytes is over the import limit of ${maxBytes} bytes (split the export, or raise the limit)`);
  return decodeFileText(await readFile(path), file);
}

/** Reads and imports one exported file. Throws ImportFileError only when the file cannot be read at all. */
export async function importFile<K extends ImportKind>(kind: K, path: string, opts: ImportFileOptions): Promise<ImportResults[K]> {
  if (!isImportKind(kind)) throw new ImportFileError(path, `unknown import kind ${String(kind)} (one of ${IMPORT_KINDS.join(', ')})`);
  const file = opts.displayName ?? path;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  const { text, warnings, replacedLines } = await readText(path, file, maxBytes);
  const common = { file, machineRules: opts.machineRules, owners: opts.owners, ...(opts.accountId !== undefined ? { accountId: opts.accountId } : {}) };
  const results = {
    'aws-credential-report': (): ImportResult => importAwsCredentialReport(text, common),
    'hoop-sessions': (): HoopImportResult => ({ ...importHoopSessions(text, { file }), replacedLines }),
    'aws-authorization-details': async (): Promise<ImportResult> => {
      if (opts.credentialReportFile === undefined) return importAwsAuthorizationDetails(text, common);
      const reportText = await readText(opts.credentialReportFile, opts.credentialReportFile, maxBytes);
      const sink = createWarningSink();
      sink.warnings.push(...reportText.warnings);
      const report = readCredentialReport(reportText.text, opts.credentialReportFile, sink);
      if (report.fatal !== undefined) throw new ImportFileError(opts.credentialReportFile, report.fatal);
      const r = importAwsAuthorizationDetails(text, { ...common, credentialReport: report.rows });
      return { ...r, warnings: [...sink.warnings, ...r.warnings], partial: r.partial || sink.rejected.length > 0, sources: withRejected(r, sink.rejected, opts.credentialReportFile) };
    },
  } satisfies { [P in ImportKind]: () => ImportResults[P] | Promise<ImportResults[P]> };
  const result = await results[kind]();
  return { ...result, warnings: [...warnings, ...result.warnings] } as ImportResults[K];
}

/** Adds the credential report's rejected rows to the sources (a failed `#rejected` source). */
function withRejected(r: ImportResult, rejected: readonly string[], reportFile: string): ImportResult['sources'] {
  if (rejected.length === 0) return r.sources;
  return [...r.sources, { source: `${r.sources[0]?.source ?? 'import'}#rejected-report`, status: 'failed', items: 0, error: `${rejected.length} row(s) of ${reportFile} rejected: ${rejected.slice(0, 5).join(', ')} (see the warnings)` }];
}
