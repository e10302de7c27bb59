import { cloudresourcemanager } from '@googleapis/cloudresourcemanager';
import { auth, iam } from '@googleapis/iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callOptions, createGcpClients, describeGcpError } from '../../../src/providers/gcp/client.ts';
import type { GcpClientSettings, GcpClients } from '../../../src/providers/gcp/client.ts';
import { decodeUntilStable, generateGcpEstate, startGcpEmulator } from '../../../src/sandbox/gcp/index.ts';
import type { GcpEmulator, GcpEstate } from '../../../src/sandbox/gcp/index.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');
let estate: GcpEstate;
let emu: GcpEmulator;
let settings: GcpClientSettings;
let c: GcpClients;

const failure = async (p: Promise<unknown>): Promise<ReturnType<typeof describeGcpError>> => {
  try {
    await p;
  } catch (err) {
    return describeGcpError(err);
  }
  throw new Error('expected the call to fail');
};

beforeAll(async () => {
  estate = generateGcpEstate({ seed: 'emulator', size: 80, nowMs: NOW });
  emu = await startGcpEmulator(estate);
  settings = { endpoint: emu.endpoint, accessToken: emu.accessToken, maxRetries: 2, retryDelayMs: 5, maxRetryDelayMs: 50, requestTimeoutMs: 5_000 };
  c = createGcpClients(settings);
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
  emu.calls.reset();
});

describe('GCP emulator with the real googleapis clients', () => {
  it('pages serviceAccounts.list with pageSize and nextPageToken', async () => {
    const p = estate.projects[0]!;
    const emails: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await c.iam.projects.serviceAccounts.list({ name: `projects/${p.projectId}`, pageSize: 3, ...(pageToken ? { pageToken } : {}) }, callOptions(settings));
      pages++;
      for (const a of res.data.accounts ?? []) {
        emails.push(a.email!);
        expect(a).toMatchObject({ name: `projects/${p.projectId}/serviceAccounts/${a.email}`, projectId: p.projectId, oauth2ClientId: a.uniqueId });
      }
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(emails).toEqual(p.serviceAccounts.map((sa) => sa.email));
    expect(pages).toBe(Math.ceil(p.serviceAccounts.length / 3));
    // A token from another list is refused.
    const other = estate.projects[1]!;
    const bad = await failure(c.iam.projects.serviceAccounts.list({ name: `projects/${other.projectId}`, pageToken: Buffer.from(`sa:${p.projectId}|3`).toString('base64url') }, callOptions(settings)));
    expect(bad).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
  });

  it('lists keys by type and gets one account by email, unique id or through projects/-', async () => {
    const p = estate.projects.find((x) => x.serviceAccounts.some((sa) => sa.keys.some((k) => k.type === 'USER_MANAGED')))!;
    const sa = p.serviceAccounts.find((x) => x.keys.some((k) => k.type === 'USER_MANAGED'))!;
    const name = `projects/${p.projectId}/serviceAccounts/${sa.email}`;
    const all = await c.iam.projects.serviceAccounts.keys.list({ name, keyTypes: ['USER_MANAGED', 'SYSTEM_MANAGED'] }, callOptions(settings));
    expect(all.data.keys?.map((k) => k.name)).toEqual(sa.keys.map((k) => `${name}/keys/${k.id}`));
    const user = await c.iam.projects.serviceAccounts.keys.list({ name, keyTypes: ['USER_MANAGED'] }, callOptions(settings));
    expect(user.data.keys?.every((k) => k.keyType === 'USER_MANAGED')).toBe(true);
    const k = sa.keys.find((x) => x.type === 'USER_MANAGED')!;
    expect(user.data.keys?.find((x) => x.name?.endsWith(k.id))).toMatchObject({ validAfterTime: k.validAfter, validBeforeTime: k.validBefore, keyType: 'USER_MANAGED', keyAlgorithm: k.algorithm });
    for (const ref of [name, `projects/${p.projectId}/serviceAccounts/${sa.uniqueId}`, `projects/-/serviceAccounts/${sa.email}`]) {
      const got = await c.iam.projects.serviceAccounts.get({ name: ref }, callOptions(settings));
      expect(got.data.email).toBe(sa.email);
    }
    const missing = await failure(c.iam.projects.serviceAccounts.keys.list({ name: `projects/${p.projectId}/serviceAccounts/nobody@${p.projectId}.iam.gserviceaccount.com` }, callOptions(settings)));
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('decodes paths until stable (double-encoded @)', async () => {
    expect(decodeUntilStable('a%2540b')).toBe('a@b');
    const p = estate.projects[0]!;
    const sa = p.serviceAccounts[0]!;
    const res = await fetch(`${emu.endpoint}/v1/projects/${p.projectId}/serviceAccounts/${encodeURIComponent(encodeURIComponent(sa.email))}`, { headers: { authorization: `Bearer ${emu.accessToken}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { email: string }).email).toBe(sa.email);
  });

  it('serves IAM policies of projects (v1, v3), folders and the organization', async () => {
    const p = estate.projects.find((x) => x.policy.bindings.some((b) => b.condition)) ?? estate.projects[0]!;
    const requestBody = { options: { requestedPolicyVersion: 3 } };
    const v1 = await c.crmV1.projects.getIamPolicy({ resource: p.projectId, requestBody }, callOptions(settings, { readOnlyPost: true }));
    const v3 = await c.crmV3.projects.getIamPolicy({ resource: `projects/${p.projectNumber}`, requestBody }, callOptions(settings, { readOnlyPost: true }));
    expect(v1.data.bindings).toEqual(p.policy.bindings);
    expect(v3.data).toEqual(v1.data);
    // Version 1 requested: conditional roles renamed, conditions dropped.
    const legacy = await c.crmV1.projects.getIamPolicy({ resource: p.projectId, requestBody: {} }, callOptions(settings, { readOnlyPost: true }));
    expect(legacy.data.version).toBe(1);
    expect(legacy.data.bindings?.every((b) => b.condition === undefined)).toBe(true);
    if (p.policy.bindings.some((b) => b.condition)) expect(legacy.data.bindings?.some((b) => b.role?.includes('_withcond_'))).toBe(true);
    const folder = estate.folders[0]!;
    const f = await c.crmV3.folders.getIamPolicy({ resource: `folders/${folder.id}`, requestBody }, callOptions(settings, { readOnlyPost: true }));
    expect(f.data.bindings).toEqual(folder.policy.bindings);
    const o = await c.crmV1.organizations.getIamPolicy({ resource: `organizations/${estate.organization.id}`, requestBody }, callOptions(settings, { readOnlyPost: true }));
    expect(o.data.bindings).toEqual(estate.organization.policy.bindings);
  });

  it('lists projects and folders under a parent, paged', async () => {
    const org = `organizations/${estate.organization.id}`;
    const folders = await c.crmV3.folders.list({ parent: org }, callOptions(settings));
    expect(folders.data.folders?.map((f) => f.name)).toEqual(estate.folders.map((f) => `folders/${f.id}`));
    const folder = estate.folders[0]!;
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await c.crmV3.projects.list({ parent: `folders/${folder.id}`, pageSize: 1, ...(pageToken ? { pageToken } : {}) }, callOptions(settings));
      for (const p of res.data.projects ?? []) {
        ids.push(p.projectId!);
        expect(p.name).toMatch(/^projects\/\d{12}$/);
        expect(p.parent).toBe(`folders/${folder.id}`);
      }
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(ids).toEqual(estate.projects.filter((p) => p.parent === `folders/${folder.id}`).map((p) => p.projectId));
  });

  it('answers the Policy Analyzer activity query in the documented shape, paged', async () => {
    const p = estate.projects[0]!;
    const path = `v1/projects/${p.projectId}/locations/global/activityTypes/serviceAccountLastAuthentication/activities:query`;
    type Page = { activities?: { fullResourceName: string; activityType: string; observationPeriod: { startTime: string; endTime: string }; activity: { lastAuthenticatedTime: string; serviceAccount: { serviceAccountId: string; projectNumber: string } } }[]; nextPageToken?: string };
    const first = await c.policyAnalyzer<Page>(path, { pageSize: 2 }, callOptions(settings));
    const used = p.serviceAccounts.filter((sa) => sa.lastAuthenticatedAt !== undefined);
    expect(first.data.activities?.length).toBe(Math.min(2, used.length));
    const a = first.data.activities![0]!;
    const sa = used[0]!;
    expect(a).toMatchObject({
      fullResourceName: `//iam.googleapis.com/projects/${p.projectId}/serviceAccounts/${sa.email}`,
      activityType: 'serviceAccountLastAuthentication',
      activity: { lastAuthenticatedTime: sa.lastAuthenticatedAt, serviceAccount: { serviceAccountId: sa.uniqueId, projectNumber: p.projectNumber } },
    });
    expect(a.observationPeriod.startTime).toBeTruthy();
    if (used.length > 2) expect(first.data.nextPageToken).toBeTruthy();
    const keys = await c.policyAnalyzer<{ activities?: { fullResourceName: string }[] }>(path.replace('serviceAccountLastAuthentication', 'serviceAccountKeyLastAuthentication'), {}, callOptions(settings));
    for (const k of keys.data.activities ?? []) expect(k.fullResourceName).toMatch(/\/serviceAccounts\/[^/]+\/keys\/[0-9a-f]{40}$/);
  });

  it('answers Google JSON errors: 401 without a token, 403 forbidden, 404 unknown route', async () => {
    const p = estate.projects[0]!;
    const anonymous = iam({ version: 'v1', rootUrl: `${emu.endpoint}/`, auth: (() => { const o = new auth.OAuth2(); o.setCredentials({ access_token: 'wrong' }); return o; })() });
    expect(await failure(anonymous.projects.serviceAccounts.list({ name: `projects/${p.projectId}` }, { retry: false }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    emu.faults.forbiddenProjects = [p.projectNumber];
    expect(await failure(c.iam.projects.serviceAccounts.list({ name: `projects/${p.projectId}` }, callOptions(settings)))).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect(await failure(c.crmV3.projects.getIamPolicy({ resource: `projects/${p.projectId}`, requestBody: {} }, callOptions(settings, { readOnlyPost: true })))).toMatchObject({ status: 403 });
    const res = await fetch(`${emu.endpoint}/v9/nothing`, { headers: { authorization: `Bearer ${emu.accessToken}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 404, message: expect.any(String) as string, status: 'NOT_FOUND' } });
    const crm = cloudresourcemanager({ version: 'v3', rootUrl: `${emu.endpoint}/`, auth: 'api-key' });
    expect((await crm.folders.list({ parent: `organizations/${estate.organization.id}` })).status).toBe(200);
  });

  it('injects 429 with Retry-After and 503, which the clients retry; the call log counts every attempt', async () => {
    const p = estate.projects[0]!;
    emu.faults.throttle = { op: 'iam.serviceAccounts.list', project: p.projectId, times: 1, retryAfterSeconds: 0 };
    emu.faults.unavailable = { op: 'crm.projects.getIamPolicy', times: 2 };
    let retries = 0;
    const onRetry = () => retries++;
    await c.iam.projects.serviceAccounts.list({ name: `projects/${p.projectId}` }, callOptions(settings, { onRetry }));
    await c.crmV1.projects.getIamPolicy({ resource: p.projectId, requestBody: {} }, callOptions(settings, { readOnlyPost: true, onRetry }));
    expect(retries).toBe(3);
    expect(emu.calls.count('iam.serviceAccounts.list', p.projectId)).toBe(2);
    expect(emu.calls.count('crm.projects.getIamPolicy')).toBe(3);
    expect(emu.calls.log.map((x) => x.status)).toEqual([429, 200, 503, 503, 200]);
    // Bounded: more failures than retries surface the error.
    emu.faults.unavailable = { times: 5 };
    expect(await failure(c.iam.projects.serviceAccounts.list({ name: `projects/${p.projectId}` }, callOptions(settings)))).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(emu.faults.unavailable.times).toBe(2);
    delete emu.faults.unavailable;
    // A throttle with Retry-After: 1 is honoured.
    emu.faults.throttle = { times: 1, retryAfterSeconds: 1 };
    const started = Date.now();
    await c.iam.projects.serviceAccounts.list({ name: `projects/${p.projectId}` }, callOptions({ ...settings, maxRetryDelayMs: 5_000 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});
