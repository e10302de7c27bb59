import type { Kysely } from 'kysely';

/**
 * A scan's process may die without finishing it (SIGKILL, OOM, power): the scan row stays
 * 'running'. The next sprawl to open the store marks such a scan failed, with the reason in
 * `error`. Where the scan's pid means the same process (`pid_scope`: host name, boot id and pid
 * namespace) it asks the OS whether that pid still lives; a scan of another host or container (a
 * shared PostgreSQL, a shared volume) is judged by `heartbeat_at`, which a running scan refreshes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scans').addColumn('heartbeat_at', 'text').execute();
  await db.schema.alterTable('scans').addColumn('error', 'text').execute();
  await db.schema.alterTable('scans').addColumn('pid_scope', 'text').execute();
  await db.schema.createIndex('scans_status').on('scans').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('scans_status').execute();
  await db.schema.alterTable('scans').dropColumn('pid_scope').execute();
  await db.schema.alterTable('scans').dropColumn('error').execute();
  await db.schema.alterTable('scans').dropColumn('heartbeat_at').execute();
}
