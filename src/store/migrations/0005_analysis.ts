import type { Kysely } from 'kysely';

/**
 * What an analysis decided, kept with it: the time it judged the scan as of (`analyze --as-of`),
 * so the report counts ages from the same time; and the findings an exemption set aside, each
 * with its exemption, so accepted risks stay visible and verdicts never name a missing finding.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scans').addColumn('analyzed_at', 'text').execute();
  await db.schema.alterTable('scan_findings').addColumn('exemption', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scan_findings').dropColumn('exemption').execute();
  await db.schema.alterTable('scans').dropColumn('analyzed_at').execute();
}
