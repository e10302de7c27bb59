/**
 * Builds the GCP clients a project is read (or changed) with: IAM v1 (service accounts, keys),
 * Resource Manager v1/v3 (IAM policies, project discovery) and an authorized GET for the Policy
 * Analyzer REST API (no client library for it). One `endpoint` origin replaces every API's
 * root URL (the sandbox); credentials are Application Default Credentials, or a static bearer
 * token from `SPRAWL_GCP_ACCESS_TOKEN`. Retries (429, 5xx, with exponential backoff honouring
 * Retry-After) and timeouts are set per call by `callOptions`. No stage logic here.
 */
import { cloudresourcemanager } from '@googleapis/cloudresourcemanager';
import type { cloudresourcemanager_v1, cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import { auth, iam } from '@googleapis/iam';
import type { iam_v1 } from '@googleapis/iam';
import { GCP_ACCESS_TOKEN_ENV } from '../../config/gcp-schema.ts';
import type { GcpConfig } from '../../config/gcp-schema.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const DEFAULT_ROOTS = {
  iam: 'https://iam.googleapis.com/',
  resourceManager: 'https://cloudresourcemanager.googleapis.com/',
  policyAnalyzer: 'https://policyanalyzer.googleapis.com/',
} as const;

export interface GcpClientSettings {
  /** One origin for every API (the sandbox); default: each API's own Google endpoint. */
  endpoint?: string;
  /** Static bearer token; default: Application Default Credentials. Never logged. */
  accessToken?: string;
  /** Retries per call on 429 and 5xx. */
  maxRetries: number;
  /** Delay before the first retry; later ones grow exponentially (gaxios: +0.5 s, +1.5 s, +3.5 s ...). */
  retryDelayMs: number;
  /** Cap of one backoff, Retry-After included. */
  maxRetryDelayMs: number;
  /** Timeout of one request attempt. */
  requestTimeoutMs: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function gcpClientSettings(config: GcpConfig, env: NodeJS.ProcessEnv = process.env, overrides: Partial<GcpClientSettings> = {}): GcpClientSettings {
  const token = env[GCP_ACCESS_TOKEN_ENV]?.trim();
  return {
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    ...(token ? { accessToken: token } : {}),
    maxRetries: config.maxRetries,
    retryDelayMs: 200,
    maxRetryDelayMs: 30_000,
    requestTimeoutMs: config.requestTimeoutMs,
    ...overrides,
  };
}

/** The OAuth2 client with a static token, or Application Default Credentials. */
export type GcpAuth = InstanceType<typeof auth.OAuth2> | InstanceType<typeof auth.GoogleAuth>;

export function createGcpAuth(s: Pick<GcpClientSettings, 'accessToken'>): GcpAuth {
  if (s.accessToken !== undefined) {
    // Sends `authorization: Bearer <token>`; never contacts Google's token endpoint.
    const client = new auth.OAuth2();
    client.setCredentials({ access_token: s.accessToken });
    return client;
  }
  return new auth.GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
}

export interface GcpClients {
  iam: iam_v1.Iam;
  crmV1: cloudresourcemanager_v1.Cloudresourcemanager;
  crmV3: cloudresourcemanager_v3.Cloudresourcemanager;
  /** An authorized GET on the Policy Analyzer, `path` relative to its root (`v1/projects/...`). */
  policyAnalyzer<T>(path: string, params: Record<string, string | number>, options: GcpCallOptions): Promise<{ status: number; data: T }>;
}

/** Root URL of an API: the endpoint's origin (googleapis keeps only the origin anyway) or the default. */
function rootUrl(endpoint: string | undefined, fallback: string): string {
  return endpoint === undefined ? fallback : `${new URL(endpoint).origin}/`;
}

export function createGcpClients(s: GcpClientSettings, authClient: GcpAuth = createGcpAuth(s)): GcpClients {
  const analyzerRoot = rootUrl(s.endpoint, DEFAULT_ROOTS.policyAnalyzer);
  return {
    iam: iam({ version: 'v1', rootUrl: rootUrl(s.endpoint, DEFAULT_ROOTS.iam), auth: authClient }),
    crmV1: cloudresourcemanager({ version: 'v1', rootUrl: rootUrl(s.endpoint, DEFAULT_ROOTS.resourceManager), auth: authClient }),
    crmV3: cloudresourcemanager({ version: 'v3', rootUrl: rootUrl(s.endpoint, DEFAULT_ROOTS.resourceManager), auth: authClient }),
    async policyAnalyzer<T>(path: string, params: Record<string, string | number>, options: GcpCallOptions) {
      const res = await authClient.request<T>({ ...options, url: `${analyzerRoot}${path.replace(/^\//, '')}`, method: 'GET', params, responseType: 'json' });
      return { status: res.status, data: res.data };
    },
  };
}

export interface CallHooks {
  signal?: AbortSignal;
  /** Called before each retry (for progress counting). */
  onRetry?: () => void;
  /** Retry this POST too: it only reads (getIamPolicy, projects:search). */
  readOnlyPost?: boolean;
}

/** Seconds of a Retry-After header (delta form), when the error carries one. */
export function retryAfterMs(err: unknown): number | undefined {
  const headers = (err as { response?: { headers?: unknown } } | undefined)?.response?.headers;
  let value: string | null | undefined;
  // gaxios may hand a Headers object of another fetch implementation: test by shape, not class.
  if (typeof (headers as { get?: unknown } | undefined)?.get === 'function') value = (headers as { get(name: string): string | null }).get('retry-after');
  else if (typeof headers === 'object' && headers !== null) {
    const v = (headers as Record<string, unknown>)['retry-after'];
    value = typeof v === 'string' ? v : undefined;
  }
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Options of one call, accepted both by the googleapis methods (as MethodOptions) and by the
 * auth client's `request` (two gaxios versions are installed; this shape fits both).
 */
export interface GcpCallOptions {
  timeout: number;
  signal?: AbortSignal;
  retry: boolean;
  retryConfig: {
    retry: number;
    retryDelay: number;
    maxRetryDelay: number;
    noResponseRetries: number;
    statusCodesToRetry: number[][];
    httpMethodsToRetry: string[];
    onRetryAttempt: (err: unknown) => void;
    retryBackoff: (err: unknown, defaultBackoffMs: number) => Promise<void>;
  };
}

/**
 * Per-call options: timeout, abort signal and the retry policy (429 and 5xx, bounded, with
 * exponential backoff plus jitter; a longer Retry-After wins, capped at `maxRetryDelayMs`).
 */
export function callOptions(s: GcpClientSettings, hooks: CallHooks = {}): GcpCallOptions {
  return {
    timeout: s.requestTimeoutMs,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    retry: s.maxRetries > 0,
    retryConfig: {
      retry: s.maxRetries,
      retryDelay: s.retryDelayMs,
      maxRetryDelay: s.maxRetryDelayMs,
      noResponseRetries: Math.min(2, s.maxRetries),
      statusCodesToRetry: [
        [408, 408],
        [429, 429],
        [500, 599],
      ],
      httpMethodsToRetry: hooks.readOnlyPost ? ['GET', 'HEAD', 'OPTIONS', 'POST'] : ['GET', 'HEAD', 'OPTIONS'],
      onRetryAttempt: () => {
        hooks.onRetry?.();
      },
      retryBackoff: (err: unknown, defaultMs: number) => {
        const jitter = Math.random() * Math.min(defaultMs, 250);
        const wanted = Math.max(retryAfterMs(err) ?? 0, defaultMs + jitter);
        return backoff(Math.min(wanted, s.maxRetryDelayMs), hooks.signal);
      },
    },
  };
}

/** HTTP status, Google status (`PERMISSION_DENIED`) and message of an API error; safe to log. */
export function describeGcpError(err: unknown): { status?: number; code: string; message: string } {
  if (!(err instanceof Error)) return { code: 'Error', message: String(err) };
  const e = err as Error & { status?: unknown; code?: unknown; response?: { status?: unknown; data?: unknown } };
  const status = typeof e.response?.status === 'number' ? e.response.status : typeof e.status === 'number' ? e.status : undefined;
  const body = e.response?.data as { error?: { status?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.status === 'string' ? body.error.status : typeof e.code === 'string' ? e.code : e.name;
  const message = typeof body?.error?.message === 'string' ? body.error.message : e.message;
  return { ...(status !== undefined ? { status } : {}), code, message };
}

export function isPermissionDenied(err: unknown): boolean {
  const { status, code } = describeGcpError(err);
  return status === 403 || code === 'PERMISSION_DENIED';
}

export function isNotFound(err: unknown): boolean {
  const { status, code } = describeGcpError(err);
  return status === 404 || code === 'NOT_FOUND';
}
