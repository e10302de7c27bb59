/**
 * Sharded runs in the store: the shards of a run are scans of their own (each marked `I/N`); the
 * run's scan holds their union, copied inside the database (one INSERT ... SELECT per table, no
 * row through the process), so that everything downstream (analysis, reports, plans) reads one scan.
 */
import { sql } from 'kysely';
import type { Store } from './db.ts';
import { INVENTORY_TABLES } from './scans.ts';

async function columnsOf(store: Store): Promise<Map<string, string[]>> {
  const tables = await store.db.introspection.getTables();
  return new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
}

/**
 * Replaces the inventory of scan `into` by the union of the inventories of `shards`, in one
 * transaction. A record two shards both hold (the same key in the same table) is kept once.
 */
export async function mergeInventories(store: Store, into: string, shards: readonly string[]): Promise<void> {
  const columns = await columnsOf(store);
  await store.db.transaction().execute(async (trx) => {
    for (const table of INVENTORY_TABLES) {
      await trx.deleteFrom(table).where('scan_id', '=', into).execute();
      if (shards.length === 0) continue;
      const cols = (columns.get(table) ?? []).filter((c) => c !== 'scan_id');
      if (cols.length === 0) throw new Error(`the store has no table ${table}: is it migrated?`);
      const list = sql.join(cols.map((c) => sql.ref(c)));
      await sql`insert into ${sql.table(table)} (scan_id, ${list}) select ${into}, ${list} from ${sql.table(table)} where scan_id in (${sql.join([...shards])}) on conflict do nothing`.execute(trx);
    }
  });
}
