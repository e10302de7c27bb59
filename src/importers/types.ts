/** Shapes shared by the importers: results, warnings and the sources they report. */
import type { InventoryRecord, SourceOutcome } from '../model/index.ts';

export const IMPORT_KINDS = ['aws-authorization-details', 'aws-credential-report', 'hoop-sessions'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** A problem in the input: `where` names the file and the place (`file:line 7`, `file:$.UserDetailList[2]`). */
export interface ImportWarning {
  where: string;
  message: string;
}

export interface ImportResult {
  records: InventoryRecord[];
  /**
   * `import:<kind>:<file>` (ok with the record count, or failed when nothing could be read), plus
   * `import:<kind>:<file>#rejected` (failed) when parts of the input were rejected: the scan
   * then comes out `partial`, as it does when a live source fails.
   */
  sources: SourceOutcome[];
  warnings: ImportWarning[];
  /** True when some of the input was rejected (see warnings) or the input says it is incomplete. */
  partial: boolean;
  /** What was read and what was left out on purpose (people, SSO roles...), for the CLI's summary. */
  counts: Record<string, number>;
}

export const importSource = (kind: ImportKind, file: string): string => `import:${kind}:${file}`;

/** Where-strings: `file:line 7`, `file:$.Policies[0]`. */
export const atLine = (file: string, line: number): string => `${file}:line ${line}`;
export const atPath = (file: string, path: string): string => `${file}:${path}`;

/** Collects warnings and whether any of them lost data (makes the result partial). */
export interface WarningSink {
  warnings: ImportWarning[];
  /** Places where data was rejected. */
  rejected: string[];
  /** A warning that loses nothing (a fallback, a guess). */
  note(where: string, message: string): void;
  /** A warning for input that was left out: marks the result partial. */
  reject(where: string, message: string): void;
}

export function createWarningSink(): WarningSink {
  const sink: WarningSink = {
    warnings: [],
    rejected: [],
    note(where, message) {
      sink.warnings.push({ where, message });
    },
    reject(where, message) {
      sink.warnings.push({ where, message });
      sink.rejected.push(where);
    },
  };
  return sink;
}

/** Sources of one import: ok with the records, plus a failed `#rejected` source when parts were left out. */
export function importSources(kind: ImportKind, file: string, items: number, sink: WarningSink, fatal?: string): SourceOutcome[] {
  const source = importSource(kind, file);
  if (fatal !== undefined) return [{ source, status: 'failed', items: 0, error: fatal }];
  const out: SourceOutcome[] = [{ source, status: 'ok', items }];
  if (sink.rejected.length > 0) {
    const shown = sink.rejected.slice(0, 5).join(', ');
    const more = sink.rejected.length > 5 ? ` and ${sink.rejected.length - 5} more` : '';
    out.push({ source: `${source}#rejected`, status: 'failed', items: 0, error: `${sink.rejected.length} part(s) of the input rejected: ${shown}${more} (see the warnings)` });
  }
  return out;
}

export function failedResult(kind: ImportKind, file: string, sink: WarningSink, error: string, counts: Record<string, number> = {}): ImportResult {
  return { records: [], sources: importSources(kind, file, 0, sink, error), warnings: sink.warnings, partial: true, counts };
}
