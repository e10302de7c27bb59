import { describe, expect, it } from 'vitest';
import { unusedRule } from '../../../src/analyzers/rules/credential-unused.ts';
import type { Activity, Credential, Identity } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { activity, context, daysAgo, inventory, key, role, user } from '../factories.ts';

interface Case {
  name: string;
  identity: Identity;
  /** Key overrides; omit for an identity without credentials. */
  credentials?: Partial<Credential>[];
  activities?: (id: Identity) => Activity[];
  /** For firing cases: the subject type and whether it was never used. */
  expect?: { subjectType: 'credential' | 'identity'; neverUsed: boolean; idleDays: number };
}

const machine = user('ci-deployer');

const mustFire: Case[] = [
  { name: 'key last used 46 days ago', identity: machine, credentials: [{ lastUsedAt: daysAgo(46) }], expect: { subjectType: 'credential', neverUsed: false, idleDays: 46 } },
  { name: 'key never used, created 60 days ago', identity: machine, credentials: [{ createdAt: daysAgo(60), lastUsedAt: undefined }], expect: { subjectType: 'credential', neverUsed: true, idleDays: 60 } },
  { name: 'IAM role last used 200 days ago', identity: role('old-etl', { lastUsedAt: daysAgo(200) }), expect: { subjectType: 'identity', neverUsed: false, idleDays: 200 } },
  { name: 'IAM role never used, created 120 days ago', identity: role('spare', { createdAt: daysAgo(120) }), expect: { subjectType: 'identity', neverUsed: true, idleDays: 120 } },
  {
    name: 'user with only an inactive key, unused for 300 days',
    identity: user('legacy-bot'),
    credentials: [{ active: false, lastUsedAt: daysAgo(300) }],
    expect: { subjectType: 'identity', neverUsed: false, idleDays: 300 },
  },
  {
    name: 'key stale although another activity is on the identity without the key',
    identity: machine,
    credentials: [{ lastUsedAt: daysAgo(100) }],
    activities: (id) => [activity(id, daysAgo(2))],
    expect: { subjectType: 'credential', neverUsed: false, idleDays: 100 },
  },
  {
    name: 'GitHub deploy key last used 50 days ago',
    identity: { ...machine, id: 'github:acme:deploy-key/api/4512', provider: 'github', kind: 'github-deploy-key', scope: 'acme', name: 'api' },
    credentials: [{ kind: 'github-deploy-key', publicId: 'SHA256:fakefingerprint', lastUsedAt: daysAgo(50) }],
    expect: { subjectType: 'credential', neverUsed: false, idleDays: 50 },
  },
];

const mustNotFire: Case[] = [
  { name: 'key used yesterday', identity: machine, credentials: [{ lastUsedAt: daysAgo(1) }] },
  { name: 'key last used exactly 45 days ago', identity: machine, credentials: [{ lastUsedAt: daysAgo(45) }] },
  { name: 'key never used, created 10 days ago', identity: machine, credentials: [{ createdAt: daysAgo(10), lastUsedAt: undefined }] },
  { name: 'key created yesterday, not yet used', identity: machine, credentials: [{ createdAt: daysAgo(1), lastUsedAt: undefined }] },
  { name: 'inactive key unused for a year, on a recently used user', identity: user('bot', { lastUsedAt: daysAgo(3) }), credentials: [{ active: false, lastUsedAt: daysAgo(365) }] },
  { name: 'expired key never used, on a recently used user', identity: user('exp', { lastUsedAt: daysAgo(2) }), credentials: [{ createdAt: daysAgo(400), lastUsedAt: undefined, expiresAt: daysAgo(5) }] },
  { name: 'key without any date', identity: machine, credentials: [{ createdAt: undefined, lastUsedAt: undefined }] },
  {
    name: 'stale provider date but recent gateway session with that key',
    identity: machine,
    credentials: [{ lastUsedAt: daysAgo(100) }],
    activities: (id) => [activity(id, daysAgo(2), { credentialId: `${id.id}/key/AKIAFAKE0000000000A1` })],
  },
  { name: 'managed role unused for a year', identity: role('AWSServiceRoleForSupport', { managed: true, lastUsedAt: daysAgo(365) }) },
  { name: 'managed identity with a stale key', identity: user('svc', { managed: true }), credentials: [{ lastUsedAt: daysAgo(200) }] },
  { name: 'disabled identity with a stale key', identity: user('off', { disabled: true }), credentials: [{ lastUsedAt: daysAgo(200) }] },
  { name: 'disabled role never used', identity: role('off-role', { disabled: true, createdAt: daysAgo(300) }) },
  { name: 'role used 10 days ago', identity: role('busy', { lastUsedAt: daysAgo(10) }) },
  { name: 'role created 20 days ago, never used', identity: role('fresh', { createdAt: daysAgo(20) }) },
  { name: 'role without any gateway or provider date but recent gateway activity', identity: role('gw', { createdAt: daysAgo(300) }), activities: (id) => [activity(id, daysAgo(5))] },
  {
    name: 'k8s service account without last-use data (unknown is not never)',
    identity: { ...machine, id: 'k8s:prod:ns/ci/sa/runner', provider: 'kubernetes', kind: 'k8s-service-account', scope: 'prod', name: 'runner', createdAt: daysAgo(500) },
  },
];

function run(c: Case) {
  const credentials = (c.credentials ?? []).map((o, i) => key(c.identity, `a${i + 1}`, o));
  const inv = inventory({ identities: [c.identity], credentials, activities: c.activities?.(c.identity) ?? [] });
  return { credentials, findings: unusedRule.evaluate(context(inv)) };
}

describe('credential.unused', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const { credentials, findings } = run(c);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    const subjectId = c.expect?.subjectType === 'credential' ? credentials[0]!.id : c.identity.id;
    expect(f).toMatchObject({ id: findingId('credential.unused', subjectId), subjectType: c.expect?.subjectType, subjectId, identityId: c.identity.id, severity: 'medium' });
    expect(f.evidence).toMatchObject({ neverUsed: c.expect?.neverUsed, idleDays: c.expect?.idleDays, thresholdDays: 45 });
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c).findings).toEqual([]);
  });

  it('honours policy.unusedDays', () => {
    const credential = key(machine, 'c3', { lastUsedAt: daysAgo(20) });
    const inv = inventory({ identities: [machine], credentials: [credential] });
    expect(unusedRule.evaluate(context(inv, { unusedDays: 15 }))).toHaveLength(1);
    expect(unusedRule.evaluate(context(inv, { unusedDays: 30 }))).toHaveLength(0);
  });

  it('writes specific messages', () => {
    const never = run(mustFire[1]!).findings[0];
    expect(never?.message).toBe('Access key AKIAFAKE0000000000A1 of ci-deployer has never been used since it was created 60 days ago (threshold 45 days)');
    const roleMessage = run(mustFire[2]!).findings[0];
    expect(roleMessage?.message).toBe('IAM role old-etl has not been used for 200 days (threshold 45 days)');
  });
});
