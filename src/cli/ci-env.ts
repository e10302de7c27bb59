import { readFileSync } from 'node:fs';

/** What `sprawl gate` scans when no --range or --staged is given, read from the CI's environment. */
export type GateTarget =
  | { kind: 'range'; range: string; why: string }
  | { kind: 'none'; why: string };

const ZERO_SHA = /^0{40}$|^0{64}$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

interface GithubEvent {
  before?: string;
  after?: string;
  pull_request?: { base?: { sha?: string }; head?: { sha?: string } };
}

function readEvent(path: string | undefined): GithubEvent | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GithubEvent;
  } catch {
    return undefined;
  }
}

const isSha = (s: string | undefined): s is string => typeof s === 'string' && SHA.test(s) && !ZERO_SHA.test(s);

/**
 * The change of the pull request or push being built:
 * - GitHub Actions: a pull request's base..head (from the event payload), a push's before..after;
 * - GitLab CI: a merge request's diff base..commit, a push's before..commit;
 * - elsewhere, or a push that created a branch: the commit being built (its parent..it).
 */
export function detectGateTarget(env: NodeJS.ProcessEnv = process.env): GateTarget {
  if (env.GITHUB_ACTIONS === 'true') {
    const event = readEvent(env.GITHUB_EVENT_PATH);
    const pr = event?.pull_request;
    if (pr && isSha(pr.base?.sha) && isSha(pr.head?.sha)) {
      return { kind: 'range', range: `${pr.base.sha}..${pr.head.sha}`, why: `GitHub pull request (${env.GITHUB_EVENT_NAME ?? 'pull_request'})` };
    }
    if (isSha(event?.before) && isSha(event.after)) return { kind: 'range', range: `${event.before}..${event.after}`, why: 'GitHub push' };
    if (isSha(env.GITHUB_SHA)) return { kind: 'range', range: `${env.GITHUB_SHA}~1..${env.GITHUB_SHA}`, why: 'GitHub: the commit being built (new branch or unknown event)' };
  }
  if (env.GITLAB_CI === 'true') {
    const head = env.CI_COMMIT_SHA;
    if (isSha(env.CI_MERGE_REQUEST_DIFF_BASE_SHA) && isSha(head)) return { kind: 'range', range: `${env.CI_MERGE_REQUEST_DIFF_BASE_SHA}..${head}`, why: 'GitLab merge request' };
    if (isSha(env.CI_COMMIT_BEFORE_SHA) && isSha(head)) return { kind: 'range', range: `${env.CI_COMMIT_BEFORE_SHA}..${head}`, why: 'GitLab push' };
    if (isSha(head)) return { kind: 'range', range: `${head}~1..${head}`, why: 'GitLab: the commit being built' };
  }
  if (isSha(env.BITBUCKET_COMMIT) && isSha(env.BITBUCKET_PR_DESTINATION_COMMIT)) {
    return { kind: 'range', range: `${env.BITBUCKET_PR_DESTINATION_COMMIT}..${env.BITBUCKET_COMMIT}`, why: 'Bitbucket pull request' };
  }
  return { kind: 'none', why: 'no CI pull request or push found in the environment' };
}
