/**
 * Every API call of one account goes through a runner: under the concurrency limits, with the
 * abort signal, and counted for progress (pages, retries from `$metadata.attempts`, errors).
 */
import { attemptsOf } from '../../providers/aws/client.ts';
import { pageGuard } from '../../providers/paging.ts';
import { abortableSleep } from '../../util/abort.ts';
import type { ProgressDelta } from '../context.ts';

/** Runs one SDK call; the callback gets the abort signal to pass to `client.send`. */
export type CallRunner = <T>(call: (abortSignal: AbortSignal | undefined) => Promise<T>) => Promise<T>;

export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export class AbortedError extends Error {
  constructor() {
    super('the scan was interrupted');
    this.name = 'AbortError';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortableSleep(ms, signal, () => new AbortedError());
}

export interface RunnerStats {
  calls: number;
  retries: number;
  errors: number;
}

/**
 * A runner for one account: `limits` are applied outermost first (e.g. the account's limit,
 * then the collector-wide one); `report` receives progress deltas.
 */
export function createRunner(limits: readonly Limit[], report: (delta: ProgressDelta) => void, signal?: AbortSignal): { run: CallRunner; stats: RunnerStats } {
  const stats: RunnerStats = { calls: 0, retries: 0, errors: 0 };
  const run: CallRunner = <T>(call: (abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> => {
    const once = async (): Promise<T> => {
      if (signal?.aborted) throw new AbortedError();
      stats.calls++;
      try {
        const out = await call(signal);
        const retries = attemptsOf(out) - 1;
        stats.retries += retries;
        report({ pages: 1, ...(retries > 0 ? { retries } : {}) });
        return out;
      } catch (err) {
        if (signal?.aborted) throw new AbortedError();
        const retries = attemptsOf(err) - 1;
        stats.retries += retries;
        stats.errors++;
        report({ errors: 1, ...(retries > 0 ? { retries } : {}) });
        throw err;
      }
    };
    return limits.reduceRight<() => Promise<T>>((inner, limit) => () => limit(inner), once)();
  };
  return { run, stats };
}

/**
 * Pages a Marker-based list to the end, like the SDK's paginators: stops when the response
 * carries no Marker (IsTruncated is not trusted), and refuses a repeated marker and a list past
 * the page bound (paging.ts).
 */
export async function pageAll<O extends { Marker?: string | undefined }>(run: CallRunner, fetch: (marker: string | undefined, abortSignal: AbortSignal | undefined) => Promise<O>, onPage: (page: O) => void): Promise<void> {
  let marker: string | undefined;
  const guard = pageGuard('Marker');
  do {
    const current = marker;
    const page = await run((abortSignal) => fetch(current, abortSignal));
    onPage(page);
    marker = page.Marker || undefined;
    guard.next(marker);
  } while (marker !== undefined);
}
