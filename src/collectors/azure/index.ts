/**
 * The Azure collector. Sources: `azure:<tenantId>` for the directory (Graph: service principals,
 * managed identities, applications' secrets and certificates, owners, sign-in activity) and
 * `azure:<subscriptionId>` per subscription (role assignments and definitions). A failing
 * source (403 on one subscription) is reported failed; the others are kept.
 */
import type { AzureConfig } from '../../config/azure-schema.ts';
import { faultReason } from '../../providers/faults.ts';
import type { OwnersConfig } from '../../config/schema.ts';
import type { SourceOutcome } from '../../model/index.ts';
import { AzureAbortError, azureClientSettings, createArmRestClient, createAuthorizationClient, createAzureCredential, createGraphClient, describeAzureError } from '../../providers/azure/client.ts';
import type { AzureClientSettings } from '../../providers/azure/client.ts';
import type { TokenCredential } from '@azure/identity';
import { createLimit, mapLimit } from '../../util/limit.ts';
import { owns, type Collector, type CollectorContext, type ProgressDelta } from '../context.ts';
import { collectDirectory } from './directory.ts';
import type { DirectoryResult } from './directory.ts';
import type { Limit } from './limited.ts';
import { fetchSubscription, keyedGrantsOf } from './subscription.ts';

export type AzureCollectorConfig = { azure: AzureConfig; owners: OwnersConfig };

export interface AzureCollectorOptions {
  /** Client settings overriding the ones derived from the config (retry delays, timeouts). */
  settings?: Partial<AzureClientSettings>;
  /** Where SPRAWL_AZURE_ACCESS_TOKEN is read (default: process.env); DefaultAzureCredential always reads process.env. */
  env?: NodeJS.ProcessEnv;
  /** Subscriptions scanned at once (their calls share the collector-wide limit). Default 4. */
  parallelSubscriptions?: number;
}

const ARM_SUBSCRIPTIONS_API = '2022-12-01';

interface SourceRun {
  source: string;
  report: (delta: ProgressDelta) => void;
  signal: AbortSignal;
  hooks: { onRetry: () => void };
  done: (outcome: SourceOutcome) => SourceOutcome;
}

/** Progress and abort plumbing of one source. */
function openSource(ctx: CollectorContext, source: string): SourceRun {
  ctx.progress.start(source);
  const report = (delta: ProgressDelta): void => ctx.progress.update(source, delta);
  return {
    source,
    report,
    signal: ctx.signal ?? new AbortController().signal,
    hooks: { onRetry: () => report({ retries: 1 }) },
    done: (outcome) => {
      ctx.progress.finish(source, outcome);
      return outcome;
    },
  };
}

function failure(source: string, err: unknown, ctx: CollectorContext, timeoutMs?: number): SourceOutcome {
  const interrupted = ctx.signal?.aborted === true || err instanceof AzureAbortError;
  const facts = describeAzureError(err);
  const { code, message, status } = facts;
  const error = interrupted ? 'interrupted' : faultReason(err, facts, `${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, timeoutMs !== undefined ? { timeoutMs } : {});
  ctx.log.warn('azure source failed', { source, error });
  return { source, status: 'failed', items: 0, error };
}

async function resolveTenant(settings: AzureClientSettings, credential: TokenCredential, ctx: CollectorContext): Promise<string> {
  if (settings.tenantId !== undefined) return settings.tenantId;
  const graph = createGraphClient(settings, credential);
  const org = await graph.get<{ value?: { id?: string }[] }>('/v1.0/organization?$select=id', ctx.signal);
  const id = org.value?.[0]?.id;
  if (!id) throw new Error('Graph /organization returned no tenant id');
  return id;
}

export function createAzureCollector(opts: AzureCollectorOptions = {}): Collector<AzureCollectorConfig> {
  return async (config: AzureCollectorConfig, ctx: CollectorContext): Promise<SourceOutcome[]> => {
    const { azure } = config;
    const settings = azureClientSettings(azure, opts.settings);
    const credential = createAzureCredential(settings, opts.env ?? process.env);
    const limit: Limit = createLimit(Math.max(1, Math.min(ctx.concurrency, azure.concurrency)));

    let tenantId: string;
    try {
      tenantId = await resolveTenant(settings, credential, ctx);
    } catch (err) {
      const run = openSource(ctx, 'azure:tenant');
      return [run.done(failure(run.source, err, ctx, settings.requestTimeoutMs))];
    }

    // The directory runs alongside the subscriptions; grants wait for it to know which principals were left out.
    // In a sharded scan every shard with subscriptions reads it for that; only the tenant's shard records it.
    const ownsTenant = owns(ctx, `azure-tenant:${tenantId.toLowerCase()}`);
    // The tenant's shard (every scan that is not sharded) reads the directory while it lists the
    // subscriptions; another shard reads it only if some of the subscriptions are its own.
    const early = ownsTenant ? runDirectory(config, tenantId, settings, credential, limit, ctx) : undefined;
    const listed = await listSubscriptions(azure, settings, credential, limit, ctx);
    const subscriptionIds = Array.isArray(listed) ? listed.filter((id) => owns(ctx, `azure:${id.toLowerCase()}`)) : listed;
    if (!ownsTenant && Array.isArray(subscriptionIds) && subscriptionIds.length === 0) return [];
    const directory = early ?? runDirectory(config, tenantId, settings, credential, limit, ctx, false);
    const subs = Array.isArray(subscriptionIds) ? readSubscriptions(subscriptionIds) : Promise.resolve([subscriptionIds]);
    const [dir, subOutcomes] = await Promise.all([directory, subs]);
    return [...(ownsTenant ? [dir.outcome] : []), ...subOutcomes];

    /**
     * Every subscription read (its grants kept, not yet counted), then the grants emitted in the
     * listing's order: an assignment seen from several subscriptions (a management group's) is
     * counted by the first one listed that was read, whichever finished first, so that each
     * source's count is the same from scan to scan.
     */
    async function readSubscriptions(ids: string[]): Promise<SourceOutcome[]> {
      const read = await mapLimit(ids, Math.max(1, opts.parallelSubscriptions ?? 4), async (subscriptionId) => {
        const run = openSource(ctx, `azure:${subscriptionId}`);
        try {
          const client = createAuthorizationClient(settings, credential, subscriptionId, run.hooks);
          const data = await fetchSubscription({ tenantId, subscriptionId, client, limit, signal: run.signal, onPage: () => run.report({ pages: 1 }) });
          const dir = await directory;
          return { run, grants: keyedGrantsOf(tenantId, data, dir.result?.skipped ?? new Set()) };
        } catch (err) {
          return { run, outcome: run.done(failure(run.source, err, ctx, settings.requestTimeoutMs)) };
        }
      });
      const seen = new Set<string>();
      return read.map((r) => {
        if (r.outcome !== undefined) return r.outcome;
        const grants = r.grants.filter(({ key }) => !seen.has(key) && seen.add(key) !== undefined);
        for (const { grant } of grants) ctx.emit({ type: 'grant', record: grant });
        r.run.report({ items: grants.length });
        return r.run.done({ source: r.run.source, status: 'ok', items: grants.length });
      });
    }
  };
}

async function runDirectory(
  config: AzureCollectorConfig,
  tenantId: string,
  settings: AzureClientSettings,
  credential: TokenCredential,
  limit: Limit,
  ctx: CollectorContext,
  /** False in a shard that reads the directory only to know which principals it leaves out. */
  record = true,
): Promise<{ outcome: SourceOutcome; result?: DirectoryResult }> {
  const run = openSource(ctx, `azure:${tenantId}`);
  try {
    const graph = createGraphClient(settings, credential, run.hooks);
    const result = await collectDirectory({ tenantId, azure: config.azure, owners: config.owners, graph, limit, report: run.report, signal: run.signal, ctx });
    if (record) for (const r of result.records) ctx.emit(r);
    run.report({ items: result.records.length });
    return { outcome: run.done({ source: run.source, status: 'ok', items: result.records.length }), result };
  } catch (err) {
    return { outcome: run.done(failure(run.source, err, ctx, settings.requestTimeoutMs)) };
  }
}

/** The configured subscriptions, or every one the credential sees; a failed listing is a failed source. */
async function listSubscriptions(azure: AzureConfig, settings: AzureClientSettings, credential: TokenCredential, limit: Limit, ctx: CollectorContext): Promise<string[] | SourceOutcome> {
  if (azure.subscriptions.length > 0) return [...new Set(azure.subscriptions.map((s) => s.toLowerCase()))];
  const source = 'azure:subscriptions';
  try {
    const arm = createArmRestClient(settings, credential);
    const ids: string[] = [];
    const pages = arm.pages<{ subscriptionId?: string; state?: string }>(`/subscriptions?api-version=${ARM_SUBSCRIPTIONS_API}`, ctx.signal);
    for (;;) {
      const r = await limit(() => pages.next());
      if (r.done) break;
      for (const s of r.value) if (s.subscriptionId && s.state !== 'Disabled') ids.push(s.subscriptionId.toLowerCase());
    }
    return ids;
  } catch (err) {
    const run = openSource(ctx, source);
    return run.done(failure(source, err, ctx, settings.requestTimeoutMs));
  }
}

export const collectAzure: Collector<AzureCollectorConfig> = createAzureCollector();

export { allowsAction, classifyRole, isFirstParty, isReadOnlyOperation, MICROSOFT_TENANT_ID, tagsToLabels } from './records.ts';
