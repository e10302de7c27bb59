import { sql } from 'kysely';
import type { Store } from './db.ts';

/**
 * Links one scan's leaks to the inventory credentials they expose, by public id (AWS key id, GCP
 * private_key_id): one set-based statement, the same criterion the analyzers use in memory.
 * Returns how many leaks are linked.
 */
export async function linkLeaks(store: Store, scanId: string): Promise<number> {
  await store.db
    .updateTable('leaks')
    .set({
      credential_id: sql<string | null>`(select min(c.id) from credentials c where c.scan_id = leaks.scan_id and c.public_id = leaks.public_id)`,
    })
    .where('scan_id', '=', scanId)
    .where('public_id', 'is not', null)
    .execute();
  const row = await store.db
    .selectFrom('leaks')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('scan_id', '=', scanId)
    .where('credential_id', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
