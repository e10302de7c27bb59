import { z } from 'zod';
import { httpUrl } from './url.ts';

/**
 * The `gateway:` section of the config file: a hoop.dev access gateway whose sessions are read
 * as activity of the identities its connections act as.
 *
 * Credentials: a hoop API key (`hpk_...`, `POST /api/api-keys`) in the environment variable
 * named by `apiKeyEnv`; never in the config or the store. Give the key the `auditor` group (or
 * `admin`): other users only see their own sessions.
 */
/** `/regex/flags` must compile (flags among d, i, m, s, u, v); a glob (`batch-*`) always does. */
const connectionPattern = z
  .string()
  .min(1)
  .refine((p) => {
    const re = /^\/(.+)\/([a-z]*)$/.exec(p);
    if (!re) return true;
    try {
      new RegExp(re[1] ?? '', (re[2] ?? '').replace(/[gy]/g, ''));
      return true;
    } catch {
      return false;
    }
  }, 'a glob (batch-*) or a valid regular expression in slashes (/^etl-.+$/)');

export const gatewaySchema = z
  .strictObject({
    /** The gateway's API origin, e.g. `https://gateway.acme.example` (paths under `/api` are added). */
    url: httpUrl().optional(),
    /** Name of the gateway in record ids (`hoop:<name>:conn/...`). Default: the url's host name. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'a host-like name').optional(),
    /** Environment variable holding the `hpk_` API key. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('HOOP_API_KEY'),
    /** Days of session history to read. */
    since: z.number().positive().max(3650).default(90),
    /** Initial time window of a session query (split in half while the gateway caps its count). */
    windowHours: z.number().positive().max(24 * 31).default(24),
    /** Connections linked to an identity by name: a glob (`batch-*`) or a regex in slashes (`/^etl-.+$/`). */
    connectionMap: z.array(z.strictObject({ pattern: connectionPattern, identity: z.string().min(1) })).default([]),
    /** Concurrent API calls. */
    concurrency: z.int().min(1).max(32).default(4),
    /** Sessions per page (the gateway clamps to 100). */
    pageSize: z.int().min(1).max(100).default(100),
    /** Retries of a call on throttling (429), 5xx and network errors, with exponential backoff. */
    maxRetries: z.int().min(0).max(10).default(4),
    /** Per-request timeout. */
    timeoutMs: z.int().min(100).max(300_000).default(30_000),
    /** Read the script of at most this many sessions by id (one call each), for the redacted command text. */
    fetchScripts: z.int().min(0).max(10_000).default(0),
    /** Exported session files (a JSON array, `{ data: [...] }` or JSON lines of session objects). */
    files: z.array(z.string().min(1)).default([]),
  })
  .refine((c) => c.url !== undefined || c.files.length > 0, { message: 'give the gateway url or session files' })
  .refine((c) => c.url !== undefined || c.name !== undefined, { message: 'give the gateway name when reading files only' });

export type GatewayConfig = z.infer<typeof gatewaySchema>;
