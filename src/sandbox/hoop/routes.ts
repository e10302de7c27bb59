/**
 * The hoop API routes the emulator serves, as pure functions of the estate and the query.
 * Semantics follow hoop-gateway.md §1.2 (sessions), §3.1 (connections), §2 (audit logs); the
 * write routes (connections, plugins, agents) are in writes.ts.
 * ASSUMPTIONS (not stated by the reference): sessions are listed newest first (by start_date);
 * `start_date`/`end_date` are both inclusive; the capped total is reported as the cap itself.
 */
import type { HoopConnection, HoopSession, HoopSessionList } from '../../providers/hoop/types.ts';
import type { HoopEstate } from './estate.ts';
import { writeRoute } from './writes.ts';

export type HoopOperation =
  | 'sessions.list'
  | 'sessions.get'
  | 'connections.list'
  | 'connections.get'
  | 'users.list'
  | 'users.get'
  | 'machineidentities.list'
  | 'apikeys.list'
  | 'audit.list'
  | 'agents.list'
  | 'connections.create'
  | 'connections.update'
  | 'connections.patch'
  | 'connections.delete'
  | 'plugins.list'
  | 'plugins.get'
  | 'plugins.create'
  | 'pluginconnections.get'
  | 'pluginconnections.put'
  | 'pluginconnections.delete';

export class HoopFault extends Error {
  readonly code: number;
  readonly headers: Record<string, string>;
  constructor(code: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }
}

export interface RouteSettings {
  countCap: number;
  maxOffset: number;
  hideRoleInfo: boolean;
}

export interface Route {
  op: HoopOperation;
  /** The success status (200 unless given; 204 answers without a body). */
  status?: number;
  /** `body`: the parsed JSON request body, `undefined` when there was none. */
  run(params: URLSearchParams, estate: HoopEstate, settings: RouteSettings, body: unknown): unknown;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

function parseDate(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  const ms = RFC3339.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new HoopFault(422, `invalid ${name} value, expected RFC3339 format`);
  return ms;
}

function parseInteger(params: URLSearchParams, name: string, fallback: number): number {
  const v = params.get(name);
  if (v === null || v === '') return fallback;
  if (!/^-?\d+$/.test(v)) throw new HoopFault(422, `invalid ${name} value`);
  return parseInt(v, 10);
}

function listSessions(params: URLSearchParams, estate: HoopEstate, s: RouteSettings): HoopSessionList {
  const start = parseDate(params, 'start_date');
  let end = parseDate(params, 'end_date');
  if (start !== undefined && end === undefined) end = estate.nowMs;
  const limitRaw = parseInteger(params, 'limit', 20);
  if (limitRaw < 1) throw new HoopFault(422, 'limit must be at least 1');
  const limit = Math.min(limitRaw, 100);
  const offset = parseInteger(params, 'offset', 0);
  if (offset < 0) throw new HoopFault(422, 'offset must be positive');
  if (offset > s.maxOffset) throw new HoopFault(422, `offset is above the maximum of ${s.maxOffset}, narrow the results with a filter`);
  const count = params.get('count') ?? 'capped';
  if (!['capped', 'exact', 'none'].includes(count)) throw new HoopFault(422, 'invalid count value, expected capped, exact or none');
  const connection = params.get('connection');
  const [lo, hi] = estate.indexRange(start ?? Number.NEGATIVE_INFINITY, end ?? Number.POSITIVE_INFINITY);
  const strip = (x: HoopSession): HoopSession => ({ ...x, script: null });

  let matched: number;
  const data: HoopSession[] = [];
  if (connection === null || connection === '') {
    matched = hi - lo;
    for (let i = lo + offset; i < hi && data.length < limit; i++) data.push(strip(estate.sessionAt(i)));
  } else {
    // LIKE on the name: `%` wildcards, otherwise exact.
    const re = new RegExp(`^${connection.split('%').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    matched = 0;
    for (let i = lo; i < hi; i++) {
      const x = estate.sessionAt(i);
      if (!re.test(x.connection)) continue;
      if (matched >= offset && data.length < limit) data.push(strip(x));
      matched++;
    }
  }
  const capped = count === 'capped' && matched > s.countCap;
  return {
    data,
    total: count === 'none' ? null : capped ? s.countCap : matched,
    total_is_capped: capped,
    has_next_page: offset + data.length < matched,
  };
}

function withSecrets(c: HoopConnection, s: RouteSettings): HoopConnection {
  if (!s.hideRoleInfo) return c;
  return { ...c, secret: Object.fromEntries(Object.keys(c.secret).map((k) => [k, null])) };
}

function paged<T>(items: readonly T[], params: URLSearchParams, defaultSize: number | undefined): unknown {
  if (defaultSize === undefined && !params.has('page') && !params.has('page_size')) return items;
  const page = parseInteger(params, 'page', 1);
  const size = parseInteger(params, 'page_size', defaultSize ?? 100);
  if (page < 1 || size < 1 || size > 100) throw new HoopFault(422, 'page must be >= 1 and page_size between 1 and 100');
  return { pages: { total: items.length, page, size }, data: items.slice((page - 1) * size, page * size) };
}

/** Matches a path to its route; `undefined` for 404. */
export function route(method: string, path: string): Route | undefined {
  const p = path.replace(/\/+$/, '');
  const write = writeRoute(method, p);
  if (write || method !== 'GET') return write;
  if (p === '/api/sessions' || p === '/api/plugins/audit/sessions') return { op: 'sessions.list', run: listSessions };
  const session = /^\/api(?:\/plugins\/audit)?\/sessions\/([^/]+)$/.exec(p);
  if (session) {
    const id = session[1] as string;
    return {
      op: 'sessions.get',
      run: (_params, estate) => {
        const i = estate.indexOf(id);
        if (i === undefined) throw new HoopFault(404, 'session not found');
        return estate.sessionAt(i);
      },
    };
  }
  if (p === '/api/connections') return { op: 'connections.list', run: (params, estate, s) => paged(estate.connections.map((c) => withSecrets(c, s)), params, undefined) };
  const conn = /^\/api\/connections\/([^/]+)$/.exec(p);
  if (conn) {
    const key = conn[1] as string;
    return {
      op: 'connections.get',
      run: (_params, estate, s) => {
        const c = estate.connections.find((x) => x.name === key || x.id === key);
        if (!c) throw new HoopFault(404, 'connection not found');
        return withSecrets(c, s);
      },
    };
  }
  if (p === '/api/users') return { op: 'users.list', run: (_params, estate) => estate.users };
  const user = /^\/api\/users\/([^/]+)$/.exec(p);
  if (user) {
    const key = user[1] as string;
    return {
      op: 'users.get',
      run: (_params, estate) => {
        const u = estate.users.find((x) => x.id === key || x.email === key);
        if (!u) throw new HoopFault(404, 'user not found');
        return u;
      },
    };
  }
  if (p === '/api/machineidentities') return { op: 'machineidentities.list', run: (_params, estate) => estate.machineIdentities };
  if (p === '/api/api-keys') return { op: 'apikeys.list', run: (_params, estate) => estate.apiKeys };
  if (p === '/api/audit/logs') return { op: 'audit.list', run: (params, estate) => paged(estate.auditLogs, params, 50) };
  return undefined;
}
