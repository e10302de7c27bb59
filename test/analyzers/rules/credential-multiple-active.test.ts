import { describe, expect, it } from 'vitest';
import { multipleActiveRule } from '../../../src/analyzers/rules/credential-multiple-active.ts';
import type { Credential, Identity } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, key, user } from '../factories.ts';

const ci = user('ci-deployer');

interface Case {
  name: string;
  identity: Identity;
  credentials: Credential[];
  severity?: 'low' | 'medium';
}

const mustFire: Case[] = [
  { name: 'two active access keys', identity: ci, credentials: [key(ci, 'a'), key(ci, 'b')], severity: 'low' },
  { name: 'three active access keys', identity: ci, credentials: [key(ci, 'a'), key(ci, 'b'), key(ci, 'c')], severity: 'medium' },
  { name: 'two active plus an inactive one', identity: ci, credentials: [key(ci, 'a'), key(ci, 'b'), key(ci, 'c', { active: false })], severity: 'low' },
];

const mustNotFire: Case[] = [
  { name: 'one active key', identity: ci, credentials: [key(ci, 'a')] },
  { name: 'one active and one inactive key', identity: ci, credentials: [key(ci, 'a'), key(ci, 'b', { active: false })] },
  { name: 'one active and one expired key', identity: ci, credentials: [key(ci, 'a'), key(ci, 'b', { expiresAt: daysAgo(1) })] },
  { name: 'two provider-managed keys', identity: ci, credentials: [key(ci, 'a', { managed: true }), key(ci, 'b', { managed: true })] },
  { name: 'a managed identity', identity: user('svc-managed', { managed: true }), credentials: [key(user('svc-managed'), 'a'), key(user('svc-managed'), 'b')] },
  { name: 'a disabled identity', identity: user('off', { disabled: true }), credentials: [key(user('off'), 'a'), key(user('off'), 'b')] },
];

describe('credential.multiple-active', () => {
  it.each(mustFire)('fires: $name', ({ identity, credentials, severity }) => {
    const findings = multipleActiveRule.evaluate(context(inventory({ identities: [identity], credentials })));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe(severity);
    expect(findings[0]?.identityId).toBe(identity.id);
  });

  it.each(mustNotFire)('does not fire: $name', ({ identity, credentials }) => {
    expect(multipleActiveRule.evaluate(context(inventory({ identities: [identity], credentials })))).toEqual([]);
  });
});
