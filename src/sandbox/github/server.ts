/**
 * GitHub REST emulator (plain http on 127.0.0.1; Octokit takes it as `baseUrl`). Accepts one
 * static token (`token <t>` or `Bearer <t>`), installation tokens it minted, and app JWTs (RS256)
 * signed with the private key it hands out (`app.privateKey`). Lists are paged with `page` /
 * `per_page` (default 30, at most 100) and absolute `Link` headers on the emulator's origin;
 * every answer carries `x-ratelimit-*` and `x-github-request-id`; errors are
 * `{ message, documentation_url }` (422s with GitHub's `errors` list). Deploy keys can be read one
 * by one, deleted (204) and added (201; routes.ts), changing the estate the next list serves.
 * Faults are injected by mutating `faults` on the handle; every request lands in `calls`.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialsExpired, loops } from '../faults.ts';
import type { ExpiringCredentials, PageLoop, WireFault } from '../faults.ts';
import { readBody, startEmulatorServer } from '../http.ts';
import type { GithubEstate, GithubInstallation, GithubOrg } from './estate.ts';
import { DOCS, GithubFault, notFound, route } from './routes.ts';
import type { GithubOperation, Route } from './routes.ts';

/** A fault rule: matches requests of one operation and/or one organization; `times` counts down. */
export interface GithubFaultRule {
  op?: GithubOperation;
  org?: string;
  times: number;
}

export interface GithubFaults {
  /** 403 `API rate limit exceeded` with `x-ratelimit-remaining: 0` and a reset `resetSeconds` (default 1) ahead. */
  primaryRateLimit?: GithubFaultRule & { resetSeconds?: number };
  /** 403 `You have exceeded a secondary rate limit` with `retry-after` (default 1 second). */
  secondaryRateLimit?: GithubFaultRule & { retryAfterSeconds?: number };
  /** 502 Bad Gateway. */
  badGateway?: GithubFaultRule;
  /** 403 on every call about these organizations (and their repositories). */
  forbiddenOrgs?: string[];
  /** 404 on every call about these organizations (what GitHub answers when the token cannot see it). */
  hiddenOrgs?: string[];
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** Wire faults (reset, truncated or malformed body, hang, bare 5xx), matched on `METHOD /path?query`. */
  wire?: WireFault[];
  /** List answers (matched on `<operation> /path`, e.g. `GET /orgs/{org}/repos`) whose `Link: rel="next"` repeats forever. */
  pageLoop?: PageLoop;
  /** After this many requests, every one is refused 401 `Bad credentials` (a token revoked or expired mid-scan). */
  expireCredentials?: ExpiringCredentials;
}

export interface GithubEmulatorCall {
  op: GithubOperation | 'unknown';
  method: string;
  path: string;
  org?: string;
  repo?: string;
  status: number;
  /** `token`, `installation`, `app` or `none`. */
  auth: string;
}

export interface GithubCallLog {
  log: GithubEmulatorCall[];
  /** Requests (every attempt, failed ones included), optionally of one operation and/or organization. */
  count(op?: GithubEmulatorCall['op'], org?: string): number;
  reset(): void;
}

export interface GithubEmulatorOptions {
  /** The static token the emulator accepts. Default `GITHUB_SANDBOX_TOKEN`. */
  token?: string;
  port?: number;
  /** Primary rate limit of the budget reported in headers and `/rate_limit`. Default 5000. */
  rateLimit?: number;
}

export interface GithubEmulator {
  /** `http://127.0.0.1:<port>`: the `baseUrl` of Octokit. */
  endpoint: string;
  port: number;
  /** The static token to send (`GITHUB_TOKEN`). */
  token: string;
  /** The sandbox GitHub App: its id and RSA private key (PEM) to sign app JWTs with. */
  app: { appId: number; privateKey: string };
  faults: GithubFaults;
  calls: GithubCallLog;
  stop(): Promise<void>;
}

export const GITHUB_SANDBOX_TOKEN = 'ghp_sandboxSprawlToken000000000000000000';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function matches(rule: GithubFaultRule | undefined, op: string, org: string | undefined): boolean {
  if (!rule || rule.times <= 0) return false;
  if (rule.op !== undefined && rule.op !== op) return false;
  if (rule.org !== undefined && rule.org.toLowerCase() !== org?.toLowerCase()) return false;
  rule.times--;
  return true;
}

function createCallLog(): GithubCallLog {
  const calls: GithubCallLog = {
    log: [],
    count: (op, org) => calls.log.filter((c) => (op === undefined || c.op === op) && (org === undefined || c.org?.toLowerCase() === org.toLowerCase())).length,
    reset() {
      calls.log = [];
    },
  };
  return calls;
}

interface Minted {
  installationId: number;
  org: string;
  expiresMs: number;
}

function b64url(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Verifies an RS256 app JWT: signature, `iss` = app id, not expired. */
function verifyAppJwt(jwt: string, publicKey: KeyObject, appId: number): boolean {
  const [h, p, s] = jwt.split('.');
  if (h === undefined || p === undefined || s === undefined) return false;
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, b64url(s))) return false;
  try {
    const payload = JSON.parse(b64url(p).toString('utf8')) as { iss?: unknown; exp?: unknown };
    return String(payload.iss) === String(appId) && typeof payload.exp === 'number' && payload.exp * 1000 > Date.now();
  } catch {
    return false;
  }
}

function pageOf(list: unknown[], params: URLSearchParams): { items: unknown[]; page: number; last: number; perPage: number } {
  const perPage = Math.min(100, Math.max(1, Number(params.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(list.length / perPage));
  return { items: list.slice((page - 1) * perPage, page * perPage), page, last, perPage };
}

function linkHeader(origin: string, path: string, params: URLSearchParams, page: number, last: number): string | undefined {
  if (last <= 1) return undefined;
  const at = (n: number): string => {
    const q = new URLSearchParams(params);
    q.set('page', String(n));
    return `<${origin}${path}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  if (page < last) links.push(`${at(page + 1)}; rel="next"`);
  links.push(`${at(last)}; rel="last"`);
  if (page > 1) links.push(`${at(1)}; rel="first"`);
  return links.join(', ');
}

export async function startGithubEmulator(estate: GithubEstate, opts: GithubEmulatorOptions = {}): Promise<GithubEmulator> {
  const token = opts.token ?? GITHUB_SANDBOX_TOKEN;
  const limit = opts.rateLimit ?? 5000;
  const faults: GithubFaults = {};
  const calls = createCallLog();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyObject = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
  const minted = new Map<string, Minted>();
  let used = 0;
  let requestSeq = 0;
  const resetAt = (): number => Math.ceil(Date.now() / 1000) + 3600;

  const mint = (installation: GithubInstallation, org: GithubOrg): { token: string; expiresAt: string } => {
    const t = `ghs_${randomBytes(18).toString('hex')}`;
    const expiresMs = Date.now() + 3_600_000;
    minted.set(t, { installationId: installation.id, org: org.login, expiresMs });
    return { token: t, expiresAt: new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  };

  /** Who is calling; throws 401 when nobody valid is. */
  const authenticate = (req: IncomingMessage, r: Route | undefined): string => {
    const m = /^(token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new GithubFault(401, 'Requires authentication');
    const credential = m[2] as string;
    if (r?.auth === 'app') {
      if (!verifyAppJwt(credential, publicKeyObject, estate.app.id)) throw new GithubFault(401, 'A JSON web token could not be decoded');
      return 'app';
    }
    if (credential === token) return 'token';
    const inst = minted.get(credential);
    if (inst && inst.expiresMs > Date.now()) {
      if (r?.org !== undefined && r.org.toLowerCase() !== inst.org.toLowerCase()) throw new GithubFault(403, 'Resource not accessible by integration');
      return 'installation';
    }
    throw new GithubFault(401, 'Bad credentials');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    const method = req.method ?? 'GET';
    // Read the request body (JSON for writes; access token requests carry an empty one).
    const raw = await readBody(req);
    const r = route(method, path);
    let status = 200;
    let payload: unknown;
    let auth = 'none';
    let headers: Record<string, string> = {};
    try {
      if (faults.delayMs) await sleep(faults.delayMs);
      if (credentialsExpired(faults.expireCredentials)) throw new GithubFault(401, 'Bad credentials');
      auth = authenticate(req, r);
      if (!r) throw notFound();
      if (r.op !== 'GET /rate_limit') used++;
      if (matches(faults.badGateway, r.op, r.org)) throw new GithubFault(502, 'Server Error');
      if (matches(faults.secondaryRateLimit, r.op, r.org)) {
        throw new GithubFault(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', { 'retry-after': String(faults.secondaryRateLimit?.retryAfterSeconds ?? 1) });
      }
      if (matches(faults.primaryRateLimit, r.op, r.org)) {
        const reset = Math.ceil(Date.now() / 1000) + (faults.primaryRateLimit?.resetSeconds ?? 1);
        throw new GithubFault(403, `API rate limit exceeded for user ID 99.`, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'x-ratelimit-used': String(limit) });
      }
      const org = r.org?.toLowerCase();
      if (org !== undefined && faults.forbiddenOrgs?.some((o) => o.toLowerCase() === org)) throw new GithubFault(403, 'Resource not accessible by personal access token');
      if (org !== undefined && faults.hiddenOrgs?.some((o) => o.toLowerCase() === org)) throw notFound();
      let body: unknown;
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new GithubFault(400, 'Problems parsing JSON');
        }
      }
      const result = r.run({ estate, origin, params: url.searchParams, mint, body, now: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), caller: auth === 'token' ? 'sprawl-sandbox' : `${estate.app.slug}[bot]` });
      if ('list' in result) {
        const p = pageOf(result.list, url.searchParams);
        payload = result.envelope ? { total_count: result.list.length, [result.envelope]: p.items } : p.items;
        const link = linkHeader(origin, path, url.searchParams, p.page, p.last);
        if (loops(faults.pageLoop, `${r.op} ${path}`)) {
          // A paging loop: every page's next link is page 2.
          const q = new URLSearchParams(url.searchParams);
          q.set('page', '2');
          headers.link = `<${origin}${path}?${q.toString()}>; rel="next"`;
        } else if (link) headers.link = link;
      } else if (!('object' in result)) {
        status = result.status;
        payload = undefined;
      } else {
        status = result.status ?? 200;
        payload = r.op === 'GET /rate_limit' ? rateLimitBody(limit, used, resetAt()) : result.object;
      }
    } catch (err) {
      const fault = err instanceof GithubFault ? err : new GithubFault(500, err instanceof Error ? err.message : String(err));
      status = fault.status;
      headers = fault.headers;
      payload = { message: fault.message, ...fault.extra, documentation_url: DOCS, status: String(fault.status) };
    }
    calls.log.push({ op: r?.op ?? 'unknown', method, path, status, auth, ...(r?.org !== undefined ? { org: r.org } : {}), ...(r?.repo !== undefined ? { repo: r.repo } : {}) });
    const text = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, {
      ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'content-length': Buffer.byteLength(text),
      'x-github-request-id': `SPRAWL:${(++requestSeq).toString(16).toUpperCase().padStart(8, '0')}`,
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(resetAt()),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
      'x-github-media-type': 'github.v3; format=json',
      ...headers,
    });
    res.end(text);
  };

  const server = await startEmulatorServer(handle, { wire: { rules: () => faults.wire, body: 'json' }, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  return {
    endpoint: server.endpoint,
    port: server.port,
    token,
    app: { appId: estate.app.id, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() },
    faults,
    calls,
    stop: () => server.stop(),
  };
}

function rateLimitBody(limit: number, used: number, reset: number): Record<string, unknown> {
  const core = { limit, used, remaining: Math.max(0, limit - used), reset };
  return { resources: { core, search: { limit: 30, used: 0, remaining: 30, reset }, graphql: { limit: 5000, used: 0, remaining: 5000, reset } }, rate: core };
}
