/**
 * Reading `aws iam get-account-authorization-details` output (one page, pages as a JSON array,
 * JSON lines, or pages appended one after another) into plain, checked shapes. Policy documents
 * may be JSON objects (the CLI decodes them) or URL-encoded strings (the API's form).
 */
import { toIso } from '../collectors/aws/records.ts';
import { accountOfArn } from './credential-report.ts';
import { asObject, asString, describeProblem, key, parseJsonDocuments } from './json-values.ts';
import { atLine, atPath } from './types.ts';
import type { WarningSink } from './types.ts';

export interface PolicyRef {
  arn: string;
  where: string;
}

export interface InlinePolicy {
  name: string;
  /** JSON or URL-encoded JSON, as decodePolicyDocument reads it; undefined when missing. */
  document?: string;
  where: string;
}

export interface UserEntry {
  name: string;
  arn?: string;
  createdAt?: string;
  tags: Record<string, string>;
  attached: PolicyRef[];
  inline: InlinePolicy[];
  groups: string[];
  where: string;
}

export interface GroupEntry {
  name: string;
  attached: PolicyRef[];
  inline: InlinePolicy[];
}

export interface RoleEntry {
  name: string;
  arn?: string;
  path: string;
  createdAt?: string;
  tags: Record<string, string>;
  trust?: string;
  lastUsedAt?: string;
  lastUsedRegion?: string;
  attached: PolicyRef[];
  inline: InlinePolicy[];
  where: string;
}

export interface AuthorizationDetailsInput {
  users: UserEntry[];
  groups: Map<string, GroupEntry>;
  roles: RoleEntry[];
  /** Policies listed in `Policies` (customer-managed, and AWS-managed with --filter AWSManagedPolicy): ARN → default version's document. */
  policies: Map<string, string | undefined>;
  /** Accounts named by ARNs. */
  accounts: string[];
  pages: number;
  /** Why nothing could be read, when so. */
  fatal?: string;
}

const LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

/** A policy document as text decodePolicyDocument reads: objects re-serialized, strings kept. */
function documentText(v: unknown, where: string, sink: WarningSink): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  if (v !== undefined && v !== null) sink.note(where, 'policy document is neither a JSON object nor a string: privilege guessed from the name');
  return undefined;
}

function date(v: unknown, where: string, sink: WarningSink): string | undefined {
  if (v === undefined || v === null) return undefined;
  const iso = typeof v === 'string' ? toIso(v) : undefined;
  if (iso === undefined) sink.note(where, `${JSON.stringify(v)} is not a date: left out`);
  return iso;
}

function tags(v: unknown, where: string, sink: WarningSink): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined) return out;
  if (!Array.isArray(v)) {
    sink.note(where, 'Tags is not a list: tags left out');
    return out;
  }
  v.forEach((t, i) => {
    const o = asObject(t);
    const k = asString(o?.Key);
    if (k === undefined) sink.note(key(where, i), 'tag without a Key: left out');
    else out[k] = asString(o?.Value) ?? '';
  });
  return out;
}

/** Elements of a list field; a field that is not a list is reported and read as empty. */
function list(o: Record<string, unknown>, field: string, where: string, sink: WarningSink): { value: unknown; where: string }[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  const w = key(where, field);
  if (!Array.isArray(v)) {
    sink.reject(w, `${field} is not a list: left out`);
    return [];
  }
  return (v as unknown[]).map((value, i) => ({ value, where: key(w, i) }));
}

function attached(o: Record<string, unknown>, where: string, sink: WarningSink): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const e of list(o, 'AttachedManagedPolicies', where, sink)) {
    const arn = asString(asObject(e.value)?.PolicyArn);
    if (arn === undefined) sink.reject(e.where, 'attached policy without a PolicyArn: left out');
    else out.push({ arn, where: e.where });
  }
  return out;
}

function inline(o: Record<string, unknown>, field: string, where: string, sink: WarningSink): InlinePolicy[] {
  const out: InlinePolicy[] = [];
  for (const e of list(o, field, where, sink)) {
    const p = asObject(e.value);
    const name = asString(p?.PolicyName);
    if (!p || name === undefined) {
      sink.reject(e.where, 'inline policy without a PolicyName: left out');
      continue;
    }
    const document = documentText(p.PolicyDocument, key(e.where, 'PolicyDocument'), sink);
    out.push(document === undefined ? { name, where: e.where } : { name, document, where: e.where });
  }
  return out;
}

function named(v: unknown, field: string, where: string, what: string, sink: WarningSink): { o: Record<string, unknown>; name: string } | undefined {
  const o = asObject(v);
  const name = asString(o?.[field]);
  if (!o || !name) {
    sink.reject(where, `${what} without a ${field}: left out`);
    return undefined;
  }
  return { o, name };
}

function readUser(v: unknown, where: string, sink: WarningSink): UserEntry | undefined {
  const n = named(v, 'UserName', where, 'user', sink);
  if (!n) return undefined;
  const { o, name } = n;
  const groups: string[] = [];
  for (const g of list(o, 'GroupList', where, sink)) {
    if (typeof g.value === 'string') groups.push(g.value);
    else sink.reject(g.where, 'group name is not a string: left out');
  }
  const u: UserEntry = { name, tags: tags(o.Tags, key(where, 'Tags'), sink), attached: attached(o, where, sink), inline: inline(o, 'UserPolicyList', where, sink), groups, where };
  const arn = asString(o.Arn);
  if (arn !== undefined) u.arn = arn;
  const created = date(o.CreateDate, key(where, 'CreateDate'), sink);
  if (created !== undefined) u.createdAt = created;
  return u;
}

function readGroup(v: unknown, where: string, sink: WarningSink): GroupEntry | undefined {
  const n = named(v, 'GroupName', where, 'group', sink);
  return n ? { name: n.name, attached: attached(n.o, where, sink), inline: inline(n.o, 'GroupPolicyList', where, sink) } : undefined;
}

function readRole(v: unknown, where: string, sink: WarningSink): RoleEntry | undefined {
  const n = named(v, 'RoleName', where, 'role', sink);
  if (!n) return undefined;
  const { o, name } = n;
  const r: RoleEntry = { name, path: asString(o.Path) ?? '/', tags: tags(o.Tags, key(where, 'Tags'), sink), attached: attached(o, where, sink), inline: inline(o, 'RolePolicyList', where, sink), where };
  const arn = asString(o.Arn);
  if (arn !== undefined) r.arn = arn;
  const created = date(o.CreateDate, key(where, 'CreateDate'), sink);
  if (created !== undefined) r.createdAt = created;
  const trust = documentText(o.AssumeRolePolicyDocument, key(where, 'AssumeRolePolicyDocument'), sink);
  if (trust !== undefined) r.trust = trust;
  const lastUsed = asObject(o.RoleLastUsed);
  const at = date(lastUsed?.LastUsedDate, key(where, 'RoleLastUsed.LastUsedDate'), sink);
  if (at !== undefined) r.lastUsedAt = at;
  const region = asString(lastUsed?.Region);
  if (region !== undefined) r.lastUsedRegion = region;
  return r;
}

/** The default version's document of a `Policies` entry, as the live collector picks it. */
function readPolicy(v: unknown, where: string, sink: WarningSink): { arn: string; document: string | undefined } | undefined {
  const n = named(v, 'Arn', where, 'policy', sink);
  if (!n) return undefined;
  const versions = list(n.o, 'PolicyVersionList', where, sink).map((e) => ({ o: asObject(e.value), where: e.where }));
  const def = versions.find((e) => e.o?.IsDefaultVersion === true) ?? versions.find((e) => e.o !== undefined && e.o.VersionId === n.o.DefaultVersionId);
  if (!def?.o) {
    sink.note(where, `policy ${n.name} has no default version in PolicyVersionList: privilege guessed from the name`);
    return { arn: n.name, document: undefined };
  }
  return { arn: n.name, document: documentText(def.o.Document, key(def.where, 'Document'), sink) };
}

/** Pages with the JSON path and line each starts at. */
function pagesOf(text: string, file: string, sink: WarningSink): { pages: { o: Record<string, unknown>; path: string; line?: number }[]; fatal?: string } {
  const parsed = parseJsonDocuments(text);
  for (const p of parsed.problems) {
    if (parsed.single) return { pages: [], fatal: `${atLine(file, p.line)}: not valid JSON (${describeProblem(p)}: ${p.message})` };
    sink.reject(atLine(file, p.line), `page skipped: not valid JSON (${describeProblem(p)}: ${p.message})`);
  }
  const raw: { value: unknown; path: string; line?: number }[] = [];
  for (const [d, doc] of parsed.docs.entries()) {
    const base = parsed.single ? '$' : `$[${d}]`;
    if (Array.isArray(doc.value)) doc.value.forEach((v, i) => raw.push({ value: v, path: key(base, i) }));
    else raw.push({ value: doc.value, path: base, ...(parsed.single ? {} : { line: doc.line }) });
  }
  const pages: { o: Record<string, unknown>; path: string; line?: number }[] = [];
  for (const r of raw) {
    const where = r.line !== undefined ? `${atLine(file, r.line)} ${r.path}` : atPath(file, r.path);
    const o = asObject(r.value);
    if (!o || !LISTS.some((l) => l in o)) {
      sink.reject(where, 'not a get-account-authorization-details page (no UserDetailList, GroupDetailList, RoleDetailList or Policies): skipped');
      continue;
    }
    pages.push({ o, path: r.path, ...(r.line !== undefined ? { line: r.line } : {}) });
  }
  return { pages };
}

/** Keeps the later of two entries with the same name and says so. */
function keepLater<T extends { where: string }>(map: Map<string, T>, name: string, entry: T, what: string, sink: WarningSink): void {
  const before = map.get(name);
  if (before) {
    sink.note(entry.where, `${what} ${name} is listed twice (also at ${before.where}): the later entry is kept`);
    map.delete(name);
  }
  map.set(name, entry);
}

export function readAuthorizationDetails(text: string, file: string, sink: WarningSink): AuthorizationDetailsInput {
  const out: AuthorizationDetailsInput = { users: [], groups: new Map(), roles: [], policies: new Map(), accounts: [], pages: 0 };
  const { pages, fatal } = pagesOf(text, file, sink);
  if (fatal !== undefined) return { ...out, fatal };
  if (pages.length === 0) return { ...out, fatal: `${file}: no get-account-authorization-details page could be read` };
  out.pages = pages.length;
  const users = new Map<string, UserEntry>();
  const roles = new Map<string, RoleEntry>();
  const groups = new Map<string, GroupEntry & { where: string }>();
  const policies = new Map<string, { document: string | undefined; where: string }>();
  const arns: string[] = [];
  for (const page of pages) {
    const w = (path: string): string => (page.line !== undefined ? `${atLine(file, page.line)} ${path}` : atPath(file, path));
    const at = (field: string): { value: unknown; where: string }[] => list(page.o, field, '', sink).map((e) => ({ value: e.value, where: w(`${page.path}${e.where}`) }));
    for (const e of at('UserDetailList')) {
      const u = readUser(e.value, e.where, sink);
      if (u) keepLater(users, u.name, u, 'user', sink);
      if (u?.arn) arns.push(u.arn);
    }
    for (const e of at('GroupDetailList')) {
      const g = readGroup(e.value, e.where, sink);
      if (g) keepLater(groups, g.name, { ...g, where: e.where }, 'group', sink);
      const arn = asString(asObject(e.value)?.Arn);
      if (arn) arns.push(arn);
    }
    for (const e of at('RoleDetailList')) {
      const r = readRole(e.value, e.where, sink);
      if (r) keepLater(roles, r.name, r, 'role', sink);
      if (r?.arn) arns.push(r.arn);
    }
    for (const e of at('Policies')) {
      const p = readPolicy(e.value, e.where, sink);
      if (p) keepLater(policies, p.arn, { document: p.document, where: e.where }, 'policy', sink);
    }
  }
  const last = pages[pages.length - 1];
  const nextToken = asString(last?.o.NextToken);
  if (last && (last.o.IsTruncated === true || nextToken !== undefined)) {
    const w = last.line !== undefined ? `${atLine(file, last.line)} ${last.path}` : atPath(file, last.path);
    const token = nextToken !== undefined ? `NextToken ${JSON.stringify(nextToken)}` : `IsTruncated with Marker ${JSON.stringify(asString(last.o.Marker) ?? '')}`;
    sink.reject(`${w}.${nextToken !== undefined ? 'NextToken' : 'IsTruncated'}`, `the last page has ${token}: later pages are missing (fetch them with --starting-token, or run without --max-items)`);
  }
  out.users = [...users.values()];
  out.roles = [...roles.values()];
  out.groups = groups;
  for (const [arn, p] of policies) out.policies.set(arn, p.document);
  out.accounts = [...new Set(arns.map(accountOfArn).filter((a): a is string => a !== undefined))];
  return out;
}
