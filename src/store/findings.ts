import { sql } from 'kysely';
import type { ComplianceRef, Finding, FindingExemption, FindingRecord, FindingStatus, Provider, Severity, SubjectType, Verdict, VerdictKind } from '../model/index.ts';
import { insertRows } from './bulk.ts';
import { createInterner, type Interner } from './intern.ts';
import type { Store } from './db.ts';
import { opt, parseJson } from './json.ts';
import type { FindingsTable, ScanFindingsTable } from './schema.ts';

const BATCH = 300;

function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface AnalysisSaved {
  new: number;
  open: number;
  resolved: number;
}

/** A finding an exemption set aside in this analysis, with that exemption. */
export interface ExemptedFindingInput {
  finding: Finding;
  exemption: FindingExemption;
}

/**
 * Records one scan's findings and verdicts. A finding keeps its id across scans: first seen stays,
 * last seen moves to this scan. Open findings of the sources this scan collected successfully that
 * it no longer sees become resolved; findings of sources that failed stay open (no data, no verdict).
 * Exempted findings are recorded too, marked with their exemption (status exempt when loaded): an
 * accepted risk is still seen, so it is neither resolved nor counted as new or open. The scan
 * remembers the time the analysis judged it as of (`at`).
 */
export async function saveAnalysis(
  store: Store,
  scan: {
    id: string;
    at: string;
    okSources: string[];
    /** Rules whose open findings must not be resolved this time (their evidence came from a failed source). */
    holdRules?: string[];
  },
  findings: readonly Finding[],
  verdicts: readonly Verdict[],
  exempted: readonly ExemptedFindingInput[] = [],
): Promise<AnalysisSaved> {
  return store.db.transaction().execute(async (trx) => {
    // Re-running the analysis of a scan replaces what it said before.
    await trx.deleteFrom('scan_findings').where('scan_id', '=', scan.id).execute();
    await trx.deleteFrom('verdicts').where('scan_id', '=', scan.id).execute();
    await trx.updateTable('scans').set({ analyzed_at: scan.at }).where('id', '=', scan.id).execute();

    const all: { f: Finding; exemption: FindingExemption | undefined }[] = [
      ...findings.map((f) => ({ f, exemption: undefined })),
      ...exempted.map((e) => ({ f: e.finding, exemption: e.exemption })),
    ];
    // A few thousand rows at a time: the rows of 226,000 findings at once held 300 MB more.
    for (const part of chunks(all, 5000)) {
      const findingRows: FindingsTable[] = part.map(({ f }) => ({
        id: f.id,
        rule_id: f.ruleId,
        subject_type: f.subjectType,
        subject_id: f.subjectId,
        identity_id: f.identityId,
        provider: f.provider,
        scope: f.scope,
        first_seen_scan: scan.id,
        first_seen_at: scan.at,
        last_seen_scan: scan.id,
        last_seen_at: scan.at,
        state: 'open',
        resolved_scan: null,
      }));
      // Seen again: last seen moves to this scan, and a resolved finding is open again.
      await insertRows(store, 'findings', findingRows, ['id'], { db: trx, update: ['last_seen_scan', 'last_seen_at', 'state', 'resolved_scan'] });
      const detail: ScanFindingsTable[] = part.map(({ f, exemption }) => ({
        scan_id: scan.id,
        finding_id: f.id,
        rule_id: f.ruleId,
        severity: f.severity,
        title: f.title,
        message: f.message,
        evidence: JSON.stringify(f.evidence),
        remediation: f.remediation,
        refs: JSON.stringify(f.references),
        exemption: exemption ? JSON.stringify(exemptionRecord(exemption)) : null,
      }));
      await insertRows(store, 'scan_findings', detail, undefined, { db: trx });
    }

    let resolved = 0;
    for (const part of chunks(scan.okSources)) {
      const res = await trx
        .updateTable('findings')
        .set({ state: 'resolved', resolved_scan: scan.id })
        .where('state', '=', 'open')
        .where('last_seen_scan', '<>', scan.id)
        .where(sql<string>`provider || ':' || scope`, 'in', part)
        .$if((scan.holdRules ?? []).length > 0, (q) => q.where('rule_id', 'not in', scan.holdRules ?? []))
        .executeTakeFirst();
      resolved += Number(res.numUpdatedRows);
    }

    await insertRows(
      store,
      'verdicts',
      verdicts.map((v) => ({
        scan_id: scan.id,
        identity_id: v.identityId,
        verdict: v.verdict,
        reasons: JSON.stringify(v.reasons),
        finding_ids: JSON.stringify(v.findingIds),
        expires_at: v.expiresAt ?? null,
      })),
      undefined,
      { db: trx },
    );

    const counts = await trx
      .selectFrom('findings as f')
      .innerJoin('scan_findings as sf', (j) => j.onRef('sf.finding_id', '=', 'f.id').on('sf.scan_id', '=', scan.id))
      .select((eb) => [eb.fn.countAll<number | string>().as('n')])
      .where('f.first_seen_scan', '=', scan.id)
      .where('sf.exemption', 'is', null)
      .executeTakeFirstOrThrow();
    const fresh = Number(counts.n);
    return { new: fresh, open: findings.length - fresh, resolved };
  });
}

/** Only the exemption's own fields, in a fixed order (a config object may carry more). */
function exemptionRecord(e: FindingExemption): FindingExemption {
  return { identity: e.identity, rule: e.rule, reason: e.reason, approver: e.approver, expires: e.expires };
}

/** A finding's lifecycle row joined with what it said in one scan. */
type JoinedRow = Omit<FindingsTable, 'last_seen_at' | 'resolved_scan'> & Omit<ScanFindingsTable, 'scan_id' | 'finding_id' | 'rule_id'>;

function toRecord(r: JoinedRow, status: FindingStatus, i: Interner): FindingRecord {
  const exemption = r.exemption === null ? undefined : parseJson<FindingExemption | undefined>(r.exemption, undefined, `finding ${r.id} exemption`);
  return {
    id: r.id,
    ruleId: i.s(r.rule_id),
    title: i.s(r.title),
    severity: i.s(r.severity) as Severity,
    subjectType: i.s(r.subject_type) as SubjectType,
    subjectId: i.s(r.subject_id),
    identityId: i.s(r.identity_id),
    provider: i.s(r.provider) as Provider,
    scope: i.s(r.scope),
    message: r.message,
    evidence: parseJson<Finding['evidence']>(r.evidence, {}, `finding ${r.id} evidence`),
    remediation: i.s(r.remediation),
    references: i.json<ComplianceRef[]>(r.refs, [], `finding ${r.id} references`),
    status,
    firstSeenScan: i.s(r.first_seen_scan),
    firstSeenAt: i.s(r.first_seen_at),
    lastSeenScan: i.s(r.last_seen_scan),
    ...(exemption ? { exemption } : {}),
  };
}

const joinedColumns = [
  'f.id',
  'f.rule_id',
  'f.subject_type',
  'f.subject_id',
  'f.identity_id',
  'f.provider',
  'f.scope',
  'f.first_seen_scan',
  'f.first_seen_at',
  'f.last_seen_scan',
  'f.state',
  'sf.severity',
  'sf.title',
  'sf.message',
  'sf.evidence',
  'sf.remediation',
  'sf.refs',
  'sf.exemption',
] as const;

/** Rows of findings read at a time. */
const FINDINGS_PAGE = 10_000;

/** The findings one scan raised, each marked new (first seen in that scan), open or exempt. */
export async function loadFindings(store: Store, scanId: string): Promise<FindingRecord[]> {
  const i = createInterner();
  const out: FindingRecord[] = [];
  // In pages along the scan_findings key: all 226,000 raw rows of a large scan at once (their JSON
  // texts included) had doubled the memory of the records themselves.
  let after: string | undefined;
  for (;;) {
    let query = store.db.selectFrom('scan_findings as sf').innerJoin('findings as f', 'f.id', 'sf.finding_id').select(joinedColumns).where('sf.scan_id', '=', scanId);
    if (after !== undefined) query = query.where('sf.finding_id', '>', after);
    const rows = await query.orderBy('sf.finding_id').limit(FINDINGS_PAGE).execute();
    for (const r of rows) out.push(toRecord(r, r.exemption !== null ? 'exempt' : r.first_seen_scan === scanId ? 'new' : 'open', i));
    if (rows.length < FINDINGS_PAGE) return out;
    after = rows.at(-1)?.id;
  }
}

/** Findings that this scan resolved: open before, not seen any more in a source it collected. */
export async function loadResolvedFindings(store: Store, scanId: string): Promise<FindingRecord[]> {
  const rows = await store.db
    .selectFrom('findings as f')
    .innerJoin('scan_findings as sf', (j) => j.onRef('sf.finding_id', '=', 'f.id').onRef('sf.scan_id', '=', 'f.last_seen_scan'))
    .select(joinedColumns)
    .where('f.resolved_scan', '=', scanId)
    .orderBy('f.id')
    .execute();
  const i = createInterner();
  return rows.map((r) => toRecord(r, 'resolved', i));
}

export async function loadVerdicts(store: Store, scanId: string): Promise<Verdict[]> {
  const rows = await store.db.selectFrom('verdicts').selectAll().where('scan_id', '=', scanId).orderBy('identity_id').execute();
  const i = createInterner();
  return rows.map((r) => ({
    identityId: i.s(r.identity_id),
    verdict: i.s(r.verdict) as VerdictKind,
    reasons: i.json<string[]>(r.reasons, [], `verdict ${r.identity_id} reasons`),
    findingIds: parseJson<string[]>(r.finding_ids, [], `verdict ${r.identity_id} findings`),
    expiresAt: opt(r.expires_at),
  }));
}
