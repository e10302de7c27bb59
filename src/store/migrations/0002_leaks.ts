import type { Kysely } from 'kysely';

/** Secrets found in repositories, per scan: fingerprints and redacted previews, never the secret. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('leaks')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('repo', 'text')
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('col', 'integer')
    .addColumn('commit_sha', 'text')
    .addColumn('author', 'text')
    .addColumn('time', 'text')
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('preview', 'text', (c) => c.notNull())
    .addColumn('public_id', 'text')
    .addColumn('credential_id', 'text')
    .addPrimaryKeyConstraint('leaks_pk', ['scan_id', 'id'])
    .execute();
  await db.schema.createIndex('leaks_public_id').on('leaks').columns(['public_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('leaks').ifExists().execute();
}
