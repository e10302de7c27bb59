import type { Kysely } from 'kysely';

/** The inventory credential a gateway connection holds (its secrets matched in memory, only the id kept). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('gateway_connections').addColumn('credential_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('gateway_connections').dropColumn('credential_id').execute();
}
