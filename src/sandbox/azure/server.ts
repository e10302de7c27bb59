/**
 * The Azure emulator: one https server on 127.0.0.1 (self-signed certificate from the sandbox
 * harness; bearer-token clients refuse plain http) serving Azure Resource Manager, Microsoft
 * Graph and the Entra token endpoint from an AzureEstate: the reads, and the writes the enforcer
 * makes (role assignments PUT/DELETE; addPassword, removePassword, removeKey, PATCH keyCredentials).
 * Duplicate slashes are collapsed (the ARM SDK sends `//subscriptions/..` for scopes starting with
 * `/`), errors are `{ error: { code, message } }`, faults are injected through the handle and
 * every request is logged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startEmulatorServer } from '../http.ts';
import { credentialsExpired, loops } from '../faults.ts';
import type { ExpiringCredentials, PageLoop, WireFault } from '../faults.ts';
import { handleArm, indexArm } from './arm.ts';
import { authorize, handleEntra } from './entra.ts';
import type { TokenStore } from './entra.ts';
import type { AzureEstate } from './estate.ts';
import { handleGraph, indexGraph } from './graph.ts';
import { handleGraphWrite, sha256 } from './graph-write.ts';
import { readBody } from '../http.ts';
import { AzureFault, send, sleep } from './wire.ts';
import type { Reply } from './wire.ts';

export type AzureApi = 'arm' | 'graph' | 'entra';

/** A fault rule: matches an API and/or a path substring (case-insensitive); `times` counts down. */
export interface AzureFaultRule {
  api?: AzureApi;
  /** Substring of the request path, e.g. `roleAssignments`, `/servicePrincipals`, a subscription id. */
  match?: string;
  times: number;
}

/** Faults injected at runtime: tests mutate this object on the handle. */
export interface AzureFaults {
  /** 429 with `retry-after` (seconds, rounded up) and `retry-after-ms`, which the SDKs retry. */
  throttle?: AzureFaultRule & { retryAfterMs?: number };
  /** 503 ServiceUnavailable (no retry-after): retried with exponential backoff. */
  serverError?: AzureFaultRule;
  /** 403 AuthorizationFailed for every ARM call scoped to these subscriptions. */
  forbiddenSubscriptions?: string[];
  /** 403 on the beta sign-in reports, as in a tenant without Entra ID P1. */
  signInReportsForbidden?: boolean;
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** Wire faults (reset, truncated or malformed body, hang, bare 5xx), matched on `METHOD /path?query`. */
  wire?: WireFault[];
  /** ARM and Graph list answers (matched on the path) whose next link repeats forever. */
  pageLoop?: PageLoop;
  /** After this many ARM and Graph requests, every one is refused 401 InvalidAuthenticationToken (expired). */
  expireCredentials?: ExpiringCredentials;
}

/** The query parameter of a looping next link (the emulator serves the first page again). */
const LOOP_PARAM = 'sandboxLoop';

export interface AzureCall {
  api: AzureApi;
  method: string;
  /** Collapsed path without the query. */
  path: string;
  status: number;
}

export interface AzureCallLog {
  log: AzureCall[];
  /** Requests matching an API, a path substring (case-insensitive) and/or a status. */
  count(filter?: { api?: AzureApi; match?: string; status?: number }): number;
  reset(): void;
}

export interface AzureEmulatorOptions {
  /** Items per ARM list page. Default 100. */
  armPageSize?: number;
  /** Largest Graph page, whatever `$top` asks. Default 999. */
  graphMaxPageSize?: number;
  port?: number;
}

export interface AzureEmulator {
  /** `https://127.0.0.1:<port>`: ARM endpoint, Graph endpoint and authority host at once. */
  endpoint: string;
  port: number;
  /** The self-signed certificate (PEM) clients must trust. */
  ca: string;
  faults: AzureFaults;
  calls: AzureCallLog;
  tenantId: string;
  /** Client id and (fake) secret the token endpoint accepts. */
  clientId: string;
  clientSecret: string;
  /** A static bearer token accepted by ARM and Graph (for `SPRAWL_AZURE_ACCESS_TOKEN`). */
  accessToken: string;
  stop(): Promise<void>;
}

function createCallLog(): AzureCallLog {
  const calls: AzureCallLog = {
    log: [],
    count(filter = {}) {
      const match = filter.match?.toLowerCase();
      return calls.log.filter((c) => (filter.api === undefined || c.api === filter.api) && (match === undefined || c.path.toLowerCase().includes(match)) && (filter.status === undefined || c.status === filter.status)).length;
    },
    reset() {
      calls.log = [];
    },
  };
  return calls;
}

function apiOf(path: string): AzureApi {
  if (/^\/(v1\.0|beta)\//.test(path)) return 'graph';
  if (/^\/[^/]+\/(v2\.0\/\.well-known|oauth2\/)/.test(path)) return 'entra';
  return 'arm';
}

function fires(rule: AzureFaultRule | undefined, api: AzureApi, path: string): boolean {
  if (!rule || rule.times <= 0) return false;
  if (rule.api !== undefined && rule.api !== api) return false;
  if (rule.match !== undefined && !path.toLowerCase().includes(rule.match.toLowerCase())) return false;
  rule.times--;
  return true;
}

export async function startAzureEmulator(estate: AzureEstate, opts: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
  const faults: AzureFaults = {};
  const calls = createCallLog();
  const arm = indexArm(estate);
  const graph = indexGraph(estate);
  const tokens: TokenStore = { issued: new Map(), staticToken: `sandbox-azure.${randomBytes(12).toString('base64url')}` };
  const armPageSize = opts.armPageSize ?? 100;
  const graphMaxPageSize = opts.graphMaxPageSize ?? 999;
  let origin = '';

  /** A secret addPassword made (its sha256 matches), still on the application and not expired. */
  const clientSecretValid = (clientId: string, secret: string): boolean => {
    const app = estate.applications.find((a) => a.appId === clientId);
    const digest = sha256(secret);
    return (app?.passwordCredentials ?? []).some((p) => graph.secrets.get(p.keyId)?.sha256 === digest && Date.parse(p.endDateTime) > Date.now() && Date.parse(p.startDateTime) <= Date.now() + 300_000);
  };

  const route = async (req: IncomingMessage, api: AzureApi, path: string, url: URL): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (api === 'entra') {
      const reply = handleEntra(method, path, origin, raw, estate, tokens, clientSecretValid);
      if (reply) return reply;
    }
    if (fires(faults.throttle, api, path)) {
      const ms = faults.throttle?.retryAfterMs ?? 10;
      throw new AzureFault(429, api === 'graph' ? 'TooManyRequests' : 'TooManyRequests', 'Too many requests, please retry later.', { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(ms), 'x-ms-retry-after-ms': String(ms) });
    }
    if (fires(faults.serverError, api, path)) throw new AzureFault(503, 'ServiceUnavailable', 'The service is temporarily unavailable.');
    if (credentialsExpired(faults.expireCredentials)) throw new AzureFault(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    let body: unknown;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw new AzureFault(400, api === 'graph' ? 'BadRequest' : 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
    }
    if (api === 'graph') {
      authorize(req.headers.authorization, 'graph', tokens);
      if (method !== 'GET') {
        const m = /^\/(v1\.0|beta)(\/.*)$/.exec(path);
        const reply = m ? handleGraphWrite(method, m[2] as string, body, graph) : undefined;
        if (reply) return reply;
        throw new AzureFault(405, 'Request_BadRequest', `Method ${method} is not served for ${path}.`);
      }
      const reply = handleGraph({ path, url, maxPageSize: graphMaxPageSize, reportsForbidden: faults.signInReportsForbidden === true }, graph);
      if (reply) return reply;
    } else {
      authorize(req.headers.authorization, 'arm', tokens);
      if (!url.searchParams.get('api-version')) throw new AzureFault(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      const reply = handleArm({ path, url, pageSize: armPageSize, forbidden: faults.forbiddenSubscriptions ?? [], callerId: estate.scanner.servicePrincipalId, method, body }, arm);
      if (reply) return reply;
    }
    throw new AzureFault(404, 'NotFound', `No route for ${path}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/{2,}/g, '/');
    const url = new URL(`${path}${q < 0 ? '' : raw.slice(q)}`, origin);
    const api = apiOf(path);
    let reply: Reply;
    try {
      if (faults.delayMs) await sleep(faults.delayMs);
      const loop = api !== 'entra' && loops(faults.pageLoop, path);
      const looped = new URL(url.href);
      looped.searchParams.set(LOOP_PARAM, '1');
      url.searchParams.delete(LOOP_PARAM);
      reply = await route(req, api, path, url);
      // A paging loop: every list page links to the same next page.
      if (loop && reply.status === 200 && typeof reply.body === 'object' && reply.body !== null && 'value' in reply.body) {
        reply = { ...reply, body: { ...reply.body, [api === 'graph' ? '@odata.nextLink' : 'nextLink']: looped.href } };
      }
    } catch (err) {
      const fault = err instanceof AzureFault ? err : new AzureFault(500, 'InternalServerError', err instanceof Error ? err.message : String(err));
      const error = api === 'graph' ? { code: fault.code, message: fault.message, innerError: { date: new Date().toISOString(), 'request-id': requestId, 'client-request-id': requestId } } : { code: fault.code, message: fault.message };
      reply = { status: fault.status, body: { error }, headers: fault.headers };
    }
    calls.log.push({ api, method: req.method ?? 'GET', path, status: reply.status });
    send(res, reply, requestId);
  };

  const server = await startEmulatorServer(handle, { tls: true, wire: { rules: () => faults.wire, body: 'json' }, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  origin = server.endpoint;
  if (server.ca === undefined) throw new Error('the https harness returned no certificate');
  return {
    endpoint: server.endpoint,
    port: server.port,
    ca: server.ca,
    faults,
    calls,
    tenantId: estate.tenantId,
    clientId: estate.scanner.clientId,
    clientSecret: estate.scanner.clientSecret,
    accessToken: tokens.staticToken,
    stop: () => server.stop(),
  };
}
