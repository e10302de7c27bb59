/**
 * `sprawl analyze --run ID`: once the shards of a sharded run are in, their inventories become the
 * run's own scan (merged in the database), the gateway is collected against that whole inventory,
 * and the run's scan is analyzed like any other. A shard that is missing, still running or failed
 * leaves the run partial, named among its sources; never silently complete.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { CollectorContext, Progress } from '../collectors/context.ts';
import type { GatewayInventory } from '../collectors/gateway/link.ts';
import type { Config } from '../config/schema.ts';
import type { ScanInfo, SourceOutcome } from '../model/index.ts';
import { newScanId } from '../model/index.ts';
import { createInventoryWriter, createScan, finishScan, getScan, mergeInventories, reopenScan, scansOfRun, startHeartbeat, storeFailure, type Store } from '../store/index.ts';
import type { Logger } from '../util/log.ts';
import { analyzeScan } from './analyze.ts';
import { GATEWAY_SOURCE, LAZY_COLLECTORS, plannedSources, scanStatus, type CollectorSet, type ScanResult } from './scan.ts';
import { formatShard, parseShard, type Shard } from './shard.ts';
import { toolVersion } from './version.ts';

export class RunError extends Error {
  override name = 'RunError';
}

export interface FinishRunOptions {
  store: Store;
  config: Config;
  log: Logger;
  progress: Progress;
  runId: string;
  now?: () => Date;
  signal?: AbortSignal;
  concurrency?: number;
  collectors?: Partial<CollectorSet>;
  /** How many shards the run has, when no shard may have come in yet (checked against theirs). */
  shards?: number;
  /** Wait up to this long for shards still running or not started, before merging what is in. */
  waitMs?: number;
  /** Between two looks at the store while waiting. */
  pollMs?: number;
}

/** What became of each shard of a run: the attempt merged, or why there is none. */
export interface ShardState {
  shard: string;
  scan?: ScanInfo;
  /** Set when the shard has no finished attempt to merge. */
  missing?: string;
}

const finished = (s: ScanInfo): boolean => s.status === 'complete' || s.status === 'partial';

/** Per shard of the run, its latest finished attempt (a shard run again replaces its earlier attempts). */
export function shardStates(scans: readonly ScanInfo[], runId: string, expected?: number): { count: number; states: ShardState[] } {
  const shards = scans.filter((s) => s.shard !== undefined);
  if (shards.length === 0 && expected !== undefined) {
    return { count: expected, states: Array.from({ length: expected }, (_, i) => ({ shard: formatShard({ index: i + 1, count: expected }), missing: `no finished scan of shard ${formatShard({ index: i + 1, count: expected })} in run ${runId}: never started` })) };
  }
  if (shards.length === 0) throw new RunError(`run ${runId} has no shards in the store: run \`sprawl scan --run ${runId} --shard I/N\` first (an unsharded scan is analyzed as it is collected)`);
  const parsed = shards.map((s) => ({ scan: s, shard: parseShard(s.shard ?? '') }));
  const counts = new Set(parsed.map((p) => (typeof p.shard === 'string' ? -1 : p.shard.count)));
  if (counts.size !== 1 || counts.has(-1)) {
    throw new RunError(`the shards of run ${runId} disagree on how many shards there are (${[...new Set(shards.map((s) => s.shard))].join(', ')}): one run, one N`);
  }
  const count = [...counts][0] as number;
  if (expected !== undefined && expected !== count) throw new RunError(`run ${runId} has shards of ${count}, not ${expected} (--shards)`);
  const states: ShardState[] = [];
  for (let index = 1; index <= count; index++) {
    const name = formatShard({ index, count });
    const attempts = parsed.filter((p) => (p.shard as Shard).index === index).map((p) => p.scan);
    const latest = [...attempts].reverse().find(finished);
    if (latest) states.push({ shard: name, scan: latest });
    else {
      const last = attempts.at(-1);
      const why = !last
        ? 'never started'
        : last.status === 'running'
          ? `still running, or killed (scan ${last.id}, started ${last.startedAt})`
          : `${last.status} (scan ${last.id})`;
      states.push({ shard: name, missing: `no finished scan of shard ${name} in run ${runId}: ${why}` });
    }
  }
  return { count, states };
}

/** One outcome per source: a source several shards report (a GCP organization) counts once, failed if any failed. */
export function mergeOutcomes(outcomes: readonly SourceOutcome[]): SourceOutcome[] {
  const bySource = new Map<string, SourceOutcome>();
  for (const o of outcomes) {
    const seen = bySource.get(o.source);
    if (!seen) {
      bySource.set(o.source, { ...o });
      continue;
    }
    seen.items += o.items;
    if (o.status === 'failed' && seen.status !== 'failed') {
      seen.status = 'failed';
      if (o.error !== undefined) seen.error = o.error;
    }
  }
  return [...bySource.values()];
}

/** The run's identities and credentials, as the gateway collector links connections to them. */
async function foundInventory(store: Store, scanId: string): Promise<GatewayInventory> {
  const [identities, credentials] = await Promise.all([
    store.db.selectFrom('identities').select(['id', 'name', 'native_id']).where('scan_id', '=', scanId).execute(),
    store.db.selectFrom('credentials').select(['id', 'identity_id', 'public_id']).where('scan_id', '=', scanId).execute(),
  ]);
  return {
    identities: identities.map((i) => ({ id: i.id, name: i.name, ...(i.native_id !== null ? { nativeId: i.native_id } : {}) })),
    credentials: credentials.map((c) => ({ id: c.id, identityId: c.identity_id, publicId: c.public_id })),
  };
}

async function collectGateway(opts: FinishRunOptions, scanId: string, at: Date): Promise<SourceOutcome[]> {
  if (!opts.config.gateway) return [];
  const found = await foundInventory(opts.store, scanId);
  const source = plannedSources(opts.config, { ...LAZY_COLLECTORS, ...opts.collectors }, found).find((s) => s.name === GATEWAY_SOURCE);
  if (!source) return [];
  const writer = createInventoryWriter(opts.store, scanId);
  const ctx: CollectorContext = {
    now: at,
    log: opts.log,
    progress: opts.progress,
    concurrency: opts.concurrency ?? 8,
    emit: (record) => writer.write(record),
    signal: opts.signal,
  };
  const outcomes = await source.run(ctx).catch((err: unknown): SourceOutcome[] => [{ source: GATEWAY_SOURCE, status: 'failed', items: 0, error: `collector error: ${(err as Error).message}` }]);
  await writer.flush();
  return outcomes;
}

/**
 * Merges the finished shards of a run into the run's scan (created on the first call, refilled on
 * the next ones), collects the gateway and analyzes. Returns the run's scan like runScan does.
 */
export async function finishRun(opts: FinishRunOptions): Promise<ScanResult & { shards: ShardState[] }> {
  const now = opts.now ?? (() => new Date());
  const begun = now();
  const { store, runId } = opts;
  const { scans, states } = await waitForShards(opts, now);
  const merged = states.flatMap((s) => (s.scan ? [s.scan] : []));
  // The run is as of its first shard: ages and "last used" count to when collection began.
  const startedAt = merged.map((s) => s.startedAt).sort()[0] ?? begun.toISOString();
  let run = scans.find((s) => s.shard === undefined);
  if (!run) {
    const id = newScanId(new Date(startedAt));
    await createScan(store, { id, startedAt, toolVersion: toolVersion(), runId });
    run = { id, startedAt, status: 'running', sources: [], runId };
  } else await reopenScan(store, run.id);
  for (const s of states) if (s.missing) opts.log.warn(s.missing);
  // While it runs, the run's scan says so (recoverAbandonedScans takes a silent one for dead).
  const heartbeat = startHeartbeat(store, run.id);
  try {
    return await mergeAndAnalyze(opts, run, merged, states, startedAt);
  } catch (err) {
    const named = storeFailure(store.location, err) ?? err;
    await finishScan(store, run.id, { status: 'failed', sources: run.sources, finishedAt: now().toISOString(), error: (named as Error).message }).catch(() => undefined);
    throw named;
  } finally {
    heartbeat.stop();
  }
}

async function mergeAndAnalyze(opts: FinishRunOptions, run: ScanInfo, merged: ScanInfo[], states: ShardState[], startedAt: string): Promise<ScanResult & { shards: ShardState[] }> {
  const now = opts.now ?? (() => new Date());
  const { store, runId } = opts;
  opts.log.info(`run ${runId}: merging ${merged.length} of ${states.length} shards into scan ${run.id}`);
  await mergeInventories(store, run.id, merged.map((s) => s.id));

  const at = new Date(startedAt);
  const gateway = await collectGateway(opts, run.id, at);
  const sources = mergeOutcomes([
    ...merged.flatMap((s) => s.sources),
    ...gateway,
    ...states.flatMap((s): SourceOutcome[] => (s.missing ? [{ source: `shard:${s.shard}`, status: 'failed', items: 0, error: s.missing }] : [])),
  ]);
  const interrupted = opts.signal?.aborted ?? false;
  const status = scanStatus(sources, interrupted);
  const analysis = status === 'failed' || status === 'interrupted' ? undefined : await analyzeScan({ store, scanId: run.id, at, policy: opts.config.policy, analysis: opts.config.analysis, sources });
  const finishedAt = now().toISOString();
  await finishScan(store, run.id, { status, sources, finishedAt });
  const scan = await getScan(store, run.id);
  if (!scan) throw new Error(`scan ${run.id} vanished from the store`);
  const counts = await countInventory(store, run.id);
  return { scan, counts, ...(analysis ? { analysis } : {}), durationMs: Date.parse(finishedAt) - Date.parse(startedAt), shards: states };
}

async function countInventory(store: Store, scanId: string): Promise<ScanResult['counts']> {
  const count = async (table: 'identities' | 'credentials' | 'grants' | 'activities' | 'leaks'): Promise<number> => {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('scan_id', '=', scanId).executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  const [identities, credentials, grants, activities, leaks] = await Promise.all([count('identities'), count('credentials'), count('grants'), count('activities'), count('leaks')]);
  return { identities, credentials, grants, activities, leaks };
}


/** The run's scans and shard states, once every shard is in or the wait is over. */
async function waitForShards(opts: FinishRunOptions, now: () => Date): Promise<{ scans: ScanInfo[]; states: ShardState[] }> {
  const deadline = now().getTime() + (opts.waitMs ?? 0);
  for (;;) {
    const scans = await scansOfRun(opts.store, opts.runId);
    const { states } = shardStates(scans, opts.runId, opts.shards);
    const waiting = states.filter((s) => s.missing).length;
    if (waiting === 0 || now().getTime() >= deadline || opts.signal?.aborted) return { scans, states };
    opts.log.info(`run ${opts.runId}: ${waiting} of ${states.length} shards not in yet; waiting (until ${new Date(deadline).toISOString()})`);
    // An interrupt ends the wait early; the loop then merges what is in.
    await delay(Math.min(opts.pollMs ?? 10_000, Math.max(0, deadline - now().getTime())), undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
  }
}

/** The run's own scan, finished: what `sprawl report --run` reports. */
export async function runScanOf(store: Store, runId: string): Promise<ScanInfo> {
  const scans = await scansOfRun(store, runId);
  const own = scans.filter((s) => s.shard === undefined && finished(s)).at(-1);
  if (own) return own;
  if (scans.some((s) => s.shard !== undefined)) throw new RunError(`run ${runId} is not analyzed yet: once its shards are in, run \`sprawl analyze --run ${runId}\``);
  throw new RunError(`no finished scan of run ${runId} in the store at ${store.location}`);
}
