/**
 * Hoop gateway sessions as exported (`GET /api/sessions` items or GET-by-id objects, see
 * hoop-gateway.md §1.3): a JSON array, JSON lines, the list response `{"data": [...]}`, or one
 * object. Parsing only: unknown fields are ignored, malformed entries reported with their line
 * (JSON lines) or JSON path and skipped, long text truncated, broken Unicode replaced.
 */
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
}

export interface HoopImportResult {
  sessions: HoopSession[];
  warnings: ImportWarning[];
  /** Entries (lines, array items) that could not be read. */
  skipped: number;
}

export const MAX_COMMAND_BYTES = 4096;
/** Other text fields (names, tags) are capped too: a export with megabyte-long names is broken, not data. */
export const MAX_FIELD_CHARS = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

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
function readSession(e: Entry, warn: (where: string, message: string) => void): HoopSession | undefined {
  const o = asObject(e.value);
  if (!o) {
    warn(e.where, 'not a session object: skipped');
    return undefined;
  }
  const id = asString(o.id);
  if (!id) {
    warn(e.where, 'session without an id: skipped');
    return undefined;
  }
  const startAt = iso(o.start_date);
  if (startAt === undefined) {
    warn(e.where, `session ${id}: start_date ${JSON.stringify(o.start_date ?? null)} is not an RFC 3339 time: skipped`);
    return undefined;
  }
  let capped = false;
  const text = (v: unknown): string | undefined => {
    if (typeof v !== 'string' || v === '') return undefined;
    const s = clean(v);
    if (s.length <= MAX_FIELD_CHARS) return s;
    capped = true;
    return s.slice(0, MAX_FIELD_CHARS);
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
    if (end === undefined) warn(key(e.where, 'end_date'), `session ${id}: end_date ${JSON.stringify(o.end_date)} is not a time: left out`);
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
  if (capped) warn(e.where, `session ${id}: text fields longer than ${MAX_FIELD_CHARS} characters were truncated`);
  return s;
}

/** Sessions and where each came from: array items, list-response `data` items, JSON lines. */
function entriesOf(text: string, file: string, warn: (where: string, message: string) => void): { entries: Entry[]; skipped: number } {
  const parsed = parseJsonDocuments(text);
  const entries: Entry[] = [];
  let skipped = 0;
  for (const p of parsed.problems) {
    skipped++;
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
  return { entries, skipped };
}

export function importHoopSessions(text: string, opts: { file: string }): HoopImportResult {
  const warnings: ImportWarning[] = [];
  const warn = (where: string, message: string): void => {
    warnings.push({ where, message });
  };
  const { entries, skipped: unparsed } = entriesOf(text, opts.file, warn);
  const byId = new Map<string, { session: HoopSession; where: string }>();
  let skipped = unparsed;
  for (const e of entries) {
    const s = readSession(e, warn);
    if (!s) {
      skipped++;
      continue;
    }
    const before = byId.get(s.id);
    if (before !== undefined) {
      warn(e.where, `session ${s.id} appears twice (also at ${before.where}): the later entry is kept`);
      byId.delete(s.id);
    }
    byId.set(s.id, { session: s, where: e.where });
  }
  return { sessions: [...byId.values()].map((x) => x.session), warnings, skipped };
}
