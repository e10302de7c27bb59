/**
 * Reads one scan's activities row by row, in (identity, time) order, without holding them: a
 * scan of 100,000 identities has about a million gateway sessions, and reading them as one result
 * set held the rows and their records at once (gigabytes). SQLite steps a prepared statement;
 * PostgreSQL fetches from a cursor in a read-only transaction, 5,000 rows at a time.
 */
import { sql } from 'kysely';
import type { Store } from './db.ts';
import type { ActivitiesTable } from './schema.ts';

export type ActivityRow = Omit<ActivitiesTable, 'scan_id'>;

const COLUMNS = ['identity_id', 'credential_id', 'at', 'source', 'actor', 'target', 'verb', 'actor_kind', 'session_id', 'connection_id', 'end_at', 'status', 'review', 'command'] as const;
type Column = (typeof COLUMNS)[number];
const FETCH = 5000;

/** Calls `onRow` for every activity of the scan, ordered by identity then time; with `columns`, rows hold only those. */
export async function streamActivities(store: Store, scanId: string, onRow: (row: ActivityRow) => void): Promise<void>;
export async function streamActivities<C extends Column>(store: Store, scanId: string, onRow: (row: Pick<ActivityRow, C>) => void, columns: readonly C[]): Promise<void>;
export async function streamActivities(store: Store, scanId: string, onRow: (row: ActivityRow) => void, columns: readonly Column[] = COLUMNS): Promise<void> {
  const list = columns.join(', ');
  if (store.sqlite) {
    const statement = store.sqlite.prepare<[string], ActivityRow>(`SELECT ${list} FROM activities WHERE scan_id = ? ORDER BY identity_id, at`);
    for (const row of statement.iterate(scanId)) onRow(row);
    return;
  }
  if (store.dialect === 'sqlite') {
    const rows = await store.db.selectFrom('activities').select([...columns]).where('scan_id', '=', scanId).orderBy('identity_id').orderBy('at').execute();
    for (const row of rows) onRow(row);
    return;
  }
  await store.db
    .transaction()
    .setAccessMode('read only')
    .execute(async (trx) => {
      await sql`DECLARE sprawl_activities NO SCROLL CURSOR FOR SELECT ${sql.raw(list)} FROM activities WHERE scan_id = ${sql.lit(scanId)} ORDER BY identity_id, at`.execute(trx);
      for (;;) {
        const { rows } = await sql<ActivityRow>`FETCH ${sql.raw(String(FETCH))} FROM sprawl_activities`.execute(trx);
        for (const row of rows) onRow(row);
        if (rows.length < FETCH) break;
      }
    });
}
