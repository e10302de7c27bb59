/**
 * The GCP collector: the listed projects plus every project discovered under the listed folders
 * and the organization. One source per project (`gcp:<projectId>`): service accounts, their
 * keys, project IAM bindings, Google-managed service agents and last-authentication times.
 * One source per folder/organization root (`gcp:folders/<id>`, `gcp:organizations/<id>`):
 * discovery, and the grants its IAM policies (and its sub-folders') give to the scanned
 * projects' service accounts. A failing source (403) never fails the others.
 */
import type { GcpConfig } from '../../config/gcp-schema.ts';
import type { OwnersConfig } from '../../config/schema.ts';
import type { Grant, SourceOutcome } from '../../model/index.ts';
import { createGcpAuth, createGcpClients, gcpClientSettings } from '../../providers/gcp/client.ts';
import type { GcpClients, GcpClientSettings } from '../../providers/gcp/client.ts';
import { createLimit, mapLimit } from '../../util/limit.ts';
import { owns, type Collector, type CollectorContext, type ProgressDelta } from '../context.ts';
import { AbortedError, createRunner } from './calls.ts';
import type { Limit } from './calls.ts';
import { readRoot } from './hierarchy.ts';
import type { RootResult } from './hierarchy.ts';
import { collectProject, failureReason } from './project.ts';
import { buildGrant, grantKey, serviceAccountMembers } from './records.ts';

export type GcpCollectorConfig = { gcp: GcpConfig; owners: OwnersConfig };

export interface GcpCollectorOptions {
  /** Client settings overriding the ones derived from the config and the environment. */
  settings?: Partial<GcpClientSettings>;
  /** Environment to read `SPRAWL_GCP_ACCESS_TOKEN` from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Projects scanned at once (their calls share the collector-wide limit). Default 4. */
  parallelProjects?: number;
}

interface Root {
  resource: string;
  source: string;
  result?: RootResult;
  outcome?: SourceOutcome;
}

async function discover(root: Root, clients: GcpClients, settings: GcpClientSettings, limits: readonly Limit[], gcp: GcpConfig, ctx: CollectorContext): Promise<void> {
  ctx.progress.start(root.source);
  const report = (delta: ProgressDelta): void => ctx.progress.update(root.source, delta);
  const { run } = createRunner(settings, [createLimit(Math.max(1, gcp.concurrency)), ...limits], report, ctx.signal);
  try {
    root.result = await readRoot(clients, run, root.resource, Math.max(gcp.pageSize, 50));
  } catch (err) {
    root.outcome = { source: root.source, status: 'failed', items: 0, error: failureReason(ctx.signal?.aborted ? new AbortedError() : err, settings.requestTimeoutMs) };
    ctx.log.warn('gcp hierarchy failed', { source: root.source, error: root.outcome.error });
    ctx.progress.finish(root.source, root.outcome);
  }
}

/** Grants of a root's policies to the scanned projects' service accounts, emitted under the root's source. */
function emitHierarchyGrants(root: Root, accounts: ReadonlyMap<string, string>, ctx: CollectorContext): void {
  if (!root.result || root.outcome) return;
  const grants = new Map<string, Grant>();
  for (const policy of root.result.policies) {
    for (const b of policy.bindings) {
      for (const email of serviceAccountMembers(b)) {
        const identityId = accounts.get(email);
        if (identityId === undefined) continue;
        const g = buildGrant(identityId, policy.resource, b, ctx.now);
        if (g) grants.set(grantKey(g), g);
      }
    }
  }
  for (const g of grants.values()) ctx.emit({ type: 'grant', record: g });
  ctx.progress.update(root.source, { items: grants.size });
  root.outcome = { source: root.source, status: 'ok', items: grants.size };
  ctx.progress.finish(root.source, root.outcome);
}

export function createGcpCollector(opts: GcpCollectorOptions = {}): Collector<GcpCollectorConfig> {
  return async (config: GcpCollectorConfig, ctx: CollectorContext): Promise<SourceOutcome[]> => {
    const { gcp } = config;
    const settings = gcpClientSettings(gcp, opts.env ?? process.env, opts.settings);
    const clients = createGcpClients(settings, createGcpAuth(settings));
    const limits: Limit[] = [createLimit(Math.max(1, ctx.concurrency))];

    const roots: Root[] = [
      ...(gcp.organization !== undefined ? [`organizations/${gcp.organization}`] : []),
      ...gcp.folders.map((f) => `folders/${f}`),
    ].map((resource) => ({ resource, source: `gcp:${resource}` }));
    await Promise.all(roots.map((root) => discover(root, clients, settings, limits, gcp, ctx)));

    const projectByNumber = new Map<string, string>();
    const projectIds: string[] = [...gcp.projects];
    for (const root of roots) {
      for (const p of root.result?.projects ?? []) {
        if (p.projectNumber) projectByNumber.set(p.projectNumber, p.projectId);
        projectIds.push(p.projectId);
      }
    }
    // Every shard reads the hierarchy (to know the projects); each collects its own projects.
    const unique = [...new Set(projectIds)].filter((p) => owns(ctx, `gcp:${p}`));
    const results = await mapLimit(unique, Math.max(1, opts.parallelProjects ?? 4), (projectId) =>
      collectProject({ projectId, gcp, settings, clients, projectByNumber, limits, ctx }),
    );

    const accounts = new Map<string, string>();
    for (const r of results) for (const [email, id] of r.accounts) accounts.set(email, id);
    for (const root of roots) emitHierarchyGrants(root, accounts, ctx);
    return [...roots.map((r) => r.outcome).filter((o): o is SourceOutcome => o !== undefined), ...results.map((r) => r.outcome)];
  };
}

export const collectGcp: Collector<GcpCollectorConfig> = createGcpCollector();

export { defaultAccountOf, gcpIdentityId, privilegeOfRole, serviceAgentOf } from './records.ts';
export type { DefaultAccount } from './records.ts';
