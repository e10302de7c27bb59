/**
 * Graph (or any REST) requests that change something, for the Azure enforcer actions: the same
 * bearer token, CA trust, timeouts and retry policy as the collector's GET client (./client.ts).
 * A throttled call (429) is retried whatever its method (the service did not act on it); a 5xx or
 * a lost connection only for requests that are safe to repeat (`idempotent`).
 */
import type { TokenCredential } from '@azure/identity';
import { AzureAbortError, AzureApiError, httpsExchange, parseError, retryAfterMs, sleep, trustedCas } from './client.ts';
import type { AzureCallHooks, AzureClientSettings, RawResponse } from './client.ts';

export interface SendOptions {
  body?: unknown;
  /** Repeating the request changes nothing more (removePassword, PATCH of a whole collection). */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface RestSender {
  /** Sends `method path` (path relative to the target, e.g. `/v1.0/applications/{id}/addPassword`); the parsed JSON body, or undefined (204). */
  send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'GET', path: string, opts?: SendOptions): Promise<{ status: number; body: T | undefined }>;
}

const SERVER_ERRORS = new Set([408, 500, 502, 503, 504]);

export function createRestSender(s: AzureClientSettings, credential: TokenCredential, target: { baseUrl: string; scope: string }, hooks: AzureCallHooks = {}): RestSender {
  const ca = trustedCas(s);
  return {
    async send<T>(method: string, path: string, opts: SendOptions = {}) {
      const url = new URL(`${target.baseUrl}${path}`);
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      for (let attempt = 0; ; attempt++) {
        if (opts.signal?.aborted) throw new AzureAbortError();
        const token = await credential.getToken(target.scope, opts.signal ? { abortSignal: opts.signal } : {});
        if (!token) throw new AzureApiError(401, 'NoToken', `the credential returned no token for ${target.scope}`);
        const headers: Record<string, string> = { authorization: `Bearer ${token.token}`, accept: 'application/json', 'user-agent': 'sprawl' };
        if (payload !== undefined) {
          headers['content-type'] = 'application/json';
          headers['content-length'] = String(Buffer.byteLength(payload));
        }
        let res: RawResponse | undefined;
        let failure: unknown;
        try {
          res = await httpsExchange(url, method, headers, payload, ca, s.requestTimeoutMs, opts.signal);
        } catch (err) {
          if (opts.signal?.aborted) throw new AzureAbortError();
          failure = err;
        }
        if (res && res.status >= 200 && res.status < 300) return { status: res.status, body: res.body.trim() === '' ? undefined : (JSON.parse(res.body) as T) };
        const retryable = res?.status === 429 || ((opts.idempotent === true || method === 'GET') && (res === undefined || SERVER_ERRORS.has(res.status)));
        if (!retryable || attempt >= s.maxRetries) throw res ? parseError(res) : failure;
        hooks.onRetry?.(res?.status ?? 0);
        const backoff = Math.min(s.maxRetryDelayMs, s.retryDelayMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
        await sleep(Math.min(s.maxRetryDelayMs, (res ? retryAfterMs(res.headers) : undefined) ?? backoff), opts.signal);
      }
    },
  };
}
