/** The provider-neutral rules on GCP data: system-managed keys are never findings, user-managed keys are. */
import { describe, expect, it } from 'vitest';
import { keyAgeRule } from '../../../src/analyzers/rules/credential-key-age.ts';
import { unusedRule } from '../../../src/analyzers/rules/credential-unused.ts';
import { adminRule } from '../../../src/analyzers/rules/identity-admin.ts';
import { gcpPrivilegedRoleRule } from '../../../src/analyzers/rules/gcp-privileged-role.ts';
import { isUsable, usableLongLivedCredentials } from '../../../src/analyzers/facts.ts';
import { indexInventory } from '../../../src/analyzers/inventory-index.ts';
import type { Credential, Identity } from '../../../src/model/index.ts';
import { credentialId } from '../../../src/model/index.ts';
import { NOW, context, daysAgo, inventory } from '../factories.ts';

const PROJECT = 'acme-prod-1234';
const account: Identity = { id: `gcp:${PROJECT}:sa/etl@${PROJECT}.iam.gserviceaccount.com`, provider: 'gcp', kind: 'gcp-service-account', scope: PROJECT, name: `etl@${PROJECT}.iam.gserviceaccount.com`, labels: {}, disabled: false, managed: false };
const key = (id: string, overrides: Partial<Credential> = {}): Credential => ({ id: credentialId(account.id, id), identityId: account.id, kind: 'gcp-sa-key', publicId: id, active: true, ...overrides });
const userKey = (o: Partial<Credential> = {}) => key('1'.repeat(40), o);
const systemKey = (o: Partial<Credential> = {}) => key('2'.repeat(40), { managed: true, ...o });

interface Case {
  name: string;
  rule: typeof keyAgeRule;
  identity?: Identity;
  credentials: Credential[];
  grants?: boolean;
  subjects: string[];
}

const cases: Case[] = [
  { name: 'key-age: old user-managed key fires', rule: keyAgeRule, credentials: [userKey({ createdAt: daysAgo(200) })], subjects: [userKey().id] },
  { name: 'key-age: old system-managed key does not', rule: keyAgeRule, credentials: [systemKey({ createdAt: daysAgo(700) })], subjects: [] },
  { name: 'unused: stale user-managed key fires', rule: unusedRule, identity: { ...account, lastUsedAt: daysAgo(1) }, credentials: [userKey({ createdAt: daysAgo(200), lastUsedAt: daysAgo(100) })], subjects: [userKey().id] },
  { name: 'unused: never-used system-managed key does not', rule: unusedRule, identity: { ...account, lastUsedAt: daysAgo(1) }, credentials: [systemKey({ createdAt: daysAgo(100) })], subjects: [] },
  { name: 'unused: an idle account with only system-managed keys fires on the account', rule: unusedRule, identity: { ...account, lastUsedAt: daysAgo(120) }, credentials: [systemKey({ createdAt: daysAgo(5) })], subjects: [account.id] },
  { name: 'privileged role: a system-managed key does not make it critical', rule: gcpPrivilegedRoleRule, credentials: [systemKey({ createdAt: daysAgo(5) })], grants: true, subjects: [account.id] },
  { name: 'admin: GCP identities are gcp.privileged-role\'s business', rule: adminRule, credentials: [], grants: true, subjects: [] },
];

describe('provider-neutral rules on GCP keys', () => {
  it.each(cases)('$name', (c) => {
    const identity = c.identity ?? account;
    const grants = c.grants ? [{ identityId: identity.id, scope: `projects/${PROJECT}`, role: 'roles/owner', permissions: [], privilege: 'admin' as const, via: 'binding' as const }] : [];
    const findings = c.rule.evaluate(context(inventory({ identities: [identity], credentials: c.credentials, grants })));
    expect(findings.map((f) => f.subjectId)).toEqual(c.subjects);
    if (c.rule === gcpPrivilegedRoleRule) expect(findings[0]?.severity).toBe('high');
  });

  it('facts: a system-managed key is never usable nor a long-lived credential that can leak', () => {
    const index = indexInventory(inventory({ identities: [account], credentials: [systemKey(), userKey()] }));
    expect(isUsable(systemKey(), NOW)).toBe(false);
    expect(isUsable(userKey(), NOW)).toBe(true);
    expect(usableLongLivedCredentials(index, account.id, NOW).map((c) => c.publicId)).toEqual([userKey().publicId]);
  });
});
