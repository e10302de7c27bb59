import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countGithub, generateGithubEstate, sshFingerprint, startGithubEmulator } from '../../../src/sandbox/github/index.ts';
import type { GithubEmulator, GithubEstate } from '../../../src/sandbox/github/index.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let estate: GithubEstate;
let emu: GithubEmulator;

beforeAll(async () => {
  estate = generateGithubEstate({ seed: 'wire', size: 40, nowMs: NOW });
  emu = await startGithubEmulator(estate);
});
afterAll(async () => {
  await emu.stop();
});

describe('generateGithubEstate', () => {
  it('is deterministic and varies with the seed', () => {
    const a = generateGithubEstate({ seed: 7, size: 50, nowMs: NOW });
    expect(generateGithubEstate({ seed: 7, size: 50, nowMs: NOW })).toEqual(a);
    expect(generateGithubEstate({ seed: 8, size: 50, nowMs: NOW })).not.toEqual(a);
  });

  it.each([
    [5, 1],
    [20, 2],
    [60, 3],
  ])('size %i gives %i organizations, with the variety the rules need', (size, orgs) => {
    const e = generateGithubEstate({ seed: 'shape', size, nowMs: NOW });
    expect(e.orgs).toHaveLength(orgs);
    const c = countGithub(e);
    expect(c.deployKeys + c.installations + c.patGrants).toBeGreaterThan(size * 0.5);
    if (orgs > 1) expect(e.orgs.filter((o) => !o.secretScanning)).toHaveLength(1);
  });

  it('has archived repos, write keys, unreported last use, PATs without expiry, open alerts', () => {
    const e = generateGithubEstate({ seed: 'variety', size: 200, nowMs: NOW });
    const repos = e.orgs.flatMap((o) => o.repos);
    const keys = repos.flatMap((r) => r.deployKeys);
    expect(repos.some((r) => r.archived)).toBe(true);
    expect(keys.some((k) => !k.readOnly)).toBe(true);
    expect(keys.some((k) => k.lastUsed === undefined)).toBe(true);
    expect(keys.some((k) => k.lastUsed === null)).toBe(true);
    expect(e.orgs.flatMap((o) => o.patGrants).some((p) => p.tokenExpiresAt === null)).toBe(true);
    expect(e.orgs.flatMap((o) => o.alerts).some((a) => a.state === 'open')).toBe(true);
    expect(e.orgs.flatMap((o) => o.installations).some((i) => i.repositorySelection === 'all' && i.permissions.contents === 'write')).toBe(true);
    for (const k of keys) expect(sshFingerprint(k.key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('GitHub emulator on the wire (real Octokit)', () => {
  const client = (): Octokit => new Octokit({ baseUrl: emu.endpoint, auth: emu.token, log: quiet });

  it('pages with absolute Link headers and honours per_page (max 100)', async () => {
    const org = estate.orgs[0]?.login ?? '';
    const first = await client().request('GET /orgs/{org}/repos', { org, per_page: 1 });
    expect(first.headers.link).toMatch(new RegExp(`^<${emu.endpoint}/orgs/${org}/repos\\?per_page=1&page=2>; rel="next", <[^>]+page=\\d+>; rel="last"$`));
    expect(first.headers['x-github-request-id']).toMatch(/^SPRAWL:/);
    expect(Number(first.headers['x-ratelimit-remaining'])).toBeLessThan(5000);
    const all = await client().paginate('GET /orgs/{org}/repos', { org, per_page: 1 });
    expect(all.map((r) => r.name)).toEqual(estate.orgs[0]?.repos.map((r) => r.name));
    const big = await client().request('GET /orgs/{org}/repos', { org, per_page: 500 });
    expect(big.data).toHaveLength(Math.min(100, estate.orgs[0]?.repos.length ?? 0));
  });

  it('unwraps { total_count, installations } envelopes through paginate', async () => {
    const org = estate.orgs[0]?.login ?? '';
    const list = await client().paginate('GET /orgs/{org}/installations', { org, per_page: 1 });
    expect(list.map((i) => i.app_slug)).toEqual(estate.orgs[0]?.installations.map((i) => i.appSlug));
  });

  it('answers errors as { message, documentation_url }: 401, 404, forbidden org', async () => {
    const bad = new Octokit({ baseUrl: emu.endpoint, auth: 'wrong', log: quiet });
    await expect(bad.request('GET /user')).rejects.toMatchObject({ status: 401 });
    await expect(client().request('GET /orgs/{org}', { org: 'nope' })).rejects.toMatchObject({ status: 404, response: { data: { message: 'Not Found', documentation_url: expect.any(String) as string } } });
    emu.faults.forbiddenOrgs = [estate.orgs[0]?.login ?? ''];
    await expect(client().request('GET /orgs/{org}/repos', { org: estate.orgs[0]?.login ?? '' })).rejects.toMatchObject({ status: 403 });
    emu.faults.forbiddenOrgs = [];
  });

  it('injects primary and secondary rate limits and 502s with the headers GitHub sends', async () => {
    emu.faults.primaryRateLimit = { times: 1 };
    const primary = await client().request('GET /user').catch((e: unknown) => e as { status: number; response: { headers: Record<string, string> } });
    expect(primary).toMatchObject({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0' } } });
    emu.faults.secondaryRateLimit = { times: 1 };
    await expect(client().request('GET /user')).rejects.toMatchObject({ status: 403, response: { headers: { 'retry-after': '1' }, data: { message: expect.stringContaining('secondary rate limit') as string } } });
    emu.faults.badGateway = { times: 1 };
    await expect(client().request('GET /user')).rejects.toMatchObject({ status: 502 });
    await expect(client().request('GET /user')).resolves.toMatchObject({ status: 200 });
    const rate = await client().rest.rateLimit.get();
    expect(rate.data.resources.core.limit).toBe(5000);
  });

  it('mints installation tokens for app JWTs and scopes them to the organization', async () => {
    const appClient = new Octokit({ baseUrl: emu.endpoint, authStrategy: createAppAuth, auth: { appId: emu.app.appId, privateKey: emu.app.privateKey }, log: quiet });
    const installs = await appClient.paginate('GET /app/installations');
    expect(installs).toHaveLength(estate.orgs.length);
    const [first, second] = estate.orgs;
    const inst = installs.find((i) => i.account && 'login' in i.account && i.account.login === first?.login);
    const scoped = new Octokit({ baseUrl: emu.endpoint, authStrategy: createAppAuth, auth: { appId: emu.app.appId, privateKey: emu.app.privateKey, installationId: inst?.id }, log: quiet });
    await expect(scoped.request('GET /orgs/{org}/personal-access-tokens', { org: first?.login ?? '' })).resolves.toMatchObject({ status: 200 });
    if (second) await expect(scoped.request('GET /orgs/{org}/repos', { org: second.login })).rejects.toMatchObject({ status: 403 });
    await expect(client().request('GET /app/installations')).rejects.toMatchObject({ status: 401 });
  });

  it('never returns a real secret: alerts carry a placeholder, secrets only names', async () => {
    const org = estate.orgs.find((o) => o.secretScanning)?.login ?? '';
    const alerts = await client().paginate('GET /orgs/{org}/secret-scanning/alerts', { org });
    for (const a of alerts) expect(a.secret).toBe('<redacted by the sprawl sandbox>');
    const secrets = await client().paginate('GET /orgs/{org}/actions/secrets', { org });
    for (const s of secrets) expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['created_at', 'name', 'updated_at']));
  });
});
