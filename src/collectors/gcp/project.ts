/**
 * One GCP project, one source (`gcp:<projectId>`): its service accounts (paged), the keys of
 * each (one keys.list per account), the project's IAM policy (one call, version 3 so
 * conditional bindings come back with their conditions) and, when enabled, the Policy
 * Analyzer's last authentication of accounts and keys (two paged queries). A 403 on the
 * account listing or the policy fails the source; the activity query failing (API not
 * enabled, no permission) only loses last-use dates, with a warning.
 */
import { allOrAbort, linkedAbort } from '../../util/abort.ts';
import { faultReason } from '../../providers/faults.ts';
import type { iam_v1 } from '@googleapis/iam';
import type { GcpConfig } from '../../config/gcp-schema.ts';
import type { Grant, Identity, InventoryRecord, SourceOutcome } from '../../model/index.ts';
import { describeGcpError, isNotFound } from '../../providers/gcp/client.ts';
import type { GcpClients, GcpClientSettings } from '../../providers/gcp/client.ts';
import { createLimit } from '../../util/limit.ts';
import type { CollectorContext, ProgressDelta } from '../context.ts';
import { AbortedError, createRunner, pageAll } from './calls.ts';
import type { CallRunner, Limit } from './calls.ts';
import {
  accountActivity,
  buildAccount,
  buildAgent,
  buildGrant,
  buildKey,
  gcpIdentityId,
  grantKey,
  keyActivity,
  parseActivityResource,
  projectOfEmail,
  serviceAccountMembers,
  serviceAgentOf,
  toIso,
} from './records.ts';

export interface ProjectJob {
  projectId: string;
  gcp: GcpConfig;
  settings: GcpClientSettings;
  clients: GcpClients;
  /** Project numbers known from discovery, to place default compute accounts of other projects. */
  projectByNumber: ReadonlyMap<string, string>;
  limits: readonly Limit[];
  ctx: CollectorContext;
}

export interface ProjectResult {
  outcome: SourceOutcome;
  /** Service accounts listed (email -> identity id), for folder and organization bindings. */
  accounts: Map<string, string>;
}

export function failureReason(err: unknown, timeoutMs?: number): string {
  if (err instanceof AbortedError) return 'interrupted';
  const facts = describeGcpError(err);
  const { code, message, status } = facts;
  return faultReason(err, facts, `${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, timeoutMs !== undefined ? { timeoutMs } : {});
}

export async function collectProject(job: ProjectJob): Promise<ProjectResult> {
  const { ctx, projectId } = job;
  const source = `gcp:${projectId}`;
  ctx.progress.start(source);
  const { controller: abort, dispose } = linkedAbort(ctx.signal);
  const report = (delta: ProgressDelta): void => ctx.progress.update(source, delta);
  const { run } = createRunner(job.settings, [createLimit(Math.max(1, job.gcp.concurrency)), ...job.limits], report, abort.signal);

  let outcome: SourceOutcome;
  const accounts = new Map<string, string>();
  try {
    const records = await gather(job, run, abort, accounts);
    for (const r of records) ctx.emit(r);
    report({ items: records.length });
    outcome = { source, status: 'ok', items: records.length };
  } catch (err) {
    abort.abort();
    accounts.clear();
    outcome = { source, status: 'failed', items: 0, error: failureReason(ctx.signal?.aborted ? new AbortedError() : err, job.settings.requestTimeoutMs) };
    ctx.log.warn('gcp project failed', { source, error: outcome.error });
  } finally {
    dispose();
  }
  ctx.progress.finish(source, outcome);
  return { outcome, accounts };
}

interface Activity {
  accounts: Map<string, string>;
  keys: Map<string, string>;
}

type ActivityType = 'serviceAccountLastAuthentication' | 'serviceAccountKeyLastAuthentication';

interface ActivityPage {
  activities?: {
    fullResourceName?: string;
    activity?: { lastAuthenticatedTime?: string; serviceAccount?: { serviceAccountId?: string }; serviceAccountKey?: { serviceAccountId?: string } };
  }[];
  nextPageToken?: string;
}

async function queryActivity(job: ProjectJob, run: CallRunner, type: ActivityType, into: Map<string, string>, keyed: boolean): Promise<void> {
  const path = `v1/projects/${encodeURIComponent(job.projectId)}/locations/global/activityTypes/${type}/activities:query`;
  await pageAll(
    run,
    async (pageToken, options) => (await job.clients.policyAnalyzer<ActivityPage>(path, { pageSize: 1000, ...(pageToken ? { pageToken } : {}) }, options)).data,
    (page) => {
      for (const a of page.activities ?? []) {
        const at = toIso(a.activity?.lastAuthenticatedTime);
        const ref = parseActivityResource(a.fullResourceName);
        if (at === undefined || !ref) continue;
        const key = keyed ? ref.keyId : ref.account;
        if (key !== undefined) into.set(key, at);
        // Accounts may be named by unique id in the resource name; the payload carries it too.
        const uid = a.activity?.serviceAccount?.serviceAccountId;
        if (!keyed && uid) into.set(uid, at);
      }
    },
  );
}

async function readActivity(job: ProjectJob, run: CallRunner): Promise<Activity> {
  const result: Activity = { accounts: new Map(), keys: new Map() };
  if (!job.gcp.activity) return result;
  try {
    await Promise.all([queryActivity(job, run, 'serviceAccountLastAuthentication', result.accounts, false), queryActivity(job, run, 'serviceAccountKeyLastAuthentication', result.keys, true)]);
  } catch (err) {
    if (err instanceof AbortedError) throw err;
    job.ctx.log.warn('gcp activity analysis unavailable: last-use dates missing', { project: job.projectId, error: failureReason(err) });
    return { accounts: new Map(), keys: new Map() };
  }
  return result;
}

async function listKeys(job: ProjectJob, run: CallRunner, name: string): Promise<iam_v1.Schema$ServiceAccountKey[]> {
  try {
    const res = await run((options) => job.clients.iam.projects.serviceAccounts.keys.list({ name, keyTypes: ['USER_MANAGED', 'SYSTEM_MANAGED'] }, options));
    return res.data.keys ?? [];
  } catch (err) {
    if (isNotFound(err)) return []; // deleted since it was listed
    throw err;
  }
}

async function gather(job: ProjectJob, run: CallRunner, abort: AbortController, accountIds: Map<string, string>): Promise<InventoryRecord[]> {
  const { projectId, clients, gcp } = job;
  const listed: iam_v1.Schema$ServiceAccount[] = [];
  const policyPromise = run((options) => clients.crmV1.projects.getIamPolicy({ resource: projectId, requestBody: { options: { requestedPolicyVersion: 3 } } }, options), { readOnlyPost: true });
  const activityPromise = readActivity(job, run);
  // Handled below; attached now because the listing may fail first (then these are abandoned).
  policyPromise.catch(() => undefined);
  activityPromise.catch(() => undefined);
  await pageAll(
    run,
    async (pageToken, options) => (await clients.iam.projects.serviceAccounts.list({ name: `projects/${projectId}`, pageSize: gcp.pageSize, ...(pageToken ? { pageToken } : {}) }, options)).data,
    (page) => listed.push(...(page.accounts ?? [])),
  );
  const accounts = listed.filter((a): a is iam_v1.Schema$ServiceAccount & { email: string } => typeof a.email === 'string' && a.email !== '');
  const [keyLists, policy, activity] = await Promise.all([allOrAbort(accounts.map((a) => listKeys(job, run, a.name ?? `projects/${projectId}/serviceAccounts/${a.email}`)), abort), allOrAbort([policyPromise], abort), activityPromise]);

  const out: InventoryRecord[] = [];
  const projectByNumber = new Map(job.projectByNumber);
  accounts.forEach((a, i) => {
    const email = a.email.toLowerCase();
    const owner = a.projectId ?? projectId;
    const identity: Identity = buildAccount({
      projectId: owner,
      email,
      ...(a.uniqueId ? { uniqueId: a.uniqueId } : {}),
      ...(a.displayName ? { displayName: a.displayName } : {}),
      ...(a.description ? { description: a.description } : {}),
      disabled: a.disabled === true,
      ...optional('lastUsedAt', activity.accounts.get(email) ?? (a.uniqueId ? activity.accounts.get(a.uniqueId) : undefined)),
    });
    accountIds.set(email, identity.id);
    const compute = /^(\d+)-compute@/.exec(email);
    if (compute) projectByNumber.set(compute[1] as string, owner);
    out.push({ type: 'identity', record: identity });
    if (identity.lastUsedAt !== undefined) out.push({ type: 'activity', record: accountActivity(identity.id, identity.lastUsedAt) });
    for (const k of keyLists[i] ?? []) {
      const keyId = k.name ? k.name.slice(k.name.lastIndexOf('/') + 1) : undefined;
      const c = buildKey(identity.id, k, keyId ? activity.keys.get(keyId) : undefined);
      if (!c) continue;
      out.push({ type: 'credential', record: c });
      const act = keyActivity(c);
      if (act) out.push({ type: 'activity', record: act });
    }
  });

  // The project's bindings: listed accounts, accounts of other projects, service agents.
  const grants = new Map<string, Grant>();
  const agents = new Map<string, Identity>();
  const scope = `projects/${projectId}`;
  for (const b of policy[0]?.data.bindings ?? []) {
    for (const email of serviceAccountMembers(b)) {
      let identityId = accountIds.get(email);
      if (identityId === undefined) {
        const service = serviceAgentOf(email);
        if (service !== undefined) {
          if (!gcp.includeAgents) continue;
          const agent = agents.get(email) ?? buildAgent(projectId, email, service);
          agents.set(email, agent);
          identityId = agent.id;
        } else {
          const home = projectOfEmail(email, projectByNumber);
          if (home === undefined) continue;
          identityId = gcpIdentityId(home, email);
        }
      }
      const g = buildGrant(identityId, scope, b, job.ctx.now);
      if (g) grants.set(grantKey(g), g);
    }
  }
  for (const agent of agents.values()) out.push({ type: 'identity', record: agent });
  for (const g of grants.values()) out.push({ type: 'grant', record: g });
  job.ctx.log.debug('gcp project inventory', { project: projectId, accounts: accounts.length, agents: agents.size, grants: grants.size });
  return out;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
