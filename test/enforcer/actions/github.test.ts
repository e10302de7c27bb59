/**
 * The GitHub deploy-key action against the emulator, through the collector's Octokit: a plan
 * built from a real collection, applied (the key is gone from the next scan), applied again
 * (noop), undone (the public key is back, under a new id), undone again (noop).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGithubCollector } from '../../../src/collectors/github/index.ts';
import { enforceSchema } from '../../../src/config/enforce-schema.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Config } from '../../../src/config/schema.ts';
import { githubHandlers } from '../../../src/enforcer/actions/github.ts';
import type { ActionContext, Outcome } from '../../../src/enforcer/actions/types.ts';
import { buildPlan } from '../../../src/enforcer/plan.ts';
import type { Inventory, PlanAction } from '../../../src/model/index.ts';
import { generateGithubEstate, sshFingerprint, startGithubEmulator } from '../../../src/sandbox/github/index.ts';
import type { GithubDeployKey, GithubEmulator, GithubEstate, GithubOrg, GithubRepo } from '../../../src/sandbox/github/index.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { collectInto } from '../../helpers/collect.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
let estate: GithubEstate;
let emu: GithubEmulator;
let config: Config;
let dir: string;

const handler = githubHandlers.find((x) => x.kinds.includes('github.deploy-key.delete'));
const h = {
  apply: (a: PlanAction, c: ActionContext): Promise<Outcome> => {
    if (!handler) throw new Error('no github.deploy-key.delete handler');
    return handler.apply(a, c);
  },
  undo: (a: PlanAction, applied: Outcome, c: ActionContext): Promise<Outcome> => {
    if (!handler?.undo) throw new Error('no github.deploy-key.delete undo');
    return handler.undo(a, applied, c);
  },
};

const ctx = (over: Partial<ActionContext> = {}): ActionContext => ({ config, env: { GITHUB_TOKEN: emu.token }, log: silentLogger, now: () => NOW, ...over });
const journaled = (o: Outcome): Outcome => JSON.parse(JSON.stringify(o)) as Outcome;

async function collect(): Promise<Inventory> {
  const collector = createGithubCollector({ env: { GITHUB_TOKEN: emu.token }, settings: { retryAfterBaseMs: 5 } });
  const github = config.github;
  if (!github) throw new Error('no github config');
  const r = await collectInto(collector, { github, owners: config.owners }, { now: NOW });
  expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
  return { identities: r.identities, credentials: r.credentials, grants: r.grants, activities: r.activities, leaks: [], connections: [], gatewayUsers: [] };
}

/** Every (org, repo, key) of the estate, live. */
const allKeys = (): { org: GithubOrg; repo: GithubRepo; key: GithubDeployKey }[] => estate.orgs.flatMap((org) => org.repos.flatMap((repo) => repo.deployKeys.map((key) => ({ org, repo, key }))));

/** The planned deletion of one deploy key (revoke), from a fresh collection. */
async function deleteAction(org: string, repo: string, keyId: number): Promise<PlanAction> {
  const inventory = await collect();
  const plan = buildPlan({
    scan: { id: 's_gh', startedAt: NOW.toISOString() },
    inventory,
    verdicts: [{ identityId: `github:${org}:deploy-key/${repo}/${keyId}`, verdict: 'revoke', reasons: [], findingIds: [] }],
    findings: [],
    config: enforceSchema.parse({}),
    now: NOW,
  });
  const action = plan.actions.find((a) => a.kind === 'github.deploy-key.delete');
  if (!action) throw new Error(`no deploy-key action for ${org}/${repo}/${keyId}`);
  return action;
}

/** A key of an unarchived repository, not yet used by another test. */
const used = new Set<number>();
function pickKey(filter: (x: { repo: GithubRepo; key: GithubDeployKey }) => boolean = () => true): { org: GithubOrg; repo: GithubRepo; key: GithubDeployKey } {
  const found = allKeys().find((x) => !x.repo.archived && !used.has(x.key.id) && filter(x));
  if (!found) throw new Error('no deploy key left in the estate');
  used.add(found.key.id);
  return found;
}

beforeAll(async () => {
  estate = generateGithubEstate({ seed: 'enforce-github', size: 60, nowMs: NOW.getTime() });
  emu = await startGithubEmulator(estate);
  dir = mkdtempSync(join(tmpdir(), 'sprawl-gh-enforce-'));
  config = configSchema.parse({ github: { baseUrl: emu.endpoint, organizations: estate.orgs.map((o) => o.login), maxRetries: 1 } });
});

afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
});

describe('github.deploy-key.delete', () => {
  it.each([
    { what: 'a read-only key', readOnly: true },
    { what: 'a read-write key', readOnly: false },
  ])('$what: deleted with its public key recorded; again noop; undo adds it back under a new id; undo again noop', async ({ readOnly }) => {
    const { org, repo, key } = pickKey((x) => x.key.readOnly === readOnly);
    const original = { ...key };
    const action = await deleteAction(org.login, repo.name, key.id);
    expect(action.params).toMatchObject({ org: org.login, repo: repo.name, keyId: String(key.id), fingerprint: sshFingerprint(key.key) });

    const applied = journaled(await h.apply(action, ctx()));
    expect(applied).toMatchObject({ status: 'done', before: { id: key.id, title: key.title, key: key.key, read_only: readOnly, created_at: key.createdAt }, after: { deleted: true } });
    expect(repo.deployKeys.some((k) => k.id === key.id)).toBe(false);
    const afterDelete = await collect();
    expect(afterDelete.identities.some((i) => i.id === action.identityId)).toBe(false);

    expect((await h.apply(action, ctx())).status).toBe('noop');

    const undone = await h.undo(action, applied, ctx());
    expect(undone.status).toBe('done');
    const newId = (undone.after as { id: number }).id;
    expect(newId).not.toBe(key.id);
    const back = repo.deployKeys.find((k) => k.id === newId);
    expect(back).toMatchObject({ title: original.title, readOnly: original.readOnly });
    expect(sshFingerprint(back?.key ?? '')).toBe(sshFingerprint(original.key));
    const afterUndo = await collect();
    const newIdentity = `github:${org.login}:deploy-key/${repo.name}/${newId}`;
    expect(afterUndo.identities.find((i) => i.id === newIdentity)).toMatchObject({ name: `${repo.name}/${original.title}`, labels: { access: readOnly ? 'read' : 'write' } });
    expect(afterUndo.credentials.find((c) => c.identityId === newIdentity)?.publicId).toBe(sshFingerprint(original.key));

    const again = await h.undo(action, applied, ctx());
    expect(again).toMatchObject({ status: 'noop', after: { id: newId } });
  });

  it('works as the GitHub App (the organization installation is looked up)', async () => {
    const { org, repo, key } = pickKey();
    const action = await deleteAction(org.login, repo.name, key.id);
    const pem = join(dir, 'app.pem');
    writeFileSync(pem, emu.app.privateKey, { mode: 0o600 });
    const appConfig = configSchema.parse({ github: { baseUrl: emu.endpoint, organizations: [org.login], app: { appId: emu.app.appId, privateKeyFile: pem } } });
    emu.calls.reset();
    const o = await h.apply(action, ctx({ config: appConfig, env: {} }));
    expect(o.status).toBe('done');
    expect(emu.calls.log.find((c) => c.op === 'DELETE /repos/{owner}/{repo}/keys/{key_id}')?.auth).toBe('installation');
  });

  it.each([
    ['a key that no longer exists', { keyId: '987654321' }],
    ['a repository that no longer exists', { repo: 'no-such-repo' }],
  ])('%s is a noop', async (_what, params) => {
    const { org, repo, key } = pickKey();
    const action = await deleteAction(org.login, repo.name, key.id);
    const o = await h.apply({ ...action, params: { ...action.params, ...params } }, ctx());
    expect(o).toMatchObject({ status: 'noop', before: null, after: { deleted: false } });
    expect(repo.deployKeys.some((k) => k.id === key.id)).toBe(true);
  });

  it.each([
    ['a key whose fingerprint is not the planned one', (a: PlanAction) => ({ ...a, params: { ...a.params, fingerprint: 'SHA256:somethingElse' } }), /is SHA256:.*, not SHA256:somethingElse as planned: not deleted/],
    ['no keyId', (a: PlanAction) => ({ ...a, params: { ...a.params, keyId: '' } }), /params\.keyId is missing/],
    ['a forbidden organization', (a: PlanAction) => (emu.faults.forbiddenOrgs = [String(a.params.org)], a), /GetDeployKey HTTP 403: Resource not accessible/],
    ['no github section in the config', (a: PlanAction) => a, /the config has no github section/],
  ])('refuses %s, naming the target', async (what, change, message) => {
    const { org, repo, key } = pickKey();
    const action = change(await deleteAction(org.login, repo.name, key.id));
    const c = what.startsWith('no github') ? ctx({ config: configSchema.parse({}) }) : ctx();
    await expect(h.apply(action, c)).rejects.toThrow(message);
    if (!what.startsWith('no keyId') && !what.startsWith('no github')) await expect(h.apply(action, c)).rejects.toThrow(`github ${org.login}/${repo.name} deploy key ${key.id}`);
    expect(repo.deployKeys.some((k) => k.id === key.id)).toBe(true);
  });

  it('an archived repository refuses the delete (403), with the target named', async () => {
    const { org, repo, key } = pickKey();
    const action = await deleteAction(org.login, repo.name, key.id);
    repo.archived = true;
    try {
      await expect(h.apply(action, ctx())).rejects.toThrow(`github ${org.login}/${repo.name} deploy key ${key.id}: DeleteDeployKey HTTP 403: Repository was archived so is read-only.`);
    } finally {
      repo.archived = false;
    }
  });

  it('undo fails clearly when the key is in use elsewhere meanwhile (GitHub: key is already in use)', async () => {
    const { org, repo, key } = pickKey();
    const other = allKeys().find((x) => x.repo !== repo && !x.repo.archived)?.repo;
    if (!other) throw new Error('no second repository');
    const action = await deleteAction(org.login, repo.name, key.id);
    const applied = journaled(await h.apply(action, ctx()));
    other.deployKeys.push({ ...key, id: 900_000_001 });
    await expect(h.undo(action, applied, ctx())).rejects.toThrow(`github ${org.login}/${repo.name} deploy key ${key.id}: CreateDeployKey HTTP 422: Validation Failed (key is already in use)`);
    other.deployKeys.pop();
    expect((await h.undo(action, applied, ctx())).status).toBe('done');
  });

  it('undo of an apply that deleted nothing is a noop', async () => {
    const { org, repo, key } = pickKey();
    const action = await deleteAction(org.login, repo.name, key.id);
    const o = await h.undo(action, { status: 'noop', before: null, request: null, after: null }, ctx());
    expect(o.status).toBe('noop');
  });
});

describe('the emulator validates deploy-key writes like GitHub', () => {
  it.each([
    [{}, 422, 'missing_field'],
    [{ key: 'not a key' }, 422, 'key is invalid'],
    [{ key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhZA==', title: 5 }, 422, 'wrong type'],
  ])('POST %j answers %i', async (body, status, text) => {
    const { org, repo } = pickKey();
    const res = await fetch(`${emu.endpoint}/repos/${org.login}/${repo.name}/keys`, { method: 'POST', headers: { authorization: `token ${emu.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(text);
  });
});
