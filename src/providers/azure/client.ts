/**
 * Builds what Azure is read (or changed) with: the token credential (a static token from
 * SPRAWL_AZURE_ACCESS_TOKEN, or DefaultAzureCredential with the configured authority host),
 * Resource Manager clients (AuthorizationManagementClient: endpoint override, the real ARM token scope, bounded retries,
 * timeouts, extra CA trust) and a small Graph client over node:https (bearer token, retries on
 * 429/5xx honouring retry-after, `@odata.nextLink` paging). Shared by the Azure collector and
 * the Azure enforcer actions; no stage logic here.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { DefaultAzureCredential } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { AzureConfig } from '../../config/azure-schema.ts';
import { pageGuard } from '../paging.ts';

/** A core-rest-pipeline policy (typed through the client so no transitive package is imported). */
type PipelinePolicy = Parameters<AuthorizationManagementClient['pipeline']['addPolicy']>[0];

export const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const STATIC_TOKEN_ENV = 'SPRAWL_AZURE_ACCESS_TOKEN';

export interface AzureClientSettings {
  armEndpoint: string;
  graphEndpoint: string;
  authorityHost: string;
  armScope: string;
  graphScope: string;
  tenantId?: string;
  /** Extra trusted CA certificates (PEM), on top of the well-known ones. */
  ca?: string;
  maxRetries: number;
  /** First backoff delay of a retried call (doubles each retry, with jitter). */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  requestTimeoutMs: number;
}

/** Called for every response of a throttled or failed attempt that will be retried (progress counters). */
export interface AzureCallHooks {
  onRetry?(status: number): void;
}

export function azureClientSettings(config: AzureConfig, overrides: Partial<AzureClientSettings> = {}): AzureClientSettings {
  const tenantId = config.tenantId ?? (process.env['AZURE_TENANT_ID'] || undefined);
  return {
    armEndpoint: config.armEndpoint.replace(/\/+$/, ''),
    graphEndpoint: config.graphEndpoint.replace(/\/+$/, ''),
    authorityHost: config.authorityHost.replace(/\/+$/, ''),
    armScope: config.armScope,
    graphScope: config.graphScope,
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...(config.caFile !== undefined ? { ca: readFileSync(config.caFile, 'utf8') } : {}),
    maxRetries: config.maxRetries,
    retryDelayMs: 800,
    maxRetryDelayMs: 30_000,
    requestTimeoutMs: config.requestTimeoutMs,
    ...overrides,
  };
}

/** The CA list to trust: the well-known roots plus the extra PEM (undefined: Node's defaults). */
export function trustedCas(s: Pick<AzureClientSettings, 'ca'>): string[] | undefined {
  return s.ca === undefined ? undefined : [...rootCertificates, s.ca];
}

/** A credential that always returns the same token (for `SPRAWL_AZURE_ACCESS_TOKEN`). */
export function staticTokenCredential(token: string, expiresOnTimestamp = Date.now() + 3_600_000): TokenCredential {
  return { getToken: (): Promise<AccessToken> => Promise.resolve({ token, expiresOnTimestamp, tokenType: 'Bearer' }) };
}

/**
 * The credential: SPRAWL_AZURE_ACCESS_TOKEN when set, else DefaultAzureCredential (environment
 * variables, workload identity, managed identity, Azure CLI ...) on the configured authority.
 */
export function createAzureCredential(s: AzureClientSettings, env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const token = env[STATIC_TOKEN_ENV];
  if (token) return staticTokenCredential(token);
  const custom = s.authorityHost !== PUBLIC_AUTHORITY_HOST;
  const ca = trustedCas(s);
  return new DefaultAzureCredential({
    authorityHost: s.authorityHost,
    ...(s.tenantId !== undefined ? { tenantId: s.tenantId } : {}),
    // Instance discovery asks login.microsoftonline.com whether the authority is known: not for a private one.
    ...(custom ? { disableInstanceDiscovery: true } : {}),
    ...(ca ? { tlsOptions: { ca } } : {}),
  });
}

function pipelineOptions(s: AzureClientSettings, hooks: AzureCallHooks): {
  endpoint: string;
  credentialScopes: string[];
  retryOptions: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
  tlsOptions?: { ca: string[] };
  additionalPolicies: { policy: PipelinePolicy; position: 'perRetry' | 'perCall' }[];
} {
  const ca = trustedCas(s);
  // The SDK's retry policy retries 429, 5xx and socket errors, not an attempt that timed out (an
  // AbortError from request.timeout) nor a body that could not be read or parsed (PARSE_ERROR):
  // those are retried here, around it, at most maxRetries times.
  const transport: PipelinePolicy = {
    name: 'sprawlTransportRetry',
    async sendRequest(request, next) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await next(request);
        } catch (err) {
          const e = err as { name?: unknown; code?: unknown };
          const retryable = (e.name === 'AbortError' && request.abortSignal?.aborted !== true) || e.code === 'PARSE_ERROR';
          if (!retryable || attempt >= s.maxRetries) throw err;
          hooks.onRetry?.(0);
          await sleep(Math.min(s.maxRetryDelayMs, s.retryDelayMs * 2 ** attempt) * (0.8 + Math.random() * 0.4), request.abortSignal as AbortSignal | undefined);
        }
      }
    },
  };
  const counter: PipelinePolicy = {
    name: 'sprawlRetryCounter',
    async sendRequest(request, next) {
      request.timeout = s.requestTimeoutMs;
      const response = await next(request);
      if (response.status === 429 || response.status >= 500) hooks.onRetry?.(response.status);
      return response;
    },
  };
  return {
    endpoint: s.armEndpoint,
    // The token scope stays ARM's even when the endpoint is a private one or the sandbox.
    credentialScopes: [s.armScope],
    retryOptions: { maxRetries: s.maxRetries, retryDelayInMs: s.retryDelayMs, maxRetryDelayInMs: s.maxRetryDelayMs },
    ...(ca ? { tlsOptions: { ca } } : {}),
    additionalPolicies: [
      { policy: transport, position: 'perCall' },
      { policy: counter, position: 'perRetry' },
    ],
  };
}

export function createAuthorizationClient(s: AzureClientSettings, credential: TokenCredential, subscriptionId: string, hooks: AzureCallHooks = {}): AuthorizationManagementClient {
  return new AuthorizationManagementClient(credential, subscriptionId, pipelineOptions(s, hooks));
}


/** A Graph (or any REST) error: HTTP status and the `{ error: { code, message } }` code. */
export class AzureApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'AzureApiError';
    this.status = status;
    this.code = code;
  }
}

export class AzureAbortError extends Error {
  constructor() {
    super('the scan was interrupted');
    this.name = 'AbortError';
  }
}

export interface RestClient {
  /** GET a path (`/v1.0/...`, `/subscriptions?api-version=..`) or an absolute URL (a nextLink) as JSON. */
  get<T>(pathOrUrl: string, signal?: AbortSignal): Promise<T>;
  /** Every page of a collection, following `@odata.nextLink` (Graph) or `nextLink` (ARM). */
  pages<T>(path: string, signal?: AbortSignal): AsyncGenerator<T[]>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over node:https (the configured CAs, a timeout, abortable); the body read whole. */
export function httpsExchange(url: URL, method: string, headers: Record<string, string>, payload: string | undefined, ca: string[] | undefined, timeoutMs: number, signal?: AbortSignal): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(ca ? { ca } : {}), ...(signal ? { signal } : {}), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new AzureApiError(0, 'RequestTimeout', `no response from ${url.host} within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(signal?.aborted ? new AzureAbortError() : err));
    req.end(payload);
  });
}

/** Waits `ms`; an abort ends the wait with AzureAbortError. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AzureAbortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AzureAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const header = (h: RawResponse['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** How long a 429/503 asks to wait: retry-after-ms, x-ms-retry-after-ms, or retry-after (seconds or a date). */
export function retryAfterMs(h: RawResponse['headers'], now = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = Number(header(h, name));
    if (header(h, name) !== undefined && Number.isFinite(v) && v >= 0) return v;
  }
  const raw = header(h, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** The Azure error (`{"error":{"code","message"}}`) of a failed response, or its status and text. */
export function parseError(res: RawResponse): AzureApiError {
  try {
    const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code : `HTTP${res.status}`;
    const message = typeof body.error?.message === 'string' ? body.error.message : res.body.slice(0, 200);
    return new AzureApiError(res.status, code, message);
  } catch {
    return new AzureApiError(res.status, `HTTP${res.status}`, res.body.slice(0, 200));
  }
}

/** Graph over node:https: bearer token for the Graph scope, bounded retries, timeouts, paging. */
export function createGraphClient(s: AzureClientSettings, credential: TokenCredential, hooks: AzureCallHooks = {}): RestClient {
  return createRestClient(s, credential, { baseUrl: s.graphEndpoint, scope: s.graphScope }, hooks);
}

/**
 * Resource Manager calls no installed SDK offers: `GET /subscriptions` (subscription listing lives
 * in @azure/arm-resources-subscriptions, not in @azure/arm-subscriptions 6, which manages aliases).
 */
export function createArmRestClient(s: AzureClientSettings, credential: TokenCredential, hooks: AzureCallHooks = {}): RestClient {
  return createRestClient(s, credential, { baseUrl: s.armEndpoint, scope: s.armScope }, hooks);
}

/** JSON GETs over node:https: bearer token for `scope`, bounded retries (retry-after honoured), timeouts, paging. */
export function createRestClient(s: AzureClientSettings, credential: TokenCredential, target: { baseUrl: string; scope: string }, hooks: AzureCallHooks = {}): RestClient {
  const ca = trustedCas(s);
  const get = async <T>(pathOrUrl: string, signal?: AbortSignal): Promise<T> => {
    const url = /^https?:\/\//.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(`${target.baseUrl}${pathOrUrl}`);
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new AzureAbortError();
      const token = await credential.getToken(target.scope, signal ? { abortSignal: signal } : {});
      if (!token) throw new AzureApiError(401, 'NoToken', `the credential returned no token for ${target.scope}`);
      let res: RawResponse | undefined;
      let failure: unknown;
      try {
        res = await httpsExchange(url, 'GET', { authorization: `Bearer ${token.token}`, accept: 'application/json', 'user-agent': 'sprawl' }, undefined, ca, s.requestTimeoutMs, signal);
      } catch (err) {
        if (signal?.aborted) throw new AzureAbortError();
        failure = err;
      }
      if (res && res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(res.body) as T;
        } catch {
          // A 2xx whose body is not JSON (a proxy's page, a body cut short): retried like a 5xx.
          failure = new AzureApiError(res.status, 'MalformedResponse', `malformed response: the body of ${url.pathname} is not JSON`);
          res = undefined;
        }
      }
      const retryable = res === undefined || RETRYABLE.has(res.status);
      if (!retryable || attempt >= s.maxRetries) throw res ? parseError(res) : failure;
      hooks.onRetry?.(res?.status ?? 0);
      const backoff = Math.min(s.maxRetryDelayMs, s.retryDelayMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      await sleep(Math.min(s.maxRetryDelayMs, (res ? retryAfterMs(res.headers) : undefined) ?? backoff), signal);
    }
  };
  async function* pages<T>(path: string, signal?: AbortSignal): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    const guard = pageGuard('next link');
    while (next !== undefined) {
      const body: { value?: T[]; '@odata.nextLink'?: string; nextLink?: string | null } = await get(next, signal);
      yield body.value ?? [];
      next = body['@odata.nextLink'] ?? body.nextLink ?? undefined;
      guard.next(next);
    }
  }
  return { get, pages };
}

/** Status and code of any Azure error (RestError, AzureApiError, identity errors), safe to log. */
export function describeAzureError(err: unknown): { code: string; message: string; status?: number } {
  if (err instanceof AzureApiError) return { code: err.code, message: err.message, ...(err.status > 0 ? { status: err.status } : {}) };
  if (err instanceof Error) {
    const e = err as Error & { statusCode?: unknown; code?: unknown };
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    const code = typeof e.code === 'string' ? e.code : err.name;
    return { code, message: err.message.split('\n')[0] ?? err.message, ...(status !== undefined ? { status } : {}) };
  }
  return { code: 'Error', message: String(err) };
}
