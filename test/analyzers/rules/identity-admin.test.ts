import { describe, expect, it } from 'vitest';
import { adminRule } from '../../../src/analyzers/rules/identity-admin.ts';
import type { Credential, Grant, Identity } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, daysAgo, grant, inventory, key, role, user } from '../factories.ts';

interface Case {
  name: string;
  identity: Identity;
  grants: (id: Identity) => Grant[];
  credentials?: Partial<Credential>[];
  severity?: 'high' | 'critical';
  grantedVia?: string;
}

const deployer = user('ci-deployer');
const adminAttached = (id: Identity) => [grant(id, 'AdministratorAccess', { privilege: 'admin', permissions: ['*'] })];

const mustFire: Case[] = [
  { name: 'AdministratorAccess attached, no key', identity: role('admin-role'), grants: adminAttached, severity: 'high', grantedVia: 'AdministratorAccess (attached)' },
  {
    name: 'AdministratorAccess via group, with an active key',
    identity: deployer,
    grants: (id) => [grant(id, 'AdministratorAccess', { privilege: 'admin', via: 'group', viaName: 'admins' })],
    credentials: [{}],
    severity: 'critical',
    grantedVia: 'AdministratorAccess (group admins)',
  },
  {
    name: 'inline policy allowing * on *, plus a read grant',
    identity: deployer,
    grants: (id) => [grant(id, 'star-star', { privilege: 'admin', via: 'inline', permissions: ['*'] }), grant(id, 'ReadOnlyAccess')],
    severity: 'high',
    grantedVia: 'star-star (inline)',
  },
  { name: 'admin with only an inactive key', identity: deployer, grants: adminAttached, credentials: [{ active: false }], severity: 'high' },
  { name: 'admin with an expired key', identity: deployer, grants: adminAttached, credentials: [{ expiresAt: daysAgo(1) }], severity: 'high' },
  { name: 'disabled admin with an active key (cannot use it)', identity: user('off', { disabled: true }), grants: adminAttached, credentials: [{}], severity: 'high' },
];

const mustNotFire: Case[] = [
  {
    name: 'GCP roles/owner binding (gcp.privileged-role says it)',
    identity: { ...deployer, id: 'gcp:acme-prod:sa/builder@acme-prod.iam.gserviceaccount.com', provider: 'gcp', kind: 'gcp-service-account', scope: 'acme-prod', name: 'builder' },
    grants: (id) => [grant(id, 'roles/owner', { privilege: 'admin', via: 'binding' })],
  },
  { name: 'ReadOnlyAccess', identity: deployer, grants: (id) => [grant(id, 'ReadOnlyAccess')], credentials: [{}] },
  { name: 'write grant (PowerUserAccess is classified write)', identity: deployer, grants: (id) => [grant(id, 'PowerUserAccess', { privilege: 'write' })], credentials: [{}] },
  { name: 'no grants', identity: deployer, grants: () => [] },
  { name: 'managed service-linked role with admin', identity: role('AWSServiceRoleForOrganizations', { managed: true }), grants: adminAttached },
  { name: 'admin grant of another identity', identity: deployer, grants: () => adminAttached(user('someone-else')) },
];

function run(c: Case) {
  const credentials = (c.credentials ?? []).map((o, i) => key(c.identity, `k${i}`, o));
  return adminRule.evaluate(context(inventory({ identities: [c.identity], credentials, grants: c.grants(c.identity) })));
}

describe('identity.admin', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const findings = run(c);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ id: findingId('identity.admin', c.identity.id), subjectType: 'identity', subjectId: c.identity.id, severity: c.severity });
    if (c.grantedVia) expect(findings[0]?.evidence.grantedVia).toBe(c.grantedVia);
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c)).toEqual([]);
  });

  it('names the policies and the keys that make it critical', () => {
    const [f] = run(mustFire[1]!);
    expect(f?.message).toBe('IAM user ci-deployer has administrator rights through AdministratorAccess (group admins) and an active long-lived credential (AKIAFAKE0000000000K0)');
    expect(f?.evidence).toMatchObject({ policies: 'AdministratorAccess', activeLongLivedCredentials: 1, credentialIds: 'AKIAFAKE0000000000K0' });
  });
});
