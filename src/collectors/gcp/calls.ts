/**
 * Every GCP API call of one source goes through a runner: under the concurrency limits, with
 * the abort signal and the retry policy (`callOptions`), counted for progress (pages,
 * retries as gaxios makes them, errors).
 */
import { callOptions } from '../../providers/gcp/client.ts';
import type { GcpCallOptions, GcpClientSettings } from '../../providers/gcp/client.ts';
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
        const out = await call(callOptions(settings, { ...(signal ? { signal } : {}), onRetry, ...(opts.readOnlyPost ? { readOnlyPost: true } : {}) }));
        report({ pages: 1 });
        return out;
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
 * repeated one (a server bug would otherwise loop forever).
 */
export async function pageAll<P extends { nextPageToken?: string | null | undefined }>(
  run: CallRunner,
  fetch: (pageToken: string | undefined, options: GcpCallOptions) => Promise<P>,
  onPage: (page: P) => void,
): Promise<void> {
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const current = token;
    const page = await run((options) => fetch(current, options));
    onPage(page);
    token = page.nextPageToken || undefined;
    if (token !== undefined) {
      if (seen.has(token)) throw new Error(`the API returned the same page token twice (${token.slice(0, 16)}...)`);
      seen.add(token);
    }
  } while (token !== undefined);
}

