/**
 * Kubernetes clients from a kubeconfig: one KubeConfig per context, each giving a CoreV1Api and
 * an RbacAuthorizationV1Api. @kubernetes/client-node has no retries, so `withRetry` adds them:
 * 429 (honouring Retry-After), 5xx and network errors, bounded attempts, exponential backoff,
 * a per-request timeout and the caller's abort signal. Errors are described from `ApiException`
 * (its `body` is the raw JSON of the API server's `Status`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ApiException, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, ServerConfiguration, createConfiguration } from '@kubernetes/client-node';
import type { Configuration } from '@kubernetes/client-node';

export interface KubeClients {
  context: string;
  /** The kubeconfig's cluster name for the context (the identities' scope). */
  cluster: string;
  server: string;
  core: CoreV1Api;
  rbac: RbacAuthorizationV1Api;
}

export interface RetrySettings {
  maxRetries: number;
  requestTimeoutMs: number;
  /** First backoff delay; doubles per attempt. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 5, requestTimeoutMs: 30_000, retryDelayMs: 500, maxRetryDelayMs: 30_000 };

/** The kubeconfig at `path`, else the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/**
 * The contexts to scan: the named ones, every context for `['*']` (the first context of each
 * cluster only, so a cluster is never scanned twice), or the current one for `[]`.
 */
export function selectContexts(kc: KubeConfig, wanted: readonly string[]): string[] {
  const all = kc.getContexts();
  if (wanted.includes('*')) {
    const seen = new Set<string>();
    return all.filter((c) => !seen.has(c.cluster) && seen.add(c.cluster) !== undefined).map((c) => c.name);
  }
  if (wanted.length > 0) return [...new Set(wanted)];
  const current = kc.getCurrentContext();
  return current ? [current] : [];
}

/** Clients bound to one context (a copy of the kubeconfig with that context current). */
export function createKubeClients(kc: KubeConfig, context: string): KubeClients {
  const ctx = kc.getContextObject(context);
  if (!ctx) throw new Error(`context ${context} not found in the kubeconfig`);
  const copy = new KubeConfig();
  copy.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: context });
  const cluster = copy.getCurrentCluster();
  if (!cluster) throw new Error(`context ${context} names cluster ${ctx.cluster}, which is not in the kubeconfig`);
  return { context, cluster: cluster.name, server: cluster.server, core: apiClient(copy, cluster.server, CoreV1Api), rbac: apiClient(copy, cluster.server, RbacAuthorizationV1Api) };
}

/** The abort signal of the attempt in progress: `bounded` sets it, the clients' middleware hands it to fetch. */
const attemptSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * An API client as `KubeConfig.makeApiClient` builds it, plus a middleware that gives each
 * request the signal of its attempt: an attempt past its timeout is aborted (its socket closed),
 * not only given up on while the request stays open.
 */
function apiClient<T>(kc: KubeConfig, server: string, type: new (config: Configuration) => T): T {
  const config = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: (ctx) => {
          const signal = attemptSignal.getStore();
          if (signal) ctx.setSignal(signal);
          return Promise.resolve(ctx);
        },
        post: (res) => Promise.resolve(res),
      },
    ],
  });
  return new type(config);
}

export interface KubeErrorInfo {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The Status `reason` (Forbidden, TooManyRequests, Expired...) or the network error code. */
  reason: string;
  message: string;
}

function parseStatusBody(body: unknown): { reason?: string; message?: string } {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  if (parsed === null || typeof parsed !== 'object') return {};
  const { reason, message } = parsed as { reason?: unknown; message?: unknown };
  return { ...(typeof reason === 'string' ? { reason } : {}), ...(typeof message === 'string' ? { message } : {}) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Network error code of a fetch failure (`ECONNREFUSED`, `ECONNRESET`...), when there is one. */
function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur instanceof Error; depth++) {
    const code = (cur as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

export class KubeTimeoutError extends Error {
  constructor(ms: number) {
    super(`request timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export function describeKubeError(err: unknown): KubeErrorInfo {
  if (err instanceof ApiException) {
    const code = (err as ApiException<unknown>).code;
    const s = parseStatusBody((err as ApiException<unknown>).body);
    return { status: code, reason: s.reason ?? `HTTP${code}`, message: s.message ?? `HTTP ${code}` };
  }
  if (err instanceof KubeTimeoutError) return { reason: 'Timeout', message: err.message };
  const net = networkCode(err);
  const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
  return { reason: net ?? 'Error', message };
}

/** 429, 5xx, timeouts, network failures and unparsable bodies are worth another attempt; 4xx answers are not. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ApiException) {
    const code = (err as ApiException<unknown>).code;
    return code === 429 || code >= 500;
  }
  if (err instanceof KubeTimeoutError) return true;
  // SyntaxError: a 2xx body that is not JSON (the client parses it with JSON.parse).
  return err instanceof Error && (networkCode(err) !== undefined || err instanceof TypeError || err instanceof SyntaxError);
}

function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const headers = (err as ApiException<unknown>).headers;
  const value = headers['retry-after'] ?? headers['Retry-After'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class KubeAbortedError extends Error {
  constructor() {
    super('the scan was interrupted');
    this.name = 'AbortError';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new KubeAbortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new KubeAbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Races a call against the timeout and the abort signal; either aborts the attempt's request too
 * (through `attemptSignal`, for clients built by createKubeClients).
 */
function bounded<T>(call: () => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new KubeAbortedError());
    const attempt = new AbortController();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(new KubeAbortedError());
      attempt.abort();
    };
    const timer = setTimeout(() => {
      done();
      reject(new KubeTimeoutError(timeoutMs));
      attempt.abort();
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    attemptSignal.run(attempt.signal, call).then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `call` with the timeout, retrying retryable failures up to `maxRetries` times. */
export async function withRetry<T>(call: () => Promise<T>, settings: RetrySettings, hooks: RetryHooks = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bounded(call, settings.requestTimeoutMs, hooks.signal);
    } catch (err) {
      if (err instanceof KubeAbortedError || hooks.signal?.aborted) throw new KubeAbortedError();
      if (attempt >= settings.maxRetries || !isRetryable(err)) throw err;
      const backoff = Math.min(settings.maxRetryDelayMs, settings.retryDelayMs * 2 ** attempt);
      const delay = Math.min(settings.maxRetryDelayMs, retryAfterMs(err) ?? backoff);
      hooks.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, hooks.signal);
    }
  }
}
