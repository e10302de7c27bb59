import type { Collector, CollectorContext, ProgressDelta } from '../../src/collectors/context.ts';
import type { Activity, Credential, Grant, Identity, InventoryRecord, Leak, SourceOutcome } from '../../src/model/index.ts';
import { silentLogger } from '../../src/util/log.ts';

/** What a collector emitted and reported during one run, sorted by record type. */
export interface Collected {
  outcomes: SourceOutcome[];
  records: InventoryRecord[];
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
  activities: Activity[];
  leaks: Leak[];
  /** Sources in the order they started and finished. */
  started: string[];
  finished: SourceOutcome[];
  /** Progress counters summed over every source. */
  totals: Required<ProgressDelta>;
}

/** Runs a collector with a recording context (fixed clock, silent log, concurrency 8 unless overridden). */
export async function collectInto<C>(collect: Collector<C>, config: C, opts: Partial<Omit<CollectorContext, 'now'>> & { now: Date | string | number }): Promise<Collected> {
  const { now, ...extra } = opts;
  const records: InventoryRecord[] = [];
  const started: string[] = [];
  const finished: SourceOutcome[] = [];
  const totals = { pages: 0, items: 0, errors: 0, retries: 0 };
  const ctx: CollectorContext = {
    now: new Date(now),
    log: silentLogger,
    concurrency: 8,
    emit: (r) => records.push(r),
    progress: {
      start: (s) => started.push(s),
      update: (_s, d) => {
        for (const k of ['pages', 'items', 'errors', 'retries'] as const) totals[k] += d[k] ?? 0;
      },
      finish: (_s, o) => finished.push(o),
    },
    ...extra,
  };
  const outcomes = await collect(config, ctx);
  const of = <T extends InventoryRecord['type']>(t: T) => records.filter((r) => r.type === t).map((r) => r.record) as Extract<InventoryRecord, { type: T }>['record'][];
  return { outcomes, records, identities: of('identity'), credentials: of('credential'), grants: of('grant'), activities: of('activity'), leaks: of('leak'), started, finished, totals };
}
