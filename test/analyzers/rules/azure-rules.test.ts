import { describe, expect, it } from 'vitest';
import { AZURE_RULES, azurePrivilegedRoleRule, azureSecretExpiredRule, azureSecretExpiringRule, azureSecretLifetimeRule } from '../../../src/analyzers/rules/azure.ts';
import { unusedRule } from '../../../src/analyzers/rules/credential-unused.ts';
import type { Credential, Grant, Identity } from '../../../src/model/index.ts';
import { credentialId, findingId } from '../../../src/model/index.ts';
import { NOW, context, daysAgo, inventory } from '../factories.ts';

const TENANT = '11111111-2222-4333-8444-555555555555';
const SUB = `/subscriptions/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee`;
const DAY = 86_400_000;
const daysAhead = (d: number): string => new Date(NOW.getTime() + d * DAY + 3_600_000).toISOString();

function sp(name: string, overrides: Partial<Identity> = {}): Identity {
  return { id: `azure:${TENANT}:sp/${name}`, provider: 'azure', kind: 'azure-service-principal', scope: TENANT, name, labels: {}, disabled: false, managed: false, createdAt: daysAgo(400), ...overrides };
}
const mi = (name: string, o: Partial<Identity> = {}): Identity => sp(name, { kind: 'azure-managed-identity', ...o });

function secret(owner: Identity, keyId: string, o: Partial<Credential> = {}): Credential {
  return { id: credentialId(owner.id, keyId), identityId: owner.id, kind: 'azure-client-secret', publicId: keyId, createdAt: daysAgo(30), expiresAt: daysAhead(150), active: true, ...o };
}
function grant(owner: Identity, role: string, scope: string, o: Partial<Grant> = {}): Grant {
  const privilege = role === 'Owner' || role === 'User Access Administrator' ? 'admin' : role === 'Reader' ? 'read' : 'write';
  return { identityId: owner.id, scope, role, permissions: [], privilege, via: 'binding', viaName: `ra-${role}-${scope.length}`, ...o };
}

interface Case {
  name: string;
  identity: Identity;
  credentials?: (id: Identity) => Credential[];
  grants?: (id: Identity) => Grant[];
  severity?: string;
}

const run = (rule: typeof azurePrivilegedRoleRule, c: Case, policy = {}) => {
  const inv = inventory({ identities: [c.identity], credentials: c.credentials?.(c.identity) ?? [], grants: c.grants?.(c.identity) ?? [] });
  return rule.evaluate(context(inv, policy));
};

describe('azure.privileged-role', () => {
  const fire: Case[] = [
    { name: 'Owner on a subscription, no secret', identity: sp('a'), grants: (i) => [grant(i, 'Owner', SUB)], severity: 'high' },
    { name: 'Owner on a subscription with an active client secret', identity: sp('b'), credentials: (i) => [secret(i, 'k1')], grants: (i) => [grant(i, 'Owner', SUB)], severity: 'critical' },
    { name: 'User Access Administrator on a management group with a secret', identity: sp('c'), credentials: (i) => [secret(i, 'k1')], grants: (i) => [grant(i, 'User Access Administrator', '/providers/Microsoft.Management/managementGroups/root')], severity: 'critical' },
    { name: 'Contributor on a subscription with a secret (cannot grant access)', identity: sp('d'), credentials: (i) => [secret(i, 'k1')], grants: (i) => [grant(i, 'Contributor', SUB)], severity: 'high' },
    { name: 'managed identity with Contributor on a subscription', identity: mi('e'), grants: (i) => [grant(i, 'Contributor', SUB)], severity: 'high' },
    { name: 'custom admin-class role on a subscription with a secret', identity: sp('f'), credentials: (i) => [secret(i, 'k1')], grants: (i) => [grant(i, 'Custom App Deployer', SUB, { privilege: 'admin' })], severity: 'critical' },
    { name: 'Owner with only an expired secret', identity: sp('g'), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAgo(3), active: false })], grants: (i) => [grant(i, 'Owner', SUB)], severity: 'high' },
    { name: 'disabled principal with Owner and a secret', identity: sp('h', { disabled: true }), credentials: (i) => [secret(i, 'k1')], grants: (i) => [grant(i, 'Owner', SUB)], severity: 'high' },
  ];
  const quiet: Case[] = [
    { name: 'Owner on a resource group', identity: sp('a'), grants: (i) => [grant(i, 'Owner', `${SUB}/resourceGroups/rg1`)] },
    { name: 'Reader on a subscription', identity: sp('b'), grants: (i) => [grant(i, 'Reader', SUB)] },
    { name: 'Storage Blob Data Contributor on a subscription', identity: sp('c'), grants: (i) => [grant(i, 'Storage Blob Data Contributor', SUB)] },
    { name: 'managed (first-party) principal with Owner', identity: sp('d', { managed: true }), grants: (i) => [grant(i, 'Owner', SUB)] },
    { name: 'an AWS role named Owner', identity: { ...sp('e'), provider: 'aws', kind: 'aws-iam-role' }, grants: (i) => [grant(i, 'Owner', SUB)] },
  ];
  it.each(fire)('fires: $name', (c) => {
    const findings = run(azurePrivilegedRoleRule, c);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'azure.privileged-role', subjectType: 'grant', identityId: c.identity.id, severity: c.severity, provider: 'azure' });
  });
  it.each(quiet)('does not fire: $name', (c) => {
    expect(run(azurePrivilegedRoleRule, c)).toEqual([]);
  });
  it('keeps a stable id per assignment and says what and where', () => {
    const [f] = run(azurePrivilegedRoleRule, fire[1]!);
    expect(f?.id).toBe(findingId('azure.privileged-role', `${sp('b').id}/grant/ra-Owner-${SUB.length}`));
    expect(f?.message).toBe(`Service principal b holds Owner on subscription ${SUB} and an active client secret`);
  });
});

describe('azure.secret-expired', () => {
  const fire: Case[] = [
    { name: 'client secret expired 10 days ago', identity: sp('a'), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAgo(10), active: false })], severity: 'low' },
    { name: 'certificate expired a year ago', identity: sp('b'), credentials: (i) => [secret(i, 'k1', { kind: 'azure-certificate', expiresAt: daysAgo(365), active: false })], severity: 'low' },
    { name: 'expired secret on a Contributor', identity: sp('c'), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAgo(10), active: false })], grants: (i) => [grant(i, 'Contributor', SUB)], severity: 'medium' },
  ];
  const quiet: Case[] = [
    { name: 'secret valid for 150 more days', identity: sp('a'), credentials: (i) => [secret(i, 'k1')] },
    { name: 'secret without an end date', identity: sp('b'), credentials: (i) => [secret(i, 'k1', { expiresAt: undefined })] },
    { name: 'expired AWS key (not an Azure secret)', identity: sp('c'), credentials: (i) => [secret(i, 'k1', { kind: 'aws-access-key', expiresAt: daysAgo(10) })] },
    { name: 'expired secret on a managed principal', identity: sp('d', { managed: true }), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAgo(10), active: false })] },
  ];
  it.each(fire)('fires: $name', (c) => {
    const findings = run(azureSecretExpiredRule, c);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ subjectType: 'credential', severity: c.severity });
  });
  it.each(quiet)('does not fire: $name', (c) => expect(run(azureSecretExpiredRule, c)).toEqual([]));
});

describe('azure.secret-lifetime', () => {
  const fire: Case[] = [
    { name: '2-year secret', identity: sp('a'), credentials: (i) => [secret(i, 'k1', { createdAt: daysAgo(10), expiresAt: daysAhead(720) })] },
    { name: '99-year secret', identity: sp('b'), credentials: (i) => [secret(i, 'k1', { createdAt: daysAgo(100), expiresAt: daysAhead(99 * 365) })] },
    { name: '2-year certificate', identity: sp('c'), credentials: (i) => [secret(i, 'k1', { kind: 'azure-certificate', createdAt: daysAgo(10), expiresAt: daysAhead(720) })] },
  ];
  const quiet: Case[] = [
    { name: '1-year secret', identity: sp('a'), credentials: (i) => [secret(i, 'k1', { createdAt: daysAgo(30), expiresAt: daysAhead(335) })] },
    { name: 'expired 2-year secret (azure.secret-expired covers it)', identity: sp('b'), credentials: (i) => [secret(i, 'k1', { createdAt: daysAgo(800), expiresAt: daysAgo(70), active: false })] },
    { name: 'secret without a start date', identity: sp('c'), credentials: (i) => [secret(i, 'k1', { createdAt: undefined, expiresAt: daysAhead(3000) })] },
  ];
  it.each(fire)('fires: $name', (c) => {
    const findings = run(azureSecretLifetimeRule, c);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ subjectType: 'credential', severity: 'medium', evidence: { maxLifetimeDays: 365 } });
  });
  it.each(quiet)('does not fire: $name', (c) => expect(run(azureSecretLifetimeRule, c)).toEqual([]));
  it('honours policy.maxSecretLifetimeDays', () => {
    const c = fire[0]!;
    expect(run(azureSecretLifetimeRule, c, { maxSecretLifetimeDays: 800 })).toEqual([]);
  });
});

describe('azure.secret-expiring', () => {
  const fire: Case[] = [
    { name: 'expires in 5 days', identity: sp('a'), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAhead(5) })] },
    { name: 'certificate expires in 29 days', identity: sp('b'), credentials: (i) => [secret(i, 'k1', { kind: 'azure-certificate', expiresAt: daysAhead(29) })] },
  ];
  const quiet: Case[] = [
    { name: 'expires in 60 days', identity: sp('a'), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAhead(60) })] },
    { name: 'already expired', identity: sp('b'), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAgo(1), active: false })] },
    { name: 'expiring on a disabled principal', identity: sp('c', { disabled: true }), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAhead(5) })] },
  ];
  it.each(fire)('fires: $name', (c) => {
    const findings = run(azureSecretExpiringRule, c);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe('info');
  });
  it.each(quiet)('does not fire: $name', (c) => expect(run(azureSecretExpiringRule, c)).toEqual([]));
});

describe('credential.unused on Azure data (no separate Azure rule)', () => {
  const fire: Case[] = [
    { name: 'service principal with only expired secrets, last sign-in 200 days ago', identity: sp('a', { lastUsedAt: daysAgo(200) }), credentials: (i) => [secret(i, 'k1', { expiresAt: daysAgo(5), active: false })] },
    { name: 'service principal never signed in, created 400 days ago, no secrets', identity: sp('b') },
    { name: 'managed identity last signed in 100 days ago', identity: mi('c', { lastUsedAt: daysAgo(100) }) },
    { name: 'active secret never used, created 90 days ago (SP signed in with another one)', identity: sp('d', { lastUsedAt: daysAgo(1) }), credentials: (i) => [secret(i, 'k1', { createdAt: daysAgo(90) }), secret(i, 'k2', { lastUsedAt: daysAgo(1) })] },
  ];
  const quiet: Case[] = [
    { name: 'service principal signed in yesterday, secret used yesterday', identity: sp('a', { lastUsedAt: daysAgo(1) }), credentials: (i) => [secret(i, 'k1', { lastUsedAt: daysAgo(1) })] },
    { name: 'managed identity never signed in (unknown is not never)', identity: mi('b') },
    { name: 'disabled service principal unused for a year', identity: sp('c', { disabled: true, lastUsedAt: daysAgo(365) }) },
  ];
  it.each(fire)('fires: $name', (c) => expect(run(unusedRule, c)).toHaveLength(1));
  it.each(quiet)('does not fire: $name', (c) => expect(run(unusedRule, c)).toEqual([]));
});

it('AZURE_RULES have unique ids under azure.* and cite references', () => {
  expect(new Set(AZURE_RULES.map((r) => r.id)).size).toBe(AZURE_RULES.length);
  for (const r of AZURE_RULES) {
    expect(r.id).toMatch(/^azure\./);
    expect(r.references.length).toBeGreaterThan(0);
  }
});
