import type { Kysely } from 'kysely';

/**
 * Sharded runs (`sprawl scan --run ID --shard I/N`): each shard is a scan of its own part of the
 * estate, marked with its shard (`3/16`); `sprawl analyze --run ID` merges them into the run's scan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scans').addColumn('shard', 'text').execute();
  await db.schema.createIndex('scans_run').on('scans').column('run_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('scans_run').execute();
  await db.schema.alterTable('scans').dropColumn('shard').execute();
}
