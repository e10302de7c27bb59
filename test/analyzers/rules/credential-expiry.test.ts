import { describe, expect, it } from 'vitest';
import { expiryRule } from '../../../src/analyzers/rules/credential-expiry.ts';
import type { Credential, Identity } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, key, user } from '../factories.ts';

const sa = user('builder');
const gcpKey = (o: Partial<Credential> = {}): Credential => ({ ...key(sa, 'g'), kind: 'gcp-sa-key', publicId: 'f'.repeat(40), ...o });
const inDays = (d: number): string => new Date(Date.parse(daysAgo(0)) + d * 86_400_000).toISOString();

interface Case {
  name: string;
  credentials: Credential[];
  identity?: Identity;
  text?: RegExp;
}

const mustFire: Case[] = [
  { name: 'a GCP user-managed key without expiry', credentials: [gcpKey()], text: /has no expiry/ },
  { name: 'a GCP key expired but present', credentials: [gcpKey({ expiresAt: daysAgo(10), active: false })], text: /expired 10 days ago and is still present/ },
  { name: 'an AWS key with an expiry in the past', credentials: [key(sa, 'a', { expiresAt: daysAgo(3) })], text: /expired/ },
  // github.token-no-expiry judges only a missing or distant expiry; an expired token still granted is this rule's.
  { name: 'a GitHub token expired but still granted', credentials: [{ ...key(sa, 'p'), kind: 'github-pat', active: false, expiresAt: daysAgo(7) }], text: /expired 7 days ago and is still present/ },
];

const mustNotFire: Case[] = [
  { name: 'a GCP key expiring later', credentials: [gcpKey({ expiresAt: inDays(30) })] },
  { name: 'a GCP system-managed key', credentials: [gcpKey({ managed: true })] },
  { name: 'an inactive GCP key without expiry', credentials: [gcpKey({ active: false })] },
  { name: 'an AWS key (AWS keys have no expiry to set)', credentials: [key(sa, 'a')] },
  { name: 'an expired Azure secret (azure.secret-expired judges it)', credentials: [{ ...key(sa, 'z'), kind: 'azure-client-secret', expiresAt: daysAgo(3) }] },
  { name: 'a GitHub token without expiry (github.token-no-expiry judges it)', credentials: [{ ...key(sa, 'p'), kind: 'github-pat' }] },
  { name: 'a GitHub token expiring later', credentials: [{ ...key(sa, 'p'), kind: 'github-pat', expiresAt: inDays(30) }] },
  { name: 'a managed identity', identity: user('managed', { managed: true }), credentials: [{ ...gcpKey(), identityId: user('managed').id }] },
];

describe('credential.expiry', () => {
  it.each(mustFire)('fires: $name', ({ credentials, text }) => {
    const findings = expiryRule.evaluate(context(inventory({ identities: [sa], credentials })));
    expect(findings).toHaveLength(1);
    if (text) expect(findings[0]?.message).toMatch(text);
  });
  it.each(mustNotFire)('does not fire: $name', ({ credentials, identity }) => {
    expect(expiryRule.evaluate(context(inventory({ identities: [identity ?? sa], credentials })))).toEqual([]);
  });
});
