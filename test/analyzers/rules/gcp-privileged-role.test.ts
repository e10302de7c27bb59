import { describe, expect, it } from 'vitest';
import { gcpPrivilegedRoleRule } from '../../../src/analyzers/rules/gcp-privileged-role.ts';
import { GCP_RULES } from '../../../src/analyzers/rules/gcp.ts';
import type { Credential, Grant, Identity } from '../../../src/model/index.ts';
import { credentialId, findingId } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, user } from '../factories.ts';

const PROJECT = 'acme-prod-1234';

function sa(email: string, overrides: Partial<Identity> = {}): Identity {
  return { id: `gcp:${PROJECT}:sa/${email}`, provider: 'gcp', kind: 'gcp-service-account', scope: PROJECT, name: email, labels: {}, disabled: false, managed: false, ...overrides };
}

function binding(owner: Identity, role: string, overrides: Partial<Grant> = {}): Grant {
  return { identityId: owner.id, scope: `projects/${PROJECT}`, role, permissions: [], privilege: 'write', via: 'binding', ...overrides };
}

function gcpKey(owner: Identity, keyId: string, overrides: Partial<Credential> = {}): Credential {
  return { id: credentialId(owner.id, keyId), identityId: owner.id, kind: 'gcp-sa-key', publicId: keyId, createdAt: daysAgo(30), active: true, ...overrides };
}

const deployer = sa(`ci-deployer@${PROJECT}.iam.gserviceaccount.com`);
const KEY = '0123456789abcdef0123456789abcdef01234567';

interface Case {
  name: string;
  identity?: Identity;
  grants: (i: Identity) => Grant[];
  keys?: (i: Identity) => Credential[];
  severity?: 'high' | 'critical';
}

const mustFire: Case[] = [
  { name: 'editor on the project', grants: (i) => [binding(i, 'roles/editor')], severity: 'high' },
  { name: 'owner on the project without keys', grants: (i) => [binding(i, 'roles/owner', { privilege: 'admin' })], severity: 'high' },
  { name: 'owner with an active user-managed key', grants: (i) => [binding(i, 'roles/owner', { privilege: 'admin' })], keys: (i) => [gcpKey(i, KEY)], severity: 'critical' },
  { name: 'editor with an active key stays high', grants: (i) => [binding(i, 'roles/editor')], keys: (i) => [gcpKey(i, KEY)], severity: 'high' },
  { name: 'token creator on the project', grants: (i) => [binding(i, 'roles/iam.serviceAccountTokenCreator', { privilege: 'admin' })], severity: 'high' },
  { name: 'key admin on a folder', grants: (i) => [binding(i, 'roles/iam.serviceAccountKeyAdmin', { scope: 'folders/123456789012' })], severity: 'high' },
  { name: 'project IAM admin on the organization', grants: (i) => [binding(i, 'roles/resourcemanager.projectIamAdmin', { scope: 'organizations/555' })], severity: 'high' },
  { name: 'service account admin', grants: (i) => [binding(i, 'roles/iam.serviceAccountAdmin')], severity: 'high' },
  { name: 'conditional owner binding still counts', grants: (i) => [binding(i, 'roles/owner', { viaName: 'temporary-access' })], severity: 'high' },
  { name: 'owner of a disabled account with a key is not critical', identity: sa(`old@${PROJECT}.iam.gserviceaccount.com`, { disabled: true }), grants: (i) => [binding(i, 'roles/owner')], keys: (i) => [gcpKey(i, KEY)], severity: 'high' },
  { name: 'owner whose only key is system-managed is not critical', grants: (i) => [binding(i, 'roles/owner')], keys: (i) => [gcpKey(i, KEY, { managed: true })], severity: 'high' },
  { name: 'owner with an expired key and a live one', grants: (i) => [binding(i, 'roles/owner')], keys: (i) => [gcpKey(i, KEY, { expiresAt: daysAgo(1) }), gcpKey(i, 'f'.repeat(40))], severity: 'critical' },
  { name: 'default compute account with editor', identity: sa('123456789012-compute@developer.gserviceaccount.com', { labels: { default: 'compute' } }), grants: (i) => [binding(i, 'roles/editor')], severity: 'high' },
];

const mustNotFire: Case[] = [
  { name: 'viewer only', grants: (i) => [binding(i, 'roles/viewer', { privilege: 'read' })] },
  { name: 'storage admin (one service)', grants: (i) => [binding(i, 'roles/storage.admin')] },
  { name: 'service account user', grants: (i) => [binding(i, 'roles/iam.serviceAccountUser')] },
  { name: 'no grants', grants: () => [] },
  { name: 'Google-managed service agent with editor', identity: sa('123@cloudservices.gserviceaccount.com', { managed: true }), grants: (i) => [binding(i, 'roles/editor')] },
  { name: 'token creator on one service account (resource scope)', grants: (i) => [binding(i, 'roles/iam.serviceAccountTokenCreator', { scope: `projects/${PROJECT}/serviceAccounts/x@${PROJECT}.iam.gserviceaccount.com` })] },
  { name: 'an AWS user with an attached policy named roles/owner', identity: user('svc'), grants: (i) => [binding(i, 'roles/owner', { via: 'attached', scope: '111122223333' })] },
  { name: 'owner granted some other way than a binding', grants: (i) => [binding(i, 'roles/owner', { via: 'attached' })] },
];

function run(c: Case) {
  const identity = c.identity ?? deployer;
  const inv = inventory({ identities: [identity], grants: c.grants(identity), credentials: c.keys?.(identity) ?? [] });
  return { identity, findings: gcpPrivilegedRoleRule.evaluate(context(inv)) };
}

describe('gcp.privileged-role', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const { identity, findings } = run(c);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'gcp.privileged-role', severity: c.severity, subjectType: 'identity', subjectId: identity.id, provider: 'gcp', scope: PROJECT, id: findingId('gcp.privileged-role', identity.id) });
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c).findings).toEqual([]);
  });

  it('names every privileged binding and the key in the message and evidence', () => {
    const { findings } = run({
      name: '',
      grants: (i) => [binding(i, 'roles/owner'), binding(i, 'roles/editor', { scope: 'folders/42', viaName: 'temporary-access' }), binding(i, 'roles/viewer')],
      keys: (i) => [gcpKey(i, KEY)],
    });
    expect(findings[0]?.message).toBe(`Service account ${deployer.name} holds roles/editor on folders/42 (condition temporary-access), roles/owner on projects/${PROJECT} and an active user-managed key`);
    expect(findings[0]?.evidence).toMatchObject({ roles: 'roles/editor, roles/owner', conditional: true, activeUserManagedKeys: 1, keyIds: KEY, scopes: `folders/42, projects/${PROJECT}` });
  });

  it('cites CIS GCP, SOC 2, ISO 27001 and NIST controls', () => {
    expect(gcpPrivilegedRoleRule.references.map((r) => `${r.framework} ${r.control}`)).toEqual(['CIS GCP 1.5', 'CIS GCP 1.6', 'SOC2 CC6.3', 'ISO27001 A.8.2', 'NIST800-53 AC-6']);
  });

  it('is exported in GCP_RULES with a unique id', () => {
    expect(GCP_RULES.map((r) => r.id)).toEqual(['gcp.privileged-role', 'gcp.default-sa-editor']);
  });
});
