/**
 * Retries of a GitHub request, an Octokit plugin in place of @octokit/plugin-throttling and
 * @octokit/plugin-retry. Those put every request through Bottleneck queues whose timers cost
 * 10-15 ms per request (measured against the sandbox's emulator: 15 ms per request against 1.5 ms
 * without them), which at the collector's few concurrent requests is most of a large
 * organization's scan. The behaviour is theirs:
 * - a primary rate limit (403 or 429 with `x-ratelimit-remaining: 0`) waits until one second after
 *   `x-ratelimit-reset`; a secondary one (the message says "secondary rate limit", or a 429
 *   without an exhausted budget) waits `retry-after` seconds, or 60. `onLimit` decides whether to
 *   wait (the client bounds the count and the wait); when it says no, the error is thrown.
 * - a 5xx (octokit's status for a failed fetch or timeout too) is retried after (n + 1)^2 base
 *   units, up to `retries` times.
 * - writes (neither GET nor HEAD) of one client start at least `writeGapMs` apart, as GitHub asks
 *   of mutative requests.
 * An aborted signal ends the waits and stops the retries.
 */
import type { Octokit } from '@octokit/rest';
import { abortableSleep } from '../../util/abort.ts';

export type LimitKind = 'rate-limit' | 'secondary-rate-limit';

export interface RetryOptions {
  /** Retries of a 5xx. */
  retries: number;
  /** Milliseconds per second of a wait (1000; tests shrink it). */
  baseMs: number;
  /** Minimum gap between the starts of two writes. */
  writeGapMs: number;
  /** Whether to wait `retryAfterSeconds` and try again; `count` is the rate-limit retries so far. */
  onLimit(kind: LimitKind, retryAfterSeconds: number, request: { method: string; url: string }, count: number): boolean;
  signal?: AbortSignal;
}

type Headers = Record<string, string | number | undefined>;

/** The wait a rate-limited answer asks for, or undefined when `err` is not a rate limit. */
export function rateLimitWait(err: unknown, nowMs: number): { kind: LimitKind; seconds: number } | undefined {
  const e = err as { status?: unknown; message?: unknown; response?: { headers?: Headers } };
  if (e.status !== 403 && e.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const secondary = (): { kind: LimitKind; seconds: number } => ({ kind: 'secondary-rate-limit', seconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 60 });
  if (typeof e.message === 'string' && /\bsecondary rate\b/i.test(e.message)) return secondary();
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const resetMs = Math.trunc(Number(headers['x-ratelimit-reset'])) * 1000;
    // One second past the reset, as GitHub advises.
    return { kind: 'rate-limit', seconds: Math.max(Math.ceil((resetMs - nowMs) / 1000) + 1, 0) };
  }
  return e.status === 429 ? secondary() : undefined;
}

const isWrite = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/** The plugin: `Octokit.plugin(..., githubRetries)`, configured by the `sprawlRetries` option. */
export function githubRetries(octokit: Pick<Octokit, 'hook'>, options: Record<string, unknown>): void {
  const o = options.sprawlRetries as RetryOptions | undefined;
  if (!o) return;
  // Writes queue on this chain; each link resolves when the next write may start.
  let writes: Promise<void> = Promise.resolve();
  const writeTurn = (): Promise<void> => {
    const turn = writes;
    // Aborted, the gap ends at once: the write itself then fails on the aborted signal.
    writes = turn.then(() => abortableSleep(o.writeGapMs, o.signal, () => new Error('aborted')).catch(() => undefined));
    return turn;
  };
  octokit.hook.wrap('request', async (request, req) => {
    if (isWrite(req.method)) await writeTurn();
    let serverRetries = 0;
    let limitRetries = 0;
    for (;;) {
      try {
        return await request(req);
      } catch (err) {
        if (o.signal?.aborted) throw err;
        const limit = rateLimitWait(err, Date.now());
        let waitMs: number;
        if (limit) {
          if (!o.onLimit(limit.kind, limit.seconds, req, limitRetries)) throw err;
          limitRetries++;
          waitMs = limit.seconds * o.baseMs;
        } else {
          const status = (err as { status?: unknown }).status;
          if (typeof status !== 'number' || status < 500 || serverRetries >= o.retries) throw err;
          serverRetries++;
          waitMs = serverRetries * serverRetries * o.baseMs;
        }
        await abortableSleep(waitMs, o.signal, () => err as Error);
      }
    }
  });
}
