/**
 * What the HTML template shows beyond the model: the first page of each large table (rendered on
 * the server, for readers without script and for print), a few example findings per rule, caps on
 * long lists, and the data island the page's script pages, filters and sorts (every row, compact).
 */
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { FindingRow, IdentityRow, ReportModel } from './model.ts';
import type { LeakRow, PlanView, RuleGroup } from './sections.ts';
import { chartsView, type ChartsView } from './charts.ts';

/** Rows per page in the identities and findings tables (the script's page size too). */
export const PAGE_SIZE = 50;
/** Example findings shown under each rule. */
export const RULE_EXAMPLES = 3;
/** Leaks, resolved findings and plan actions listed in full up to this many; the JSON report has them all. */
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
  resolved: Capped<FindingRow>;
  planRows: Capped<PlanView['rows'][number]> | null;
  pageSize: number;
}

function cap<T>(rows: readonly T[], n: number): Capped<T> {
  return { rows: rows.slice(0, n), total: rows.length, more: Math.max(0, rows.length - n) };
}

/** Indexes of each rule's example findings: its first RULE_EXAMPLES that are not exempt, in order. */
function exampleIndexes(findings: readonly FindingRow[]): Map<string, number[]> {
  const examples = new Map<string, number[]>();
  findings.forEach((f, n) => {
    if (f.status === 'exempt') return;
    const list = examples.get(f.ruleId);
    if (!list) examples.set(f.ruleId, [n]);
    else if (list.length < RULE_EXAMPLES) list.push(n);
  });
  return examples;
}

function ruleExamples(groups: readonly RuleGroup[], findings: readonly FindingRow[]): RuleGroupView[] {
  const examples = exampleIndexes(findings);
  return groups.map((g) => {
    const list = (examples.get(g.ruleId) ?? []).map((n) => findings[n] as FindingRow);
    return { ...g, examples: list, more: Math.max(0, g.total - list.length) };
  });
}

/**
 * The finding rows (sorted, worst first) whose evidence the page shows: all of them up to
 * EVIDENCE_CAP findings; above it, those of the first page and the rule examples only.
 */
export function pageEvidence(findings: readonly FindingRow[]): Iterable<number> | 'all' {
  if (findings.length <= EVIDENCE_CAP) return 'all';
  const picked = new Set<number>();
  for (let n = 0; n < Math.min(PAGE_SIZE, findings.length); n++) picked.add(n);
  for (const list of exampleIndexes(findings).values()) for (const n of list) picked.add(n);
  return picked;
}

export function htmlView(model: ReportModel): HtmlView {
  return {
    charts: chartsView(model.charts),
    ruleGroups: ruleExamples(model.ruleGroups, model.findings),
    firstFindings: cap(model.findings, PAGE_SIZE),
    firstIdentities: cap(model.identities, PAGE_SIZE),
    leaks: cap(model.leaks, LIST_CAP),
    resolved: cap(model.resolvedFindings, LIST_CAP),
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
  /** The identity's name when the island has no row for it (i is -1); null otherwise (its row has it). */
  n: string | null;
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
  const i = identityIndex.get(f.identityId) ?? -1;
  return {
    id: f.id,
    sv: f.severity,
    sr: f.severityRank,
    st: f.status,
    r: f.ruleId,
    i,
    n: i < 0 ? f.identityName : null,
    s: f.scope,
    m: f.message,
    fs: f.firstSeenAt,
    ft: f.firstSeenText,
    e: evidence ? f.evidence.map((e) => [e.label, e.value]) : [],
    x: f.exemption ? `Accepted risk until ${f.exemption.expiresText}, approved by ${f.exemption.approver}: ${f.exemption.reason}` : null,
  };
}

/** A verdict reason as the island keeps it: the index of the identity's finding with that message, or the text. */
function reasonRef(reason: string, own: readonly number[] | undefined, findings: readonly FindingRow[]): string | number {
  const k = own?.find((n) => findings[n]?.message === reason);
  return k ?? reason;
}

function clientIdentity(i: IdentityRow, own: readonly number[] | undefined, findings: readonly FindingRow[]): ClientIdentity {
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
    vr: i.verdictReasons.map((r) => reasonRef(r, own, findings)),
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
  const ownFindings: number[][] = [];
  model.findings.forEach((f, n) => {
    const i = identityIndex.get(f.identityId);
    if (i !== undefined) (ownFindings[i] ??= []).push(n);
  });
  return {
    pageSize: PAGE_SIZE,
    rules,
    labels,
    evidence,
    findings: model.findings.map((f) => clientFinding(f, identityIndex, evidence)),
    identities: model.identities.map((i, n) => clientIdentity(i, ownFindings[n], model.findings)),
  };
}

/**
 * A column of the data island: its values as they are (`v`), or dictionary-coded: every string at
 * any depth replaced by its index in `d`, every number n by -n-1, booleans and null as they are.
 */
export type IslandColumn = { v: unknown[] } | { d: string[]; v: unknown[] };

/** A table of the island by column: `n` rows, and each column as long as the table. */
export interface IslandTable {
  n: number;
  c: Record<string, IslandColumn>;
}

/** ClientData as the page carries it: the two large tables by column. */
export interface Island extends Omit<ClientData, 'findings' | 'identities'> {
  findings: IslandTable;
  identities: IslandTable;
}

/** How each column of a table is carried: as it is, or dictionary-coded (for repeating strings). */
export type Coding<Row> = { [K in keyof Row]-?: 'plain' | 'dict' };

/** Findings: ids, messages and the few names kept are unique; the rest repeats. */
export const FINDING_CODING: Coding<ClientFinding> = {
  id: 'plain', sv: 'dict', sr: 'plain', st: 'dict', r: 'dict', i: 'plain', n: 'plain', s: 'dict', m: 'plain', fs: 'dict', ft: 'dict', e: 'dict', x: 'dict',
};

/** Identities: ids, names and connection names are unique; labels, texts and tuples repeat. */
export const IDENTITY_CODING: Coding<ClientIdentity> = {
  id: 'plain', n: 'plain', p: 'dict', pl: 'dict', k: 'dict', s: 'dict', o: 'dict', l: 'dict', fl: 'dict', c: 'plain', ca: 'plain', ag: 'plain', at: 'dict',
  u: 'dict', ut: 'dict', pr: 'plain', pv: 'dict', pvl: 'dict', v: 'dict', vl: 'dict', vr: 'dict', f: 'plain', w: 'plain', g: 'plain', cl: 'dict', gr: 'dict', ac: 'dict',
};

/** One pass: strings get indices in order of first appearance. Numbers must be non-negative integers. */
function dictionaryColumn(values: unknown[], column: string): IslandColumn {
  const index = new Map<string, number>();
  const d: string[] = [];
  const encode = (x: unknown): unknown => {
    if (typeof x === 'string') {
      let k = index.get(x);
      if (k === undefined) {
        k = d.length;
        d.push(x);
        index.set(x, k);
      }
      return k;
    }
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x) || x < 0) throw new Error(`report data column ${column}: the number ${x} cannot be dictionary-coded (only counts and indices can)`);
      return -x - 1;
    }
    return Array.isArray(x) ? x.map(encode) : x;
  };
  return { d, v: values.map(encode) };
}

function packColumn<Row extends object>(rows: readonly Row[], key: keyof Row & string, coding: Coding<Row>): IslandColumn {
  const values = rows.map((row) => row[key] as unknown);
  return coding[key] === 'dict' ? dictionaryColumn(values, key) : { v: values };
}

function codedKeys<Row extends object>(coding: Coding<Row>): (keyof Row & string)[] {
  return Object.keys(coding) as (keyof Row & string)[];
}

/** Rows as a table of columns, each carried as `coding` says. */
export function packTable<Row extends object>(rows: readonly Row[], coding: Coding<Row>): IslandTable {
  const c: Record<string, IslandColumn> = {};
  for (const key of codedKeys(coding)) c[key] = packColumn(rows, key, coding);
  return { n: rows.length, c };
}

export function packIsland(data: ClientData): Island {
  return { ...data, findings: packTable(data.findings, FINDING_CODING), identities: packTable(data.identities, IDENTITY_CODING) };
}

function* tableJson<Row extends object>(rows: readonly Row[], coding: Coding<Row>): Generator<string> {
  yield `{"n":${rows.length},"c":{`;
  let separator = '';
  for (const key of codedKeys(coding)) {
    yield `${separator}${JSON.stringify(key)}:${JSON.stringify(packColumn(rows, key, coding))}`;
    separator = ',';
  }
  yield '}}';
}

/**
 * The island's JSON in pieces, one column at a time: joined, exactly JSON.stringify(packIsland(data)),
 * without a string or a packed copy of the whole island ever held at once.
 */
export function* islandJson(data: ClientData): Generator<string> {
  const { findings, identities, ...rest } = data;
  let separator = '{';
  for (const [key, value] of Object.entries(rest)) {
    yield `${separator}${JSON.stringify(key)}:${JSON.stringify(value)}`;
    separator = ',';
  }
  yield `${separator}"findings":`;
  yield* tableJson(findings, FINDING_CODING);
  yield ',"identities":';
  yield* tableJson(identities, IDENTITY_CODING);
  yield '}';
}

/** Characters of JSON handed to the compressor at a time, and how many may wait for it. */
const CHUNK = 1 << 20;
const QUEUED = 8 * CHUNK;

/** Every character outside ASCII as a JSON \u escape (valid anywhere a JSON string holds it). */
function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The island as the HTML carries it: gzip-compressed JSON in base64, inert inside a
 * `<script type="application/gzip">` (base64 has no `<`, `>`, `&` or quote), decompressed by the
 * page's script with the browser's own DecompressionStream.
 *
 * - The JSON is ASCII: a browser decodes ASCII to a one-byte string, where a single other character
 *   makes it decode the whole island to two bytes a character, several times slower.
 * - It goes to the compressor a column and at most a megabyte at a time, compressed on libuv's
 *   thread while the next column is encoded. One buffer of the whole JSON (55 MB at 100,000
 *   identities) would count as external memory to V8, which answers with a full collection of the
 *   report's heap (over a second at that size).
 */
export async function encodeIsland(data: ClientData): Promise<string> {
  const gzip = createGzip({ level: 6, chunkSize: 256 * 1024 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  for (const piece of islandJson(data)) {
    const json = asciiJson(piece);
    for (let at = 0; at < json.length; at += CHUNK) {
      gzip.write(json.slice(at, at + CHUNK), 'latin1');
      if (gzip.writableLength > QUEUED) await once(gzip, 'drain');
    }
  }
  gzip.end();
  await ended;
  return Buffer.concat(out).toString('base64');
}
