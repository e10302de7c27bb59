/**
 * The report model: everything a renderer shows, computed once from the store's records.
 * Plain JSON-serialisable data (absent values are null); display strings are precomputed here
 * so templates hold markup only. Ages are counted as of the scan (its end, else its start), so
 * a report rendered later from the same scan says the same thing.
 */
import type {
  ComplianceRef,
  ActivityDigest,
  Credential,
  FindingRecord,
  FindingStatus,
  Grant,
  Identity,
  IdentityUse,
  Inventory,
  Plan,
  Provider,
  ScanInfo,
  ScanStatus,
  Severity,
  UseCount,
  Verdict,
  VerdictKind,
} from '../model/index.ts';
import { compareStrings } from '../analyzers/verdict.ts';
import { activityDigestOf, identityUse, SEVERITIES, severityRank } from '../model/index.ts';
import type { PrivilegeLevel } from './format.ts';
import {
  PRIVILEGE_LABEL,
  PRIVILEGE_RANK,
  PROVIDER_LABEL,
  SCAN_STATUS_LABEL,
  SEVERITY_LABEL,
  STATUS_LABEL,
  VERDICT_LABEL,
  VERDICT_ORDER,
  ageInDays,
  evidenceLabel,
  formatDate,
  formatDateTime,
  formatDays,
  formatEvidenceValue,
  formatReference,
} from './format.ts';
import type { Charts, ComplianceFramework, GatewayShare, LeakRow, PlanView, RuleGroup, RuleInfo, TrendInput } from './sections.ts';
import { complianceView, findingsByRule, gatewayShare, keyAgeBuckets, lastUseBuckets, leakRows, planView, ruleGroups, trendPoints } from './sections.ts';

export type { BucketRow, Charts, ComplianceFramework, ControlRow, GatewayShare, LeakRow, PlanView, RuleChartRow, RuleGroup, RuleInfo, TrendInput, TrendPoint } from './sections.ts';

export interface ReportInput {
  scan: ScanInfo;
  previousScan?: ScanInfo;
  inventory: Inventory;
  /** Findings of this scan (new, open, exempt). */
  findings: FindingRecord[];
  /** Findings open in the previous scan and gone in this one. */
  resolved: FindingRecord[];
  verdicts: Verdict[];
  generatedAt: Date;
  toolVersion: string;
  /** The analyzer rules that ran (id, title, references): controls with no open finding pass. */
  rules?: RuleInfo[];
  /** Open findings by severity over the latest scans, this one included (the trend chart). */
  history?: TrendInput[];
  /** The latest plan, when one was stored (`sprawl apply`). */
  plan?: Plan;
}

export interface CountRow {
  key: string;
  label: string;
  count: number;
}

export interface SeverityCount {
  severity: Severity;
  label: string;
  count: number;
}

export interface SourceRow {
  source: string;
  status: 'ok' | 'failed';
  items: number;
  error: string | null;
}

export interface ScanHeader {
  id: string;
  status: ScanStatus;
  statusLabel: string;
  startedAt: string;
  startedAtText: string;
  finishedAt: string | null;
  finishedAtText: string | null;
  /** A source failed or the scan says partial: some of the estate is missing from the report. */
  partial: boolean;
  /** The time ages and idle days are counted from. */
  asOf: string;
}

export interface PreviousScan {
  id: string;
  at: string;
  atText: string;
}

export interface Summary {
  identities: { total: number; unowned: number; byProvider: CountRow[]; byKind: CountRow[] };
  credentials: { total: number; active: number };
  sources: { total: number; ok: number; failed: number };
  findings: {
    /** New plus open: what is wrong now. */
    total: number;
    new: number;
    open: number;
    resolved: number;
    exempt: number;
    /** Every severity, worst first, zeros included; counts new and open findings. */
    bySeverity: SeverityCount[];
  };
  /** Every verdict kind, most urgent first, zeros included. */
  verdicts: CountRow[];
  /** Identities a gateway connection acts as: the share already behind the gateway. */
  gateway: GatewayShare;
}

export interface EvidenceRow {
  key: string;
  label: string;
  value: string;
}

export interface FindingRow {
  id: string;
  severity: Severity;
  severityLabel: string;
  severityRank: number;
  ruleId: string;
  title: string;
  identityId: string;
  identityName: string;
  provider: Provider;
  scope: string;
  message: string;
  status: FindingStatus;
  statusLabel: string;
  firstSeenAt: string;
  firstSeenText: string;
  remediation: string;
  references: string[];
  evidence: EvidenceRow[];
  /** For exempt findings: the accepted risk (why, who approved it, until when). */
  exemption: { reason: string; approver: string; expires: string; expiresText: string } | null;
}

export interface LabelRow {
  key: string;
  value: string;
}

export interface CredentialRow {
  id: string;
  kind: string;
  /** Public identifier (key id, fingerprint): never a secret. */
  publicId: string;
  active: boolean;
  ageDays: number | null;
  ageText: string;
  lastUsedAt: string | null;
  lastUsedText: string;
  expiresAt: string | null;
  expiresText: string | null;
}

export interface GrantRow {
  role: string;
  scope: string;
  privilege: PrivilegeLevel;
  privilegeLabel: string;
  /** "group admins", "attached". */
  via: string;
}

export interface ActivityCount {
  count: number;
  lastAt: string | null;
  lastText: string;
}

export interface IdentityActivity {
  provider: ActivityCount;
  /** Sessions through the access gateway, and the distinct actors who opened them. */
  gateway: ActivityCount & { actors: number };
}

export interface IdentityRow {
  id: string;
  name: string;
  provider: Provider;
  providerLabel: string;
  kind: string;
  scope: string;
  owner: string | null;
  /** The owner, or `unowned`. */
  ownerText: string;
  labels: LabelRow[];
  disabled: boolean;
  managed: boolean;
  credentials: number;
  activeCredentials: number;
  /** Age of the oldest active credential, in days. */
  oldestKeyAgeDays: number | null;
  oldestKeyAgeText: string;
  /** Latest use of the identity or any of its credentials. */
  lastUsedAt: string | null;
  lastUsedText: string;
  privilege: PrivilegeLevel;
  privilegeLabel: string;
  privilegeRank: number;
  verdict: VerdictKind | null;
  verdictLabel: string;
  verdictReasons: string[];
  findings: number;
  /** Worst severity among the identity's new and open findings. */
  worstSeverity: Severity | null;
  worstSeverityRank: number;
  /** A gateway connection acts as this identity. */
  behindGateway: boolean;
  /** Names of the gateway connections acting as it. */
  gatewayConnections: string[];
  credentialList: CredentialRow[];
  grants: GrantRow[];
  activity: IdentityActivity;
}

export interface ReportModel {
  title: string;
  tool: { name: 'sprawl'; version: string };
  generatedAt: string;
  generatedAtText: string;
  scan: ScanHeader;
  previousScan: PreviousScan | null;
  sources: SourceRow[];
  failedSources: SourceRow[];
  summary: Summary;
  findings: FindingRow[];
  /** Findings open in the scan compared with and gone in this one, worst first. */
  resolvedFindings: FindingRow[];
  identities: IdentityRow[];
  /** Findings of this scan grouped by rule, worst first. */
  ruleGroups: RuleGroup[];
  charts: Charts;
  /** Controls of each framework the rules map to, pass or fail. */
  compliance: ComplianceFramework[];
  /** Secrets found in repositories, redacted, with their locations. */
  leaks: LeakRow[];
  /** The latest stored plan, or null. */
  plan: PlanView | null;
}

export const REPORT_TITLE = 'Non-human identity report';

/** Counts items by key, most frequent first; `label` names a key from one of its items. */
function countBy<T>(items: readonly T[], key: (item: T) => string, label: (item: T) => string): CountRow[] {
  const counts = new Map<string, CountRow>();
  for (const item of items) {
    const k = key(item);
    const row = counts.get(k);
    if (row) row.count++;
    else counts.set(k, { key: k, label: label(item), count: 1 });
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || compareStrings(a.key, b.key));
}

function isActiveFinding(f: FindingRecord): boolean {
  return f.status === 'new' || f.status === 'open';
}

function scanHeader(scan: ScanInfo): ScanHeader {
  return {
    id: scan.id,
    status: scan.status,
    statusLabel: SCAN_STATUS_LABEL[scan.status],
    startedAt: scan.startedAt,
    startedAtText: formatDateTime(scan.startedAt),
    finishedAt: scan.finishedAt ?? null,
    finishedAtText: scan.finishedAt === undefined ? null : formatDateTime(scan.finishedAt),
    partial: scan.status === 'partial' || scan.sources.some((s) => s.status === 'failed'),
    asOf: scan.analyzedAt ?? scan.finishedAt ?? scan.startedAt,
  };
}

function sourceRows(scan: ScanInfo): SourceRow[] {
  return scan.sources
    .map((s) => ({ source: s.source, status: s.status, items: s.items, error: s.error ?? null }))
    .sort((a, b) => compareStrings(a.source, b.source));
}

/** The summary's counts of identities, credentials and verdicts, and the gateway share. */
function identitySummary(inventory: Inventory, verdicts: readonly Verdict[], behind: ReadonlySet<string>): Pick<Summary, 'identities' | 'credentials' | 'verdicts' | 'gateway'> {
  const verdictCounts = new Map<VerdictKind, number>();
  for (const v of verdicts) verdictCounts.set(v.verdict, (verdictCounts.get(v.verdict) ?? 0) + 1);
  return {
    identities: {
      total: inventory.identities.length,
      unowned: inventory.identities.filter((i) => !i.owner).length,
      byProvider: countBy(inventory.identities, (i) => i.provider, (i) => PROVIDER_LABEL[i.provider]),
      byKind: countBy(inventory.identities, (i) => i.kind, (i) => i.kind),
    },
    credentials: { total: inventory.credentials.length, active: inventory.credentials.filter((c) => c.active).length },
    verdicts: VERDICT_ORDER.map((k) => ({ key: k, label: VERDICT_LABEL[k], count: verdictCounts.get(k) ?? 0 })),
    gateway: gatewayShare(inventory.identities, behind),
  };
}

/** The summary's counts of findings. */
function findingSummary(findings: readonly FindingRecord[], resolved: readonly FindingRecord[]): Summary['findings'] {
  const active = findings.filter(isActiveFinding);
  return {
    total: active.length,
    new: findings.filter((f) => f.status === 'new').length,
    open: findings.filter((f) => f.status === 'open').length,
    resolved: resolved.length,
    exempt: findings.filter((f) => f.status === 'exempt').length,
    bySeverity: SEVERITIES.map((severity) => ({ severity, label: SEVERITY_LABEL[severity], count: active.filter((f) => f.severity === severity).length })),
  };
}

function sourceCounts(scan: ScanInfo): Summary['sources'] {
  return {
    total: scan.sources.length,
    ok: scan.sources.filter((s) => s.status === 'ok').length,
    failed: scan.sources.filter((s) => s.status === 'failed').length,
  };
}

/**
 * Shared values of a model's rows: 226,000 findings carry the compliance references of about 20
 * rules and a few hundred distinct dates; formatted once each and shared, not once per row.
 */
const referenceTexts = new WeakMap<readonly ComplianceRef[], string[]>();
const textCache = new Map<string, string>();
const TEXT_CACHE_MAX = 100_000;

function cached(key: string, make: () => string): string {
  const known = textCache.get(key);
  if (known !== undefined) return known;
  const text = make();
  if (textCache.size >= TEXT_CACHE_MAX) textCache.clear();
  textCache.set(key, text);
  return text;
}

function referencesOf(refs: readonly ComplianceRef[]): string[] {
  let texts = referenceTexts.get(refs);
  if (!texts) referenceTexts.set(refs, (texts = refs.map(formatReference)));
  return texts;
}

const dateText = (iso: string): string => cached(`d\u0000${iso}`, () => formatDate(iso));

/** A finding's evidence as rows (label and formatted value). */
function evidenceRows(evidence: FindingRecord['evidence']): EvidenceRow[] {
  return Object.entries(evidence).map(([key, value]) => ({ key, label: cached(`e\u0000${key}`, () => evidenceLabel(key)), value: typeof value === 'string' ? value : formatEvidenceValue(value) }));
}

/** A finding's row, its evidence left empty (findingRows formats the evidence of the rows that carry it). */
function findingRow(f: FindingRecord, names: ReadonlyMap<string, string>): FindingRow {
  return {
    id: f.id,
    severity: f.severity,
    severityLabel: SEVERITY_LABEL[f.severity],
    severityRank: severityRank(f.severity),
    ruleId: f.ruleId,
    title: f.title,
    identityId: f.identityId,
    identityName: names.get(f.identityId) ?? f.identityId,
    provider: f.provider,
    scope: f.scope,
    message: f.message,
    status: f.status,
    statusLabel: STATUS_LABEL[f.status],
    firstSeenAt: f.firstSeenAt,
    firstSeenText: dateText(f.firstSeenAt),
    remediation: f.remediation,
    references: referencesOf(f.references),
    evidence: [],
    exemption: f.exemption ? { reason: f.exemption.reason, approver: f.exemption.approver, expires: f.exemption.expires, expiresText: formatDate(f.exemption.expires) } : null,
  };
}

/**
 * Which rows (indexes into the sorted rows) carry their evidence; every row when absent. The HTML
 * page names its first page and its rule examples when it leaves the rest out (html-view.ts
 * pageEvidence): formatted for every row, evidence was half of 226,000 finding rows' memory.
 */
export type EvidencePick = (rows: readonly FindingRow[]) => Iterable<number> | 'all';

/** Rows of findings, worst first. */
function findingRows(findings: readonly FindingRecord[], names: ReadonlyMap<string, string>, pick?: EvidencePick): FindingRow[] {
  const rows = findings.map((f) => findingRow(f, names));
  const order = rows.map((_, k) => k).sort((a, b) => {
    const x = rows[a] as FindingRow;
    const y = rows[b] as FindingRow;
    return y.severityRank - x.severityRank || compareStrings(x.id, y.id);
  });
  const sorted = order.map((k) => rows[k] as FindingRow);
  const picked = pick ? pick(sorted) : 'all';
  const fill = (n: number): void => {
    const row = sorted[n];
    const record = findings[order[n] ?? -1];
    if (row && record) row.evidence = evidenceRows(record.evidence);
  };
  if (picked === 'all') for (let n = 0; n < sorted.length; n++) fill(n);
  else for (const n of picked) fill(n);
  return sorted;
}

function latest(times: readonly (string | undefined)[]): string | null {
  let best: number | undefined;
  for (const iso of times) {
    const t = iso === undefined ? NaN : Date.parse(iso);
    if (!Number.isNaN(t) && (best === undefined || t > best)) best = t;
  }
  return best === undefined ? null : new Date(best).toISOString();
}

interface Lookups {
  credentials: ReadonlyMap<string, Credential[]>;
  privilege: ReadonlyMap<string, PrivilegeLevel>;
  grants: ReadonlyMap<string, Grant[]>;
  activity: ActivityDigest;
  connections: ReadonlyMap<string, string[]>;
  verdicts: ReadonlyMap<string, Verdict>;
  asOf: number;
}

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(key(item));
    if (list) list.push(item);
    else map.set(key(item), [item]);
  }
  return map;
}

function lookups(input: IdentityInput, asOf: string): Lookups {
  const privilege = new Map<string, PrivilegeLevel>();
  for (const g of input.inventory.grants) {
    const current = privilege.get(g.identityId) ?? 'none';
    if (PRIVILEGE_RANK[g.privilege] > PRIVILEGE_RANK[current]) privilege.set(g.identityId, g.privilege);
  }
  const connections = new Map<string, string[]>();
  for (const c of input.inventory.connections) {
    if (c.identityId === undefined) continue;
    const list = connections.get(c.identityId);
    if (list) list.push(c.name);
    else connections.set(c.identityId, [c.name]);
  }
  return {
    credentials: group(input.inventory.credentials, (c) => c.identityId),
    privilege,
    grants: group(input.inventory.grants, (g) => g.identityId),
    activity: activityDigestOf(input.inventory),
    connections,
    verdicts: new Map(input.verdicts.map((v) => [v.identityId, v])),
    asOf: Date.parse(asOf),
  };
}

function credentialRow(c: Credential, asOf: number): CredentialRow {
  const ageDays = ageInDays(c.createdAt, asOf);
  return {
    id: c.id,
    kind: c.kind,
    publicId: c.publicId,
    active: c.active,
    ageDays,
    ageText: formatDays(ageDays),
    lastUsedAt: c.lastUsedAt ?? null,
    lastUsedText: c.lastUsedAt === undefined ? 'no record' : dateText(c.lastUsedAt),
    expiresAt: c.expiresAt ?? null,
    expiresText: c.expiresAt === undefined ? null : dateText(c.expiresAt),
  };
}

function grantRow(g: Grant): GrantRow {
  return { role: g.role, scope: g.scope, privilege: g.privilege, privilegeLabel: PRIVILEGE_LABEL[g.privilege], via: g.viaName ? cached(`v\u0000${g.via}\u0000${g.viaName}`, () => `${g.via} ${g.viaName ?? ''}`) : g.via };
}

function activityCount(use: UseCount): ActivityCount {
  const lastAt = use.last === undefined ? null : new Date(use.last).toISOString();
  return { count: use.count, lastAt, lastText: lastAt === null ? 'no record' : dateText(lastAt) };
}

function identityActivity(use: IdentityUse): IdentityActivity {
  return {
    provider: activityCount(use.provider),
    gateway: { ...activityCount(use.gateway), actors: use.gatewayActors.size },
  };
}

function identityRow(identity: Identity, l: Lookups): IdentityRow {
  const credentials = l.credentials.get(identity.id) ?? [];
  const active = credentials.filter((c) => c.active);
  const ages = active.map((c) => ageInDays(c.createdAt, l.asOf)).filter((d): d is number => d !== null);
  const oldest = ages.length === 0 ? null : Math.max(...ages);
  const use = identityUse(l.activity, identity.id);
  const connections = l.connections.get(identity.id) ?? [];
  const lastUsedAt = latest([identity.lastUsedAt, ...credentials.map((c) => c.lastUsedAt), use.last === undefined ? undefined : new Date(use.last).toISOString()]);
  const privilege = l.privilege.get(identity.id) ?? 'none';
  const verdict = l.verdicts.get(identity.id);
  return {
    id: identity.id,
    name: identity.name,
    provider: identity.provider,
    providerLabel: PROVIDER_LABEL[identity.provider],
    kind: identity.kind,
    scope: identity.scope,
    owner: identity.owner ?? null,
    ownerText: identity.owner ? identity.owner : 'unowned',
    labels: Object.entries(identity.labels)
      .map(([key, value]) => ({ key, value }))
      .sort((a, b) => compareStrings(a.key, b.key)),
    disabled: identity.disabled,
    managed: identity.managed,
    credentials: credentials.length,
    activeCredentials: active.length,
    oldestKeyAgeDays: oldest,
    oldestKeyAgeText: formatDays(oldest),
    lastUsedAt,
    lastUsedText: lastUsedAt === null ? 'no record' : dateText(lastUsedAt),
    privilege,
    privilegeLabel: PRIVILEGE_LABEL[privilege],
    privilegeRank: PRIVILEGE_RANK[privilege],
    verdict: verdict?.verdict ?? null,
    verdictLabel: verdict ? VERDICT_LABEL[verdict.verdict] : '—',
    verdictReasons: verdict?.reasons ?? [],
    // Set from the findings (assembleReportModel).
    findings: 0,
    worstSeverity: null,
    worstSeverityRank: 0,
    behindGateway: connections.length > 0,
    gatewayConnections: connections,
    credentialList: credentials.map((c) => credentialRow(c, l.asOf)),
    grants: (l.grants.get(identity.id) ?? []).map(grantRow),
    activity: identityActivity(use),
  };
}

/** What the identity half of the model is built from: everything but the findings. */
export type IdentityInput = Pick<ReportInput, 'scan' | 'inventory' | 'verdicts'>;

/** The half of the model built from the inventory and the verdicts. */
export interface IdentityPart {
  rows: IdentityRow[];
  /** Identity names by id, for the finding rows. */
  names: Map<string, string>;
  summary: Pick<Summary, 'identities' | 'credentials' | 'verdicts' | 'gateway'>;
  keyAge: Charts['keyAge'];
  leaks: LeakRow[];
}

/**
 * The identity half: rows (their finding counts left at zero for `assembleReportModel`), counts,
 * the key-age chart and the leaks. Built apart so that a large scan's inventory can be let go
 * before its findings are loaded (loadReportModel).
 */
export function identityPart(input: IdentityInput): IdentityPart {
  const scan = scanHeader(input.scan);
  const identities = new Map(input.inventory.identities.map((i) => [i.id, i]));
  const l = lookups(input, scan.asOf);
  return {
    rows: input.inventory.identities.map((i) => identityRow(i, l)),
    names: new Map(input.inventory.identities.map((i) => [i.id, i.name])),
    summary: identitySummary(input.inventory, input.verdicts, new Set(l.connections.keys())),
    keyAge: keyAgeBuckets(input.inventory.credentials, Date.parse(scan.asOf)),
    leaks: leakRows(input.inventory.leaks, input.inventory.credentials, identities),
  };
}

/** What the findings half is built from. */
export type FindingInput = Pick<ReportInput, 'findings' | 'resolved' | 'rules'>;

/** The half of the model built from the findings. */
export interface FindingPart {
  findings: FindingRow[];
  resolvedFindings: FindingRow[];
  summary: Summary['findings'];
  ruleGroups: RuleGroup[];
  findingsByRule: Charts['findingsByRule'];
  compliance: ComplianceFramework[];
  /** Per identity: its new and open findings, and the worst severity among them. */
  perIdentity: Map<string, { count: number; worst: Severity }>;
}

export function findingPart(input: FindingInput, names: ReadonlyMap<string, string>, pick?: EvidencePick): FindingPart {
  const perIdentity = new Map<string, { count: number; worst: Severity }>();
  for (const f of input.findings) {
    if (!isActiveFinding(f)) continue;
    const known = perIdentity.get(f.identityId);
    if (!known) perIdentity.set(f.identityId, { count: 1, worst: f.severity });
    else {
      known.count++;
      if (severityRank(f.severity) > severityRank(known.worst)) known.worst = f.severity;
    }
  }
  return {
    findings: findingRows(input.findings, names, pick),
    resolvedFindings: findingRows(input.resolved, names, pick),
    summary: findingSummary(input.findings, input.resolved),
    ruleGroups: ruleGroups(input.findings),
    findingsByRule: findingsByRule(input.findings),
    compliance: complianceView(input.rules ?? [], input.findings),
    perIdentity,
  };
}

/** What the model takes besides its two halves. */
export type ModelFrame = Pick<ReportInput, 'scan' | 'previousScan' | 'generatedAt' | 'toolVersion' | 'history' | 'plan'>;

/** The model from its two halves: the identity rows get their finding counts and are sorted, worst first. */
export function assembleReportModel(frame: ModelFrame, ids: IdentityPart, found: FindingPart): ReportModel {
  const scan = scanHeader(frame.scan);
  const sources = sourceRows(frame.scan);
  const asOf = Date.parse(scan.asOf);
  for (const row of ids.rows) {
    const stats = found.perIdentity.get(row.id);
    if (!stats) continue;
    row.findings = stats.count;
    row.worstSeverity = stats.worst;
    row.worstSeverityRank = severityRank(stats.worst);
  }
  const rows = ids.rows.sort((a, b) => b.worstSeverityRank - a.worstSeverityRank || b.findings - a.findings || compareStrings(a.name, b.name) || compareStrings(a.id, b.id));
  const previous = frame.previousScan;
  const previousAt = previous ? (previous.finishedAt ?? previous.startedAt) : undefined;
  return {
    title: REPORT_TITLE,
    tool: { name: 'sprawl', version: frame.toolVersion },
    generatedAt: frame.generatedAt.toISOString(),
    generatedAtText: formatDateTime(frame.generatedAt.toISOString()),
    scan,
    previousScan: previous && previousAt ? { id: previous.id, at: previousAt, atText: formatDateTime(previousAt) } : null,
    sources,
    failedSources: sources.filter((s) => s.status === 'failed'),
    summary: {
      identities: ids.summary.identities,
      credentials: ids.summary.credentials,
      sources: sourceCounts(frame.scan),
      findings: found.summary,
      verdicts: ids.summary.verdicts,
      gateway: ids.summary.gateway,
    },
    findings: found.findings,
    resolvedFindings: found.resolvedFindings,
    identities: rows,
    ruleGroups: found.ruleGroups,
    charts: {
      findingsByRule: found.findingsByRule,
      keyAge: ids.keyAge,
      lastUse: lastUseBuckets(
        rows.map((r) => r.lastUsedAt),
        asOf,
      ),
      trend: trendPoints(frame.history ?? []),
    },
    compliance: found.compliance,
    leaks: ids.leaks,
    plan: frame.plan ? planView(frame.plan, scan.id) : null,
  };
}

export function buildReportModel(input: ReportInput): ReportModel {
  const ids = identityPart(input);
  return assembleReportModel(input, ids, findingPart(input, ids.names));
}
