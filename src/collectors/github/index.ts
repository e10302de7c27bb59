/**
 * The GitHub collector: one source per organization (`github:<org>`), see org.ts. Credentials:
 * `GITHUB_TOKEN`, or the configured GitHub App (each organization's installation is looked up
 * unless `app.installationId` is set). Committed-key scanning (when enabled) runs inside the
 * organization's source and emits Leaks named `<org>/<repo>`. At the end the remaining
 * rate-limit budget is logged.
 */
import type { GithubConfig } from '../../config/github-schema.ts';
import type { OwnersConfig } from '../../config/schema.ts';
import type { SourceOutcome } from '../../model/index.ts';
import { createGithubClient, githubClientSettings } from '../../providers/github/client.ts';
import type { GithubClientSettings, RateBudget } from '../../providers/github/client.ts';
import { createLimit, mapLimit } from '../../util/limit.ts';
import { owns, type Collector, type CollectorContext } from '../context.ts';
import { collectOrg, failureReason } from './org.ts';
import type { Limit, OrgResult } from './org.ts';
import type { ActionsSecretInfo } from './records.ts';

export type GithubCollectorConfig = { github: GithubConfig; owners: OwnersConfig };

export interface GithubCollectorOptions {
  /** Client settings overriding the ones derived from the config and the environment. */
  settings?: Partial<GithubClientSettings>;
  /** Environment to read `GITHUB_TOKEN` from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Organizations scanned at once. Default 2. */
  parallelOrgs?: number;
  /** Receives each organization's Actions secrets (names and dates only), for a later report. */
  onActionsSecrets?: (org: string, secrets: ActionsSecretInfo[]) => void;
}

async function installationOf(settings: GithubClientSettings, org: string, ctx: CollectorContext): Promise<number> {
  const { octokit } = createGithubClient(settings, { log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const { data } = await octokit.request('GET /orgs/{org}/installation', { org });
  return data.id;
}

async function runOrg(org: string, config: GithubConfig, settings: GithubClientSettings, limits: readonly Limit[], ctx: CollectorContext, opts: GithubCollectorOptions): Promise<OrgResult> {
  let installationId: number | undefined;
  if (settings.app && settings.app.installationId === undefined) {
    try {
      installationId = await installationOf(settings, org, ctx);
    } catch (err) {
      const source = `github:${org}`;
      ctx.progress.start(source);
      const outcome: SourceOutcome = { source, status: 'failed', items: 0, error: `no installation of the GitHub App: ${failureReason(err, settings.requestTimeoutMs)}` };
      ctx.log.warn('github organization failed', { source, error: outcome.error });
      ctx.progress.finish(source, outcome);
      return { outcome, budget: {}, actionsSecrets: 0 };
    }
  }
  return collectOrg({
    org,
    github: config,
    settings,
    limits,
    ctx,
    ...(installationId !== undefined ? { installationId } : {}),
    ...(opts.onActionsSecrets ? { onActionsSecrets: opts.onActionsSecrets } : {}),
  });
}

/** The lowest remaining budget among the organizations' clients (they may share one token). */
export function lowestBudget(budgets: readonly RateBudget[]): RateBudget | undefined {
  let lowest: RateBudget | undefined;
  for (const b of budgets) if (b.remaining !== undefined && (lowest?.remaining === undefined || b.remaining < lowest.remaining)) lowest = b;
  return lowest;
}

export function createGithubCollector(opts: GithubCollectorOptions = {}): Collector<GithubCollectorConfig> {
  return async (config: GithubCollectorConfig, ctx: CollectorContext): Promise<SourceOutcome[]> => {
    const { github } = config;
    const sources = github.organizations.map((org) => `github:${org}`);
    let settings: GithubClientSettings;
    try {
      settings = await githubClientSettings(github, opts.env ?? process.env, opts.settings);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      ctx.log.warn('github collector not configured', { error });
      return sources.map((source) => ({ source, status: 'failed', items: 0, error }));
    }
    const limits: Limit[] = [createLimit(Math.max(1, ctx.concurrency))];
    const results = await mapLimit([...new Set(github.organizations)].filter((org) => owns(ctx, `github:${org.toLowerCase()}`)), Math.max(1, opts.parallelOrgs ?? 2), (org) => runOrg(org, github, settings, limits, ctx, opts));
    const budget = lowestBudget(results.map((r) => r.budget));
    if (budget) ctx.log.info('github rate limit budget', { remaining: budget.remaining ?? null, limit: budget.limit ?? null, resetAt: budget.resetAt ?? null });
    return results.map((r) => r.outcome);
  };
}

export const collectGithub: Collector<GithubCollectorConfig> = createGithubCollector();

export { githubAppIdentityId, githubDeployKeyIdentityId, githubPatIdentityId, privilegeOfPermission, sshKeyFingerprint, SECRET_SCANNING_RULE_PREFIX } from './records.ts';
export type { ActionsSecretInfo } from './records.ts';
