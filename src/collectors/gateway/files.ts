/**
 * Exported session files (`gateway.files`): read by the same reader as `sprawl import hoop-sessions`
 * (src/importers/hoop-sessions.ts through importFile): a JSON array, a `{ "data": [...] }` list
 * answer, JSON lines or one object; UTF-8 with or without a BOM, UTF-16 (BOM or not), invalid
 * UTF-8 replaced and its lines named. Malformed lines, non-objects, required fields of the wrong
 * type and sessions without a connection are dropped, each named by its place (`file:line 3`,
 * `file:$[2]`) and the reason; optional fields of the wrong type are left out of their session and
 * reported. The good sessions go on in the gateway API's shape. A file that cannot be read at all
 * (missing, not a regular file, over the import size limit) throws.
 */
import { machineRulesSchema, ownersSchema } from '../../config/schema.ts';
import { importFile, toApiSession } from '../../importers/index.ts';
import type { ImportWarning } from '../../importers/index.ts';
import type { HoopSession } from '../../providers/hoop/types.ts';

export interface FileReadResult {
  /** Sessions handed on. */
  sessions: number;
  /** Entries dropped (lines, array items, sessions without a connection). */
  dropped: number;
  /** Where each dropped entry was (`file:line 3`, `file:$[2]`), in file order. */
  droppedAt: string[];
  /** Known fields of the wrong type, left out of their sessions. */
  fieldsLeftOut: number;
  /** Lines whose invalid UTF-8 was replaced. */
  replacedLines: number;
  /** Every problem found, with its place and reason (dropped entries and those that lose nothing). */
  warnings: ImportWarning[];
}

/** A file's warnings logged one by one, and the dropped places named in its `#rejected` source, up to these. */
export const FILE_WARNINGS_SHOWN = 50;
export const FILE_PLACES_SHOWN = 5;

const lineOf = (where: string): number => Number(/:line (\d+)/.exec(where)?.[1] ?? 0);

export async function readSessionFile(path: string, onSession: (s: HoopSession) => Promise<void>): Promise<FileReadResult> {
  const parsed = await importFile('hoop-sessions', path, { machineRules: machineRulesSchema.parse({}), owners: ownersSchema.parse({}) });
  const warnings = [...parsed.warnings];
  const droppedAt = [...parsed.rejected];
  let sessions = 0;
  for (const [i, s] of parsed.sessions.entries()) {
    if (s.connection.name === undefined) {
      const where = parsed.where[i] ?? path;
      warnings.push({ where, message: `session ${s.id}: no connection name: skipped (it cannot be linked to an identity)` });
      droppedAt.push(where);
      continue;
    }
    sessions++;
    await onSession(toApiSession(s));
  }
  // in file order (stable: the file-wide notes first)
  warnings.sort((a, b) => lineOf(a.where) - lineOf(b.where));
  droppedAt.sort((a, b) => lineOf(a) - lineOf(b));
  return { sessions, dropped: droppedAt.length, droppedAt, fieldsLeftOut: parsed.fieldsLeftOut, replacedLines: parsed.replacedLines ?? 0, warnings };
}
