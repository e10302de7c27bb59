/**
 * hoop.dev gateway emulator: the read API sprawl uses (sessions, connections, users, machine
 * identities, API keys, audit logs) and the write API of its enforcer (connections, plugins,
 * agents: writes.ts) on plain http on 127.0.0.1. Requests need
 * `Authorization: Bearer hpk_...` with the emulator's key (401 `{"message"}` otherwise). Faults
 * are injected by mutating `faults`; every request lands in `calls`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialsExpired, loops } from '../faults.ts';
import type { ExpiringCredentials, PageLoop, WireFault } from '../faults.ts';
import { readBody, startEmulatorServer } from '../http.ts';
import type { HoopEstate } from './estate.ts';
import { HoopFault, route } from './routes.ts';
import type { HoopOperation, RouteSettings } from './routes.ts';

/** A fault rule: matches calls of one operation (or any); `times` counts down. */
export interface HoopFaultRule {
  op?: HoopOperation;
  times: number;
}

export interface HoopFaults {
  /** 429 with `Retry-After` (seconds, default 0). */
  throttle?: HoopFaultRule & { retryAfterSeconds?: number };
  /** 500. */
  serverError?: HoopFaultRule;
  /** 500 after the request was carried out (a write whose answer is lost). */
  serverErrorAfter?: HoopFaultRule;
  /** 401 on every call (a revoked key). */
  unauthorized?: boolean;
  /** 403 on every call, or on the listed operations. */
  forbidden?: boolean | HoopOperation[];
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** Wire faults (reset, truncated or malformed body, hang, bare 5xx), matched on `METHOD /path?query`. */
  wire?: WireFault[];
  /** List answers (matched on the operation, e.g. `sessions.list`) that ignore the offset or page asked and always say there is more. */
  pageLoop?: PageLoop;
  /** After this many requests, every one is refused 401 (an API key that expired mid-scan). */
  expireCredentials?: ExpiringCredentials;
}

export interface HoopEmulatorCall {
  op: HoopOperation | 'unknown';
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface HoopCallLog {
  byOp: Partial<Record<HoopEmulatorCall['op'], number>>;
  log: HoopEmulatorCall[];
  /** Requests (every attempt, failed ones included), optionally of one operation. */
  count(op?: HoopEmulatorCall['op']): number;
  reset(): void;
}

export interface HoopEmulatorOptions {
  /** The `hpk_` key the emulator accepts. Default HOOP_SANDBOX_API_KEY. */
  apiKey?: string;
  /** `count=capped` limit (hoop: 10000); smaller in tests. */
  countCap?: number;
  /** Largest accepted offset (hoop: 10000). */
  maxOffset?: number;
  /** The org's hide_role_info: connection secret values come back as null. */
  hideRoleInfo?: boolean;
  /** Keep the per-request log (counters are always kept). Default true. */
  keepLog?: boolean;
  port?: number;
}

export interface HoopEmulator {
  /** `http://127.0.0.1:<port>`: the gateway's API origin (paths under `/api`). */
  endpoint: string;
  port: number;
  /** The bearer key to send (in HOOP_API_KEY). */
  apiKey: string;
  faults: HoopFaults;
  calls: HoopCallLog;
  settings: RouteSettings;
  /** The estate served, mutated by the write routes: `estate.connections`, `estate.plugins`. */
  estate: HoopEstate;
  stop(): Promise<void>;
}

/** Not a real key: the sandbox's fixed `hpk_` key. */
export const HOOP_SANDBOX_API_KEY = 'hpk_sandbox0000000000000000000000';

function createCallLog(keepLog: boolean): HoopCallLog {
  const calls: HoopCallLog = {
    byOp: {},
    log: [],
    count(op) {
      return op === undefined ? Object.values(calls.byOp).reduce((a, b) => a + b, 0) : (calls.byOp[op] ?? 0);
    },
    reset() {
      calls.byOp = {};
      calls.log = [];
    },
  };
  if (!keepLog) calls.log = [];
  return calls;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function matches(rule: HoopFaultRule | undefined, op: HoopOperation): boolean {
  if (!rule || rule.times <= 0) return false;
  if (rule.op !== undefined && rule.op !== op) return false;
  rule.times--;
  return true;
}

export async function startHoopEmulator(estate: HoopEstate, opts: HoopEmulatorOptions = {}): Promise<HoopEmulator> {
  const faults: HoopFaults = {};
  const keepLog = opts.keepLog ?? true;
  const calls = createCallLog(keepLog);
  const apiKey = opts.apiKey ?? HOOP_SANDBOX_API_KEY;
  if (!apiKey.startsWith('hpk_')) throw new Error('the emulator key must start with hpk_');
  const settings: RouteSettings = { countCap: opts.countCap ?? 10_000, maxOffset: opts.maxOffset ?? 10_000, hideRoleInfo: opts.hideRoleInfo ?? false };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const r = route(method, decodeURIComponent(url.pathname));
    let status: number;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      if (faults.delayMs) await sleep(faults.delayMs);
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (credentialsExpired(faults.expireCredentials)) throw new HoopFault(401, 'invalid authentication: the api key has expired');
      if (!m || m[1] !== apiKey || faults.unauthorized) throw new HoopFault(401, 'invalid authentication');
      if (!r) throw new HoopFault(404, 'not found');
      if (faults.forbidden === true || (Array.isArray(faults.forbidden) && faults.forbidden.includes(r.op))) throw new HoopFault(403, 'access denied');
      if (matches(faults.throttle, r.op)) throw new HoopFault(429, 'rate limit exceeded', { 'retry-after': String(faults.throttle?.retryAfterSeconds ?? 0) });
      if (matches(faults.serverError, r.op)) throw new HoopFault(500, 'internal server error');
      const text = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
      let body: unknown;
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          throw new HoopFault(400, 'invalid character in the request body, expected JSON');
        }
      }
      const loop = loops(faults.pageLoop, `${r.op} ${url.pathname}`);
      if (loop) {
        url.searchParams.delete('offset');
        url.searchParams.delete('page');
      }
      payload = r.run(url.searchParams, estate, settings, body);
      // A paging loop: the first page again, and more to come.
      if (loop && typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
        const list = payload as Record<string, unknown>;
        if ('has_next_page' in list) payload = { ...list, has_next_page: true };
        if ('pages' in list) payload = { ...list, pages: { ...(list['pages'] as object), total: Number.MAX_SAFE_INTEGER } };
      }
      status = r.status ?? 200;
      if (matches(faults.serverErrorAfter, r.op)) throw new HoopFault(500, 'internal server error');
    } catch (err) {
      const fault = err instanceof HoopFault ? err : new HoopFault(500, err instanceof Error ? err.message : String(err));
      status = fault.code;
      headers = fault.headers;
      payload = { message: fault.message };
    }
    const op = r?.op ?? 'unknown';
    calls.byOp[op] = (calls.byOp[op] ?? 0) + 1;
    if (keepLog) calls.log.push({ op, method, path: url.pathname, query: url.search, status });
    if (status === 204) {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const server = await startEmulatorServer(handle, { wire: { rules: () => faults.wire, body: 'json' }, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  return { endpoint: server.endpoint, port: server.port, apiKey, faults, calls, settings, estate, stop: () => server.stop() };
}
