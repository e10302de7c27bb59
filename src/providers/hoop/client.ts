/**
 * A small typed client of the hoop.dev gateway's read API over global fetch (hoop has no Node
 * SDK): `Authorization: Bearer hpk_...`, a timeout per request, bounded retries with exponential
 * backoff (honouring `Retry-After`) on 429, 5xx and network errors. 4xx other than 429 fail at once.
 * Errors carry the status and hoop's `{"message"}`, never the key.
 */
import type { HoopApiKey, HoopAuditLog, HoopConnection, HoopMachineIdentity, HoopSession, HoopSessionList, HoopUser } from './types.ts';

export interface HoopClientSettings {
  /** The gateway's API origin (`https://gateway.acme.example`); `/api/...` is appended. */
  url: string;
  apiKey: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** First backoff delay (doubles per retry, with jitter). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  signal?: AbortSignal;
  onRetry?: (info: { path: string; status: number | undefined; attempt: number }) => void;
  onRequest?: (info: { path: string; status: number }) => void;
}

export class HoopApiError extends Error {
  readonly status: number | undefined;
  readonly path: string;
  constructor(status: number | undefined, message: string, path: string) {
    super(message);
    this.name = 'HoopApiError';
    this.status = status;
    this.path = path;
  }
  /** Authentication or authorisation: retrying with the same key will not help. */
  get fatal(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface HoopClient {
  /** One page of sessions started in [start, end] (the gateway's filter; callers keep half-open windows). */
  listSessionsWindow(start: Date, end: Date, offset: number, limit: number): Promise<HoopSessionList>;
  getSession(id: string): Promise<HoopSession>;
  listConnections(): Promise<HoopConnection[]>;
  listUsers(): Promise<HoopUser[]>;
  listMachineIdentities(): Promise<HoopMachineIdentity[]>;
  listApiKeys(): Promise<HoopApiKey[]>;
  /** Every audit log entry (pages of 100), optionally created after a time. */
  listAuditLogs(opts?: { createdAfter?: Date; maxPages?: number }): Promise<HoopAuditLog[]>;
}

const RETRYABLE = (status: number): boolean => status === 429 || status >= 500;
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HoopApiError(undefined, 'aborted', ''));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new HoopApiError(undefined, 'aborted', ''));
    }, { once: true });
  });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list answer: a plain array, or a paginated envelope's `data`. */
function listOf<T>(body: unknown, path: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (isRecord(body) && Array.isArray(body['data'])) return body['data'] as T[];
  throw new HoopApiError(200, 'unexpected response shape (expected a list)', path);
}

export function createHoopClient(settings: HoopClientSettings): HoopClient {
  const base = settings.url.replace(/\/+$/, '');
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const maxRetries = settings.maxRetries ?? 4;
  const firstDelay = settings.retryDelayMs ?? 250;
  const maxDelay = settings.maxRetryDelayMs ?? 10_000;

  async function get(path: string, query: Record<string, string | number> = {}): Promise<unknown> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const url = `${base}${path}${qs ? `?${qs}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      let error: HoopApiError;
      try {
        const signals = [AbortSignal.timeout(timeoutMs), ...(settings.signal ? [settings.signal] : [])];
        const res = await fetch(url, { headers: { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json' }, signal: AbortSignal.any(signals) });
        status = res.status;
        settings.onRequest?.({ path, status });
        const text = await res.text();
        if (res.ok) {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw new HoopApiError(status, 'the gateway answered invalid JSON', path);
          }
        }
        let message = text.slice(0, 200);
        try {
          const body = JSON.parse(text) as unknown;
          if (isRecord(body) && typeof body['message'] === 'string') message = body['message'].slice(0, 200);
        } catch {
          // not JSON: keep the text
        }
        const ra = res.headers.get('retry-after');
        if (ra !== null && /^\d+(\.\d+)?$/.test(ra)) retryAfterMs = Number(ra) * 1000;
        error = new HoopApiError(status, `${status} ${message}`, path);
        if (!RETRYABLE(status)) throw error;
      } catch (err) {
        if (err instanceof HoopApiError && (status === undefined || !RETRYABLE(status))) throw err;
        if (settings.signal?.aborted) throw new HoopApiError(undefined, 'aborted', path);
        error = err instanceof HoopApiError ? err : new HoopApiError(undefined, `request failed: ${err instanceof Error ? err.message : String(err)}`, path);
      }
      if (attempt >= maxRetries) throw error;
      settings.onRetry?.({ path, status, attempt: attempt + 1 });
      const backoff = Math.min(maxDelay, firstDelay * 2 ** attempt) * (0.5 + Math.random() / 2);
      await sleep(Math.min(maxDelay, Math.max(backoff, retryAfterMs ?? 0)), settings.signal);
    }
  }

  return {
    async listSessionsWindow(start, end, offset, limit) {
      const path = '/api/sessions';
      const body = await get(path, { start_date: start.toISOString(), end_date: end.toISOString(), offset, limit, count: 'capped' });
      if (!isRecord(body) || !Array.isArray(body['data'])) throw new HoopApiError(200, 'unexpected session list shape', path);
      return {
        data: body['data'] as HoopSession[],
        total: typeof body['total'] === 'number' ? body['total'] : null,
        total_is_capped: body['total_is_capped'] === true,
        has_next_page: body['has_next_page'] === true,
      };
    },
    async getSession(id) {
      const path = `/api/sessions/${encodeURIComponent(id)}`;
      const body = await get(path);
      if (!isRecord(body) || typeof body['id'] !== 'string') throw new HoopApiError(200, 'unexpected session shape', path);
      return body as unknown as HoopSession;
    },
    async listConnections() {
      return listOf<HoopConnection>(await get('/api/connections'), '/api/connections');
    },
    async listUsers() {
      return listOf<HoopUser>(await get('/api/users'), '/api/users');
    },
    async listMachineIdentities() {
      return listOf<HoopMachineIdentity>(await get('/api/machineidentities'), '/api/machineidentities');
    },
    async listApiKeys() {
      return listOf<HoopApiKey>(await get('/api/api-keys'), '/api/api-keys');
    },
    async listAuditLogs(opts = {}) {
      const out: HoopAuditLog[] = [];
      const maxPages = opts.maxPages ?? 1000;
      for (let page = 1; page <= maxPages; page++) {
        const body = await get('/api/audit/logs', { page, page_size: 100, ...(opts.createdAfter ? { created_after: opts.createdAfter.toISOString() } : {}) });
        const items = listOf<HoopAuditLog>(body, '/api/audit/logs');
        out.push(...items);
        const total = isRecord(body) && isRecord(body['pages']) && typeof body['pages']['total'] === 'number' ? body['pages']['total'] : undefined;
        if (items.length < 100 || Array.isArray(body) || (total !== undefined && out.length >= total)) break;
      }
      return out;
    },
  };
}
