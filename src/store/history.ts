/**
 * What a report shows beyond one scan: open findings over the latest scans (the trend) and the
 * latest stored plan. Read-only queries over the scans, scan_findings and plans tables.
 */
import type { Plan, ScanInfo, Severity } from '../model/index.ts';
import { SEVERITIES } from '../model/index.ts';
import type { Store } from './db.ts';
import { parseJson } from './json.ts';

export interface ScanFindingCounts {
  scanId: string;
  at: string;
  bySeverity: Partial<Record<Severity, number>>;
}

/** Open (not exempt) findings by severity for each finished scan up to `scan`, the latest `limit`, oldest first. */
export async function findingTrend(store: Store, scan: ScanInfo, limit = 12): Promise<ScanFindingCounts[]> {
  const scans = await store.db
    .selectFrom('scans')
    .select(['id', 'started_at', 'finished_at'])
    .where('status', 'in', ['complete', 'partial'])
    .where((eb) => eb.or([eb('started_at', '<', scan.startedAt), eb.and([eb('started_at', '=', scan.startedAt), eb('id', '<=', scan.id)])]))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  if (scans.length === 0) return [];
  const counts = await store.db
    .selectFrom('scan_findings')
    .select(['scan_id', 'severity', (eb) => eb.fn.countAll().as('n')])
    .where('scan_id', 'in', scans.map((s) => s.id))
    .where('exemption', 'is', null)
    .groupBy(['scan_id', 'severity'])
    .execute();
  const byScan = new Map<string, Partial<Record<Severity, number>>>();
  for (const c of counts) {
    if (!(SEVERITIES as readonly string[]).includes(c.severity)) continue;
    const entry = byScan.get(c.scan_id) ?? {};
    entry[c.severity as Severity] = Number(c.n);
    byScan.set(c.scan_id, entry);
  }
  return scans.reverse().map((s) => ({ scanId: s.id, at: s.finished_at ?? s.started_at, bySeverity: byScan.get(s.id) ?? {} }));
}

/** The newest plan stored for the scan, else the newest stored for an earlier scan, or undefined. */
export async function latestPlan(store: Store, scan: ScanInfo): Promise<Plan | undefined> {
  const row =
    (await store.db.selectFrom('plans').select(['id', 'body']).where('scan_id', '=', scan.id).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst()) ??
    (await store.db
      .selectFrom('plans')
      .innerJoin('scans', 'scans.id', 'plans.scan_id')
      .select(['plans.id', 'plans.body'])
      .where('scans.started_at', '<=', scan.startedAt)
      .orderBy('plans.created_at', 'desc')
      .orderBy('plans.id', 'desc')
      .limit(1)
      .executeTakeFirst());
  return row ? parseJson<Plan | undefined>(row.body, undefined, `plan ${row.id}`) : undefined;
}
