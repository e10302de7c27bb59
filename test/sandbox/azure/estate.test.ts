import { describe, expect, it } from 'vitest';
import { BUILT_IN_ROLE_IDS, MICROSOFT_TENANT_ID, generateAzureEstate } from '../../../src/sandbox/azure/index.ts';

const nowMs = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;

describe('generateAzureEstate', () => {
  it('is deterministic in seed, size and now', () => {
    const a = generateAzureEstate({ seed: 'acme', size: 300, nowMs });
    expect(JSON.stringify(generateAzureEstate({ seed: 'acme', size: 300, nowMs }))).toBe(JSON.stringify(a));
    expect(generateAzureEstate({ seed: 'other', size: 300, nowMs }).tenantId).not.toBe(a.tenantId);
  });

  it.each([10, 300, 5_000])('has about %i principals, 1-4 subscriptions, GUID ids', (size) => {
    const e = generateAzureEstate({ seed: 1, size, nowMs });
    const ours = e.servicePrincipals.filter((s) => s.nature !== 'first-party');
    expect(ours.length).toBeGreaterThanOrEqual(size);
    expect(ours.length).toBeLessThanOrEqual(size + 2);
    expect(e.subscriptions.length).toBeGreaterThanOrEqual(1);
    expect(e.subscriptions.length).toBeLessThanOrEqual(4);
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(guid.test(e.tenantId)).toBe(true);
    expect(e.servicePrincipals.filter((s) => s.nature !== 'first-party').every((s) => guid.test(s.id) && guid.test(s.appId))).toBe(true);
    expect(new Set(e.servicePrincipals.map((s) => s.id)).size).toBe(e.servicePrincipals.length);
  });

  it('covers the interesting cases: expired, expiring, long-lived secrets, certificates, MIs, first-party, sign-ins, role scopes', () => {
    const e = generateAzureEstate({ seed: 2, size: 400, nowMs });
    const secrets = e.applications.flatMap((a) => a.passwordCredentials);
    expect(secrets.some((s) => Date.parse(s.endDateTime) < nowMs)).toBe(true);
    expect(secrets.some((s) => Date.parse(s.endDateTime) > nowMs && Date.parse(s.endDateTime) < nowMs + 30 * DAY)).toBe(true);
    expect(secrets.some((s) => Date.parse(s.endDateTime) - Date.parse(s.startDateTime) > 50 * 365 * DAY)).toBe(true);
    expect(secrets.some((s) => Math.round((Date.parse(s.endDateTime) - Date.parse(s.startDateTime)) / DAY) === 730)).toBe(true);
    expect(e.applications.some((a) => a.keyCredentials.length > 0)).toBe(true);
    expect(e.applications.some((a) => a.ownerIds.length === 0)).toBe(true);
    const natures = new Set(e.servicePrincipals.map((s) => s.nature));
    expect([...natures].sort()).toEqual(['application', 'external', 'first-party', 'system-assigned', 'user-assigned']);
    const mi = e.servicePrincipals.find((s) => s.nature === 'system-assigned')!;
    expect(mi.appOwnerOrganizationId).toBe(MICROSOFT_TENANT_ID);
    expect(mi.alternativeNames[1]).toMatch(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//);
    const signed = new Set(e.signIns.map((s) => s.servicePrincipalId));
    expect(e.servicePrincipals.some((s) => s.nature === 'application' && !signed.has(s.id))).toBe(true);
    expect(e.signIns.some((s) => Date.parse(s.lastSignIn!) < nowMs - 60 * DAY)).toBe(true);
    expect(e.signIns.some((s) => Date.parse(s.lastSignIn!) > nowMs - 30 * DAY)).toBe(true);
    const scopes = e.roleAssignments.map((a) => a.scope);
    expect(scopes.some((s) => s.startsWith('/providers/Microsoft.Management/managementGroups/'))).toBe(true);
    expect(scopes.some((s) => /^\/subscriptions\/[^/]+$/.test(s))).toBe(true);
    expect(scopes.some((s) => s.includes('/resourceGroups/'))).toBe(true);
    expect(e.roleAssignments.some((a) => a.principalType === 'User')).toBe(true);
    expect(e.roleAssignments.some((a) => a.roleDefinitionName === BUILT_IN_ROLE_IDS.owner && a.principalType === 'ServicePrincipal')).toBe(true);
    expect(e.roleDefinitions.some((d) => d.type === 'CustomRole')).toBe(true);
  });

  it('is lean at 30,000 principals', () => {
    const t = Date.now();
    const e = generateAzureEstate({ seed: 3, size: 30_000, nowMs });
    expect(e.servicePrincipals.length).toBeGreaterThan(30_000);
    expect(Date.now() - t).toBeLessThan(10_000);
  });
});
