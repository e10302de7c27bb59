/**
 * Every GCP API call of one source goes through a runner: under the concurrency limits, with
 * the abort signal and the retry policy (`callOptions`), counted for progress (pages,
 * retries as gaxios makes them, errors).
 */
import { callOptions } from '../../providers/gcp/client.ts';
import type { GcpCallOptions, GcpClientSettings } from '../../providers/gcp/client.ts';
import { pageGuard } from '../../providers/paging.ts';
import { abortableSleep } from '../../util/abort.ts';
import type { ProgressDelta } from '../context.ts';

export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs one call; the callback gets the per-call options to pass to the googleapis method. */
export type CallRunner = <T>(call: (options: GcpCallOptions) => Promise<T>, opts?: { readOnlyPost?: boolean }) => Promise<T>;

export class AbortedError extends Error {
  constructor() {
    super('the scan was interrupted');
    this.name = 'AbortError';
  }
}

export interface RunnerStats {
  calls: number;
  retries: number;
  errors: number;
}

/** A 2xx answer whose body gaxios could not parse as JSON (it returns the text instead). */
export class GcpBodyError extends Error {
  constructor() {
    super('malformed response: invalid JSON in a 2xx answer');
    this.name = 'GcpBodyError';
  }
}

/** The text of a body gaxios could not parse: the call's result, or a response's `data`. */
function unreadable(out: unknown): boolean {
  if (typeof out === 'string') return true;
  if (typeof out !== 'object' || out === null || !('data' in out) || !('status' in out)) return false;
  return typeof (out as { data: unknown }).data === 'string';
}

/** An attempt gaxios aborted at its timeout (the scan's own abort is checked before). */
function timedOut(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const cause = (err as { cause?: unknown }).cause;
  const names = [err.name, cause instanceof Error ? cause.name : ''];
  return names.some((n) => n === 'AbortError' || n === 'TimeoutError') || /operation was aborted|timed? ?out|timeout/i.test(err.message);
}

function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms * (0.8 + Math.random() * 0.4), signal, () => new AbortedError());
}

/** A runner for one source: `limits` apply outermost first; `report` receives progress deltas. */
export function createRunner(settings: GcpClientSettings, limits: readonly Limit[], report: (delta: ProgressDelta) => void, signal?: AbortSignal): { run: CallRunner; stats: RunnerStats } {
  const stats: RunnerStats = { calls: 0, retries: 0, errors: 0 };
  const onRetry = (): void => {
    stats.retries++;
    report({ retries: 1 });
  };
  const run: CallRunner = <T>(call: (options: GcpCallOptions) => Promise<T>, opts: { readOnlyPost?: boolean } = {}): Promise<T> => {
    const once = async (): Promise<T> => {
      if (signal?.aborted) throw new AbortedError();
      stats.calls++;
      try {
        // gaxios retries 429, 5xx and lost connections itself, but neither an attempt that ran
        // past its timeout (it aborts it, and never retries an abort) nor a 2xx whose body is not
        // JSON (it hands the text back as the data): those are retried here, as many times.
        for (let attempt = 0; ; attempt++) {
          let failure: unknown;
          try {
            const out = await call(callOptions(settings, { ...(signal ? { signal } : {}), onRetry, ...(opts.readOnlyPost ? { readOnlyPost: true } : {}) }));
            if (!unreadable(out)) {
              report({ pages: 1 });
              return out;
            }
            failure = new GcpBodyError();
          } catch (err) {
            if (signal?.aborted || !timedOut(err)) throw err;
            failure = err;
          }
          if (attempt >= settings.maxRetries) throw failure;
          onRetry();
          await backoff(Math.min(settings.maxRetryDelayMs, settings.retryDelayMs * 2 ** attempt), signal);
        }
      } catch (err) {
        if (signal?.aborted) throw new AbortedError();
        stats.errors++;
        report({ errors: 1 });
        throw err;
      }
    };
    return limits.reduceRight<() => Promise<T>>((inner, limit) => () => limit(inner), once)();
  };
  return { run, stats };
}

/**
 * Pages a `nextPageToken` list to the end: stops on an absent or empty token and refuses a
 * repeated one and a list past the page bound (paging.ts; a server bug would otherwise loop forever).
 */
export async function pageAll<P extends { nextPageToken?: string | null | undefined }>(
  run: CallRunner,
  fetch: (pageToken: string | undefined, options: GcpCallOptions) => Promise<P>,
  onPage: (page: P) => void,
): Promise<void> {
  let token: string | undefined;
  const guard = pageGuard('nextPageToken');
  do {
    const current = token;
    const page = await run((options) => fetch(current, options));
    onPage(page);
    token = page.nextPageToken || undefined;
    guard.next(token);
  } while (token !== undefined);
}

