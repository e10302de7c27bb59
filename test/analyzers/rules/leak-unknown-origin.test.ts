import { describe, expect, it } from 'vitest';
import { leakProvider, unknownOriginLeakRule } from '../../../src/analyzers/rules/leak-unknown-origin.ts';
import type { Credential, Leak } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, inventory, key, leak, user } from '../factories.ts';

const bot = user('deploy-bot');
const known = key(bot, 'known1');
const STRANGER = 'AKIAFAKE0000STRANGER';

interface Case {
  name: string;
  leaks: Leak[];
  credentials?: Credential[];
  severity?: 'high' | 'medium';
  provider?: string;
  locations?: number;
}

const mustFire: Case[] = [
  { name: 'AWS key id matching no credential', leaks: [leak('l1', { publicId: STRANGER })], severity: 'high', provider: 'aws', locations: 1 },
  {
    name: 'the same secret in two places is one finding',
    leaks: [leak('l1', { publicId: STRANGER, fingerprint: 'fp-s' }), leak('l2', { publicId: STRANGER, fingerprint: 'fp-s', location: { repo: 'acme/web', path: 'a.env', line: 1 } })],
    locations: 2,
  },
  { name: 'GCP key', leaks: [leak('l1', { rule: 'gcp-service-account-key', publicId: 'abc123' })], severity: 'high', provider: 'gcp' },
  { name: 'GitHub token is medium', leaks: [leak('l1', { rule: 'github-fine-grained-pat', publicId: 'github_pat_x' })], severity: 'medium', provider: 'github' },
  { name: 'Kubernetes token', leaks: [leak('l1', { rule: 'kubernetes-service-account-token', publicId: 'prod/deployer' })], provider: 'kubernetes' },
];

const mustNotFire: Case[] = [
  { name: 'leak of an inventory credential', leaks: [leak('l1', { publicId: known.publicId })] },
  { name: 'leak already linked (credentialId)', leaks: [leak('l1', { publicId: STRANGER, credentialId: 'aws:1:user/x/key/y' })] },
  { name: 'generic password without public id', leaks: [leak('l1', { rule: 'generic-secret', publicId: undefined })] },
  { name: 'cloud rule without public id', leaks: [leak('l1', { rule: 'aws-secret-access-key', publicId: undefined })] },
  { name: 'rule of another vendor', leaks: [leak('l1', { rule: 'stripe-secret-key', publicId: 'sk_x' })] },
  { name: 'storage account key (never an inventory credential)', leaks: [leak('l1', { rule: 'azure-storage-connection-string', publicId: 'acct' })] },
];

describe('leak.unknown-origin', () => {
  it.each(mustFire)('fires: $name', ({ leaks, credentials = [known], severity, provider, locations }) => {
    const findings = unknownOriginLeakRule.evaluate(context(inventory({ identities: [bot], credentials, leaks })));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    const fp = leaks[0]!.fingerprint;
    expect(f.id).toBe(findingId('leak.unknown-origin', fp));
    expect(f.subjectType).toBe('leak');
    expect(f.subjectId).toBe(fp);
    expect(f.identityId).toBe(`unknown:${fp}`);
    if (severity) expect(f.severity).toBe(severity);
    if (provider) expect(f.provider).toBe(provider);
    if (locations) expect(f.evidence.locations).toBe(locations);
  });

  it.each(mustNotFire)('does not fire: $name', ({ leaks, credentials = [known] }) => {
    expect(unknownOriginLeakRule.evaluate(context(inventory({ identities: [bot], credentials, leaks })))).toEqual([]);
  });

  it.each([
    ['aws-access-key-id', 'aws'],
    ['azure-client-secret', 'azure'],
    ['k8s-token', 'kubernetes'],
    ['gcp-api-key', undefined],
    ['slack-token', undefined],
  ])('leakProvider(%s) = %s', (rule, provider) => {
    expect(leakProvider(rule)).toBe(provider);
  });
});
