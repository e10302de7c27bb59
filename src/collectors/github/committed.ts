/**
 * Committed keys in an organization's repositories (`github.committedKeys`): each repository's
 * whole history is searched with the repository collector's engine (`scanRepository`, mode
 * `history`) and every hit becomes a Leak through `toLeak`, named `<org>/<repo>` and emitted under
 * the organization's source (`github:<org>`). A configured local checkout is scanned as it is;
 * otherwise, with `cloneDir`, the repository is mirrored there (`git clone --mirror`, then
 * `git remote update --prune` on later scans) with the token passed as an `http.extraheader`
 * through GIT_CONFIG_* environment variables (never on the command line, never in the remote
 * URL). A repository that cannot be cloned or scanned is skipped with a warning.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GithubConfig } from '../../config/github-schema.ts';
import type { InventoryRecord } from '../../model/index.ts';
import type { GithubClientSettings } from '../../providers/github/client.ts';
import { toLeak } from '../repos/collect.ts';
import { scanRepository } from '../repos/scan.ts';
import type { CollectorContext } from '../context.ts';

export interface CommittedRepo {
  name: string;
  fullName: string;
  cloneUrl?: string;
  archived: boolean;
}

export interface CommittedKeysJob {
  org: string;
  github: GithubConfig;
  settings: GithubClientSettings;
  repos: CommittedRepo[];
  ctx: CollectorContext;
  signal?: AbortSignal;
}

function git(args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { env, ...(signal ? { signal } : {}), maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`git ${args[0] ?? ''} failed: ${String(stderr).trim().split('\n').pop() ?? err.message}`));
      else resolvePromise();
    });
  });
}

/** Environment of a git call that authenticates with the token as an extra header. */
export function gitAuthEnv(token: string | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0' };
  if (token === undefined) return env;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { ...env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraheader', GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}` };
}

/** The clone URL of a repository: the API's `clone_url`, or github.com's. */
function cloneUrl(repo: CommittedRepo): string {
  return repo.cloneUrl ?? `https://github.com/${repo.fullName}.git`;
}

async function mirror(job: CommittedKeysJob, repo: CommittedRepo, cloneDir: string): Promise<string> {
  const dir = join(resolve(cloneDir), job.org, `${repo.name}.git`);
  const env = gitAuthEnv(job.settings.token);
  if (existsSync(dir)) await git(['-C', dir, 'remote', 'update', '--prune'], env, job.signal);
  else {
    await mkdir(join(resolve(cloneDir), job.org), { recursive: true });
    await git(['clone', '--mirror', '--quiet', cloneUrl(repo), dir], env, job.signal);
  }
  return dir;
}

export async function scanCommittedKeys(job: CommittedKeysJob): Promise<InventoryRecord[]> {
  const { committedKeys } = job.github;
  const records: InventoryRecord[] = [];
  const repos = job.repos.slice(0, committedKeys.maxRepos ?? job.repos.length);
  for (const repo of repos) {
    if (job.signal?.aborted) break;
    const local = committedKeys.localCheckouts[repo.fullName];
    try {
      let path: string | undefined = local !== undefined ? resolve(local) : undefined;
      if (path === undefined && committedKeys.cloneDir !== undefined) path = await mirror(job, repo, committedKeys.cloneDir);
      if (path === undefined) continue;
      const { findings } = await scanRepository({ path, mode: 'history', ...(job.signal ? { signal: job.signal } : {}) });
      for (const f of findings) records.push({ type: 'leak', record: toLeak(repo.fullName, f) });
    } catch (err) {
      if (job.signal?.aborted) throw err;
      job.ctx.log.warn('github committed-key scan skipped a repository', { repo: repo.fullName, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return records;
}
