/**
 * The report model's derived sections: charts, findings grouped by rule, the compliance view, the
 * gateway share, leaked keys and the plan. Plain functions over the report input; display strings
 * are precomputed here so templates hold markup only.
 */
import type { ComplianceRef, Credential, FindingRecord, Identity, Leak, Plan, Severity } from '../model/index.ts';
import { SEVERITIES, severityRank } from '../model/index.ts';
import { SEVERITY_LABEL, ageInDays, formatDate, formatDateTime, formatReference } from './format.ts';

/** What the report needs of an analyzer rule (the catalogue), to tell passing controls from untested ones. */
export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  remediation: string;
  references: ComplianceRef[];
}

/** One earlier (or this) scan's open findings, for the trend chart. */
export interface TrendInput {
  scanId: string;
  at: string;
  bySeverity: Partial<Record<Severity, number>>;
}

export interface BucketRow {
  key: string;
  label: string;
  count: number;
}

export interface RuleChartRow {
  ruleId: string;
  title: string;
  total: number;
  /** Counts in SEVERITIES order (critical first). */
  bySeverity: { severity: Severity; count: number }[];
}

export interface TrendPoint {
  scanId: string;
  at: string;
  atText: string;
  total: number;
  bySeverity: { severity: Severity; count: number }[];
}

export interface Charts {
  findingsByRule: RuleChartRow[];
  /** Active credentials by age of creation. */
  keyAge: BucketRow[];
  /** Identities by their latest use (identity, credentials, activity). */
  lastUse: BucketRow[];
  /** Open findings over the latest scans, oldest first (this scan last); empty when unknown. */
  trend: TrendPoint[];
}

export interface RuleGroup {
  ruleId: string;
  title: string;
  /** Worst severity among the rule's findings of this scan. */
  severity: Severity;
  severityLabel: string;
  severityRank: number;
  /** New and open findings. */
  total: number;
  new: number;
  exempt: number;
  remediation: string;
  references: string[];
}

export type ControlStatus = 'pass' | 'fail';

export interface ControlRow {
  framework: ComplianceRef['framework'];
  frameworkLabel: string;
  control: string;
  /** "CIS AWS 1.14" */
  label: string;
  title: string | null;
  /** fail: a new or open finding maps to the control; pass: its rules ran and found nothing open. */
  status: ControlStatus;
  findings: number;
  exempt: number;
  /** Rules that test the control. */
  rules: string[];
  /** Rules with open findings on it. */
  failingRules: string[];
}

export interface ComplianceFramework {
  framework: ComplianceRef['framework'];
  label: string;
  passed: number;
  failed: number;
  controls: ControlRow[];
}

export interface GatewayShare {
  /** Identities a gateway connection acts as. */
  behind: number;
  total: number;
  /** 0 to 100, one decimal. */
  percent: number;
  percentText: string;
}

export interface LeakRow {
  id: string;
  rule: string;
  severity: Severity;
  severityLabel: string;
  /** Redacted preview of the secret (`AKIA…MPLE`); never the secret. */
  preview: string;
  repo: string | null;
  path: string;
  line: number;
  /** Short commit id. */
  commit: string | null;
  time: string | null;
  timeText: string | null;
  /** The inventory credential and identity it matches, when one does. */
  credentialId: string | null;
  identityId: string | null;
  identityName: string | null;
}

export interface PlanView {
  id: string;
  scanId: string;
  /** The plan acts on this report's scan (else on an earlier one). */
  forThisScan: boolean;
  createdAt: string;
  createdAtText: string;
  approvedBy: string | null;
  approvedAtText: string | null;
  actions: number;
  stage1: number;
  stage2: number;
  byKind: BucketRow[];
  rows: { id: string; stage: 1 | 2; kind: string; identityName: string; provider: string; scope: string; verdict: string; target: string; summary: string; reversible: boolean }[];
}

const FRAMEWORKS: readonly ComplianceRef['framework'][] = ['CIS', 'SOC2', 'ISO27001', 'NIST800-53'];

function isActive(f: FindingRecord): boolean {
  return f.status === 'new' || f.status === 'open';
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function frameworkLabel(framework: ComplianceRef['framework']): string {
  return formatReference({ framework, control: '' }).trim();
}

function severityCounts(count: (s: Severity) => number | undefined): { severity: Severity; count: number }[] {
  return SEVERITIES.map((severity) => ({ severity, count: count(severity) ?? 0 }));
}

export function findingsByRule(findings: readonly FindingRecord[]): RuleChartRow[] {
  const rows = new Map<string, { title: string; counts: Map<Severity, number>; total: number }>();
  for (const f of findings) {
    if (!isActive(f)) continue;
    let row = rows.get(f.ruleId);
    if (!row) rows.set(f.ruleId, (row = { title: f.title, counts: new Map(), total: 0 }));
    row.counts.set(f.severity, (row.counts.get(f.severity) ?? 0) + 1);
    row.total++;
  }
  return [...rows]
    .map(([ruleId, r]) => ({ ruleId, title: r.title, total: r.total, bySeverity: severityCounts((sv) => r.counts.get(sv)) }))
    .sort((a, b) => b.total - a.total || naturalCompare(a.ruleId, b.ruleId));
}

interface Bucket {
  key: string;
  label: string;
  /** Inclusive upper bound in days; null: no upper bound. */
  max: number | null;
}

/** Buckets from [key, label, max] triples. */
function buckets(...defs: [string, string, number | null][]): Bucket[] {
  return defs.map(([key, label, max]) => ({ key, label, max }));
}

const KEY_AGE_BUCKETS = buckets(['lt30', '< 30 days', 29], ['30-89', '30–89 days', 89], ['90-179', '90–179 days', 179], ['180-364', '180–364 days', 364], ['1-2y', '1–2 years', 729], ['gte2y', '≥ 2 years', null]);

const LAST_USE_BUCKETS = buckets(['lte7', '≤ 7 days', 7], ['8-30', '8–30 days', 30], ['31-90', '31–90 days', 90], ['91-180', '91–180 days', 180], ['181-365', '181–365 days', 365], ['gt365', '> 1 year', null]);

/** Counts days into buckets; null days go to an `unknown` bucket labelled `unknownLabel`. */
function bucketize(days: readonly (number | null)[], buckets: readonly Bucket[], unknownLabel: string): BucketRow[] {
  const rows: BucketRow[] = [...buckets.map((b) => ({ key: b.key, label: b.label, count: 0 })), { key: 'unknown', label: unknownLabel, count: 0 }];
  for (const d of days) {
    const i = d === null ? buckets.length : buckets.findIndex((b) => b.max === null || d <= b.max);
    const row = rows[i];
    if (row) row.count++;
  }
  return rows;
}

export function keyAgeBuckets(credentials: readonly Credential[], asOf: number): BucketRow[] {
  return bucketize(
    credentials.filter((c) => c.active).map((c) => ageInDays(c.createdAt, asOf)),
    KEY_AGE_BUCKETS,
    'Unknown',
  );
}

/** `lastUsedAt` per identity (null: no record). */
export function lastUseBuckets(lastUsed: readonly (string | null)[], asOf: number): BucketRow[] {
  return bucketize(
    lastUsed.map((at) => (at === null ? null : Math.max(0, ageInDays(at, asOf) ?? 0))),
    LAST_USE_BUCKETS,
    'No record',
  );
}

export function trendPoints(history: readonly TrendInput[]): TrendPoint[] {
  return [...history]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map((h) => {
      const bySeverity = severityCounts((sv) => h.bySeverity[sv]);
      return { scanId: h.scanId, at: h.at, atText: formatDateTime(h.at), total: bySeverity.reduce((n, s) => n + s.count, 0), bySeverity };
    });
}

export function ruleGroups(findings: readonly FindingRecord[]): RuleGroup[] {
  const groups = new Map<string, { first: FindingRecord; worst: Severity; total: number; new: number; exempt: number }>();
  for (const f of findings) {
    let g = groups.get(f.ruleId);
    if (!g) groups.set(f.ruleId, (g = { first: f, worst: f.severity, total: 0, new: 0, exempt: 0 }));
    if (severityRank(f.severity) > severityRank(g.worst)) g.worst = f.severity;
    if (isActive(f)) g.total++;
    if (f.status === 'new') g.new++;
    if (f.status === 'exempt') g.exempt++;
  }
  return [...groups.values()]
    .map((g) => ({
      ruleId: g.first.ruleId,
      title: g.first.title,
      severity: g.worst,
      severityLabel: SEVERITY_LABEL[g.worst],
      severityRank: severityRank(g.worst),
      total: g.total,
      new: g.new,
      exempt: g.exempt,
      remediation: g.first.remediation,
      references: g.first.references.map(formatReference),
    }))
    .sort((a, b) => b.severityRank - a.severityRank || b.total - a.total || naturalCompare(a.ruleId, b.ruleId));
}

/**
 * Every control the rule catalogue (and this scan's findings) map to, with pass or fail: a control
 * fails when a new or open finding maps to it; exempt findings are accepted risks and do not fail it.
 */
export function complianceView(rules: readonly RuleInfo[], findings: readonly FindingRecord[]): ComplianceFramework[] {
  const controls = new Map<string, ControlRow>();
  const control = (ref: ComplianceRef): ControlRow => {
    const key = `${ref.framework}\u0000${ref.control}`;
    let row = controls.get(key);
    if (!row) {
      row = { framework: ref.framework, frameworkLabel: frameworkLabel(ref.framework), control: ref.control, label: formatReference(ref), title: ref.title ?? null, status: 'pass', findings: 0, exempt: 0, rules: [], failingRules: [] };
      controls.set(key, row);
    }
    if (row.title === null && ref.title) row.title = ref.title;
    return row;
  };
  const addRule = (list: string[], ruleId: string): void => {
    if (!list.includes(ruleId)) list.push(ruleId);
  };
  for (const rule of rules) for (const ref of rule.references) addRule(control(ref).rules, rule.id);
  for (const f of findings) {
    for (const ref of f.references) {
      const row = control(ref);
      addRule(row.rules, f.ruleId);
      if (f.status === 'exempt') row.exempt++;
      if (!isActive(f)) continue;
      row.findings++;
      row.status = 'fail';
      addRule(row.failingRules, f.ruleId);
    }
  }
  return FRAMEWORKS.map((framework) => {
    const rows = [...controls.values()].filter((c) => c.framework === framework).sort((a, b) => naturalCompare(a.control, b.control));
    for (const r of rows) {
      r.rules.sort(naturalCompare);
      r.failingRules.sort(naturalCompare);
    }
    return { framework, label: frameworkLabel(framework), passed: rows.filter((r) => r.status === 'pass').length, failed: rows.filter((r) => r.status === 'fail').length, controls: rows };
  }).filter((f) => f.controls.length > 0);
}

export function gatewayShare(identities: readonly Identity[], behind: ReadonlySet<string>): GatewayShare {
  const count = identities.filter((i) => behind.has(i.id)).length;
  const percent = identities.length === 0 ? 0 : Math.round((count / identities.length) * 1000) / 10;
  return { behind: count, total: identities.length, percent, percentText: `${percent}%` };
}

export function leakRows(leaks: readonly Leak[], credentials: readonly Credential[], identities: ReadonlyMap<string, Identity>): LeakRow[] {
  const owner = new Map(credentials.map((c) => [c.id, c.identityId]));
  return leaks
    .map((l) => {
      const identityId = l.credentialId === undefined ? null : (owner.get(l.credentialId) ?? null);
      return {
        id: l.id,
        rule: l.rule,
        severity: l.severity,
        severityLabel: SEVERITY_LABEL[l.severity],
        preview: l.preview,
        repo: l.location.repo ?? null,
        path: l.location.path,
        line: l.location.line,
        commit: l.location.commit ? l.location.commit.slice(0, 12) : null,
        time: l.location.time ?? null,
        timeText: l.location.time ? formatDate(l.location.time) : null,
        credentialId: l.credentialId ?? null,
        identityId,
        identityName: identityId === null ? null : (identities.get(identityId)?.name ?? identityId),
      };
    })
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || naturalCompare(`${a.repo ?? ''}/${a.path}`, `${b.repo ?? ''}/${b.path}`) || a.line - b.line);
}

export function planView(plan: Plan, scanId: string): PlanView {
  const kinds = new Map<string, number>();
  for (const a of plan.actions) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
  return {
    id: plan.id,
    scanId: plan.scan.id,
    forThisScan: plan.scan.id === scanId,
    createdAt: plan.createdAt,
    createdAtText: formatDateTime(plan.createdAt),
    approvedBy: plan.approval?.by ?? null,
    approvedAtText: plan.approval ? formatDateTime(plan.approval.at) : null,
    actions: plan.actions.length,
    stage1: plan.actions.filter((a) => a.stage === 1).length,
    stage2: plan.actions.filter((a) => a.stage === 2).length,
    byKind: [...kinds].map(([key, count]) => ({ key, label: key, count })).sort((a, b) => b.count - a.count || naturalCompare(a.key, b.key)),
    rows: plan.actions.map((a) => ({
      id: a.id,
      stage: a.stage,
      kind: a.kind,
      identityName: a.identityName,
      provider: a.provider,
      scope: a.scope,
      verdict: a.verdict,
      target: a.target,
      summary: a.summary,
      reversible: a.reversible,
    })),
  };
}
