import type { Kysely } from 'kysely';

/** Provider-managed credentials (GCP system-managed keys) and credential display names. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('managed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('credentials').addColumn('display_name', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credentials').dropColumn('display_name').execute();
  await db.schema.alterTable('credentials').dropColumn('managed').execute();
}
