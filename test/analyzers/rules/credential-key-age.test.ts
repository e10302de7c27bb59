import { describe, expect, it } from 'vitest';
import { keyAgeRule } from '../../../src/analyzers/rules/credential-key-age.ts';
import type { Credential, Identity } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, key, user } from '../factories.ts';

const owner = user('ci-deployer');

interface Case {
  name: string;
  identity?: Identity;
  credential: Partial<Credential>;
  policy?: { keyRotationDays: number };
  severity?: 'medium' | 'high';
}

const mustFire: Case[] = [
  { name: 'active key 91 days old', credential: { createdAt: daysAgo(91) }, severity: 'medium' },
  { name: 'active key 360 days old (exactly 4x, still medium)', credential: { createdAt: daysAgo(360) }, severity: 'medium' },
  { name: 'active key 412 days old (over 4x: high)', credential: { createdAt: daysAgo(412) }, severity: 'high' },
  { name: 'old key that is used every day', credential: { createdAt: daysAgo(200), lastUsedAt: daysAgo(0) }, severity: 'medium' },
  { name: 'custom threshold 30, key 31 days old', credential: { createdAt: daysAgo(31) }, policy: { keyRotationDays: 30 }, severity: 'medium' },
  { name: 'key with an expiry in the future', credential: { createdAt: daysAgo(120), expiresAt: daysAgo(-30) }, severity: 'medium' },
  { name: 'GCP service account key', credential: { kind: 'gcp-sa-key', publicId: 'fake0123456789abcdef', createdAt: daysAgo(100) }, severity: 'medium' },
  {
    name: 'legacy token secret of an application Kubernetes account',
    identity: { ...user('ci/deployer'), id: 'k8s:prod:ns/ci/sa/deployer', provider: 'kubernetes', kind: 'k8s-service-account', scope: 'prod' },
    credential: { kind: 'k8s-token-secret', publicId: 'ci/deployer-token-abcde', createdAt: daysAgo(300) },
    severity: 'medium',
  },
];

const mustNotFire: Case[] = [
  { name: 'active key 89 days old', credential: { createdAt: daysAgo(89) } },
  { name: 'active key exactly 90 days old', credential: { createdAt: daysAgo(90) } },
  { name: 'inactive key 400 days old', credential: { createdAt: daysAgo(400), active: false } },
  { name: 'expired key 400 days old', credential: { createdAt: daysAgo(400), expiresAt: daysAgo(1) } },
  { name: 'key without creation date', credential: { createdAt: undefined } },
  { name: 'key with unparsable creation date', credential: { createdAt: 'not-a-date' } },
  { name: 'key of a disabled identity', identity: user('old', { disabled: true }), credential: { createdAt: daysAgo(400) } },
  // Managed identities are the platform's: no hygiene rule reports them (as credential.unused, multiple-active, expiry).
  { name: 'key of a managed identity', identity: user('svc', { managed: true }), credential: { createdAt: daysAgo(100) } },
  {
    name: 'legacy token secret of a kube-system (managed) account',
    identity: { ...user('kube-system/clusterrole-aggregation-controller', { managed: true }), id: 'k8s:prod:ns/kube-system/sa/clusterrole-aggregation-controller', provider: 'kubernetes', kind: 'k8s-service-account', scope: 'prod' },
    credential: { kind: 'k8s-token-secret', publicId: 'kube-system/clusterrole-aggregation-controller-token-abcde', createdAt: daysAgo(900) },
  },
  { name: 'custom threshold 365, key 300 days old', credential: { createdAt: daysAgo(300) }, policy: { keyRotationDays: 365 } },
];

function run(c: Case) {
  const identity = c.identity ?? owner;
  const credential = key(identity, 'a1', c.credential);
  return { credential, findings: keyAgeRule.evaluate(context(inventory({ identities: [identity], credentials: [credential] }), c.policy)) };
}

describe('credential.key-age', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const { credential, findings } = run(c);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.severity).toBe(c.severity);
    expect(f.id).toBe(findingId('credential.key-age', credential.id));
    expect(f).toMatchObject({ ruleId: 'credential.key-age', subjectType: 'credential', subjectId: credential.id, identityId: credential.identityId, provider: (c.identity ?? owner).provider });
    expect(f.evidence).toMatchObject({ publicId: credential.publicId, createdAt: credential.createdAt, thresholdDays: c.policy?.keyRotationDays ?? 90 });
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c).findings).toEqual([]);
  });

  it('writes a specific message with the key id, owner, age and threshold', () => {
    const { findings } = run({ name: '', credential: { createdAt: daysAgo(412) } });
    expect(findings[0]?.message).toBe('Access key AKIAFAKE0000000000A1 of ci-deployer is 412 days old (threshold 90 days)');
    expect(findings[0]?.evidence.ageDays).toBe(412);
  });

  it('cites CIS, SOC 2, ISO 27001 and NIST controls', () => {
    expect(keyAgeRule.references.map((r) => `${r.framework} ${r.control}`)).toEqual(['CIS AWS 1.14', 'SOC2 CC6.1', 'ISO27001 A.5.17', 'NIST800-53 IA-5(1)']);
  });

  it('still reports a key whose identity is missing from a partial inventory, from the URN', () => {
    const credential = key(owner, 'b2', { createdAt: daysAgo(100) });
    const findings = keyAgeRule.evaluate(context(inventory({ credentials: [credential] })));
    expect(findings[0]).toMatchObject({ provider: 'aws', scope: owner.scope });
    expect(findings[0]?.message).toContain('of ci-deployer');
  });
});
