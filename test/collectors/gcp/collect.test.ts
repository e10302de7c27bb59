import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectInto, type Collected } from '../../helpers/collect.ts';
import type { CollectorContext } from '../../../src/collectors/context.ts';
import { createGcpCollector } from '../../../src/collectors/gcp/index.ts';
import { buildGrant, conditionLapsed } from '../../../src/collectors/gcp/records.ts';
import type { GcpCollectorConfig } from '../../../src/collectors/gcp/index.ts';
import { gcpSchema } from '../../../src/config/gcp-schema.ts';
import { ownersSchema } from '../../../src/config/schema.ts';
import { GCP_NO_EXPIRY, generateGcpEstate, isServiceAgentEmail, startGcpEmulator } from '../../../src/sandbox/gcp/index.ts';
import type { GcpEmulator, GcpEstate } from '../../../src/sandbox/gcp/index.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
let estate: GcpEstate;
let emu: GcpEmulator;

/** What one collector run emitted and reported. */
type Run = Collected;

function config(overrides: Record<string, unknown> = {}): GcpCollectorConfig {
  return { gcp: gcpSchema.parse({ endpoint: emu.endpoint, projects: estate.projects.map((p) => p.projectId), ...overrides }), owners: ownersSchema.parse({}) };
}

async function run(cfg: GcpCollectorConfig, extra: Partial<CollectorContext> = {}): Promise<Run> {
  const collect = createGcpCollector({ env: { SPRAWL_GCP_ACCESS_TOKEN: emu.accessToken }, settings: { retryDelayMs: 5, maxRetryDelayMs: 50 } });
  return collectInto(collect, cfg, { now: NOW, ...extra });
}

const totalAccounts = (e: GcpEstate): number => e.projects.reduce((n, p) => n + p.serviceAccounts.length, 0);

beforeAll(async () => {
  estate = generateGcpEstate({ seed: 'collector', size: 90, nowMs: NOW });
  emu = await startGcpEmulator(estate);
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
  emu.calls.reset();
});

describe('collectGcp against the emulator (real googleapis clients)', () => {
  it('inventories every project, paging to the end, with bounded calls', async () => {
    const r = await run(config({ pageSize: 4 }));
    expect(estate.projects.length).toBeGreaterThanOrEqual(3);
    expect(r.outcomes).toEqual(estate.projects.map((p) => ({ source: `gcp:${p.projectId}`, status: 'ok', items: expect.any(Number) as number })));
    expect(r.outcomes.reduce((n, o) => n + o.items, 0)).toBe(r.records.length);
    const listed = r.identities.filter((i) => !i.managed);
    expect(listed).toHaveLength(totalAccounts(estate));
    for (const p of estate.projects) {
      // Several pages of 4, and exactly one keys.list per account, one policy read, two activity queries.
      expect(emu.calls.count('iam.serviceAccounts.list', p.projectId)).toBe(Math.ceil(p.serviceAccounts.length / 4));
      expect(emu.calls.count('iam.serviceAccounts.keys.list', p.projectId)).toBe(p.serviceAccounts.length);
      expect(emu.calls.count('crm.projects.getIamPolicy', p.projectId)).toBe(1);
      expect(emu.calls.count('policyanalyzer.activities.query', p.projectId)).toBe(2);
    }
    expect(emu.calls.count('iam.serviceAccounts.get')).toBe(0);
    expect(r.totals.pages).toBe(emu.calls.count());
    expect(r.totals.items).toBe(r.records.length);
    expect(r.started).toEqual(estate.projects.map((p) => `gcp:${p.projectId}`));
    expect(r.finished).toHaveLength(estate.projects.length);
  });

  it('maps accounts, default accounts, agents, keys and activity faithfully', async () => {
    const r = await run(config());
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    let defaults = 0;
    let expiring = 0;
    let systemKeys = 0;
    for (const p of estate.projects) {
      for (const sa of p.serviceAccounts) {
        const id = `gcp:${p.projectId}:sa/${sa.email}`;
        const identity = byId.get(id);
        expect(identity).toMatchObject({ provider: 'gcp', kind: 'gcp-service-account', scope: p.projectId, name: sa.email, nativeId: sa.uniqueId, disabled: sa.disabled, managed: false });
        expect(identity?.lastUsedAt).toBe(sa.lastAuthenticatedAt === undefined ? undefined : new Date(sa.lastAuthenticatedAt).toISOString());
        const expectedDefault = sa.kind === 'compute-default' ? 'compute' : sa.kind === 'appengine-default' ? 'appengine' : undefined;
        expect(identity?.labels.default).toBe(expectedDefault);
        if (expectedDefault) defaults++;
        const owner = /^owner: (\S+)$/.exec(sa.description)?.[1];
        expect(identity?.owner).toBe(owner);
        const creds = r.credentials.filter((c) => c.identityId === id);
        expect(creds.map((c) => c.publicId).sort()).toEqual(sa.keys.map((k) => k.id).sort());
        for (const k of sa.keys) {
          const c = creds.find((x) => x.publicId === k.id);
          expect(c).toMatchObject({ kind: 'gcp-sa-key', id: `${id}/key/${k.id}`, active: !k.disabled, createdAt: new Date(k.validAfter).toISOString() });
          expect(c?.managed).toBe(k.type === 'SYSTEM_MANAGED' ? true : undefined);
          expect(c?.expiresAt).toBe(k.validBefore === GCP_NO_EXPIRY ? undefined : new Date(k.validBefore).toISOString());
          expect(c?.lastUsedAt).toBe(k.lastAuthenticatedAt === undefined ? undefined : new Date(k.lastAuthenticatedAt).toISOString());
          if (k.validBefore !== GCP_NO_EXPIRY && k.type === 'USER_MANAGED') expiring++;
          if (k.type === 'SYSTEM_MANAGED') systemKeys++;
          if (k.lastAuthenticatedAt !== undefined) expect(r.activities).toContainEqual(expect.objectContaining({ identityId: id, credentialId: c?.id, source: 'provider' }));
        }
      }
      // Service agents from the project's bindings: managed identities with their grants.
      const agents = new Set(p.policy.bindings.flatMap((b) => b.members).filter((m) => m.startsWith('serviceAccount:') && isServiceAgentEmail(m.slice(15))).map((m) => m.slice(15)));
      expect(agents.size).toBeGreaterThan(0);
      for (const email of agents) {
        const agent = byId.get(`gcp:${p.projectId}:sa/${email}`);
        expect(agent).toMatchObject({ managed: true, scope: p.projectId });
        expect(agent?.labels.agent).toBeTruthy();
        expect(r.grants.some((g) => g.identityId === agent?.id && g.scope === `projects/${p.projectId}`)).toBe(true);
      }
    }
    expect(defaults).toBeGreaterThan(0);
    expect(expiring).toBeGreaterThan(0);
    expect(systemKeys).toBeGreaterThan(0);
  });

  it('turns project bindings into grants with privilege classes and conditions', async () => {
    const r = await run(config());
    for (const p of estate.projects) {
      for (const b of p.policy.bindings) {
        for (const m of b.members) {
          if (!m.startsWith('serviceAccount:')) continue;
          const email = m.slice(15);
          const home = p.serviceAccounts.some((sa) => sa.email === email) || isServiceAgentEmail(email) ? p.projectId : undefined;
          if (!home) continue;
          const g = r.grants.find((x) => x.identityId === `gcp:${home}:sa/${email}` && x.role === b.role && x.scope === `projects/${p.projectId}` && x.viaName === b.condition?.title);
          // A binding whose time condition has passed grants nothing: no grant.
          if (conditionLapsed(b.condition?.expression, new Date(NOW))) {
            expect(g, `${email} ${b.role} (lapsed)`).toBeUndefined();
            continue;
          }
          expect(g, `${email} ${b.role}`).toBeDefined();
          expect(g?.via).toBe('binding');
        }
      }
    }
    const privilegeOf = (role: string) => r.grants.find((g) => g.role === role)?.privilege;
    expect(privilegeOf('roles/owner')).toBe('admin');
    expect(privilegeOf('roles/editor')).toBe('write');
    expect(privilegeOf('roles/storage.objectViewer')).toBe('read');
    expect(r.grants.some((g) => g.viaName !== undefined)).toBe(true);
    // People and deleted accounts are not identities.
    expect(r.identities.some((i) => i.name.includes('acme.example'))).toBe(false);
    expect(r.identities.some((i) => i.name.startsWith('old-job@'))).toBe(false);
  });

  it('retries throttling (429 then OK) and 503s, counting the retries', async () => {
    const p = estate.projects[0]!;
    emu.faults.throttle = { op: 'iam.serviceAccounts.list', project: p.projectId, times: 2, retryAfterSeconds: 0 };
    emu.faults.unavailable = { op: 'crm.projects.getIamPolicy', times: 1 };
    const r = await run(config({ pageSize: 50 }));
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(emu.calls.log.filter((c) => c.status === 429)).toHaveLength(2);
    expect(emu.calls.log.filter((c) => c.status === 503)).toHaveLength(1);
    expect(r.totals.retries).toBe(3);
    expect(r.identities.filter((i) => !i.managed)).toHaveLength(totalAccounts(estate));
  });

  it('fails only the forbidden project (403), keeping the others', async () => {
    const [bad, ...good] = estate.projects;
    emu.faults.forbiddenProjects = [bad!.projectId];
    const r = await run(config());
    const failed = r.outcomes.find((o) => o.source === `gcp:${bad!.projectId}`);
    expect(failed).toMatchObject({ status: 'failed', items: 0 });
    expect(failed?.error).toMatch(/^PERMISSION_DENIED \(HTTP 403\): Permission 'iam\.serviceAccounts\.list' denied/);
    for (const p of good) expect(r.outcomes.find((o) => o.source === `gcp:${p.projectId}`)?.status).toBe('ok');
    expect(r.identities.some((i) => i.scope === bad!.projectId)).toBe(false);
    expect(r.identities.filter((i) => !i.managed)).toHaveLength(good.reduce((n, p) => n + p.serviceAccounts.length, 0));
    // No retries of a 403.
    expect(emu.calls.count('iam.serviceAccounts.list', bad!.projectId)).toBe(1);
  });

  it('keeps the inventory when the Policy Analyzer is disabled, without last-use dates', async () => {
    emu.faults.activityDisabled = true;
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(r.identities.every((i) => i.lastUsedAt === undefined)).toBe(true);
    expect(r.activities).toEqual([]);
  });

  it('skips the activity queries and the agents when switched off', async () => {
    const r = await run(config({ activity: false, includeAgents: false }));
    expect(emu.calls.count('policyanalyzer.activities.query')).toBe(0);
    expect(r.identities.some((i) => i.managed)).toBe(false);
  });

  it('discovers projects under the organization and folders, with their grants', async () => {
    const org = estate.organization.id;
    const r = await run(config({ projects: [], organization: org }));
    expect(r.outcomes[0]).toMatchObject({ source: `gcp:organizations/${org}`, status: 'ok' });
    expect(r.outcomes.slice(1).map((o) => o.source).sort()).toEqual(estate.projects.map((p) => `gcp:${p.projectId}`).sort());
    expect(emu.calls.count('crm.folders.getIamPolicy')).toBe(estate.folders.length);
    expect(emu.calls.count('crm.organizations.getIamPolicy')).toBe(1);
    const hierarchyGrants = r.grants.filter((g) => !g.scope.startsWith('projects/'));
    const expected = [estate.organization.policy, ...estate.folders.map((f) => f.policy)].flatMap((pol) => pol.bindings.flatMap((b) => b.members.filter((m) => m.startsWith('serviceAccount:'))));
    expect(hierarchyGrants.length).toBeGreaterThan(0);
    expect(hierarchyGrants.length).toBeLessThanOrEqual(expected.length);
    expect(r.outcomes[0]?.items).toBe(hierarchyGrants.length);
    for (const g of hierarchyGrants) expect(g.scope).toMatch(/^(folders|organizations)\/\d+$/);
    expect(r.outcomes.reduce((n, o) => n + o.items, 0)).toBe(r.records.length);

    // One folder only: the projects under it.
    emu.calls.reset();
    const folder = estate.folders[0]!;
    const f = await run(config({ projects: [], folders: [folder.id], pageSize: 1 }));
    const under = estate.projects.filter((p) => p.parent === `folders/${folder.id}`).map((p) => `gcp:${p.projectId}`);
    expect(f.outcomes.map((o) => o.source)).toEqual([`gcp:folders/${folder.id}`, ...under]);
    // pageSize 1 is raised to 50 for discovery: one page of projects.
    expect(emu.calls.count('crm.projects.list')).toBe(1);
  });

  it('fails a forbidden folder as its own source and still scans listed projects', async () => {
    const folder = estate.folders[0]!;
    emu.faults.forbiddenResources = [`folders/${folder.id}`];
    const r = await run(config({ projects: [estate.projects[0]!.projectId], folders: [folder.id] }));
    expect(r.outcomes[0]).toMatchObject({ source: `gcp:folders/${folder.id}`, status: 'failed' });
    expect(r.outcomes[0]?.error).toMatch(/PERMISSION_DENIED/);
    expect(r.outcomes.find((o) => o.source === `gcp:${estate.projects[0]!.projectId}`)?.status).toBe('ok');
  });

  it('stops when the scan is interrupted', async () => {
    const abort = new AbortController();
    emu.faults.delayMs = 30;
    const pending = run(config(), { signal: abort.signal });
    setTimeout(() => abort.abort(), 10);
    const r = await pending;
    expect(r.outcomes.every((o) => o.status === 'failed' && o.error === 'interrupted')).toBe(true);
  });
});

describe('bindings with a condition that can no longer be met', () => {
  const now = new Date('2026-11-01T00:00:00Z');
  const binding = (expression?: string) => ({ role: 'roles/owner', members: ['serviceAccount:a@p.iam.gserviceaccount.com'], ...(expression ? { condition: { title: 't', expression } } : {}) });
  it.each([
    ['an unconditional binding', undefined, true],
    ['a time bound still ahead', 'request.time < timestamp("2026-12-01T00:00:00Z")', true],
    ['a time bound already past', 'request.time < timestamp("2026-10-01T00:00:00Z")', false],
    ['a past bound and-ed with a resource clause', 'resource.name.startsWith("projects/_/buckets/ci-") && request.time < timestamp("2026-10-01T00:00:00Z")', false],
    ['a past bound or-ed with another clause', 'request.time < timestamp("2026-10-01T00:00:00Z") || resource.type == "x"', true],
    ['a resource condition', 'resource.name.startsWith("projects/_/buckets/ci-")', true],
    ['a lower time bound already past', 'request.time > timestamp("2026-10-01T00:00:00Z")', true],
  ])('%s', (_what, expression, grants) => {
    expect(buildGrant('gcp:p:sa/a@p.iam.gserviceaccount.com', 'projects/p', binding(expression), now) !== undefined).toBe(grants);
  });
});
