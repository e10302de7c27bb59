import type { Kysely } from 'kysely';

/** The access gateway: connections, users, and the session details of gateway activity. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gateway_connections')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subtype', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('secret_keys', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('identity_id', 'text')
    .addColumn('linked_by', 'text')
    .addColumn('created_at', 'text')
    .addPrimaryKeyConstraint('gateway_connections_pk', ['scan_id', 'id'])
    .execute();
  await db.schema
    .createTable('gateway_users')
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('gateway_users_pk', ['scan_id', 'id'])
    .execute();
  for (const column of ['actor_kind', 'session_id', 'connection_id', 'end_at', 'status', 'review', 'command']) {
    await db.schema.alterTable('activities').addColumn(column, 'text').execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['actor_kind', 'session_id', 'connection_id', 'end_at', 'status', 'review', 'command']) {
    await db.schema.alterTable('activities').dropColumn(column).execute();
  }
  await db.schema.dropTable('gateway_users').ifExists().execute();
  await db.schema.dropTable('gateway_connections').ifExists().execute();
}
