/**
 * One GitHub organization, one source (`github:<org>`): its repositories (paged), each
 * repository's deploy keys, Actions secrets and environments (concurrently, under limits), the
 * organization's app installations, fine-grained PAT grants and pending requests, organization
 * Actions secrets and open secret scanning alerts (with their first location). A 403/404 on the
 * organization or a repository listing fails the source; PAT grants (served to GitHub Apps only)
 * and secret scanning (needs GitHub Advanced Security) answering 403/404 only lose those records,
 * with a warning. Actions secrets are not inventory records (the model has no record for a secret
 * without an identity): they are counted and handed to `onActionsSecrets`.
 */
import { linkedAbort } from '../../util/abort.ts';
import { faultReason } from '../../providers/faults.ts';
import { pageGuard } from '../../providers/paging.ts';
import type { GithubConfig } from '../../config/github-schema.ts';
import type { InventoryRecord, SourceOutcome } from '../../model/index.ts';
import { createGithubClient, describeGithubError, isGithubStatus } from '../../providers/github/client.ts';
import type { GithubClient, GithubClientSettings, RateBudget } from '../../providers/github/client.ts';
import { createLimit } from '../../util/limit.ts';
import type { CollectorContext, ProgressDelta } from '../context.ts';
import { scanCommittedKeys } from './committed.ts';
import type { CommittedRepo } from './committed.ts';
import { alertLeak, deployKeyRecords, installationRecords, patRecords } from './records.ts';
import type { ActionsSecretInfo, AlertLocation, RepoInput } from './records.ts';

export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export interface OrgJob {
  org: string;
  github: GithubConfig;
  settings: GithubClientSettings;
  /** Collector-wide limits (outermost first). */
  limits: readonly Limit[];
  ctx: CollectorContext;
  /** Installation of the app in this organization (app auth), when known. */
  installationId?: number;
  onActionsSecrets?: (org: string, secrets: ActionsSecretInfo[]) => void;
}

export interface OrgResult {
  outcome: SourceOutcome;
  budget: RateBudget;
  actionsSecrets: number;
}

export class AbortedError extends Error {
  constructor() {
    super('the scan was interrupted');
    this.name = 'AbortError';
  }
}

export function failureReason(err: unknown, timeoutMs?: number): string {
  if (err instanceof AbortedError) return 'interrupted';
  const facts = describeGithubError(err);
  const { status, message, requestId } = facts;
  return faultReason(err, facts, `${status !== undefined ? `HTTP ${status}: ` : ''}${message}${requestId ? ` (request ${requestId})` : ''}`, timeoutMs !== undefined ? { timeoutMs } : {});
}

interface Run {
  octokit: GithubClient;
  /** Runs a task under the limits. */
  limited: Limit;
  report(delta: ProgressDelta): void;
  signal: AbortSignal;
}

/** Every page of a paged list, counted for progress. */
async function pages<T>(run: Run, iterator: () => AsyncIterable<{ data: T[]; headers?: { link?: string | undefined } }>): Promise<T[]> {
  return run.limited(async () => {
    const out: T[] = [];
    // Octokit follows `Link: rel="next"` for as long as there is one: a repeated link or too many pages end it here.
    const guard = pageGuard('next link');
    for await (const page of iterator()) {
      if (run.signal.aborted) throw new AbortedError();
      run.report({ pages: 1 });
      out.push(...page.data);
      guard.next(/<([^>]+)>;\s*rel="next"/.exec(page.headers?.link ?? '')?.[1]);
    }
    return out;
  });
}

/** `fn`, or `fallback` with a warning when it answers one of `statuses`. */
async function optional<T>(job: OrgJob, what: string, statuses: number[], fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AbortedError || !isGithubStatus(err, ...statuses)) throw err;
    job.ctx.log.warn(`github ${what} unavailable`, { org: job.org, error: failureReason(err) });
    return fallback;
  }
}

interface RepoRecords {
  records: InventoryRecord[];
  secrets: ActionsSecretInfo[];
}

async function collectRepo(job: OrgJob, run: Run, repo: RepoInput): Promise<RepoRecords> {
  const { org, github } = job;
  const owner = org;
  const per_page = github.perPage;
  const records: InventoryRecord[] = [];
  const secrets: ActionsSecretInfo[] = [];
  const [keys, repoSecrets, environments] = await Promise.all([
    optional(job, `deploy keys of ${repo.full_name}`, [404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /repos/{owner}/{repo}/keys', { owner, repo: repo.name, per_page }))),
    optional(job, `Actions secrets of ${repo.full_name}`, [403, 404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /repos/{owner}/{repo}/actions/secrets', { owner, repo: repo.name, per_page }))),
    optional(job, `environments of ${repo.full_name}`, [403, 404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /repos/{owner}/{repo}/environments', { owner, repo: repo.name, per_page }))),
  ]);
  for (const k of keys) {
    const { identity, credential, grant } = deployKeyRecords(org, repo, k);
    records.push({ type: 'identity', record: identity }, { type: 'credential', record: credential }, { type: 'grant', record: grant });
  }
  for (const s of repoSecrets) secrets.push({ org, level: 'repo', repo: repo.full_name, name: s.name, createdAt: s.created_at, updatedAt: s.updated_at });
  const envSecrets = await Promise.all(
    environments.map((env) =>
      optional(job, `secrets of environment ${env.name} of ${repo.full_name}`, [403, 404], [], () =>
        pages(run, () => run.octokit.paginate.iterator('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', { owner, repo: repo.name, environment_name: env.name, per_page })),
      ).then((list) => list.map((s): ActionsSecretInfo => ({ org, level: 'environment', repo: repo.full_name, environment: env.name, name: s.name, createdAt: s.created_at, updatedAt: s.updated_at }))),
    ),
  );
  for (const list of envSecrets) secrets.push(...list);
  return { records, secrets };
}

async function alertLocation(job: OrgJob, run: Run, repo: string, alertNumber: number): Promise<AlertLocation | undefined> {
  const list = await optional(job, `location of secret scanning alert ${repo}#${alertNumber}`, [403, 404], [], () =>
    run.limited(async () => {
      const res = await run.octokit.request('GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}/locations', { owner: job.org, repo, alert_number: alertNumber, per_page: 1 });
      run.report({ pages: 1 });
      return res.data;
    }),
  );
  for (const l of list) {
    const d = l.details as { path?: unknown; start_line?: unknown; commit_sha?: unknown } | undefined;
    if (typeof d?.path === 'string' && typeof d.start_line === 'number') return { path: d.path, line: d.start_line, ...(typeof d.commit_sha === 'string' ? { commit: d.commit_sha } : {}) };
  }
  return undefined;
}

async function gather(job: OrgJob, run: Run): Promise<{ records: InventoryRecord[]; secrets: ActionsSecretInfo[]; repos: CommittedRepo[] }> {
  const { org, github } = job;
  const per_page = github.perPage;
  const records: InventoryRecord[] = [];
  const secrets: ActionsSecretInfo[] = [];

  const repos = (await pages(run, () => run.octokit.paginate.iterator('GET /orgs/{org}/repos', { org, type: 'all', per_page }))).filter((r) => github.includeArchived || !r.archived);
  const repoTasks = repos.map((r) => collectRepo(job, run, { name: r.name, full_name: r.full_name, archived: r.archived === true }));

  const installations = pages(run, () => run.octokit.paginate.iterator('GET /orgs/{org}/installations', { org, per_page }));
  const grants = optional(job, 'fine-grained PAT grants (GitHub Apps only)', [403, 404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /orgs/{org}/personal-access-tokens', { org, per_page })));
  const requests = optional(job, 'fine-grained PAT requests (GitHub Apps only)', [403, 404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /orgs/{org}/personal-access-token-requests', { org, per_page })));
  const orgSecrets = optional(job, 'organization Actions secrets', [403, 404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /orgs/{org}/actions/secrets', { org, per_page })));
  const alerts = github.secretScanning
    ? optional(job, 'secret scanning alerts (disabled or no GitHub Advanced Security)', [403, 404], [], () => pages(run, () => run.octokit.paginate.iterator('GET /orgs/{org}/secret-scanning/alerts', { org, state: 'open', per_page })))
    : Promise.resolve([]);

  const [repoResults, installationList, grantList, requestList, orgSecretList, alertList] = await Promise.all([Promise.all(repoTasks), installations, grants, requests, orgSecrets, alerts]);

  for (const r of repoResults) {
    records.push(...r.records);
    secrets.push(...r.secrets);
  }
  for (const i of installationList) {
    const { identity, grants: g } = installationRecords(org, i);
    records.push({ type: 'identity', record: identity }, ...g.map((record): InventoryRecord => ({ type: 'grant', record })));
  }
  for (const p of grantList) {
    const { identity, credential, grants: g } = patRecords(org, p);
    records.push({ type: 'identity', record: identity }, { type: 'credential', record: credential }, ...g.map((record): InventoryRecord => ({ type: 'grant', record })));
  }
  if (requestList.length > 0) job.ctx.log.info('github fine-grained PAT requests pending', { org, count: requestList.length });
  for (const s of orgSecretList) secrets.push({ org, level: 'org', name: s.name, createdAt: s.created_at, updatedAt: s.updated_at, visibility: s.visibility });

  const leaks = await Promise.all(
    alertList.map(async (a) => {
      const repoName = a.repository?.name ?? 'unknown';
      const location = github.alertLocations && a.number !== undefined ? await alertLocation(job, run, repoName, a.number) : undefined;
      return alertLeak(org, { number: a.number ?? 0, state: a.state ?? 'open', secret_type: a.secret_type, secret_type_display_name: a.secret_type_display_name, created_at: a.created_at, repository: { name: repoName, full_name: a.repository?.full_name ?? `${org}/${repoName}` } }, location);
    }),
  );
  for (const record of leaks) records.push({ type: 'leak', record });
  return { records, secrets, repos: repos.map((r) => ({ name: r.name, fullName: r.full_name, cloneUrl: r.clone_url, archived: r.archived === true })) };
}

export async function collectOrg(job: OrgJob): Promise<OrgResult> {
  const { ctx, org } = job;
  const source = `github:${org}`;
  ctx.progress.start(source);
  const { controller: abort, dispose } = linkedAbort(ctx.signal);
  const report = (delta: ProgressDelta): void => ctx.progress.update(source, delta);
  const client = createGithubClient(job.settings, { signal: abort.signal, log: ctx.log, onRetry: () => report({ retries: 1 }) }, job.installationId);
  const orgLimit = createLimit(Math.max(1, job.github.concurrency));
  const limits: readonly Limit[] = [orgLimit, ...job.limits];
  const limited: Limit = <T>(task: () => Promise<T>): Promise<T> => limits.reduceRight<() => Promise<T>>((inner, limit) => () => limit(inner), task)();
  const run: Run = { octokit: client.octokit, limited, report, signal: abort.signal };

  let outcome: SourceOutcome;
  let actionsSecrets = 0;
  try {
    const { records, secrets, repos } = await gather(job, run);
    if (job.github.committedKeys.enabled) records.push(...(await scanCommittedKeys({ org, github: job.github, settings: job.settings, repos, ctx, signal: abort.signal })));
    for (const r of records) ctx.emit(r);
    report({ items: records.length });
    actionsSecrets = secrets.length;
    job.onActionsSecrets?.(org, secrets);
    outcome = { source, status: 'ok', items: records.length };
    ctx.log.info('github organization collected', { org, records: records.length, actionsSecrets });
  } catch (err) {
    abort.abort();
    const reason = ctx.signal?.aborted ? 'interrupted' : failureReason(err, job.settings.requestTimeoutMs);
    report({ errors: 1 });
    outcome = { source, status: 'failed', items: 0, error: reason };
    ctx.log.warn('github organization failed', { source, error: reason });
  } finally {
    dispose();
  }
  ctx.progress.finish(source, outcome);
  return { outcome, budget: client.budget(), actionsSecrets };
}
