import type { InventoryRecord, SourceOutcome } from '../model/index.ts';
import type { Logger } from '../util/log.ts';

/** Live counters of one source (an account, a project, a cluster), for progress display. */
export interface ProgressDelta {
  pages?: number;
  items?: number;
  errors?: number;
  retries?: number;
}

export interface Progress {
  start(source: string): void;
  update(source: string, delta: ProgressDelta): void;
  finish(source: string, outcome: SourceOutcome): void;
}

export const noProgress: Progress = { start() {}, update() {}, finish() {} };

/**
 * What a collector gets besides its config section (ARCHITECTURE.md, "Interfaces").
 * Records are streamed through `emit`; the store writer batches them.
 */
export interface CollectorContext {
  now: Date;
  log: Logger;
  progress: Progress;
  /** Upper bound of concurrent API calls per collector. */
  concurrency: number;
  emit(record: InventoryRecord): void;
  signal?: AbortSignal;
  /**
   * In one shard of a sharded scan: whether a unit of the estate (`aws:<account>`,
   * `gcp:<project>`, `azure:<subscription>`, `azure-tenant:<tenant>`, `github:<org>`,
   * `k8s:<context>`, `repo:<name>`) is this shard's to collect. Absent: every unit is.
   */
  inShard?: (unit: string) => boolean;
}

/** Whether the collector should collect this unit of the estate (see CollectorContext.inShard). */
export function owns(ctx: Pick<CollectorContext, 'inShard'>, unit: string): boolean {
  return ctx.inShard?.(unit) ?? true;
}

/** A collector resolves to one outcome per source; a failed source never fails the whole scan. */
export type Collector<Config> = (config: Config, ctx: CollectorContext) => Promise<SourceOutcome[]>;
