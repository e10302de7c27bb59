/**
 * Hoop gateway sessions as exported (`GET /api/sessions` items or GET-by-id objects, see
 * hoop-gateway.md §1.3): a JSON array, JSON lines, the list response `{"data": [...]}`, or one
 * object. Parsing only: unknown fields are ignored, malformed entries reported with their line
 * (JSON lines) or JSON path and the reason, and skipped (counted in `skipped`); a known field of
 * the wrong type is left out of its session (reported, the session kept); long text truncated,
 * broken Unicode replaced. Never throws on any text.
 */
import type { HoopSession as ApiSession } from '../providers/hoop/types.ts';
import { asObject, asString, describeProblem, key, parseJsonDocuments } from './json-values.ts';
import { atLine, atPath } from './types.ts';
import type { ImportWarning } from './types.ts';

export interface HoopSession {
  id: string;
  user: {
    /** `user_id`: hoop's user id, api-key id, service-account id or machine-identity id. */
    id?: string;
    /** `user` (or `user_email` in webhook payloads): the caller's email, key name or OIDC subject. */
    email?: string;
    name?: string;
    /** `identity_type`: `user` or `machine` (a hoop machine identity). */
    identityType?: string;
    machineIdentityId?: string;
  };
  connection: {
    name?: string;
    /** `type` (`connection_type` in webhook payloads): database, application, custom, httpproxy. */
    type?: string;
    subtype?: string;
    tags: Record<string, string>;
  };
  /** `connect` or `exec`. */
  verb?: string;
  /** `open`, `ready` or `done`. */
  status?: string;
  /** ISO-8601 UTC. */
  startAt: string;
  endAt?: string;
  /** The input (`script.data`), at most MAX_COMMAND_BYTES of UTF-8. */
  command?: string;
  commandTruncated?: boolean;
  review?: { status: string };
  exitCode?: number;
  correlationId?: string;
  /** `metadata.federation`: the cloud principal a federated session ran as. */
  federation?: { provider?: string; resolvedPrincipal?: string; adminPrincipal?: string };
}

export interface HoopImportResult {
  sessions: HoopSession[];
  warnings: ImportWarning[];
  /** Entries (lines, array items) that could not be read. */
  skipped: number;
  /** Where each of those was (`file:line 3`, `file:$[2]`). */
  rejected: string[];
  /** Where each session was read (`file:line 3`, `file:$[2]`), in the order of `sessions`. */
  where: string[];
  /** Known fields of the wrong type, left out of their sessions. */
  fieldsLeftOut: number;
  /** Lines whose invalid UTF-8 was replaced (set by importFile, which decodes the bytes). */
  replacedLines?: number;
}

export const MAX_COMMAND_BYTES = 4096;
/** Other text fields (names, tags) are capped too: a export with megabyte-long names is broken, not data. */
export const MAX_FIELD_CHARS = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

/** JSON type names for messages. */
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/** Fields read as text: any other type is left out (and reported). */
const TEXT_FIELDS = ['user_id', 'user', 'user_email', 'user_name', 'identity_type', 'machine_identity_id', 'role_name', 'connection_name', 'type', 'connection_type', 'connection_subtype', 'verb', 'status', 'correlation_id'] as const;
/** Fields read as objects (or null). */
const OBJECT_FIELDS = ['connection_tags', 'review', 'metadata'] as const;

/** Cuts `s` to at most `max` bytes of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, max: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= max) return { text: s, truncated: false };
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

const iso = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

interface Entry {
  value: unknown;
  where: string;
}

/** Reads one session object; undefined (with a warning) when it lacks an id or a start date. */
function readSession(e: Entry, warn: (where: string, message: string) => void, leftOut: () => void): HoopSession | undefined {
  const o = asObject(e.value);
  if (!o) {
    warn(e.where, 'not a session object: skipped');
    return undefined;
  }
  const id = asString(o.id);
  if (!id) {
    warn(e.where, o.id === undefined || o.id === null || o.id === '' ? 'session without an id: skipped' : `session id is ${typeName(o.id)}, not a string: skipped`);
    return undefined;
  }
  if (o.connection !== undefined && o.connection !== null && typeof o.connection !== 'string') {
    warn(e.where, `session ${clean(id.slice(0, 100))}: connection is ${typeName(o.connection)}, not a string: skipped`);
    return undefined;
  }
  const startAt = iso(o.start_date);
  if (startAt === undefined) {
    warn(e.where, `session ${clean(id.slice(0, 100))}: start_date ${clean(JSON.stringify(o.start_date ?? null).slice(0, 100))} is not an RFC 3339 time: skipped`);
    return undefined;
  }
  const shownId = clean(id.slice(0, 100));
  const wrong: string[] = [];
  for (const f of TEXT_FIELDS) if (o[f] !== undefined && o[f] !== null && typeof o[f] !== 'string') wrong.push(`${f} is ${typeName(o[f])}`);
  for (const f of OBJECT_FIELDS) if (o[f] !== undefined && o[f] !== null && asObject(o[f]) === undefined) wrong.push(`${f} is ${typeName(o[f])}`);
  if (o.exit_code !== undefined && o.exit_code !== null && !(typeof o.exit_code === 'number' && Number.isInteger(o.exit_code))) wrong.push(`exit_code is ${typeName(o.exit_code)}, not an integer`);
  if (o.script !== undefined && o.script !== null && typeof o.script !== 'string' && typeof asObject(o.script)?.data !== 'string' && asObject(o.script)?.data !== null) wrong.push(`script is ${typeName(o.script)} without a text "data"`);
  if (wrong.length > 0) {
    leftOut();
    warn(e.where, `session ${shownId}: ${wrong.join(', ')}: left out of the session (the rest imported)`);
  }
  let capped = false;
  const text = (v: unknown): string | undefined => {
    if (typeof v !== 'string' || v === '') return undefined;
    // cut before cleaning: a 10 MB field costs no more than a short one
    if (v.length <= MAX_FIELD_CHARS) return clean(v);
    capped = true;
    return clean(v.slice(0, MAX_FIELD_CHARS));
  };
  const s: HoopSession = { id: text(id) ?? id, user: {}, connection: { tags: {} }, startAt };
  const setIf = <T extends object, K extends keyof T>(target: T, k: K, v: T[K] | undefined): void => {
    if (v !== undefined) target[k] = v;
  };
  setIf(s.user, 'id', text(o.user_id));
  setIf(s.user, 'email', text(o.user) ?? text(o.user_email));
  setIf(s.user, 'name', text(o.user_name));
  setIf(s.user, 'identityType', text(o.identity_type));
  setIf(s.user, 'machineIdentityId', text(o.machine_identity_id));
  setIf(s.connection, 'name', text(o.connection) ?? text(o.role_name) ?? text(o.connection_name));
  setIf(s.connection, 'type', text(o.type) ?? text(o.connection_type));
  setIf(s.connection, 'subtype', text(o.connection_subtype));
  for (const [k, v] of Object.entries(asObject(o.connection_tags) ?? {})) {
    const value = typeof v === 'string' ? text(v) ?? '' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    if (value !== undefined) s.connection.tags[text(k) ?? k] = value;
  }
  setIf(s, 'verb', text(o.verb));
  setIf(s, 'status', text(o.status));
  if (o.end_date !== undefined && o.end_date !== null) {
    const end = iso(o.end_date);
    if (end === undefined) warn(key(e.where, 'end_date'), `session ${shownId}: end_date ${clean(JSON.stringify(o.end_date).slice(0, 100))} is not a time: left out`);
    else s.endAt = end;
  }
  const script = asObject(o.script)?.data ?? o.script ?? o.input;
  const command = typeof script === 'string' ? script : Array.isArray(o.command) && o.command.every((c) => typeof c === 'string') ? o.command.join(' ') : undefined;
  if (command !== undefined && command !== '') {
    const t = truncateUtf8(clean(command), MAX_COMMAND_BYTES);
    s.command = t.text;
    if (t.truncated) s.commandTruncated = true;
  }
  const review = asString(asObject(o.review)?.status);
  if (review !== undefined) s.review = { status: text(review) ?? review };
  if (typeof o.exit_code === 'number' && Number.isInteger(o.exit_code)) s.exitCode = o.exit_code;
  setIf(s, 'correlationId', text(o.correlation_id));
  const fed = asObject(asObject(o.metadata)?.federation);
  if (fed) {
    const f: NonNullable<HoopSession['federation']> = {};
    setIf(f, 'provider', text(fed.provider));
    setIf(f, 'resolvedPrincipal', text(fed.resolved_principal));
    setIf(f, 'adminPrincipal', text(fed.admin_principal));
    if (Object.keys(f).length > 0) s.federation = f;
  }
  if (capped) warn(e.where, `session ${shownId}: text fields longer than ${MAX_FIELD_CHARS} characters were truncated`);
  return s;
}

/** Sessions and where each came from: array items, list-response `data` items, JSON lines. */
function entriesOf(text: string, file: string, warn: (where: string, message: string) => void): { entries: Entry[]; rejected: string[] } {
  const parsed = parseJsonDocuments(text);
  const entries: Entry[] = [];
  const rejected: string[] = [];
  for (const p of parsed.problems) {
    rejected.push(atLine(file, p.line));
    warn(atLine(file, p.line), parsed.single ? `not valid JSON (${describeProblem(p)}: ${p.message}): nothing read` : `skipped: not valid JSON (${describeProblem(p)}: ${p.message})`);
  }
  for (const [d, doc] of parsed.docs.entries()) {
    const base = parsed.single ? '$' : `$[${d}]`;
    const place = (path: string): string => (parsed.single ? atPath(file, path) : `${atLine(file, doc.line)}${path === base ? '' : ` ${path}`}`);
    const v = doc.value;
    const o = asObject(v);
    const items = Array.isArray(v) ? { list: v, path: base } : o && Array.isArray(o.data) && o.id === undefined ? { list: o.data as unknown[], path: key(base, 'data') } : undefined;
    if (items) items.list.forEach((value, i) => entries.push({ value, where: place(key(items.path, i)) }));
    else entries.push({ value: v, where: place(base) });
  }
  return { entries, rejected };
}

export function importHoopSessions(text: string, opts: { file: string }): HoopImportResult {
  const warnings: ImportWarning[] = [];
  const warn = (where: string, message: string): void => {
    warnings.push({ where, message });
  };
  const { entries, rejected } = entriesOf(text, opts.file, warn);
  const byId = new Map<string, { session: HoopSession; where: string }>();
  let fieldsLeftOut = 0;
  for (const e of entries) {
    const s = readSession(e, warn, () => fieldsLeftOut++);
    if (!s) {
      rejected.push(e.where);
      continue;
    }
    const before = byId.get(s.id);
    if (before !== undefined) {
      warn(e.where, `session ${s.id} appears twice (also at ${before.where}): the later entry is kept`);
      byId.delete(s.id);
    }
    byId.set(s.id, { session: s, where: e.where });
  }
  const kept = [...byId.values()];
  // in file order (JSON problems were found first), stable within a line
  const lineOf = (where: string): number => Number(/:line (\d+)/.exec(where)?.[1] ?? 0);
  warnings.sort((a, b) => lineOf(a.where) - lineOf(b.where));
  rejected.sort((a, b) => lineOf(a) - lineOf(b));
  return { sessions: kept.map((x) => x.session), where: kept.map((x) => x.where), warnings, skipped: rejected.length, rejected, fieldsLeftOut };
}

/** A session back in the gateway API's shape (what the gateway collector reads), from its clean form. */
export function toApiSession(s: HoopSession): ApiSession {
  return {
    id: s.id,
    org_id: '',
    script: s.command !== undefined ? { data: s.command } : null,
    script_size: s.command !== undefined ? Buffer.byteLength(s.command, 'utf8') : 0,
    labels: null,
    integrations_metadata: null,
    metadata: s.federation
      ? {
          federation: {
            ...(s.federation.provider !== undefined ? { provider: s.federation.provider } : {}),
            ...(s.federation.resolvedPrincipal !== undefined ? { resolved_principal: s.federation.resolvedPrincipal } : {}),
            ...(s.federation.adminPrincipal !== undefined ? { admin_principal: s.federation.adminPrincipal } : {}),
          },
        }
      : null,
    metrics: null,
    user: s.user.email ?? '',
    user_id: s.user.id ?? '',
    user_name: s.user.name ?? '',
    type: s.connection.type ?? '',
    connection_subtype: s.connection.subtype ?? '',
    connection: s.connection.name ?? '',
    role_name: s.connection.name ?? '',
    resource_name: '',
    connection_tags: s.connection.tags,
    review: s.review ? { status: s.review.status as NonNullable<ApiSession['review']>['status'] } : null,
    verb: s.verb as ApiSession['verb'],
    status: s.status as ApiSession['status'],
    exit_code: s.exitCode ?? null,
    event_size: 0,
    ...(s.correlationId !== undefined ? { correlation_id: s.correlationId } : {}),
    start_date: s.startAt,
    end_date: s.endAt ?? null,
    ai_analysis: null,
    guardrails_info: null,
    // as read (a value other than user/machine included): the round trip keeps it
    identity_type: s.user.identityType as ApiSession['identity_type'],
    ...(s.user.machineIdentityId !== undefined ? { machine_identity_id: s.user.machineIdentityId } : {}),
  };
}
