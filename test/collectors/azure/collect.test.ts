import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectInto } from '../../helpers/collect.ts';
import { createAzureCollector } from '../../../src/collectors/azure/index.ts';
import type { AzureCollectorConfig } from '../../../src/collectors/azure/index.ts';
import type { CollectorContext, ProgressDelta } from '../../../src/collectors/context.ts';
import { azureSchema } from '../../../src/config/azure-schema.ts';
import { ownersSchema } from '../../../src/config/schema.ts';
import type { Activity, Credential, Grant, Identity, SourceOutcome } from '../../../src/model/index.ts';
import { BUILT_IN_ROLE_IDS, generateAzureEstate, startAzureEmulator } from '../../../src/sandbox/azure/index.ts';
import type { AzureEmulator, AzureEstate } from '../../../src/sandbox/azure/index.ts';

const NOW = '2025-06-01T00:00:00Z';
const estate: AzureEstate = generateAzureEstate({ seed: 'collector', size: 240, nowMs: Date.parse(NOW) });
let emu: AzureEmulator;
let caFile: string;

interface Run {
  outcomes: SourceOutcome[];
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
  activities: Activity[];
  progress: Required<ProgressDelta>;
}

function config(overrides: Record<string, unknown> = {}): AzureCollectorConfig {
  const azure = azureSchema.parse({ armEndpoint: emu.endpoint, graphEndpoint: emu.endpoint, authorityHost: emu.endpoint, tenantId: emu.tenantId, caFile, pageSize: 50, ...overrides });
  return { azure, owners: ownersSchema.parse({}) };
}

const envCredentials = (): NodeJS.ProcessEnv => ({ AZURE_TENANT_ID: emu.tenantId, AZURE_CLIENT_ID: emu.clientId, AZURE_CLIENT_SECRET: emu.clientSecret });

/** DefaultAzureCredential reads process.env: the variables are stubbed per run. */
async function run(cfg: AzureCollectorConfig, env: NodeJS.ProcessEnv = envCredentials(), extra: Partial<CollectorContext> = {}): Promise<Run> {
  for (const k of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'SPRAWL_AZURE_ACCESS_TOKEN']) vi.stubEnv(k, env[k] ?? '');
  const collect = createAzureCollector({ settings: { retryDelayMs: 5, maxRetryDelayMs: 50 } });
  const r = await collectInto(collect, cfg, { now: NOW, ...extra });
  return { ...r, progress: r.totals };
}

const spId = (objectId: string): string => `azure:${estate.tenantId}:sp/${objectId}`;
const firstParty = estate.servicePrincipals.filter((s) => s.nature === 'first-party');
const ours = estate.servicePrincipals.filter((s) => s.nature !== 'first-party');
const sub0 = estate.subscriptions[0]!.subscriptionId;
const sub1 = estate.subscriptions[1]!.subscriptionId;

beforeAll(async () => {
  emu = await startAzureEmulator(estate, { armPageSize: 20, graphMaxPageSize: 50 });
  caFile = join(mkdtempSync(join(tmpdir(), 'sprawl-azure-')), 'ca.pem');
  writeFileSync(caFile, emu.ca);
});

afterAll(async () => {
  await emu.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
  emu.calls.reset();
});

describe('collectAzure against the emulator (real @azure SDKs over https, EnvironmentCredential)', () => {
  it('inventories every non-first-party service principal and managed identity, paging Graph and ARM', async () => {
    const r = await run(config());
    expect(r.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect(r.outcomes.map((o) => o.source).sort()).toEqual([`azure:${estate.tenantId}`, ...estate.subscriptions.map((s) => `azure:${s.subscriptionId}`)].sort());
    expect(r.identities.map((i) => i.id).sort()).toEqual(ours.map((s) => spId(s.id)).sort());
    // Several pages: 240+ principals at 50 a page, assignments at 20 a page.
    expect(emu.calls.count({ api: 'graph', match: '/v1.0/servicePrincipals' })).toBeGreaterThanOrEqual(5);
    expect(emu.calls.count({ api: 'arm', match: 'roleAssignments' })).toBeGreaterThan(estate.subscriptions.length);
    expect(emu.calls.count({ api: 'entra', match: 'oauth2/v2.0/token' })).toBeGreaterThanOrEqual(2);
    expect(r.progress.pages).toBeGreaterThan(10);
    expect(r.progress.items).toBe(r.identities.length + r.credentials.length + r.grants.length + r.activities.length);
  });

  it('tells managed identities from service principals and reads their resource ids', async () => {
    const r = await run(config());
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    for (const sp of ours) {
      const identity = byId.get(spId(sp.id));
      expect(identity?.kind).toBe(sp.servicePrincipalType === 'ManagedIdentity' ? 'azure-managed-identity' : 'azure-service-principal');
      expect(identity?.disabled).toBe(!sp.accountEnabled);
      expect(identity?.managed).toBe(false);
    }
    const system = ours.find((s) => s.nature === 'system-assigned')!;
    expect(byId.get(spId(system.id))?.labels).toMatchObject({ 'azure:managedIdentityType': 'system-assigned', 'azure:resourceId': system.alternativeNames[1] });
    const user = ours.find((s) => s.nature === 'user-assigned')!;
    expect(byId.get(spId(user.id))?.labels['azure:managedIdentityType']).toBe('user-assigned');
  });

  it('skips Microsoft first-party service principals and their role assignments, or keeps them managed', async () => {
    const skipped = await run(config());
    const firstIds = new Set(firstParty.map((s) => spId(s.id)));
    expect(skipped.identities.filter((i) => firstIds.has(i.id))).toEqual([]);
    expect(skipped.grants.filter((g) => firstIds.has(g.identityId))).toEqual([]);
    const managed = await run(config({ firstPartyApps: 'managed' }));
    const kept = managed.identities.filter((i) => firstIds.has(i.id));
    expect(kept).toHaveLength(firstParty.length);
    expect(kept.every((i) => i.managed)).toBe(true);
    expect(managed.grants.some((g) => firstIds.has(g.identityId))).toBe(true);
  });

  it('maps application secrets and certificates: keyId, start, end, active = not expired, display name; no hint', async () => {
    const r = await run(config());
    const now = Date.parse(NOW);
    const expected = estate.applications.flatMap((app) => {
      const sp = estate.servicePrincipals.find((s) => s.appId === app.appId)!;
      return [
        ...app.passwordCredentials.map((p) => ({ p, kind: 'azure-client-secret' as const, sp })),
        ...app.keyCredentials.map((p) => ({ p, kind: 'azure-certificate' as const, sp })),
      ];
    });
    expect(r.credentials).toHaveLength(expected.length);
    const byKey = new Map(r.credentials.map((c) => [c.publicId, c]));
    for (const { p, kind, sp } of expected) {
      const c = byKey.get(p.keyId);
      expect(c).toMatchObject({ identityId: spId(sp.id), kind, createdAt: new Date(p.startDateTime).toISOString(), expiresAt: new Date(p.endDateTime).toISOString(), active: Date.parse(p.endDateTime) > now });
      if (p.displayName) expect(c?.displayName).toBe(p.displayName);
    }
    expect(r.credentials.some((c) => !c.active)).toBe(true);
    const hints = new Set(estate.applications.flatMap((a) => a.passwordCredentials.map((p) => p.hint)));
    expect(JSON.stringify(r.credentials).includes('"hint"')).toBe(false);
    expect([...hints].length).toBeGreaterThan(0);
  });

  it('maps sign-in activity to lastUsedAt (latest of the kinds) and per-credential last use', async () => {
    const r = await run(config());
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    for (const s of estate.signIns) {
      const identity = byId.get(spId(s.servicePrincipalId));
      if (!identity) continue;
      expect(identity.lastUsedAt).toBe(new Date(s.lastSignIn!).toISOString());
    }
    const never = ours.find((sp) => !estate.signIns.some((s) => s.servicePrincipalId === sp.id))!;
    expect(byId.get(spId(never.id))?.lastUsedAt).toBeUndefined();
    const cs = estate.credentialSignIns[0]!;
    expect(r.credentials.find((c) => c.publicId === cs.keyId)?.lastUsedAt).toBe(new Date(cs.lastSignIn).toISOString());
    expect(r.activities.some((a) => a.credentialId !== undefined && a.source === 'provider')).toBe(true);
  });

  it('resolves owners: first user owner (SP, then application), else the owner tag', async () => {
    const r = await run(config());
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    const withOwner = estate.applications.find((a) => a.ownerIds.length > 0 && a.displayName !== 'sprawl-scanner')!;
    const sp = estate.servicePrincipals.find((s) => s.appId === withOwner.appId)!;
    const upn = estate.users.find((u) => u.id === withOwner.ownerIds[0])!.userPrincipalName;
    expect(byId.get(spId(sp.id))?.owner).toBe(upn);
    const tagged = estate.servicePrincipals.find((s) => s.tags.some((t) => t.startsWith('owner:')) && (estate.applications.find((a) => a.appId === s.appId)?.ownerIds.length ?? 0) === 0)!;
    expect(byId.get(spId(tagged.id))?.owner).toBe(tagged.tags.find((t) => t.startsWith('owner:'))!.slice('owner:'.length));
  });

  it('turns service principal role assignments into grants with privilege classes, once each, users and groups left out', async () => {
    const r = await run(config());
    const principalIds = new Set(ours.map((s) => s.id));
    const expected = estate.roleAssignments.filter((a) => a.principalType === 'ServicePrincipal' && principalIds.has(a.principalId));
    expect(r.grants).toHaveLength(expected.length);
    const byName = new Map(r.grants.map((g) => [g.viaName, g]));
    const privilege: Record<string, string> = {
      [BUILT_IN_ROLE_IDS.owner]: 'admin',
      [BUILT_IN_ROLE_IDS.userAccessAdministrator]: 'admin',
      [BUILT_IN_ROLE_IDS.contributor]: 'write',
      [BUILT_IN_ROLE_IDS.reader]: 'read',
      [BUILT_IN_ROLE_IDS.keyVaultSecretsUser]: 'read',
      [BUILT_IN_ROLE_IDS.storageBlobDataContributor]: 'write',
    };
    for (const a of expected) {
      const g = byName.get(a.name);
      expect(g).toMatchObject({ identityId: spId(a.principalId), scope: a.scope, via: 'binding' });
      const want = privilege[a.roleDefinitionName];
      if (want) expect(g?.privilege).toBe(want);
    }
    const custom = estate.roleDefinitions.find((d) => d.roleName === 'Custom App Deployer')!;
    const customGrant = r.grants.find((g) => g.role === custom.roleName);
    if (customGrant) expect(customGrant.privilege).toBe('admin');
    expect(r.grants.some((g) => g.scope.startsWith('/providers/Microsoft.Management/managementGroups/'))).toBe(true);
    expect(r.grants.some((g) => g.scope.includes('/resourceGroups/'))).toBe(true);
  });

  it('retries a throttled call (429 with retry-after) and a 503', async () => {
    emu.faults.throttle = { api: 'arm', match: 'roleAssignments', times: 2, retryAfterMs: 20 };
    emu.faults.serverError = { api: 'graph', match: '/v1.0/applications', times: 1 };
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(emu.calls.count({ status: 429 })).toBe(2);
    expect(emu.calls.count({ status: 503 })).toBe(1);
    expect(r.progress.retries).toBeGreaterThanOrEqual(3);
  });

  it('fails only the forbidden subscription and keeps the others and the directory', async () => {
    emu.faults.forbiddenSubscriptions = [sub1];
    const r = await run(config());
    const failed = r.outcomes.filter((o) => o.status === 'failed');
    expect(failed.map((o) => o.source)).toEqual([`azure:${sub1}`]);
    expect(failed[0]?.error).toContain('AuthorizationFailed (HTTP 403)');
    expect(r.outcomes.find((o) => o.source === `azure:${sub0}`)?.status).toBe('ok');
    expect(r.identities.length).toBe(ours.length);
    expect(r.grants.some((g) => g.scope.startsWith(`/subscriptions/${sub0}`))).toBe(true);
    expect(r.grants.some((g) => g.scope.startsWith(`/subscriptions/${sub1}`))).toBe(false);
  });

  it('keeps the directory without sign-in dates when the reports are forbidden (no Entra ID P1)', async () => {
    emu.faults.signInReportsForbidden = true;
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(r.identities.every((i) => i.lastUsedAt === undefined)).toBe(true);
    const off = await run(config({ signInActivity: false }));
    expect(emu.calls.count({ match: '/beta/reports' })).toBe(2);
    expect(off.identities.length).toBe(ours.length);
  });

  it('scans only the configured subscriptions, with a static token (SPRAWL_AZURE_ACCESS_TOKEN), tenant from Graph', async () => {
    const r = await run(config({ subscriptions: [sub0], tenantId: undefined }), { SPRAWL_AZURE_ACCESS_TOKEN: emu.accessToken });
    expect(r.outcomes.map((o) => o.source).sort()).toEqual([`azure:${estate.tenantId}`, `azure:${sub0}`].sort());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(emu.calls.count({ api: 'entra' })).toBe(0);
  });

  it('fails the sources (not the scan) with a wrong client secret', async () => {
    const r = await run(config(), { ...envCredentials(), AZURE_CLIENT_SECRET: 'wrong' });
    expect(r.outcomes.length).toBeGreaterThan(0);
    expect(r.outcomes.every((o) => o.status === 'failed')).toBe(true);
    expect(JSON.stringify(r.outcomes)).not.toContain(emu.clientSecret);
  });

  it('honours ctx.signal: an aborted scan reports interrupted sources', async () => {
    const abort = new AbortController();
    emu.faults.delayMs = 50;
    const pending = run(config({ tenantId: emu.tenantId }), envCredentials(), { signal: abort.signal });
    setTimeout(() => abort.abort(), 120);
    const r = await pending;
    expect(r.outcomes.some((o) => o.status === 'failed' && o.error === 'interrupted')).toBe(true);
  });
});
