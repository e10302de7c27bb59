/**
 * Builds the Octokit a GitHub organization is read (or changed) with: `@octokit/rest` with
 * sprawl's retries (retries.ts: primary and secondary rate limits wait and retry a bounded number
 * of times, never longer than `maxRateLimitWaitSeconds`; 5xx with backoff; writes spaced),
 * a quiet logger, a per-attempt timeout and abort signal, `baseUrl` (GitHub Enterprise Server,
 * the sandbox) and auth from a token (`GITHUB_TOKEN`) or a GitHub App (`@octokit/auth-app`,
 * the private key read from a file). The rate-limit budget is tracked from every response's
 * `x-ratelimit-*` headers. No stage logic here.
 */
import { readFile } from 'node:fs/promises';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { GITHUB_DEFAULT_BASE_URL, GITHUB_TOKEN_ENV } from '../../config/github-schema.ts';
import type { GithubConfig } from '../../config/github-schema.ts';
import type { Logger } from '../../util/log.ts';
import { githubRetries } from './retries.ts';
import type { LimitKind, RetryOptions } from './retries.ts';

export interface GithubAppCredentials {
  appId: number | string;
  /** PEM; never logged. */
  privateKey: string;
  installationId?: number;
}

export interface GithubClientSettings {
  baseUrl: string;
  /** Static token (PAT, installation token); never logged. */
  token?: string;
  app?: GithubAppCredentials;
  /** Retries on 5xx, and of a rate-limited request. */
  maxRetries: number;
  maxRateLimitWaitSeconds: number;
  /** Timeout of one request attempt. */
  requestTimeoutMs: number;
  /** Milliseconds per second of a rate-limit wait or retry backoff (1000; tests shrink it). */
  retryAfterBaseMs: number;
  userAgent: string;
}

export type RetryKind = LimitKind | 'server-error';

export interface GithubClientHooks {
  /** Called once per retry (for progress counting). */
  onRetry?: (kind: RetryKind, detail: { method: string; url: string; retryAfterSeconds?: number }) => void;
  /** Aborts every request in flight and every later one. */
  signal?: AbortSignal;
  log?: Logger;
}

/** The rate-limit budget as the last response reported it. */
export interface RateBudget {
  limit?: number;
  remaining?: number;
  used?: number;
  /** ISO time the budget resets. */
  resetAt?: string;
}

/** Reads the environment (GITHUB_TOKEN) and the app's private key file. */
export async function githubClientSettings(config: GithubConfig, env: NodeJS.ProcessEnv = process.env, overrides: Partial<GithubClientSettings> = {}): Promise<GithubClientSettings> {
  const token = env[GITHUB_TOKEN_ENV]?.trim();
  let app: GithubAppCredentials | undefined;
  if (config.app && overrides.app === undefined) {
    const privateKey = await readFile(config.app.privateKeyFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the GitHub App private key file ${config.app?.privateKeyFile ?? ''}: ${err.code ?? err.message}`);
    });
    app = { appId: config.app.appId, privateKey, ...(config.app.installationId !== undefined ? { installationId: config.app.installationId } : {}) };
  }
  const settings: GithubClientSettings = {
    baseUrl: (config.baseUrl ?? GITHUB_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    ...(token ? { token } : {}),
    ...(app ? { app } : {}),
    maxRetries: config.maxRetries,
    maxRateLimitWaitSeconds: config.maxRateLimitWaitSeconds,
    requestTimeoutMs: config.requestTimeoutMs,
    retryAfterBaseMs: 1000,
    userAgent: 'sprawl',
    ...overrides,
  };
  if (settings.token === undefined && settings.app === undefined) throw new Error(`no GitHub credentials: set ${GITHUB_TOKEN_ENV} or configure github.app`);
  return settings;
}

interface AttemptOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onServerError?: (method: string, url: string) => void;
  onResponse?: (headers: Record<string, string | number | undefined>) => void;
}

type HookOptions = { method: string; url: string; request?: { signal?: AbortSignal } & Record<string, unknown> };

/**
 * A 2xx answer whose JSON body could not be read or parsed. Shaped like octokit's RequestError
 * (`status`, `request.request`) so that it is retried like a failed fetch (500).
 */
export class GithubBodyError extends Error {
  readonly status = 500;
  readonly request: HookOptions;
  constructor(message: string, request: HookOptions) {
    super(message);
    this.name = 'GithubBodyError';
    this.request = request;
  }
}

/**
 * Registered before the retries plugin, so its hooks are innermost: they run on
 * every attempt (a fresh timeout each), and see every response and every 5xx.
 */
function attemptGuard(octokit: Pick<Octokit, 'hook'>, options: Record<string, unknown>): void {
  const a = options.sprawlAttempt as AttemptOptions | undefined;
  if (!a) return;
  octokit.hook.before('request', (o: HookOptions) => {
    const signals = [AbortSignal.timeout(a.timeoutMs), ...(a.signal ? [a.signal] : [])];
    o.request = { ...o.request, signal: AbortSignal.any(signals) };
  });
  octokit.hook.after('request', (response: { headers: Record<string, string | number | undefined>; data?: unknown }, o: HookOptions) => {
    a.onResponse?.(response.headers);
    // @octokit/request hands a JSON answer it cannot parse, or whose body was cut short, back as
    // a string (empty when the body could not be read): an error here, which is retried like a
    // 5xx (octokit's own status for a failed fetch), instead of data that is not.
    const type = String(response.headers['content-type'] ?? '');
    const empty = Number(response.headers['content-length']) === 0;
    if (/json/i.test(type) && typeof response.data === 'string' && !(empty && response.data === '')) {
      const what = response.data === '' ? 'the body ended before its content-length' : 'invalid JSON in the body';
      throw new GithubBodyError(`${what} of ${o.method} ${o.url}`, o);
    }
  });
  octokit.hook.error('request', (err: unknown, o: HookOptions) => {
    const e = err as { status?: unknown; response?: { headers?: Record<string, string | number | undefined> } };
    if (e.response?.headers) a.onResponse?.(e.response.headers);
    if (typeof e.status === 'number' && e.status >= 500) a.onServerError?.(o.method, o.url);
    throw err;
  });
}

export const GithubOctokit = Octokit.plugin(attemptGuard, githubRetries);
export type GithubClient = InstanceType<typeof GithubOctokit>;

export interface GithubClientHandle {
  octokit: GithubClient;
  /** The budget as the last response reported it. */
  budget(): RateBudget;
}

const num = (v: string | number | undefined): number | undefined => {
  const n = typeof v === 'number' ? v : v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * An Octokit for `settings`; with an app, `installationId` (or the settings') selects the
 * installation whose token is used; without one, requests are signed with the app JWT.
 */
export function createGithubClient(settings: GithubClientSettings, hooks: GithubClientHooks = {}, installationId?: number): GithubClientHandle {
  const budget: RateBudget = {};
  const onResponse = (h: Record<string, string | number | undefined>): void => {
    const limit = num(h['x-ratelimit-limit']);
    const remaining = num(h['x-ratelimit-remaining']);
    const used = num(h['x-ratelimit-used']);
    const reset = num(h['x-ratelimit-reset']);
    if (limit !== undefined) budget.limit = limit;
    if (remaining !== undefined) budget.remaining = remaining;
    if (used !== undefined) budget.used = used;
    if (reset !== undefined) budget.resetAt = new Date(reset * 1000).toISOString();
  };
  const onLimit = (kind: LimitKind, retryAfter: number, options: { method: string; url: string }, retryCount: number): boolean => {
    const again = retryCount < settings.maxRetries && retryAfter <= settings.maxRateLimitWaitSeconds && hooks.signal?.aborted !== true;
    hooks.log?.debug('github rate limited', { kind, method: options.method, url: options.url, retryAfter, retry: again });
    if (again) hooks.onRetry?.(kind, { method: options.method, url: options.url, retryAfterSeconds: retryAfter });
    return again;
  };
  const app = settings.app;
  const installation = installationId ?? app?.installationId;
  const auth = app
    ? { authStrategy: createAppAuth, auth: { appId: app.appId, privateKey: app.privateKey, ...(installation !== undefined ? { installationId: installation } : {}) } }
    : { auth: settings.token };
  const quiet = {
    debug: () => {},
    info: () => {},
    warn: (message: string) => hooks.log?.debug('octokit', { message }),
    error: () => {},
  };
  const octokit = new GithubOctokit({
    ...auth,
    baseUrl: settings.baseUrl,
    userAgent: settings.userAgent,
    log: quiet,
    sprawlAttempt: {
      timeoutMs: settings.requestTimeoutMs,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onResponse,
      onServerError: (method: string, url: string) => hooks.onRetry?.('server-error', { method, url }),
    } satisfies AttemptOptions,
    sprawlRetries: {
      retries: settings.maxRetries,
      baseMs: settings.retryAfterBaseMs,
      writeGapMs: settings.retryAfterBaseMs,
      onLimit,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    } satisfies RetryOptions,
  });
  return { octokit, budget: () => ({ ...budget }) };
}

/** The core budget from `GET /rate_limit` (not counted against the budget). */
export async function fetchRateBudget(octokit: GithubClient): Promise<RateBudget> {
  const { data } = await octokit.rest.rateLimit.get();
  const core = data.resources.core;
  return { limit: core.limit, remaining: core.remaining, used: core.used, resetAt: new Date(core.reset * 1000).toISOString() };
}

/** HTTP status, message and request id of an Octokit error; safe to log. */
export function describeGithubError(err: unknown): { status?: number; message: string; requestId?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { status?: unknown; response?: { headers?: Record<string, unknown>; data?: unknown } };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const data = e.response?.data as { message?: unknown } | undefined;
  const message = typeof data?.message === 'string' ? data.message : e.name === 'AbortError' || e.name === 'TimeoutError' ? `${e.name}: ${e.message}` : e.message;
  const rid = e.response?.headers?.['x-github-request-id'];
  return { ...(status !== undefined ? { status } : {}), message, ...(typeof rid === 'string' ? { requestId: rid } : {}) };
}

export const isGithubStatus = (err: unknown, ...statuses: number[]): boolean => {
  const s = describeGithubError(err).status;
  return s !== undefined && statuses.includes(s);
};
