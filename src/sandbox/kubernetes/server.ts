/**
 * Kubernetes API server emulator: one plain-http server on 127.0.0.1 per cluster (each cluster
 * has its own server URL, as in a kubeconfig). Serves the cluster-wide list calls the collector
 * makes (core v1 serviceaccounts, secrets, pods, namespaces; RBAC v1 roles, rolebindings,
 * clusterroles, clusterrolebindings, and their namespaced forms), with `limit` + `continue`
 * paging (opaque tokens; `metadata.continue` and `remainingItemCount`), `fieldSelector`
 * (`field=value`, `field!=value`, comma-joined), a bearer token check, and errors as `Status`
 * objects. Faults are injected by mutating `faults` on the handle; every request lands in `calls`.
 * Single objects are served too (GET), and the writes `sprawl apply` makes (writes.ts): binding
 * create / replace / delete, Secret and ServiceAccount delete, TokenRequest. Tokens it issued
 * are accepted as bearer tokens besides the cluster's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { LOOP_TOKEN, credentialsExpired, loops } from '../faults.ts';
import type { ExpiringCredentials, PageLoop, WireFault } from '../faults.ts';
import { readBody, startEmulatorServer } from '../http.ts';
import type { EmulatorServer } from '../http.ts';
import type { K8sCluster, K8sEstate } from './estate.ts';
import { StatusError, statusBody } from './status.ts';
import { acceptsIssuedToken, maxResourceVersion, readObject, storedObjects, writeObject } from './writes.ts';
import type { ClusterWriteState, K8sIssuedToken, K8sObjectResource, K8sObjectRoute } from './writes.ts';

export type K8sResource = K8sObjectResource;

/** A fault rule: matches calls of one resource and/or one cluster; `times` counts down. */
export interface K8sFaultRule {
  cluster?: string;
  resource?: K8sResource;
  times: number;
}

export interface K8sFaults {
  /** 429 TooManyRequests with `Retry-After` (seconds, default 0). */
  throttle?: K8sFaultRule & { retryAfterSeconds?: number };
  /** 500 InternalError. */
  serverError?: K8sFaultRule;
  /** 410 Expired on requests that carry a continue token. */
  expireContinue?: K8sFaultRule;
  /** 403 Forbidden on these resources (of every cluster, or of the one named). */
  forbidden?: { cluster?: string; resource: K8sResource }[];
  /** Clusters whose server drops every connection without answering. */
  unreachable?: string[];
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** Wire faults (reset, truncated or malformed body, hang, bare 5xx), matched on `cluster=<name> METHOD /path?query`. */
  wire?: WireFault[];
  /** List answers (matched on `cluster=<name> /path`, e.g. `/secrets`) whose `metadata.continue` repeats forever. */
  pageLoop?: PageLoop;
  /** After this many requests (all clusters counted), every one is refused 401 Unauthorized (an expired token). */
  expireCredentials?: ExpiringCredentials;
  /** 403 Forbidden on every call to these clusters. */
  forbiddenClusters?: string[];
}

export interface K8sEmulatorCall {
  cluster: string;
  method: string;
  path: string;
  resource?: K8sResource;
  continued: boolean;
  status: number;
}

export interface K8sCallLog {
  log: K8sEmulatorCall[];
  /** Requests (every attempt, failed ones included), optionally of one resource and/or cluster. */
  count(resource?: K8sResource, cluster?: string): number;
  reset(): void;
}

export interface K8sEmulatorCluster {
  name: string;
  /** `http://127.0.0.1:<port>` */
  server: string;
  token: string;
}

export interface K8sEmulator {
  clusters: K8sEmulatorCluster[];
  faults: K8sFaults;
  calls: K8sCallLog;
  /** Tokens issued through the TokenRequest API (`serviceaccounts/<name>/token`), of every cluster. */
  tokens: K8sIssuedToken[];
  /** A kubeconfig (YAML) with one cluster, user (token auth) and context per cluster; current = the first. */
  kubeconfig(): string;
  stop(): Promise<void>;
}

export interface K8sEmulatorOptions {
  /** Default page size when a request has no `limit`: 0 = everything in one page. */
  defaultLimit?: number;
  /** The clock of issued tokens and created objects. Default: Date.now. */
  now?: () => number;
}

const RBAC_PREFIX = '/apis/rbac.authorization.k8s.io/v1';

const LIST_KIND: Record<K8sResource, { kind: string; apiVersion: string }> = {
  namespaces: { kind: 'NamespaceList', apiVersion: 'v1' },
  serviceaccounts: { kind: 'ServiceAccountList', apiVersion: 'v1' },
  secrets: { kind: 'SecretList', apiVersion: 'v1' },
  pods: { kind: 'PodList', apiVersion: 'v1' },
  roles: { kind: 'RoleList', apiVersion: 'rbac.authorization.k8s.io/v1' },
  rolebindings: { kind: 'RoleBindingList', apiVersion: 'rbac.authorization.k8s.io/v1' },
  clusterroles: { kind: 'ClusterRoleList', apiVersion: 'rbac.authorization.k8s.io/v1' },
  clusterrolebindings: { kind: 'ClusterRoleBindingList', apiVersion: 'rbac.authorization.k8s.io/v1' },
};

const CORE: ReadonlySet<string> = new Set(['namespaces', 'serviceaccounts', 'secrets', 'pods']);
const RBAC_NAMESPACED: ReadonlySet<string> = new Set(['roles', 'rolebindings']);
const RBAC_CLUSTER: ReadonlySet<string> = new Set(['clusterroles', 'clusterrolebindings']);

type Route = K8sObjectRoute & { resource: K8sResource };

const NAME = '([a-z0-9]([-a-z0-9.:]*[a-z0-9])?)';

/**
 * Parses a path the emulator serves: a list (no `name`), one object, or the `token` subresource
 * of a service account; undefined for anything else.
 */
export function parseK8sPath(path: string): Route | undefined {
  let m = /^\/api\/v1\/([a-z]+)$/.exec(path);
  if (m && CORE.has(m[1] as string)) return { resource: m[1] as K8sResource };
  m = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/([a-z]+)$/.exec(path);
  if (m && CORE.has(m[2] as string) && m[2] !== 'namespaces') return { resource: m[2] as K8sResource, namespace: m[1] as string };
  m = new RegExp(`^/api/v1/namespaces/([a-z0-9-]+)/([a-z]+)/${NAME}(/token)?$`).exec(path);
  if (m && CORE.has(m[2] as string) && m[2] !== 'namespaces' && (m[5] === undefined || m[2] === 'serviceaccounts')) {
    return { resource: m[2] as K8sResource, namespace: m[1] as string, name: m[3] as string, ...(m[5] !== undefined ? { sub: 'token' as const } : {}) };
  }
  const rbac = RBAC_PREFIX.replaceAll('.', '\\.');
  m = new RegExp(`^${rbac}/([a-z]+)(?:/${NAME})?$`).exec(path);
  if (m && (RBAC_CLUSTER.has(m[1] as string) || (RBAC_NAMESPACED.has(m[1] as string) && m[2] === undefined))) return { resource: m[1] as K8sResource, ...(m[2] !== undefined ? { name: m[2] } : {}) };
  m = new RegExp(`^${rbac}/namespaces/([a-z0-9-]+)/([a-z]+)(?:/${NAME})?$`).exec(path);
  if (m && RBAC_NAMESPACED.has(m[2] as string)) return { resource: m[2] as K8sResource, namespace: m[1] as string, ...(m[3] !== undefined ? { name: m[3] } : {}) };
  return undefined;
}

/** The value of a dotted field path (`status.phase`, `metadata.namespace`, `type`), as a string. */
function fieldOf(item: object, path: string): string | undefined {
  let cur: unknown = item;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'string' ? cur : typeof cur === 'number' || typeof cur === 'boolean' ? String(cur) : undefined;
}

const SELECTABLE: Partial<Record<K8sResource, string[]>> = {
  secrets: ['type'],
  pods: ['status.phase', 'spec.serviceAccountName'],
};

type Predicate = (item: object) => boolean;

export function parseFieldSelector(resource: K8sResource, selector: string | null): Predicate {
  if (!selector) return () => true;
  const tests: Predicate[] = selector.split(',').map((term) => {
    const m = /^([a-zA-Z.]+)(!=|==|=)(.*)$/.exec(term.trim());
    if (!m) throw new StatusError(400, 'BadRequest', `invalid field selector: ${term}`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !(SELECTABLE[resource] ?? []).includes(field)) {
      throw new StatusError(400, 'BadRequest', `field label not supported: ${field}`);
    }
    return op === '!=' ? (item) => fieldOf(item, field) !== value : (item) => fieldOf(item, field) === value;
  });
  return (item) => tests.every((t) => t(item));
}

interface ContinueToken {
  r: K8sResource;
  ns?: string;
  f: string;
  o: number;
}

const encodeContinue = (t: ContinueToken): string => Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');

function decodeContinue(token: string, route: Route, selector: string): number {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (t.r === route.resource && t.ns === route.namespace && t.f === selector && typeof t.o === 'number' && t.o >= 0) return t.o;
  } catch {
    // fall through
  }
  throw new StatusError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

function takeFault(rule: K8sFaultRule | undefined, cluster: string, resource: K8sResource | undefined): boolean {
  if (!rule || rule.times <= 0) return false;
  if (rule.cluster !== undefined && rule.cluster !== cluster) return false;
  if (rule.resource !== undefined && rule.resource !== resource) return false;
  rule.times -= 1;
  return true;
}

interface Shared {
  faults: K8sFaults;
  calls: K8sCallLog;
  opts: K8sEmulatorOptions;
  tokens: K8sIssuedToken[];
}

const VERB: Record<string, string> = { DELETE: 'delete', PUT: 'update', POST: 'create', PATCH: 'patch' };

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function listResponse(cluster: K8sCluster, route: Route, url: URL, opts: K8sEmulatorOptions): object {
  const selector = url.searchParams.get('fieldSelector') ?? '';
  const match = parseFieldSelector(route.resource, selector);
  const all = storedObjects(cluster, route.resource).filter((item) => (route.namespace === undefined || fieldOf(item, 'metadata.namespace') === route.namespace) && match(item));
  const cont = url.searchParams.get('continue');
  const offset = cont ? decodeContinue(cont, route, selector) : 0;
  const limitParam = url.searchParams.get('limit');
  const limit = limitParam !== null ? Number.parseInt(limitParam, 10) : (opts.defaultLimit ?? 0);
  if (Number.isNaN(limit) || limit < 0) throw new StatusError(400, 'BadRequest', `invalid limit: ${limitParam}`);
  const end = limit > 0 ? Math.min(all.length, offset + limit) : all.length;
  const metadata: Record<string, string | number> = { resourceVersion: String(5000 + all.length) };
  if (end < all.length) {
    metadata.continue = encodeContinue({ r: route.resource, ...(route.namespace !== undefined ? { ns: route.namespace } : {}), f: selector, o: end });
    metadata.remainingItemCount = all.length - end;
  }
  return { ...LIST_KIND[route.resource], metadata, items: all.slice(offset, end) };
}

function createHandler(cluster: K8sCluster, shared: Shared) {
  let rv = maxResourceVersion(cluster);
  const state: ClusterWriteState = { nextRv: () => String(++rv), tokens: shared.tokens, nowMs: shared.opts.now ?? Date.now };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { faults, calls } = shared;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = parseK8sPath(safeDecode(url.pathname));
    const method = req.method ?? 'GET';
    const raw = method === 'GET' ? '' : await readBody(req);
    const call: K8sEmulatorCall = { cluster: cluster.name, method, path: url.pathname + url.search, continued: url.searchParams.has('continue'), status: 0, ...(route ? { resource: route.resource } : {}) };
    calls.log.push(call);
    if (faults.unreachable?.includes(cluster.name)) {
      call.status = 0;
      req.socket.destroy();
      return;
    }
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    let status = 200;
    let body: string;
    let headers: Record<string, string> = {};
    try {
      if (credentialsExpired(faults.expireCredentials)) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${cluster.token}` && !(auth.startsWith('Bearer ') && acceptsIssuedToken(cluster, state, auth.slice('Bearer '.length)))) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      if (!route) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (faults.forbiddenClusters?.includes(cluster.name)) throw new StatusError(403, 'Forbidden', `${route.resource} is forbidden: User "system:serviceaccount:sprawl:scanner" cannot list resource "${route.resource}" at the cluster scope`);
      if (faults.forbidden?.some((f) => f.resource === route.resource && (f.cluster === undefined || f.cluster === cluster.name))) {
        const verb = method === 'GET' ? (route.name === undefined ? 'list' : 'get') : (VERB[method] ?? method.toLowerCase());
        const where = route.namespace !== undefined ? `in the namespace "${route.namespace}"` : 'at the cluster scope';
        throw new StatusError(403, 'Forbidden', `${route.resource} is forbidden: User "system:serviceaccount:sprawl:scanner" cannot ${verb} resource "${route.resource}" ${where}`);
      }
      if (takeFault(faults.throttle, cluster.name, route.resource)) throw new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { 'retry-after': String(faults.throttle?.retryAfterSeconds ?? 0) });
      if (takeFault(faults.serverError, cluster.name, route.resource)) throw new StatusError(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out');
      if (call.continued && takeFault(faults.expireContinue, cluster.name, route.resource)) {
        throw new StatusError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      if (method === 'GET' && route.sub === undefined) {
        const loop = route.name === undefined && loops(faults.pageLoop, `cluster=${cluster.name} ${url.pathname}`);
        if (loop && url.searchParams.get('continue') === LOOP_TOKEN) url.searchParams.delete('continue');
        const list = route.name === undefined ? listResponse(cluster, route, url, shared.opts) : readObject(cluster, { ...route, name: route.name });
        // A paging loop: every page says there is more, at the same continue token.
        body = JSON.stringify(loop ? { ...list, metadata: { ...(list as { metadata?: object }).metadata, continue: LOOP_TOKEN } } : list);
      } else {
        const written = writeObject(cluster, state, method, route, raw);
        status = written.status;
        body = JSON.stringify(written.body);
      }
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      status = err.code;
      headers = err.headers;
      body = statusBody(err);
    }
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };
}

function createCallLog(): K8sCallLog {
  const calls: K8sCallLog = {
    log: [],
    count: (resource, cluster) => calls.log.filter((c) => (resource === undefined || c.resource === resource) && (cluster === undefined || c.cluster === cluster)).length,
    reset: () => {
      calls.log.length = 0;
    },
  };
  return calls;
}

/** A kubeconfig with token auth for the given clusters; context and user are named after the cluster. */
export function k8sKubeconfig(clusters: readonly K8sEmulatorCluster[]): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless the cluster skips TLS verification (there is no TLS to verify).
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, ...(c.server.startsWith('http:') ? { 'insecure-skip-tls-verify': true } : {}) } })),
    users: clusters.map((c) => ({ name: `${c.name}-scanner`, user: { token: c.token } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-scanner` } })),
    'current-context': clusters[0]?.name ?? '',
    preferences: {},
  });
}

export async function startK8sEmulator(estate: K8sEstate, opts: K8sEmulatorOptions = {}): Promise<K8sEmulator> {
  const shared: Shared = { faults: {}, calls: createCallLog(), opts, tokens: [] };
  const servers: EmulatorServer[] = [];
  const clusters: K8sEmulatorCluster[] = [];
  try {
    for (const cluster of estate.clusters) {
      const server = await startEmulatorServer(createHandler(cluster, shared), { wire: { rules: () => shared.faults.wire, body: 'json', label: `cluster=${cluster.name}` } });
      servers.push(server);
      clusters.push({ name: cluster.name, server: server.endpoint, token: cluster.token });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  const emulator: K8sEmulator = {
    clusters,
    get faults() {
      return shared.faults;
    },
    set faults(f: K8sFaults) {
      shared.faults = f;
    },
    calls: shared.calls,
    tokens: shared.tokens,
    kubeconfig: () => k8sKubeconfig(clusters),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  return emulator;
}
