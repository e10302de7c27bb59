/**
 * What the HTML template shows beyond the model: the first page of each large table (rendered on
 * the server, for readers without script and for print), a few example findings per rule, caps on
 * long lists, and the data island the page's script pages, filters and sorts (every row, compact).
 */
import type { FindingRow, IdentityRow, ReportModel } from './model.ts';
import type { LeakRow, PlanView, RuleGroup } from './sections.ts';
import { chartsView, type ChartsView } from './charts.ts';

/** Rows per page in the identities and findings tables (the script's page size too). */
export const PAGE_SIZE = 50;
/** Example findings shown under each rule. */
export const RULE_EXAMPLES = 3;
/** Leaks and plan actions listed in full up to this many; the JSON report has them all. */
export const LIST_CAP = 500;

export interface RuleGroupView extends RuleGroup {
  examples: FindingRow[];
  more: number;
}

export interface Capped<T> {
  rows: T[];
  total: number;
  more: number;
}

export interface HtmlView {
  charts: ChartsView;
  ruleGroups: RuleGroupView[];
  firstFindings: Capped<FindingRow>;
  firstIdentities: Capped<IdentityRow>;
  leaks: Capped<LeakRow>;
  planRows: Capped<PlanView['rows'][number]> | null;
  pageSize: number;
}

function cap<T>(rows: readonly T[], n: number): Capped<T> {
  return { rows: rows.slice(0, n), total: rows.length, more: Math.max(0, rows.length - n) };
}

function ruleExamples(groups: readonly RuleGroup[], findings: readonly FindingRow[]): RuleGroupView[] {
  const examples = new Map<string, FindingRow[]>();
  for (const f of findings) {
    if (f.status === 'exempt') continue;
    const list = examples.get(f.ruleId) ?? [];
    if (list.length < RULE_EXAMPLES) examples.set(f.ruleId, [...list, f]);
  }
  return groups.map((g) => {
    const list = examples.get(g.ruleId) ?? [];
    return { ...g, examples: list, more: Math.max(0, g.total - list.length) };
  });
}

export function htmlView(model: ReportModel): HtmlView {
  return {
    charts: chartsView(model.charts),
    ruleGroups: ruleExamples(model.ruleGroups, model.findings),
    firstFindings: cap(model.findings, PAGE_SIZE),
    firstIdentities: cap(model.identities, PAGE_SIZE),
    leaks: cap(model.leaks, LIST_CAP),
    planRows: model.plan ? cap(model.plan.rows, LIST_CAP) : null,
    pageSize: PAGE_SIZE,
  };
}

/**
 * A finding as the page's script reads it: short keys, and what repeats (rule title, labels,
 * remediation, the identity's id) kept once in ClientData, since the island holds every finding.
 */
export interface ClientFinding {
  id: string;
  sv: string;
  sr: number;
  st: string;
  r: string;
  /** Index of the identity in ClientData.identities, or -1. */
  i: number;
  n: string;
  s: string;
  m: string;
  fs: string;
  ft: string;
  /** Evidence (label, value); empty when the report leaves it out (see ClientData.evidence). */
  e: [string, string][];
  x: string | null;
}

/** An identity as the page's script reads it. */
export interface ClientIdentity {
  id: string;
  n: string;
  p: string;
  pl: string;
  k: string;
  s: string;
  o: string | null;
  l: [string, string][];
  fl: string[];
  c: number;
  ca: number;
  ag: number | null;
  at: string;
  u: string | null;
  ut: string;
  pr: number;
  pv: string;
  pvl: string;
  v: string | null;
  vl: string;
  /** The verdict's reasons: text, or the index in ClientData.findings of the finding whose message it is (kept once). */
  vr: (string | number)[];
  f: number;
  w: number;
  g: string[];
  cl: [string, string, boolean, string, string, string | null][];
  gr: [string, string, string, string][];
  ac: [number, string, number, string, number];
}

export interface ClientData {
  pageSize: number;
  /** Per rule: title, remediation and controls. */
  rules: Record<string, { t: string; rem: string; refs: string[] }>;
  labels: { severity: Record<string, string>; status: Record<string, string> };
  /** False when the findings are too many to carry each one's evidence (the JSON report has it). */
  evidence: boolean;
  findings: ClientFinding[];
  identities: ClientIdentity[];
}

/** Above this many findings, the page leaves out per-finding evidence (rule examples keep theirs). */
export const EVIDENCE_CAP = 25_000;

function clientFinding(f: FindingRow, identityIndex: ReadonlyMap<string, number>, evidence: boolean): ClientFinding {
  return {
    id: f.id,
    sv: f.severity,
    sr: f.severityRank,
    st: f.status,
    r: f.ruleId,
    i: identityIndex.get(f.identityId) ?? -1,
    n: f.identityName,
    s: f.scope,
    m: f.message,
    fs: f.firstSeenAt,
    ft: f.firstSeenText,
    e: evidence ? f.evidence.map((e) => [e.label, e.value]) : [],
    x: f.exemption ? `Accepted risk until ${f.exemption.expiresText}, approved by ${f.exemption.approver}: ${f.exemption.reason}` : null,
  };
}

function clientIdentity(i: IdentityRow, messages: ReadonlyMap<string, number> | undefined): ClientIdentity {
  const flags = [...(i.managed ? ['managed'] : []), ...(i.disabled ? ['disabled'] : []), ...(i.behindGateway ? ['gateway'] : [])];
  return {
    id: i.id,
    n: i.name,
    p: i.provider,
    pl: i.providerLabel,
    k: i.kind,
    s: i.scope,
    o: i.owner,
    l: i.labels.map((l) => [l.key, l.value]),
    fl: flags,
    c: i.credentials,
    ca: i.activeCredentials,
    ag: i.oldestKeyAgeDays,
    at: i.oldestKeyAgeText,
    u: i.lastUsedAt,
    ut: i.lastUsedText,
    pr: i.privilegeRank,
    pv: i.privilege,
    pvl: i.privilegeLabel,
    v: i.verdict,
    vl: i.verdictLabel,
    vr: i.verdictReasons.map((r) => messages?.get(r) ?? r),
    f: i.findings,
    w: i.worstSeverityRank,
    g: i.gatewayConnections,
    cl: i.credentialList.map((c) => [c.publicId, c.kind, c.active, c.ageText, c.lastUsedText, c.expiresText]),
    gr: i.grants.map((g) => [g.role, g.scope, g.privilegeLabel, g.via]),
    ac: [i.activity.provider.count, i.activity.provider.lastText, i.activity.gateway.count, i.activity.gateway.lastText, i.activity.gateway.actors],
  };
}

export function clientData(model: ReportModel): ClientData {
  const rules: ClientData['rules'] = {};
  const labels: ClientData['labels'] = { severity: {}, status: {} };
  for (const f of model.findings) {
    rules[f.ruleId] ??= { t: f.title, rem: f.remediation, refs: f.references };
    labels.severity[f.severity] = f.severityLabel;
    labels.status[f.status] = f.statusLabel;
  }
  const identityIndex = new Map(model.identities.map((i, n) => [i.id, n]));
  const evidence = model.findings.length <= EVIDENCE_CAP;
  // A verdict's reasons repeat its findings' messages: the island keeps each message once.
  const messagesByIdentity = new Map<string, Map<string, number>>();
  model.findings.forEach((f, n) => {
    let m = messagesByIdentity.get(f.identityId);
    if (!m) messagesByIdentity.set(f.identityId, (m = new Map<string, number>()));
    if (!m.has(f.message)) m.set(f.message, n);
  });
  return {
    pageSize: PAGE_SIZE,
    rules,
    labels,
    evidence,
    findings: model.findings.map((f) => clientFinding(f, identityIndex, evidence)),
    identities: model.identities.map((i) => clientIdentity(i, messagesByIdentity.get(i.id))),
  };
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` as \u escapes (no `</script>`
 * or `<!--` can appear), and the two line terminators JavaScript once disallowed in strings.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
