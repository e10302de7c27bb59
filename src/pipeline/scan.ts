/**
 * `sprawl scan`: collect every configured source into a new scan of the store, then analyze it.
 * Stages talk through the store only; this module wires them and decides the scan's status.
 */
import type { collectAws } from '../collectors/aws/index.ts';
import type { collectAzure } from '../collectors/azure/index.ts';
import type { collectGateway } from '../collectors/gateway/index.ts';
import type { GatewayInventory } from '../collectors/gateway/link.ts';
import type { collectGcp } from '../collectors/gcp/index.ts';
import type { collectGithub } from '../collectors/github/index.ts';
import type { collectKubernetes } from '../collectors/kubernetes/index.ts';
import type { collectRepos } from '../collectors/repos/collect.ts';
import type { Collector, CollectorContext, Progress } from '../collectors/context.ts';
import type { Config } from '../config/schema.ts';
import type { InventoryRecord, ScanInfo, ScanStatus, SourceOutcome } from '../model/index.ts';
import { newScanId } from '../model/index.ts';
import { createInventoryWriter, createScan, finishScan, getScan, startHeartbeat, storeFailure, type Store } from '../store/index.ts';
import type { Logger } from '../util/log.ts';
import { AnalysisInterrupted, analyzeScan, type AnalysisSummary } from './analyze.ts';
import { formatShard, unitFilter, type Shard } from './shard.ts';
import { toolVersion } from './version.ts';

export interface ScanOptions {
  store: Store;
  config: Config;
  log: Logger;
  progress: Progress;
  /** Concurrent API calls per collector. */
  concurrency?: number;
  now?: () => Date;
  signal?: AbortSignal;
  runId?: string;
  /** Analyze the scan once collected (default); false leaves it to `sprawl analyze`. */
  analyze?: boolean;
  /**
   * One shard of a sharded run (needs runId): collects only its units of the estate and is not
   * analyzed; the gateway, which links connections to identities of every shard, is left to
   * `sprawl analyze --run` (finishRun), which merges the shards.
   */
  shard?: Shard;
  /** Collectors by config section; tests and benchmarks may pass their own. */
  collectors?: Partial<CollectorSet>;
}

export interface CollectorSet {
  aws: typeof collectAws;
  gcp: typeof collectGcp;
  azure: typeof collectAzure;
  github: typeof collectGithub;
  kubernetes: typeof collectKubernetes;
  gateway: typeof collectGateway;
  repos: typeof collectRepos;
}

export interface ScanResult {
  scan: ScanInfo;
  counts: { identities: number; credentials: number; grants: number; activities: number; leaks: number };
  analysis?: AnalysisSummary;
  durationMs: number;
}

export class NothingToScanError extends Error {
  override name = 'NothingToScanError';
}

interface PlannedSource {
  name: string;
  run: (ctx: CollectorContext) => Promise<SourceOutcome[]>;
  /** Runs after the others, with what they found (the gateway links its connections to identities). */
  after?: boolean;
}

export function plannedSources(config: Config, collectors: CollectorSet, found: GatewayInventory): PlannedSource[] {
  const out: PlannedSource[] = [];
  const aws = config.aws;
  if (aws) {
    const collect: Collector<{ aws: typeof aws; owners: Config['owners'] }> = collectors.aws;
    out.push({ name: 'aws', run: (ctx) => collect({ aws, owners: config.owners }, ctx) });
  }
  const gcp = config.gcp;
  if (gcp) out.push({ name: 'gcp', run: (ctx) => collectors.gcp({ gcp, owners: config.owners }, ctx) });
  const azure = config.azure;
  if (azure) out.push({ name: 'azure', run: (ctx) => collectors.azure({ azure, owners: config.owners }, ctx) });
  const github = config.github;
  if (github) out.push({ name: 'github', run: (ctx) => collectors.github({ github, owners: config.owners }, ctx) });
  const kubernetes = config.kubernetes;
  if (kubernetes) out.push({ name: 'kubernetes', run: (ctx) => collectors.kubernetes({ kubernetes, owners: config.owners }, ctx) });
  const gateway = config.gateway;
  if (gateway) out.push({ name: GATEWAY_SOURCE, after: true, run: (ctx) => collectors.gateway({ gateway, inventory: found }, ctx) });
  if (config.repos.length > 0) {
    const fingerprintKey = process.env.SPRAWL_FINGERPRINT_KEY || undefined;
    out.push({ name: 'repos', run: (ctx) => collectors.repos({ repos: config.repos, secrets: config.secrets, ...(fingerprintKey ? { fingerprintKey } : {}) }, ctx) });
  }
  return out;
}

/** The planned source of the gateway (it runs after the others, with what they found). */
export const GATEWAY_SOURCE = 'gateway';

/** Keeps the little the gateway collector needs of an identity or a credential. */
function remember(found: GatewayInventory, record: InventoryRecord): void {
  if (record.type === 'identity') found.identities.push({ id: record.record.id, name: record.record.name, ...(record.record.nativeId !== undefined ? { nativeId: record.record.nativeId } : {}) });
  else if (record.type === 'credential') found.credentials.push({ id: record.record.id, identityId: record.record.identityId, publicId: record.record.publicId });
}

export function scanStatus(sources: readonly SourceOutcome[], interrupted: boolean): ScanStatus {
  if (interrupted) return 'interrupted';
  const failed = sources.filter((s) => s.status === 'failed').length;
  if (failed === 0) return 'complete';
  return failed === sources.length ? 'failed' : 'partial';
}

/**
 * The collectors, each loaded when a scan first runs it: a provider's SDK costs hundreds of
 * milliseconds to load, which every other command (and a scan of other providers) need not pay.
 */
export const LAZY_COLLECTORS: CollectorSet = {
  aws: async (input, ctx) => (await import('../collectors/aws/index.ts')).collectAws(input, ctx),
  gcp: async (input, ctx) => (await import('../collectors/gcp/index.ts')).collectGcp(input, ctx),
  azure: async (input, ctx) => (await import('../collectors/azure/index.ts')).collectAzure(input, ctx),
  github: async (input, ctx) => (await import('../collectors/github/index.ts')).collectGithub(input, ctx),
  kubernetes: async (input, ctx) => (await import('../collectors/kubernetes/index.ts')).collectKubernetes(input, ctx),
  gateway: async (input, ctx) => (await import('../collectors/gateway/index.ts')).collectGateway(input, ctx),
  repos: async (input, ctx) => (await import('../collectors/repos/collect.ts')).collectRepos(input, ctx),
};

/** Collects, stores and analyzes one scan. Never throws for a failed source: it is recorded. */
export async function runScan(opts: ScanOptions): Promise<ScanResult> {
  const now = opts.now ?? (() => new Date());
  const started = now();
    // What the inventory collectors found, kept small, for the gateway to link its connections to.
  const found: GatewayInventory = { identities: [], credentials: [] };
  // Only a gateway links its connections to what the other collectors found.
  const keepFound = opts.config.gateway !== undefined;
  const planned = plannedSources(opts.config, { ...LAZY_COLLECTORS, ...opts.collectors }, found);
  const sources = opts.shard ? planned.filter((s) => s.name !== GATEWAY_SOURCE) : planned;
  if (opts.shard && !opts.runId) throw new Error('a shard of a scan needs the id of its run');
  if (sources.length === 0) {
    throw new NothingToScanError('nothing to scan: the config has no provider section and no repos (add `aws:`, `gcp:`, `azure:`, `github:`, `kubernetes:`, `gateway:` or `repos:` to sprawl.yaml, or run `sprawl init`)');
  }
  const { store, log } = opts;
  const scanId = newScanId(started);
  const shard = opts.shard ? formatShard(opts.shard) : undefined;
  await createScan(store, { id: scanId, startedAt: started.toISOString(), toolVersion: toolVersion(), runId: opts.runId, ...(shard ? { shard } : {}) });
  log.debug('scan started', { scan: scanId, store: store.location, ...(shard ? { run: opts.runId, shard } : {}) });
  if (shard && sources.length < planned.length) log.info(`shard ${shard}: the gateway is collected once all shards are in, by \`sprawl analyze --run ${opts.runId ?? ''}\``);

  // While it runs, the scan says so: a scan whose heartbeat stops is taken for dead (recoverAbandonedScans).
  const heartbeat = startHeartbeat(store, scanId);
  try {
    return await collectAndAnalyze(opts, { scanId, started, sources, found, keepFound });
  } catch (err) {
    // A store that cannot be written (disk full, read-only) is named, in one line.
    throw storeFailure(store.location, err) ?? err;
  } finally {
    heartbeat.stop();
  }
}

async function collectAndAnalyze(
  opts: ScanOptions,
  job: { scanId: string; started: Date; sources: PlannedSource[]; found: GatewayInventory; keepFound: boolean },
): Promise<ScanResult> {
  const now = opts.now ?? (() => new Date());
  const { store, log } = opts;
  const { scanId, started, sources, found, keepFound } = job;
  const writer = createInventoryWriter(store, scanId);
  const ctx: CollectorContext = {
    now: started,
    log,
    progress: opts.progress,
    concurrency: opts.concurrency ?? opts.config.aws?.concurrency ?? 8,
    emit: (record) => {
      if (keepFound) remember(found, record);
      writer.write(record);
    },
    signal: opts.signal,
    ...(opts.shard ? { inShard: unitFilter(opts.shard) } : {}),
  };

  const outcomes: SourceOutcome[] = [];
  // Recorded when the scan cannot go on (the store failed): the next scan is not compared with it.
  const failed = (err: unknown): Promise<void> =>
    finishScan(store, scanId, { status: 'failed', sources: outcomes, finishedAt: now().toISOString(), error: (storeFailure(store.location, err) ?? (err as Error)).message }).catch(() => undefined);
  try {
    const run = (s: PlannedSource): Promise<SourceOutcome[]> =>
      s.run(ctx).catch((err: unknown): SourceOutcome[] => {
        // A collector bug must not lose the other sources: record it as a failed source.
        log.error(`${s.name} collector crashed`, { error: (err as Error).message });
        return [{ source: s.name, status: 'failed', items: 0, error: `collector error: ${(err as Error).message}` }];
      });
    outcomes.push(...(await Promise.all(sources.filter((s) => !s.after).map(run))).flat());
    outcomes.push(...(await Promise.all(sources.filter((s) => s.after).map(run))).flat());
    await writer.flush();
  } catch (err) {
    await failed(err);
    throw err;
  }

  const interrupted = opts.signal?.aborted ?? false;
  const status = scanStatus(outcomes, interrupted);
  let analysis: AnalysisSummary | undefined;
  if (opts.analyze !== false && !opts.shard && status !== 'interrupted' && status !== 'failed') {
    try {
      analysis = await analyzeScan({ store, scanId, at: started, policy: opts.config.policy, analysis: opts.config.analysis, sources: outcomes, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      // Stopped by a signal after collecting: the scan is recorded collected, not analyzed.
      if (err instanceof AnalysisInterrupted) log.warn(`interrupted while analyzing: scan ${scanId} is collected but not analyzed (\`sprawl analyze\` analyzes it)`);
      else {
        await failed(err);
        throw err;
      }
    }
  }
  const finished = now();
  await finishScan(store, scanId, { status, sources: outcomes, finishedAt: finished.toISOString() });
  const scan = await getScan(store, scanId);
  if (!scan) throw new Error(`scan ${scanId} vanished from the store`);
  return {
    scan,
    counts: { identities: writer.counts.identity, credentials: writer.counts.credential, grants: writer.counts.grant, activities: writer.counts.activity, leaks: writer.counts.leak },
    analysis,
    durationMs: finished.getTime() - started.getTime(),
  };
}
