/**
 * A small typed client of the hoop.dev gateway's read API over global fetch (hoop has no Node
 * SDK): `Authorization: Bearer hpk_...`, a timeout per request, bounded retries with exponential
 * backoff (honouring `Retry-After`) on 429, 5xx and network errors. 4xx other than 429 fail at once.
 * Errors carry the status and hoop's `{"message"}`, never the key.
 * The write methods (HoopWriteClient) serve `sprawl apply`'s gateway actions.
 */
import { PagingError } from '../paging.ts';
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
  constructor(status: number | undefined, message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
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

/** The body of `POST /api/connections` (openapi.Connection; `secret` values are standard base64). */
export interface HoopConnectionInput {
  name: string;
  type: string;
  subtype?: string;
  command?: string[];
  secret?: Record<string, string>;
  agent_id: string;
  resource_name?: string;
  reviewers?: string[];
  redact_types?: string[];
  connection_tags?: Record<string, string>;
  access_mode_runbooks: 'enabled' | 'disabled';
  access_mode_exec: 'enabled' | 'disabled';
  access_mode_connect: 'enabled' | 'disabled';
  access_schema: 'enabled' | 'disabled';
  guardrail_rules?: string[];
  min_review_approvals?: number;
}

/** The body of `PATCH /api/connections/{nameOrID}`: only the fields given change; `secret` replaces the whole map (null keeps a stored value when the org hides them). */
export type HoopConnectionPatch = Partial<Omit<HoopConnectionInput, 'name' | 'secret'>> & { secret?: Record<string, string | null> };

export interface HoopAgent {
  id: string;
  name: string;
  mode: string;
  status: string;
  metadata?: Record<string, string>;
}

export interface HoopPlugin {
  id: string;
  name: string;
  connections: { id: string; name: string; config: string[] | null }[];
  config: { id: string; envvars: Record<string, string> } | null;
}

export interface HoopPluginConnection {
  id: string;
  plugin_id: string;
  connection_id: string;
  config: string[] | null;
  updated_at: string;
}

/**
 * The write API (hoop-gateway.md §3, §4, §7). GET-like and idempotent writes (PATCH, PUT, DELETE)
 * are retried like reads; creating POSTs are not: after a retryable error the client reads
 * whether the object exists before it sends the POST again.
 */
export interface HoopWriteClient extends HoopClient {
  /** `undefined` when there is no such connection (404). */
  getConnection(nameOrId: string): Promise<HoopConnection | undefined>;
  createConnection(input: HoopConnectionInput): Promise<HoopConnection>;
  patchConnection(nameOrId: string, patch: HoopConnectionPatch): Promise<HoopConnection>;
  /** `false` when it was already gone (404). */
  deleteConnection(nameOrId: string): Promise<boolean>;
  listAgents(): Promise<HoopAgent[]>;
  /** `undefined` when the plugin is not enabled (404). */
  getPlugin(name: string): Promise<HoopPlugin | undefined>;
  /** Enables a plugin (an already enabled one is returned as it is). */
  createPlugin(input: { name: string; connections?: { id: string; name: string; config: string[] }[] }): Promise<HoopPlugin>;
  /** `undefined` when the plugin or its entry for the connection does not exist. */
  getPluginConnection(plugin: string, connectionId: string): Promise<HoopPluginConnection | undefined>;
  putPluginConnection(plugin: string, connectionId: string, config: string[]): Promise<HoopPluginConnection>;
  /** `false` when there was no entry (404). */
  deletePluginConnection(plugin: string, connectionId: string): Promise<boolean>;
}

const RETRYABLE = (status: number): boolean => status === 429 || status >= 500;

/** A 2xx answer whose body is not JSON. */
class InvalidBody extends HoopApiError {
  constructor(status: number, path: string, cause: unknown) {
    super(status, 'the gateway answered invalid JSON', path, { cause });
  }
}

/** A failed fetch in words: its message, and the network code of its cause (`fetch failed (ECONNRESET)`). */
function networkDetail(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `timed out (${err.message})`;
  let code: string | undefined;
  let cause: unknown = err.cause;
  for (let depth = 0; depth < 4 && cause instanceof Error && code === undefined; depth++) {
    const c = (cause as Error & { code?: unknown }).code;
    code = typeof c === 'string' ? c : undefined;
    cause = cause.cause;
  }
  return code !== undefined ? `${err.message} (${code})` : err.message;
}
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

export function createHoopClient(settings: HoopClientSettings): HoopWriteClient {
  const base = settings.url.replace(/\/+$/, '');
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const maxRetries = settings.maxRetries ?? 4;
  const firstDelay = settings.retryDelayMs ?? 250;
  const maxDelay = settings.maxRetryDelayMs ?? 10_000;

  /**
   * One request. `retry`: retried on 429, 5xx and network errors (GETs and idempotent writes
   * only: a POST that creates something is never blindly repeated, see `createOnce`).
   */
  async function send(method: string, path: string, opts: { query?: Record<string, string | number>; body?: unknown; retry: boolean }): Promise<unknown> {
    const qs = new URLSearchParams(Object.entries(opts.query ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const url = `${base}${path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      let error: HoopApiError;
      try {
        const signals = [AbortSignal.timeout(timeoutMs), ...(settings.signal ? [settings.signal] : [])];
        const res = await fetch(url, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}), signal: AbortSignal.any(signals) });
        status = res.status;
        settings.onRequest?.({ path, status });
        const text = await res.text();
        if (res.ok) {
          if (text.trim() === '') return null;
          try {
            return JSON.parse(text) as unknown;
          } catch (parseError) {
            // Not JSON (a proxy's page, a mangled answer): retried like a network error.
            throw new InvalidBody(status, path, parseError);
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
        if (err instanceof HoopApiError && !(err instanceof InvalidBody) && (status === undefined || !RETRYABLE(status))) throw err;
        if (settings.signal?.aborted) throw new HoopApiError(undefined, 'aborted', path);
        error = err instanceof HoopApiError ? err : new HoopApiError(undefined, `request failed: ${networkDetail(err)}`, path, { cause: err });
      }
      if (!opts.retry || attempt >= maxRetries) throw error;
      settings.onRetry?.({ path, status, attempt: attempt + 1 });
      await sleep(backoffMs(attempt, retryAfterMs), settings.signal);
    }
  }

  const backoffMs = (attempt: number, retryAfterMs?: number): number => {
    const backoff = Math.min(maxDelay, firstDelay * 2 ** attempt) * (0.5 + Math.random() / 2);
    return Math.min(maxDelay, Math.max(backoff, retryAfterMs ?? 0));
  };

  const get = (path: string, query: Record<string, string | number> = {}): Promise<unknown> => send('GET', path, { query, retry: true });

  /** `undefined` on 404. */
  async function getOptional(path: string): Promise<unknown> {
    try {
      return await get(path);
    } catch (err) {
      if (err instanceof HoopApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** `false` on 404 (already gone). */
  async function remove(path: string): Promise<boolean> {
    try {
      await send('DELETE', path, { retry: true });
      return true;
    } catch (err) {
      if (err instanceof HoopApiError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * A creating POST, never blindly repeated: after a 429, 5xx or network error (the request may
   * have been carried out), `lookup` reads whether it was; only when not is the POST sent again.
   */
  async function createOnce<T>(path: string, body: unknown, lookup: () => Promise<T | undefined>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await send('POST', path, { body, retry: false })) as T;
      } catch (err) {
        const retryable = err instanceof HoopApiError && !settings.signal?.aborted && (err.status === undefined ? err.message !== 'aborted' : RETRYABLE(err.status));
        if (!retryable) throw err;
        const found = await lookup();
        if (found !== undefined) return found;
        if (attempt >= maxRetries) throw err;
        settings.onRetry?.({ path, status: err.status, attempt: attempt + 1 });
        await sleep(backoffMs(attempt), settings.signal);
      }
    }
  }

  const connectionPath = (nameOrId: string): string => `/api/connections/${encodeURIComponent(nameOrId)}`;
  const pluginConnPath = (plugin: string, connectionId: string): string => `/api/plugins/${encodeURIComponent(plugin)}/conn/${encodeURIComponent(connectionId)}`;
  const asConnection = (body: unknown, path: string): HoopConnection => {
    if (!isRecord(body) || typeof body['id'] !== 'string' || typeof body['name'] !== 'string') throw new HoopApiError(200, 'unexpected connection shape', path);
    return body as unknown as HoopConnection;
  };
  const getConnection = async (nameOrId: string): Promise<HoopConnection | undefined> => {
    const path = connectionPath(nameOrId);
    const body = await getOptional(path);
    return body === undefined ? undefined : asConnection(body, path);
  };
  const getPlugin = async (name: string): Promise<HoopPlugin | undefined> => {
    const path = `/api/plugins/${encodeURIComponent(name)}`;
    const body = await getOptional(path);
    if (body === undefined) return undefined;
    if (!isRecord(body) || typeof body['name'] !== 'string') throw new HoopApiError(200, 'unexpected plugin shape', path);
    return body as unknown as HoopPlugin;
  };

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
      // Page numbers, not tokens: a gateway that ignores the number answers the same page again.
      const seen = new Set<string>();
      for (let page = 1; page <= maxPages; page++) {
        const body = await get('/api/audit/logs', { page, page_size: 100, ...(opts.createdAfter ? { created_after: opts.createdAfter.toISOString() } : {}) });
        const items = listOf<HoopAuditLog>(body, '/api/audit/logs');
        const ids = items.map((l) => l.id).join('\u0000');
        if (items.length > 0 && seen.has(ids)) throw new PagingError(`paging loop: page token repeated (audit log page ${page} repeats an earlier one)`);
        seen.add(ids);
        out.push(...items);
        const total = isRecord(body) && isRecord(body['pages']) && typeof body['pages']['total'] === 'number' ? body['pages']['total'] : undefined;
        if (items.length < 100 || Array.isArray(body) || (total !== undefined && out.length >= total)) break;
      }
      return out;
    },
    getConnection,
    async createConnection(input) {
      const path = '/api/connections';
      return asConnection(await createOnce(path, input, () => getConnection(input.name)), path);
    },
    async patchConnection(nameOrId, patch) {
      const path = connectionPath(nameOrId);
      return asConnection(await send('PATCH', path, { body: patch, retry: true }), path);
    },
    deleteConnection: (nameOrId) => remove(connectionPath(nameOrId)),
    async listAgents() {
      return listOf<HoopAgent>(await get('/api/agents'), '/api/agents');
    },
    getPlugin,
    async createPlugin(input) {
      try {
        return await createOnce<HoopPlugin>('/api/plugins', { connections: [], ...input }, () => getPlugin(input.name));
      } catch (err) {
        // Enabled meanwhile (by another run): what the caller wanted.
        const existing = err instanceof HoopApiError && err.status === 400 && /already enabled/i.test(err.message) ? await getPlugin(input.name) : undefined;
        if (existing) return existing;
        throw err;
      }
    },
    async getPluginConnection(plugin, connectionId) {
      return (await getOptional(pluginConnPath(plugin, connectionId))) as HoopPluginConnection | undefined;
    },
    async putPluginConnection(plugin, connectionId, config) {
      return (await send('PUT', pluginConnPath(plugin, connectionId), { body: { config }, retry: true })) as HoopPluginConnection;
    },
    deletePluginConnection: (plugin, connectionId) => remove(pluginConnPath(plugin, connectionId)),
  };
}
