import { request } from 'node:https';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ClientSecretCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAzureEstate, startAzureEmulator } from '../../../src/sandbox/azure/index.ts';
import type { AzureEmulator } from '../../../src/sandbox/azure/index.ts';

const estate = generateAzureEstate({ seed: 'wire', size: 120, nowMs: Date.parse('2025-06-01T00:00:00Z') });
const sub = estate.subscriptions[0]!.subscriptionId;
let emu: AzureEmulator;
let credential: TokenCredential;

/** A raw https GET trusting the emulator's CA (what an SDK-less client sees). */
function get(path: string, token?: string): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emu.endpoint}${path}`, { ca: emu.ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  emu = await startAzureEmulator(estate, { armPageSize: 10, graphMaxPageSize: 25 });
  credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, { authorityHost: emu.endpoint, disableInstanceDiscovery: true, tlsOptions: { ca: emu.ca } });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
  emu.calls.reset();
});

const arm = () => new AuthorizationManagementClient(credential, sub, { endpoint: emu.endpoint, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: emu.ca }, retryOptions: { retryDelayInMs: 5 } });

describe('Azure emulator over https with the real SDKs', () => {
  it('runs the real ClientSecretCredential flow (OIDC discovery, token) and refuses a wrong secret', async () => {
    const token = await credential.getToken('https://management.azure.com/.default');
    expect(token?.token).toMatch(/^emu\.arm\./);
    expect(emu.calls.count({ api: 'entra', match: '/v2.0/.well-known/openid-configuration' })).toBeGreaterThanOrEqual(1);
    const bad = new ClientSecretCredential(emu.tenantId, emu.clientId, 'nope', { authorityHost: emu.endpoint, disableInstanceDiscovery: true, tlsOptions: { ca: emu.ca } });
    await expect(bad.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS7000215/);
  });

  it('lists role assignments for a subscription across pages (absolute nextLink) and at scope', async () => {
    const all = [];
    for await (const ra of arm().roleAssignments.listForSubscription()) all.push(ra);
    expect(all.length).toBeGreaterThan(10);
    expect(emu.calls.count({ api: 'arm', match: 'roleAssignments' })).toBe(Math.ceil(all.length / 10));
    expect(all.every((a) => a.principalId && a.scope && a.roleDefinitionId && a.createdOn instanceof Date)).toBe(true);
    const atScope = [];
    for await (const ra of arm().roleAssignments.listForScope(`/subscriptions/${sub}`, { filter: 'atScope()' })) atScope.push(ra);
    expect(atScope.every((a) => !a.scope?.includes('/resourceGroups/'))).toBe(true);
    expect(atScope.length).toBeLessThan(all.length);
    // The SDK sends `//subscriptions/..` for scopes starting with '/': collapsed.
    expect(emu.calls.log.every((c) => !c.path.includes('//'))).toBe(true);
  });

  it('gets and lists role definitions (flattened properties, roleType)', async () => {
    const owner = await arm().roleDefinitions.get(`/subscriptions/${sub}`, '8e3af657-a8ff-443c-a75c-2fe8c4bcb635');
    expect(owner).toMatchObject({ roleName: 'Owner', roleType: 'BuiltInRole', permissions: [{ actions: ['*'] }] });
    const names = [];
    for await (const d of arm().roleDefinitions.list(`/subscriptions/${sub}`)) names.push(d.roleName);
    expect(names).toEqual(expect.arrayContaining(['Owner', 'Contributor', 'Reader', 'User Access Administrator', 'Custom App Deployer']));
  });

  it('answers 403 AuthorizationFailed for a forbidden subscription, and retries 429 with retry-after', async () => {
    emu.faults.forbiddenSubscriptions = [sub];
    await expect(arm().roleAssignments.listForSubscription().next()).rejects.toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
    emu.faults.forbiddenSubscriptions = [];
    emu.faults.throttle = { api: 'arm', times: 2, retryAfterMs: 10 };
    const first = await arm().roleAssignments.listForSubscription().next();
    expect(first.done).toBe(false);
    expect(emu.calls.count({ status: 429 })).toBe(2);
  });

  it('serves Graph to the Graph SDK: $select, $top, @odata.nextLink, owners, beta sign-in report', async () => {
    const graphToken = async () => (await credential.getToken('https://graph.microsoft.com/.default'))?.token ?? '';
    // The Graph SDK uses global fetch: on Node 24 the CA is trusted process-wide (this test file runs in its own fork).
    setDefaultCACertificates([...getCACertificates('default'), emu.ca]);
    const client = Client.initWithMiddleware({ authProvider: { getAccessToken: graphToken }, baseUrl: `${emu.endpoint}/`, defaultVersion: 'v1.0', customHosts: new Set(['127.0.0.1']) });
    const firstPage = (await client.api('/servicePrincipals').select(['id', 'appId', 'servicePrincipalType']).top(999).get()) as { value: unknown[]; '@odata.nextLink'?: string };
    const seen: unknown[] = [];
    await new PageIterator(client, firstPage, (item) => {
      seen.push(item);
      return true;
    }).iterate();
    expect(seen).toHaveLength(estate.servicePrincipals.length);
    const beta = (await client.api('/reports/servicePrincipalSignInActivities').version('beta').top(1000).get()) as { value: { appId: string }[] };
    expect(beta.value.length).toBe(Math.min(25, estate.signIns.length));
    const token = await graphToken();
    const first = await get('/v1.0/servicePrincipals?$select=id,displayName&$top=999', token);
    expect((first.body['value'] as unknown[]).length).toBe(25);
    expect(first.body['@odata.nextLink']).toMatch(new RegExp(`^${emu.endpoint}/v1\\.0/servicePrincipals\\?`));
    expect(Object.keys((first.body['value'] as Record<string, unknown>[])[0]!).sort()).toEqual(['displayName', 'id']);
    const app = estate.applications.find((a) => a.ownerIds.length > 0)!;
    const owners = await get(`/v1.0/applications/${app.id}/owners`, token);
    expect((owners.body['value'] as { userPrincipalName: string }[])[0]?.userPrincipalName).toMatch(/@/);
    const report = await get('/beta/reports/servicePrincipalSignInActivities?$top=5', token);
    expect((report.body['value'] as unknown[]).length).toBe(5);
    const withSecret = await get(`/v1.0/applications/${estate.applications.find((a) => a.passwordCredentials.length > 0)!.id}`, token);
    expect((withSecret.body['passwordCredentials'] as { secretText: unknown }[])[0]?.secretText).toBeNull();
  });

  it('checks audiences and answers Graph/ARM errors as { error: { code, message } }', async () => {
    const armToken = (await credential.getToken('https://management.azure.com/.default'))?.token;
    const wrongAudience = await get('/v1.0/servicePrincipals', armToken);
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.error?.code).toBe('InvalidAuthenticationToken');
    const missing = await get(`/v1.0/servicePrincipals/00000000-0000-4000-8000-000000000000`, emu.accessToken);
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    const noVersion = await get(`/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments`, emu.accessToken);
    expect(noVersion).toMatchObject({ status: 400, body: { error: { code: 'MissingApiVersionParameter' } } });
    const tooBig = await get('/v1.0/servicePrincipals?$top=1000', emu.accessToken);
    expect(tooBig.status).toBe(400);
  });
});
