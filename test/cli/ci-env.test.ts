import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectGateTarget } from '../../src/cli/ci-env.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);
const dir = mkdtempSync(join(tmpdir(), 'sprawl-ci-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function event(name: string, payload: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

describe('detectGateTarget', () => {
  it.each<[string, NodeJS.ProcessEnv, string | undefined]>([
    ['GitHub pull request', { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event('pr', { pull_request: { base: { sha: A }, head: { sha: B } } }) }, `${A}..${B}`],
    ['GitHub push', { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: event('push', { before: A, after: B }) }, `${A}..${B}`],
    ['GitHub push creating a branch', { GITHUB_ACTIONS: 'true', GITHUB_SHA: B, GITHUB_EVENT_PATH: event('new', { before: ZERO, after: B }) }, `${B}~1..${B}`],
    ['GitHub with an unreadable event file', { GITHUB_ACTIONS: 'true', GITHUB_SHA: B, GITHUB_EVENT_PATH: join(dir, 'missing.json') }, `${B}~1..${B}`],
    ['GitLab merge request', { GITLAB_CI: 'true', CI_MERGE_REQUEST_DIFF_BASE_SHA: A, CI_COMMIT_SHA: B }, `${A}..${B}`],
    ['GitLab push', { GITLAB_CI: 'true', CI_COMMIT_BEFORE_SHA: A, CI_COMMIT_SHA: B }, `${A}..${B}`],
    ['GitLab new branch', { GITLAB_CI: 'true', CI_COMMIT_BEFORE_SHA: ZERO, CI_COMMIT_SHA: B }, `${B}~1..${B}`],
    ['Bitbucket pull request', { BITBUCKET_COMMIT: B, BITBUCKET_PR_DESTINATION_COMMIT: A }, `${A}..${B}`],
    ['no CI', {}, undefined],
    ['a sha that is not one', { GITLAB_CI: 'true', CI_COMMIT_SHA: 'HEAD; rm -rf /' }, undefined],
  ])('%s', (_name, env, range) => {
    const t = detectGateTarget(env);
    if (range === undefined) expect(t.kind).toBe('none');
    else expect(t).toMatchObject({ kind: 'range', range });
  });
});
