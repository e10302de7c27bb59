/**
 * The Azure actions and minter against the Azure emulator (https, its own CA), through the same
 * ARM SDK and Graph requests the collector makes, built from the same `azure:` config; every change
 * is checked in the emulator's estate and in what the collector sees on its next scan.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureCollector } from '../../../src/collectors/azure/index.ts';
import { enforceSchema } from '../../../src/config/enforce-schema.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Config } from '../../../src/config/schema.ts';
import { azureHandlers, azureMinter } from '../../../src/enforcer/actions/azure.ts';
import type { ActionContext, ActionHandler } from '../../../src/enforcer/actions/types.ts';
import { buildPlan } from '../../../src/enforcer/plan.ts';
import type { ActionKind, Credential, Grant, Identity, PlanAction } from '../../../src/model/index.ts';
import { generateAzureEstate, startAzureEmulator } from '../../../src/sandbox/azure/index.ts';
import type { AzureApplication, AzureEmulator, AzureEstate, AzureServicePrincipal } from '../../../src/sandbox/azure/index.ts';
import type { LogFields, Logger } from '../../../src/util/log.ts';
import { collectInto } from '../../helpers/collect.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const estate: AzureEstate = generateAzureEstate({ seed: 'enforce-azure', size: 120, nowMs: NOW.getTime() });
let emu: AzureEmulator;
let caFile: string;
const logged: string[] = [];
const line = (m: string, f?: LogFields): void => void logged.push(`${m} ${JSON.stringify(f ?? {})}`);
const recordingLog: Logger = { debug: line, info: line, warn: line, error: line };

function config(extra: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    azure: { armEndpoint: emu.endpoint, graphEndpoint: emu.endpoint, authorityHost: emu.endpoint, tenantId: emu.tenantId, caFile, maxRetries: 1, signInActivity: false },
    ...extra,
  });
}

const ctx = (cfg: Config = config(), now: () => Date = () => NOW): ActionContext => ({ config: cfg, env: { SPRAWL_AZURE_ACCESS_TOKEN: emu.accessToken }, log: recordingLog, now });

async function scan(): Promise<{ identities: Identity[]; credentials: Credential[]; grants: Grant[] }> {
  const cfg = config();
  if (!cfg.azure) throw new Error('no azure config');
  const collect = createAzureCollector({ env: { SPRAWL_AZURE_ACCESS_TOKEN: emu.accessToken }, settings: { retryDelayMs: 5, maxRetryDelayMs: 50 } });
  const r = await collectInto(collect, { azure: cfg.azure, owners: cfg.owners }, { now: NOW });
  expect(r.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
  return r;
}

function handler(kind: ActionKind): ActionHandler {
  const h = azureHandlers.find((x) => x.kinds.includes(kind));
  if (!h) throw new Error(`no handler for ${kind}`);
  return h;
}

function action(kind: ActionKind, params: PlanAction['params']): PlanAction {
  return {
    id: `a_${kind}`,
    kind,
    identityId: `azure:${estate.tenantId}:sp/${String(params.objectId)}`,
    identityName: String(params.objectId),
    provider: 'azure',
    scope: estate.tenantId,
    verdict: 'revoke',
    target: String(params.keyId ?? params.objectId),
    stage: 1,
    reversible: true,
    dependsOn: [],
    params: { identityKind: 'azure-service-principal', tenant: estate.tenantId, ...params },
    summary: kind,
  };
}

const taken = new Set<string>();
/** An application's service principal (ours, not first-party) that fits, taken once. */
function pick(filter: (sp: AzureServicePrincipal, app: AzureApplication | undefined) => boolean): { sp: AzureServicePrincipal; app: AzureApplication | undefined } {
  for (const sp of estate.servicePrincipals) {
    if (sp.nature === 'first-party' || taken.has(sp.id) || sp.id === estate.scanner.servicePrincipalId) continue;
    const app = estate.applications.find((a) => a.appId === sp.appId);
    if (!filter(sp, app)) continue;
    taken.add(sp.id);
    return { sp, app };
  }
  throw new Error('no service principal left that fits');
}

const assignmentsOf = (principalId: string) => estate.roleAssignments.filter((a) => a.principalId === principalId);
const grantKeys = (grants: Grant[], objectId: string): string[] =>
  grants
    .filter((g) => g.identityId === `azure:${estate.tenantId}:sp/${objectId}`)
    .map((g) => `${g.scope.toLowerCase()}|${g.role}`)
    .sort();

/** Client-credentials token request to the emulator's Entra endpoint: the HTTP status. */
function tokenStatus(clientId: string, secret: string): Promise<number> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'https://graph.microsoft.com/.default' }).toString();
  return new Promise((resolve, reject) => {
    const req = request(`${emu.endpoint}/${estate.tenantId}/oauth2/v2.0/token`, { method: 'POST', ca: emu.ca, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(form);
  });
}

beforeAll(async () => {
  emu = await startAzureEmulator(estate, { armPageSize: 20, graphMaxPageSize: 50 });
  caFile = join(mkdtempSync(join(tmpdir(), 'sprawl-azure-enforce-')), 'ca.pem');
  writeFileSync(caFile, emu.ca);
});

afterAll(async () => {
  await emu.stop();
});

describe('azure.role-assignments.remove', () => {
  it('removes every assignment of the principal (management groups included), records each, and undo re-creates them under the same names', async () => {
    const { sp } = pick((s) => assignmentsOf(s.id).length >= 2 && assignmentsOf(s.id).some((a) => /managementGroups/i.test(a.scope)));
    const original = assignmentsOf(sp.id).map((a) => ({ ...a }));
    // One carries an ABAC condition: it must come back with it.
    const conditioned = estate.roleAssignments.find((a) => a.principalId === sp.id && !/managementGroups/i.test(a.scope));
    expect(conditioned).toBeDefined();
    if (conditioned) Object.assign(conditioned, { condition: "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'", conditionVersion: '2.0' });
    const grantsBefore = grantKeys((await scan()).grants, sp.id);
    expect(grantsBefore.length).toBeGreaterThan(0);

    const a = action('azure.role-assignments.remove', { objectId: sp.id, appId: sp.appId });
    const applied = await handler('azure.role-assignments.remove').apply(a, ctx());
    expect(applied.status).toBe('done');
    const recorded = (applied.before as { assignments: Record<string, string>[] }).assignments;
    expect(recorded.map((r) => r['name']).sort()).toEqual(original.map((o) => o.name).sort());
    for (const r of recorded) expect(r).toMatchObject({ principalId: sp.id, principalType: 'ServicePrincipal', roleDefinitionId: expect.stringMatching(/roleDefinitions\/[0-9a-f-]{36}$/) as string, scope: expect.any(String) as string, id: expect.stringContaining(r['name'] ?? '') as string });
    if (conditioned) expect(recorded.find((r) => r['name'] === conditioned.name)).toMatchObject({ condition: conditioned.condition, conditionVersion: '2.0' });
    expect(assignmentsOf(sp.id)).toEqual([]);
    expect(grantKeys((await scan()).grants, sp.id)).toEqual([]);

    expect((await handler('azure.role-assignments.remove').apply(a, ctx())).status).toBe('noop');

    const restored = await handler('azure.role-assignments.remove').undo?.(a, applied, ctx());
    expect(restored?.status).toBe('done');
    const back = assignmentsOf(sp.id);
    expect(back.map((x) => `${x.name}|${x.scope.toLowerCase()}|${x.roleDefinitionName}`).sort()).toEqual(original.map((x) => `${x.name}|${x.scope.toLowerCase()}|${x.roleDefinitionName}`).sort());
    if (conditioned) expect(back.find((x) => x.name === conditioned.name)?.condition).toBe(conditioned.condition);
    expect(grantKeys((await scan()).grants, sp.id)).toEqual(grantsBefore);
    expect((await handler('azure.role-assignments.remove').undo?.(a, applied, ctx()))?.status).toBe('noop');
  });

  it('is a noop for a principal without assignments (or gone)', async () => {
    const out = await handler('azure.role-assignments.remove').apply(action('azure.role-assignments.remove', { objectId: '00000000-0000-0000-0000-00000000dead' }), ctx());
    expect(out).toEqual({ status: 'noop', before: { assignments: [] }, request: null, after: { assignments: [] } });
  });

  it('fails naming the principal and the code when a subscription refuses', async () => {
    const { sp } = pick((s) => assignmentsOf(s.id).length > 0);
    emu.faults.forbiddenSubscriptions = [estate.subscriptions[0]!.subscriptionId];
    try {
      await expect(handler('azure.role-assignments.remove').apply(action('azure.role-assignments.remove', { objectId: sp.id }), ctx())).rejects.toThrow(
        new RegExp(`^azure ${estate.tenantId} service principal ${sp.id}: roleAssignments\\.listForSubscription .*AuthorizationFailed \\(HTTP 403\\)`),
      );
    } finally {
      delete emu.faults.forbiddenSubscriptions;
    }
    expect(assignmentsOf(sp.id).length).toBeGreaterThan(0);
  });
});

describe('azure.secret.delete', () => {
  const cases: { name: string; setup: () => { params: PlanAction['params']; gone: () => boolean }; expect: 'done' | 'noop' }[] = [
    {
      name: 'a client secret of the application (removePassword)',
      setup: () => {
        const { sp, app } = pick((_s, a) => (a?.passwordCredentials.length ?? 0) > 0);
        const keyId = app!.passwordCredentials[0]!.keyId;
        return { params: { objectId: sp.id, appId: sp.appId, keyId, credentialKind: 'azure-client-secret' }, gone: () => !app!.passwordCredentials.some((p) => p.keyId === keyId) };
      },
      expect: 'done',
    },
    {
      name: 'a certificate of the application (PATCH keyCredentials), found without the appId param',
      setup: () => {
        const { sp, app } = pick((_s, a) => (a?.keyCredentials.length ?? 0) > 0);
        const keyId = app!.keyCredentials[0]!.keyId;
        const others = app!.keyCredentials.length - 1;
        return { params: { objectId: sp.id, keyId, credentialKind: 'azure-certificate' }, gone: () => !app!.keyCredentials.some((k) => k.keyId === keyId) && app!.keyCredentials.length === others };
      },
      expect: 'done',
    },
    {
      name: 'a client secret on the service principal itself',
      setup: () => {
        const { sp } = pick((_s, a) => a !== undefined);
        const keyId = 'a1b2c3d4-0000-4000-8000-000000000001';
        sp.passwordCredentials.push({ keyId, displayName: 'on the sp', hint: 'abc', startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2026-01-01T00:00:00Z' });
        return { params: { objectId: sp.id, appId: sp.appId, keyId, credentialKind: 'azure-client-secret' }, gone: () => !sp.passwordCredentials.some((p) => p.keyId === keyId) };
      },
      expect: 'done',
    },
    {
      name: 'a keyId the application does not have',
      setup: () => {
        const { sp } = pick((_s, a) => a !== undefined);
        return { params: { objectId: sp.id, appId: sp.appId, keyId: '00000000-0000-4000-8000-00000000beef', credentialKind: 'azure-client-secret' }, gone: () => true };
      },
      expect: 'noop',
    },
    {
      name: 'a principal and application that are gone',
      setup: () => ({ params: { objectId: '00000000-0000-4000-8000-0000000000aa', appId: '00000000-0000-4000-8000-0000000000bb', keyId: '00000000-0000-4000-8000-0000000000cc' }, gone: () => true }),
      expect: 'noop',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.expect}, then noop`, async () => {
      const { params, gone } = c.setup();
      const a = action('azure.secret.delete', params);
      const out = await handler('azure.secret.delete').apply(a, ctx());
      expect(out.status).toBe(c.expect);
      if (c.expect === 'done') expect(out.before).toMatchObject({ exists: true, keyId: params.keyId });
      expect(gone()).toBe(true);
      expect((await scan()).credentials.some((cr) => cr.publicId === params.keyId)).toBe(false);
      expect((await handler('azure.secret.delete').apply(a, ctx())).status).toBe('noop');
    });
  }
});

describe('azureMinter', () => {
  it('adds a client secret the token endpoint accepts, capped by the policy, never logged; discard removes it', async () => {
    const { sp, app } = pick((_s, a) => a !== undefined);
    const seen = (await scan()).identities.find((i) => i.nativeId === sp.id) as Identity;
    const plan = buildPlan({
      scan: { id: 's1', startedAt: NOW.toISOString() },
      inventory: { identities: [seen], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] },
      verdicts: [{ identityId: seen.id, verdict: 'migrate', reasons: [], findingIds: [] }],
      findings: [],
      config: enforceSchema.parse({ gateway: { agentId: '1837453e-01fc-46f3-9e4c-dcf22d395393' } }),
      now: NOW,
    });
    const register = plan.actions.find((x) => x.kind === 'gateway.register') as PlanAction;
    expect(register.params).toMatchObject({ tenant: estate.tenantId, objectId: sp.id, appId: sp.appId });

    logged.length = 0;
    const now = new Date();
    const cfg = config({ policy: { maxSecretLifetimeDays: 90 } });
    const minted = await azureMinter.mint(register, ctx(cfg, () => now));
    const secret = minted.secrets['envvar:AZURE_CLIENT_SECRET'] as string;
    expect(minted.secrets).toEqual({ 'envvar:AZURE_CLIENT_ID': sp.appId, 'envvar:AZURE_TENANT_ID': estate.tenantId, 'envvar:AZURE_CLIENT_SECRET': expect.stringMatching(/^.{3}8Q~.{34}$/) as string });
    expect(minted.expiresAt).toBe(new Date(now.getTime() + 90 * 86_400_000).toISOString());
    const cred = app!.passwordCredentials.find((p) => p.keyId === minted.publicId);
    expect(cred).toMatchObject({ displayName: 'sprawl gateway', endDateTime: minted.expiresAt, hint: secret.slice(0, 3) });
    expect((await scan()).credentials.find((c) => c.publicId === minted.publicId)).toMatchObject({ kind: 'azure-client-secret', active: true });
    expect(logged.join('\n')).toContain(minted.publicId);
    expect(logged.join('\n')).not.toContain(secret);
    expect(await tokenStatus(sp.appId, secret)).toBe(200);
    expect(await tokenStatus(sp.appId, `${secret}x`)).toBe(401);

    await azureMinter.discard(register, minted.publicId, ctx());
    expect(app!.passwordCredentials.some((p) => p.keyId === minted.publicId)).toBe(false);
    expect(await tokenStatus(sp.appId, secret)).toBe(401);
    await expect(azureMinter.discard(register, minted.publicId, ctx())).resolves.toBeUndefined();
  });

  it('caps the lifetime at 365 days when the policy allows longer', async () => {
    const { sp } = pick((_s, a) => a !== undefined);
    const now = new Date();
    const a = { ...action('azure.secret.delete', { objectId: sp.id, appId: sp.appId }), kind: 'gateway.rotate' as const };
    const minted = await azureMinter.mint(a, ctx(config({ policy: { maxSecretLifetimeDays: 3650 } }), () => now));
    expect(minted.expiresAt).toBe(new Date(now.getTime() + 365 * 86_400_000).toISOString());
    await azureMinter.discard(a, minted.publicId, ctx());
  });

  it('refuses a managed identity (no application to hold a secret), naming it', async () => {
    const mi = estate.servicePrincipals.find((s) => s.servicePrincipalType === 'ManagedIdentity') as AzureServicePrincipal;
    const a = { ...action('azure.secret.delete', { objectId: mi.id }), kind: 'gateway.register' as const };
    await expect(azureMinter.mint(a, ctx())).rejects.toThrow(`azure ${estate.tenantId} service principal ${mi.id}: Request_ResourceNotFound: no application behind it`);
  });
});
