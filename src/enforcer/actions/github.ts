/**
 * GitHub actions, through the collector's Octokit (same base URL, `GITHUB_TOKEN` or GitHub App
 * installation of the organization, rate-limit and 5xx retries, timeouts):
 *
 * - `github.deploy-key.delete` (params org, repo, keyId; fingerprint from the plan): the key is
 *   read first and its public part recorded in `before` (id, title, key, read_only, created_at:
 *   a public key is not a secret), then deleted. Gone already: `noop`. A key whose fingerprint
 *   is not the planned one is refused. Undo adds the public key again with its title and access;
 *   GitHub gives it a new id, reported in `after` (the next scan sees a new deploy-key identity).
 *   Undo is a `noop` when the repository already has that key.
 */
import type { GithubConfig } from '../../config/github-schema.ts';
import type { PlanAction } from '../../model/index.ts';
import { createGithubClient, describeGithubError, githubClientSettings, isGithubStatus } from '../../providers/github/client.ts';
import type { GithubClient } from '../../providers/github/client.ts';
import { sshKeyFingerprint } from '../../collectors/github/records.ts';
import type { ActionContext, ActionHandler, Json, Outcome } from './types.ts';

interface Target {
  org: string;
  repo: string;
  keyId: number;
  /** `github <org>/<repo> deploy key <id>` */
  label: string;
}

function param(action: PlanAction, key: string): string {
  const v = action.params[key];
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || s === '') throw new Error(`${action.kind} ${action.target}: params.${key} is missing`);
  return s;
}

function targetOf(action: PlanAction): Target {
  const org = param(action, 'org');
  const repo = param(action, 'repo');
  const id = param(action, 'keyId');
  if (!/^\d+$/.test(id)) throw new Error(`${action.kind} ${action.target}: params.keyId must be a number, not ${id}`);
  return { org, repo, keyId: Number(id), label: `github ${org}/${repo} deploy key ${id}` };
}

/** The messages of a 422's `errors` list (`key is already in use`). */
function validationDetail(err: unknown): string {
  const errors = (err as { response?: { data?: { errors?: unknown } } }).response?.data?.errors;
  if (!Array.isArray(errors)) return '';
  return (errors as unknown[])
    .map((x) => (x !== null && typeof x === 'object' ? (x as { message?: unknown; code?: unknown; field?: unknown }) : {}))
    .map((x) => (typeof x.message === 'string' ? x.message : typeof x.code === 'string' ? `${typeof x.field === 'string' ? `${x.field} ` : ''}${x.code}` : ''))
    .filter((m) => m !== '')
    .join('; ');
}

/** `<label>: <Operation> HTTP <status>: <message> (<validation errors>) (request <id>)` */
function fail(label: string, operation: string, err: unknown): Error {
  const { status, message, requestId } = describeGithubError(err);
  const detail = validationDetail(err);
  return new Error(`${label}: ${operation} ${status !== undefined ? `HTTP ${status}` : 'failed'}: ${message}${detail ? ` (${detail})` : ''}${requestId ? ` (request ${requestId})` : ''}`, { cause: err });
}

/** The Octokit the collector would use for the organization (its app installation, with app auth). */
async function clientFor(org: string, ctx: ActionContext): Promise<GithubClient> {
  const github: GithubConfig | undefined = ctx.config.github;
  if (!github) throw new Error(`github ${org}: the config has no github section`);
  const settings = await githubClientSettings(github, ctx.env);
  const hooks = { log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  let installationId: number | undefined;
  if (settings.app && settings.app.installationId === undefined) {
    const { octokit } = createGithubClient(settings, hooks);
    try {
      installationId = (await octokit.request('GET /orgs/{org}/installation', { org })).data.id;
    } catch (err) {
      throw fail(`github ${org}`, 'GetOrgInstallation', err);
    }
  }
  return createGithubClient(settings, hooks, installationId).octokit;
}

interface RecordedKey {
  id: number;
  title: string;
  key: string;
  read_only: boolean;
  created_at: string | null;
}

async function deleteDeployKey(action: PlanAction, ctx: ActionContext): Promise<Outcome> {
  const t = targetOf(action);
  const where = { org: t.org, repo: t.repo, keyId: t.keyId };
  const octokit = await clientFor(t.org, ctx);
  let key;
  try {
    key = (await octokit.rest.repos.getDeployKey({ owner: t.org, repo: t.repo, key_id: t.keyId })).data;
  } catch (err) {
    if (isGithubStatus(err, 404)) return { status: 'noop', before: null, request: null, after: { ...where, deleted: false, reason: 'the deploy key no longer exists' } };
    throw fail(t.label, 'GetDeployKey', err);
  }
  const fingerprint = sshKeyFingerprint(key.key) ?? null;
  const planned = action.params.fingerprint;
  if (typeof planned === 'string' && planned.startsWith('SHA256:') && fingerprint !== null && planned !== fingerprint) {
    throw new Error(`${t.label}: its key is ${fingerprint}, not ${planned} as planned: not deleted`);
  }
  const before: Json = { ...where, id: key.id, title: key.title, key: key.key, read_only: key.read_only, created_at: key.created_at, fingerprint, ...(key.added_by ? { added_by: key.added_by } : {}) };
  const request: Json = { method: 'DELETE', path: `/repos/${t.org}/${t.repo}/keys/${t.keyId}` };
  try {
    await octokit.rest.repos.deleteDeployKey({ owner: t.org, repo: t.repo, key_id: t.keyId });
  } catch (err) {
    if (isGithubStatus(err, 404)) return { status: 'noop', before, request, after: { ...where, deleted: false, reason: 'the deploy key was deleted meanwhile' } };
    throw fail(t.label, 'DeleteDeployKey', err);
  }
  return { status: 'done', before, request, after: { ...where, deleted: true } };
}

function recordedKey(applied: Outcome, label: string): RecordedKey | undefined {
  const b = applied.before;
  if (b === null) return undefined; // apply found nothing to delete
  const o = typeof b === 'object' && !Array.isArray(b) ? b : undefined;
  const { id, title, key, read_only: readOnly, created_at: createdAt } = o ?? {};
  if (typeof id !== 'number' || typeof key !== 'string' || typeof readOnly !== 'boolean') throw new Error(`${label}: the applied outcome does not record the key (id, key, read_only)`);
  return { id, title: typeof title === 'string' ? title : '', key, read_only: readOnly, created_at: typeof createdAt === 'string' ? createdAt : null };
}

async function restoreDeployKey(action: PlanAction, applied: Outcome, ctx: ActionContext): Promise<Outcome> {
  const t = targetOf(action);
  const where = { org: t.org, repo: t.repo, keyId: t.keyId };
  const recorded = recordedKey(applied, t.label);
  if (!recorded) return { status: 'noop', before: null, request: null, after: { ...where, restored: false, reason: 'apply deleted nothing' } };
  const fingerprint = sshKeyFingerprint(recorded.key) ?? null;
  const octokit = await clientFor(t.org, ctx);
  let present;
  try {
    const keys = await octokit.paginate(octokit.rest.repos.listDeployKeys, { owner: t.org, repo: t.repo, per_page: 100 });
    present = keys.find((k) => k.id === recorded.id || (fingerprint !== null && sshKeyFingerprint(k.key) === fingerprint));
  } catch (err) {
    throw fail(t.label, 'ListDeployKeys', err);
  }
  if (present) return { status: 'noop', before: { ...where, present: true }, request: null, after: { ...where, restored: false, reason: 'the repository has the key', id: present.id, fingerprint } };
  const request: Json = { method: 'POST', path: `/repos/${t.org}/${t.repo}/keys`, title: recorded.title, key: recorded.key, read_only: recorded.read_only };
  let created;
  try {
    created = (await octokit.rest.repos.createDeployKey({ owner: t.org, repo: t.repo, title: recorded.title, key: recorded.key, read_only: recorded.read_only })).data;
  } catch (err) {
    throw fail(t.label, 'CreateDeployKey', err);
  }
  return {
    status: 'done',
    before: { ...where, present: false },
    request,
    after: { ...where, restored: true, id: created.id, previousId: recorded.id, title: created.title, read_only: created.read_only, fingerprint },
  };
}

export const githubHandlers: ActionHandler[] = [{ kinds: ['github.deploy-key.delete'], apply: deleteDeployKey, undo: restoreDeployKey }];
