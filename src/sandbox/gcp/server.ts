/**
 * GCP emulator: IAM v1, Resource Manager and the Policy Analyzer activity API on one origin
 * (plain http on 127.0.0.1; the googleapis clients take it as `rootUrl`). Requests need a
 * bearer token (`authorization: Bearer <token>`, or a JWT self-signed with a key the emulator
 * created) or `?key=`; paths are decoded until stable
 * (clients double-encode some). Errors are Google's JSON error bodies. Faults are injected by
 * mutating `faults` on the handle; every request lands in `calls`.
 */
import { verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOOP_TOKEN, credentialsExpired, loops } from '../faults.ts';
import type { ExpiringCredentials, PageLoop, WireFault } from '../faults.ts';
import { readBody, startEmulatorServer } from '../http.ts';
import type { GcpEstate } from './estate.ts';
import { route } from './routes.ts';
import type { GcpOperation } from './routes.ts';
import { GcpFault, createGcpState } from './state.ts';
import type { GcpState } from './state.ts';
import { WRITE_PERMISSIONS } from './writes.ts';

/** A fault rule: matches calls of one operation and/or one project; `times` counts down. */
export interface GcpFaultRule {
  op?: GcpOperation;
  /** Project id (or number) as requested. */
  project?: string;
  times: number;
}

export interface GcpFaults {
  /** 429 RESOURCE_EXHAUSTED with `Retry-After` (seconds, default 0). */
  throttle?: GcpFaultRule & { retryAfterSeconds?: number };
  /** 503 UNAVAILABLE. */
  unavailable?: GcpFaultRule;
  /** 403 PERMISSION_DENIED on every call about these projects (ids or numbers). */
  forbiddenProjects?: string[];
  /** 403 PERMISSION_DENIED on these hierarchy resources (`folders/123`, `organizations/456`). */
  forbiddenResources?: string[];
  /** 403 SERVICE_DISABLED on the Policy Analyzer API (all projects, or the ones listed). */
  activityDisabled?: boolean | string[];
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** 500 INTERNAL. */
  serverError?: GcpFaultRule;
  /** Wire faults (reset, truncated or malformed body, hang, bare 5xx), matched on `METHOD /path?query`. */
  wire?: WireFault[];
  /** List answers (matched on `<operation> METHOD /path`, e.g. `iam.serviceAccounts.list`) whose nextPageToken repeats forever. */
  pageLoop?: PageLoop;
  /** After this many requests, every call is refused 401 UNAUTHENTICATED (an expired access token). */
  expireCredentials?: ExpiringCredentials;
}

export interface GcpEmulatorCall {
  op: GcpOperation | 'unknown';
  method: string;
  path: string;
  project?: string;
  resource?: string;
  status: number;
}

export interface GcpCallLog {
  byOp: Partial<Record<GcpEmulatorCall['op'], number>>;
  log: GcpEmulatorCall[];
  /** Requests (every attempt, failed ones included), optionally of one operation and/or project. */
  count(op?: GcpEmulatorCall['op'], project?: string): number;
  reset(): void;
}

export interface GcpEmulatorOptions {
  /** The bearer token the emulator accepts. Default `GCP_SANDBOX_ACCESS_TOKEN`. */
  accessToken?: string;
  /** Keep the per-request log (counters are always kept). Default true. */
  keepLog?: boolean;
  port?: number;
}

export interface GcpEmulator {
  /** `http://127.0.0.1:<port>`: the root URL of every GCP API. */
  endpoint: string;
  port: number;
  /** The bearer token to send (`SPRAWL_GCP_ACCESS_TOKEN`). */
  accessToken: string;
  faults: GcpFaults;
  calls: GcpCallLog;
  stop(): Promise<void>;
}

export const GCP_SANDBOX_ACCESS_TOKEN = 'ya29.sandbox-gcp-token';

function createCallLog(keepLog: boolean): GcpCallLog {
  const calls: GcpCallLog = {
    byOp: {},
    log: [],
    count(op, project) {
      if (project === undefined) return op === undefined ? Object.values(calls.byOp).reduce((a, b) => a + b, 0) : (calls.byOp[op] ?? 0);
      if (!keepLog) throw new Error('per-project counts need keepLog');
      return calls.log.filter((c) => (op === undefined || c.op === op) && c.project === project).length;
    },
    reset() {
      calls.byOp = {};
      calls.log = [];
    },
  };
  return calls;
}

/** Decodes percent-escapes until the text stops changing (`%2540` -> `%40` -> `@`). */
export function decodeUntilStable(text: string): string {
  let current = text;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function matches(rule: GcpFaultRule | undefined, op: string, project: string | undefined): boolean {
  if (!rule || rule.times <= 0) return false;
  if (rule.op !== undefined && rule.op !== op) return false;
  if (rule.project !== undefined && rule.project !== project) return false;
  rule.times--;
  return true;
}

const INVALID_CREDENTIALS = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.';

/**
 * A self-signed service-account JWT (what google-auth-library sends with `useJWTAccessWithScope`):
 * signed RS256 by a key created through this emulator (`kid`), issued by that key's account, not
 * expired, the key and the account enabled. True when it is one; throws 401 when it is a bad one.
 */
function checkJwt(bearer: string, state: GcpState): boolean {
  const parts = bearer.split('.');
  if (parts.length !== 3) return false;
  let header: { alg?: unknown; kid?: unknown };
  let claims: { iss?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return false;
  }
  const key = typeof header.kid === 'string' ? state.publicKeys.get(header.kid) : undefined;
  const signed = key !== undefined && header.alg === 'RS256' && verify('RSA-SHA256', Buffer.from(`${parts[0] as string}.${parts[1] as string}`), key, Buffer.from(parts[2] as string, 'base64url'));
  if (!signed) throw new GcpFault(401, 'UNAUTHENTICATED', INVALID_CREDENTIALS);
  const account = typeof claims.iss === 'string' ? [...state.accounts.values()].map((m) => m.get(claims.iss as string)).find((a) => a !== undefined) : undefined;
  const k = account?.keys.find((x) => x.id === header.kid);
  if (!account || !k || k.disabled || account.disabled || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new GcpFault(401, 'UNAUTHENTICATED', INVALID_CREDENTIALS);
  return true;
}

function checkAuth(req: IncomingMessage, params: URLSearchParams, token: string, state: GcpState): void {
  const header = req.headers.authorization;
  if (header === undefined && params.get('key')) return;
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) throw new GcpFault(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
  if (m[1] !== token && !checkJwt(m[1] as string, state)) throw new GcpFault(401, 'UNAUTHENTICATED', INVALID_CREDENTIALS);
}

const PERMISSION: Record<GcpOperation, string> = {
  'iam.serviceAccounts.list': 'iam.serviceAccounts.list',
  'iam.serviceAccounts.get': 'iam.serviceAccounts.get',
  'iam.serviceAccounts.keys.list': 'iam.serviceAccountKeys.list',
  'iam.serviceAccounts.keys.get': 'iam.serviceAccountKeys.get',
  'crm.projects.getIamPolicy': 'resourcemanager.projects.getIamPolicy',
  'crm.folders.getIamPolicy': 'resourcemanager.folders.getIamPolicy',
  'crm.organizations.getIamPolicy': 'resourcemanager.organizations.getIamPolicy',
  'crm.projects.list': 'resourcemanager.projects.list',
  'crm.projects.get': 'resourcemanager.projects.get',
  'crm.folders.list': 'resourcemanager.folders.list',
  'policyanalyzer.activities.query': 'policyanalyzer.serviceAccountLastAuthenticationActivities.query',
  ...WRITE_PERMISSIONS,
};

export async function startGcpEmulator(estate: GcpEstate, opts: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
  const state = createGcpState(estate);
  const faults: GcpFaults = {};
  const keepLog = opts.keepLog ?? true;
  const calls = createCallLog(keepLog);
  const token = opts.accessToken ?? GCP_SANDBOX_ACCESS_TOKEN;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeUntilStable(url.pathname).replace(/\/{2,}/g, '/');
    const method = req.method ?? 'GET';
    const raw = method === 'POST' ? await readBody(req) : '';
    const r = route(method, path);
    let status = 200;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      if (faults.delayMs) await sleep(faults.delayMs);
      if (credentialsExpired(faults.expireCredentials)) throw new GcpFault(401, 'UNAUTHENTICATED', INVALID_CREDENTIALS);
      checkAuth(req, url.searchParams, token, state);
      if (!r) throw new GcpFault(404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`);
      const project = r.project === undefined ? undefined : (state.projectsByKey.get(r.project)?.projectId ?? r.project);
      if (matches(faults.throttle, r.op, project)) {
        throw new GcpFault(429, 'RESOURCE_EXHAUSTED', `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '${r.op.split('.')[0] ?? 'iam'}.googleapis.com'.`, {
          'retry-after': String(faults.throttle?.retryAfterSeconds ?? 0),
        });
      }
      if (matches(faults.unavailable, r.op, project)) throw new GcpFault(503, 'UNAVAILABLE', 'The service is currently unavailable.');
      if (matches(faults.serverError, r.op, project)) throw new GcpFault(500, 'INTERNAL', 'Internal error encountered.');
      const forbiddenProject = project !== undefined && faults.forbiddenProjects?.some((p) => p === project || p === r.project || state.projectsByKey.get(p)?.projectId === project);
      const forbiddenResource = r.resource !== undefined && faults.forbiddenResources?.includes(r.resource);
      if (forbiddenProject || forbiddenResource) {
        throw new GcpFault(403, 'PERMISSION_DENIED', `Permission '${PERMISSION[r.op]}' denied on resource '${r.resource ?? `projects/${project ?? ''}`}' (or it may not exist).`);
      }
      if (r.op === 'policyanalyzer.activities.query' && (faults.activityDisabled === true || (Array.isArray(faults.activityDisabled) && project !== undefined && faults.activityDisabled.includes(project)))) {
        throw new GcpFault(403, 'PERMISSION_DENIED', `Policy Analyzer API has not been used in project ${project ?? ''} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/policyanalyzer.googleapis.com/overview?project=${project ?? ''} then retry.`);
      }
      let body: unknown;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new GcpFault(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
        }
      }
      const loop = loops(faults.pageLoop, `${r.op} ${method} ${path}`);
      if (loop && url.searchParams.get('pageToken') === LOOP_TOKEN) url.searchParams.delete('pageToken');
      payload = r.run({ params: url.searchParams, body, state });
      // A paging loop: every page says there is more, at the same token.
      if (loop && typeof payload === 'object' && payload !== null) payload = { ...payload, nextPageToken: LOOP_TOKEN };
    } catch (err) {
      const fault = err instanceof GcpFault ? err : new GcpFault(500, 'INTERNAL', err instanceof Error ? err.message : String(err));
      status = fault.code;
      headers = fault.headers;
      payload = { error: { code: fault.code, message: fault.message, status: fault.status } };
    }
    const op = r?.op ?? 'unknown';
    calls.byOp[op] = (calls.byOp[op] ?? 0) + 1;
    if (keepLog) {
      const project = r?.project === undefined ? undefined : (state.projectsByKey.get(r.project)?.projectId ?? r.project);
      calls.log.push({ op, method, path, status, ...(project !== undefined ? { project } : {}), ...(r?.resource !== undefined ? { resource: r.resource } : {}) });
    }
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const server = await startEmulatorServer(handle, { wire: { rules: () => faults.wire, body: 'json' }, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  return { endpoint: server.endpoint, port: server.port, accessToken: token, faults, calls, stop: () => server.stop() };
}
