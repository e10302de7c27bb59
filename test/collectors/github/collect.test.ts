import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectInto } from '../../helpers/collect.ts';
import type { ProgressDelta } from '../../../src/collectors/context.ts';
import { createGithubCollector } from '../../../src/collectors/github/index.ts';
import type { ActionsSecretInfo, GithubCollectorConfig } from '../../../src/collectors/github/index.ts';
import { githubSchema } from '../../../src/config/github-schema.ts';
import { ownersSchema } from '../../../src/config/schema.ts';
import type { Credential, Grant, Identity, InventoryRecord, Leak, SourceOutcome } from '../../../src/model/index.ts';
import { REDACTED_ALERT_SECRET, countGithub, generateGithubEstate, sshFingerprint, startGithubEmulator } from '../../../src/sandbox/github/index.ts';
import type { GithubEmulator, GithubEstate } from '../../../src/sandbox/github/index.ts';
import type { Logger } from '../../../src/util/log.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
let estate: GithubEstate;
let emu: GithubEmulator;

interface Run {
  outcomes: SourceOutcome[];
  records: InventoryRecord[];
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
  leaks: Leak[];
  totals: Required<ProgressDelta>;
  warnings: string[];
  infos: { msg: string; fields: Record<string, unknown> }[];
  secrets: ActionsSecretInfo[];
}

function config(overrides: Record<string, unknown> = {}): GithubCollectorConfig {
  return { github: githubSchema.parse({ baseUrl: emu.endpoint, organizations: estate.orgs.map((o) => o.login), ...overrides }), owners: ownersSchema.parse({}) };
}

async function run(cfg: GithubCollectorConfig, settings: Record<string, unknown> = {}): Promise<Run> {
  const secrets: ActionsSecretInfo[] = [];
  const collect = createGithubCollector({ env: { GITHUB_TOKEN: emu.token }, settings: { retryAfterBaseMs: 5, ...settings }, onActionsSecrets: (_org, list) => secrets.push(...list) });
  const warnings: string[] = [];
  const infos: Run['infos'] = [];
  const log: Logger = { debug() {}, info: (msg, fields) => infos.push({ msg, fields: fields ?? {} }), warn: (msg) => warnings.push(msg), error() {} };
  const r = await collectInto(collect, cfg, { now: NOW, log });
  return { ...r, warnings, infos, secrets };
}

beforeAll(async () => {
  estate = generateGithubEstate({ seed: 'collector', size: 60, nowMs: NOW });
  emu = await startGithubEmulator(estate);
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
  emu.calls.reset();
});

describe('collectGithub against the emulator (real Octokit with throttling and retry)', () => {
  it('inventories every organization, paging through Link headers', async () => {
    const r = await run(config({ perPage: 2 }));
    const counts = countGithub(estate);
    expect(estate.orgs.length).toBe(3);
    expect(r.outcomes).toEqual(estate.orgs.map((o) => ({ source: `github:${o.login}`, status: 'ok', items: expect.any(Number) as number })));
    expect(r.outcomes.reduce((n, o) => n + o.items, 0)).toBe(r.records.length);
    expect(r.identities.filter((i) => i.kind === 'github-deploy-key')).toHaveLength(counts.deployKeys);
    expect(r.identities.filter((i) => i.kind === 'github-app-installation')).toHaveLength(counts.installations);
    expect(r.identities.filter((i) => i.kind === 'github-fine-grained-pat')).toHaveLength(counts.patGrants);
    for (const o of estate.orgs) {
      expect(emu.calls.count('GET /orgs/{org}/repos', o.login)).toBe(Math.ceil(o.repos.length / 2));
      expect(emu.calls.count('GET /repos/{owner}/{repo}/keys', o.login)).toBe(o.repos.reduce((n, repo) => n + Math.max(1, Math.ceil(repo.deployKeys.length / 2)), 0));
    }
    expect(r.totals.pages).toBe(emu.calls.log.filter((c) => c.status < 400).length);
    expect(r.totals.items).toBe(r.records.length);
    expect(r.totals.errors).toBe(0);
    expect(r.secrets.length).toBe(counts.secrets);
    const budget = r.infos.find((i) => i.msg === 'github rate limit budget');
    expect(budget?.fields.remaining).toBeGreaterThan(0);
  });

  it('maps deploy keys, installations, PAT grants and open alerts faithfully, never a secret', async () => {
    const r = await run(config());
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    let unreported = 0;
    for (const o of estate.orgs) {
      for (const repo of o.repos) {
        for (const k of repo.deployKeys) {
          const id = `github:${o.login}:deploy-key/${repo.name}/${k.id}`;
          expect(byId.get(id)).toMatchObject({ provider: 'github', kind: 'github-deploy-key', scope: o.login, name: `${repo.name}/${k.title}`, labels: { repo: `${o.login}/${repo.name}`, access: k.readOnly ? 'read' : 'write' } });
          const c = r.credentials.find((x) => x.identityId === id);
          expect(c).toMatchObject({ kind: 'github-deploy-key', publicId: sshFingerprint(k.key), createdAt: new Date(k.createdAt).toISOString(), active: true });
          expect(c?.publicId).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
          expect(c?.lastUsedAt).toBe(k.lastUsed ? new Date(k.lastUsed).toISOString() : undefined);
          if (k.lastUsed === undefined) unreported++;
          expect(r.grants.find((g) => g.identityId === id)).toMatchObject({ scope: `${o.login}/${repo.name}`, role: 'deploy-key', privilege: k.readOnly ? 'read' : 'write' });
        }
      }
      for (const i of o.installations) {
        const id = `github:${o.login}:app/${i.id}`;
        expect(byId.get(id)).toMatchObject({ kind: 'github-app-installation', name: i.appSlug, disabled: i.suspendedAt !== null, labels: { repository_selection: i.repositorySelection } });
        const grants = r.grants.filter((g) => g.identityId === id);
        expect(grants).toHaveLength(Object.keys(i.permissions).length);
        if (i.permissions.administration === 'write') expect(grants.find((g) => g.role === 'app:administration')?.privilege).toBe('admin');
        if (i.permissions.contents === 'write') expect(grants.find((g) => g.role === 'app:contents')?.privilege).toBe('write');
        if (i.permissions.metadata === 'read') expect(grants.find((g) => g.role === 'app:metadata')?.privilege).toBe('read');
      }
      for (const p of o.patGrants) {
        const id = `github:${o.login}:pat/${p.tokenId}`;
        expect(byId.get(id)).toMatchObject({ kind: 'github-fine-grained-pat', name: p.tokenName, owner: p.ownerLogin });
        const c = r.credentials.find((x) => x.identityId === id);
        expect(c).toMatchObject({ kind: 'github-pat', publicId: String(p.tokenId), active: !p.tokenExpired });
        expect(c?.expiresAt).toBe(p.tokenExpiresAt ? new Date(p.tokenExpiresAt).toISOString() : undefined);
        expect(c?.lastUsedAt).toBe(p.tokenLastUsedAt ? new Date(p.tokenLastUsedAt).toISOString() : undefined);
      }
    }
    expect(unreported).toBeGreaterThan(0);
    const open = estate.orgs.filter((o) => o.secretScanning).flatMap((o) => o.alerts.filter((a) => a.state === 'open').map((a) => ({ o, a })));
    expect(open.length).toBeGreaterThan(0);
    expect(r.leaks).toHaveLength(open.length);
    for (const { o, a } of open) {
      const leak = r.leaks.find((l) => l.location.repo === `${o.login}/${a.repo}` && l.preview.includes(`#${a.number})`));
      expect(leak).toMatchObject({ rule: `github-secret-scanning:${a.secretType}`, severity: 'high', location: { path: a.path, line: a.line } });
      expect(leak?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(leak?.publicId).toBeUndefined();
    }
    expect(JSON.stringify(r.records)).not.toContain(REDACTED_ALERT_SECRET);
    expect(JSON.stringify(r.records)).not.toContain('ssh-ed25519');
  });

  it('retries primary and secondary rate limits and a 502 through the plugins', async () => {
    emu.faults.primaryRateLimit = { op: 'GET /orgs/{org}/repos', times: 1 };
    emu.faults.secondaryRateLimit = { op: 'GET /orgs/{org}/installations', times: 1, retryAfterSeconds: 1 };
    emu.faults.badGateway = { op: 'GET /repos/{owner}/{repo}/keys', times: 2 };
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(r.totals.retries).toBe(4);
    expect(emu.faults.primaryRateLimit.times).toBe(0);
    expect(emu.faults.secondaryRateLimit.times).toBe(0);
    expect(emu.faults.badGateway.times).toBe(0);
    expect(emu.calls.log.filter((c) => c.status === 403)).toHaveLength(2);
    expect(emu.calls.log.filter((c) => c.status === 502)).toHaveLength(2);
    expect(r.identities.filter((i) => i.kind === 'github-deploy-key')).toHaveLength(countGithub(estate).deployKeys);
  });

  it('gives up on a rate limit after maxRetries and fails only that source', async () => {
    const [first] = estate.orgs;
    emu.faults.primaryRateLimit = { op: 'GET /orgs/{org}/repos', org: first?.login, times: 10 };
    const r = await run(config({ maxRetries: 1 }));
    expect(r.outcomes.find((o) => o.source === `github:${first?.login}`)).toMatchObject({ status: 'failed', error: expect.stringContaining('HTTP 403') as string });
    expect(r.outcomes.filter((o) => o.status === 'ok')).toHaveLength(estate.orgs.length - 1);
  });

  it('a forbidden organization fails its source only; the others are kept', async () => {
    const forbidden = estate.orgs[1]?.login ?? '';
    emu.faults.forbiddenOrgs = [forbidden];
    const r = await run(config());
    expect(r.outcomes.find((o) => o.source === `github:${forbidden}`)).toMatchObject({ status: 'failed', items: 0, error: expect.stringContaining('HTTP 403') as string });
    expect(r.outcomes.filter((o) => o.status === 'ok').map((o) => o.source)).toEqual(estate.orgs.filter((o) => o.login !== forbidden).map((o) => `github:${o.login}`));
    expect(r.identities.some((i) => i.scope === forbidden)).toBe(false);
    expect(r.totals.errors).toBe(1);
  });

  it('an organization without secret scanning keeps its other records, with a warning', async () => {
    const disabled = estate.orgs.find((o) => !o.secretScanning);
    expect(disabled).toBeDefined();
    const r = await run(config());
    expect(r.outcomes.find((o) => o.source === `github:${disabled?.login}`)?.status).toBe('ok');
    expect(r.warnings.some((w) => w.includes('secret scanning'))).toBe(true);
    expect(r.leaks.some((l) => l.location.repo?.startsWith(`${disabled?.login}/`))).toBe(false);
    expect(r.identities.some((i) => i.scope === disabled?.login)).toBe(true);
  });

  it('authenticates as the GitHub App: per-organization installation tokens', async () => {
    const r = await run(config(), { token: undefined, app: { appId: emu.app.appId, privateKey: emu.app.privateKey } });
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(emu.calls.count('POST /app/installations/{id}/access_tokens')).toBe(estate.orgs.length);
    expect(emu.calls.log.filter((c) => c.op === 'GET /orgs/{org}/repos').every((c) => c.auth === 'installation')).toBe(true);
  });

  it('reports every source as failed without credentials', async () => {
    const collect = createGithubCollector({ env: {} });
    const outcomes = await collect(config(), { now: new Date(NOW), log: { debug() {}, info() {}, warn() {}, error() {} }, concurrency: 2, emit() {}, progress: { start() {}, update() {}, finish() {} } });
    expect(outcomes.every((o) => o.status === 'failed' && o.error?.includes('GITHUB_TOKEN'))).toBe(true);
  });
});
