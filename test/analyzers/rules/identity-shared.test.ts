import { describe, expect, it } from 'vitest';
import { sharedRule, sharedRuleWith, workloadOf } from '../../../src/analyzers/rules/identity-shared.ts';
import type { Activity, Credential, Identity, Leak } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, key, leak, user } from '../factories.ts';
import { connection, podRun, serviceAccount, session } from '../gateway-factories.ts';

const bot = user('etl-bot');
const conn = connection('etl', bot);
const k = key(bot, 'k1');
const sa = serviceAccount('apps', 'default');

const sessions = (...actors: string[]): Activity[] => actors.map((a, i) => session(conn, a, daysAgo(i + 1)));
const inRepos = (...repos: string[]): Leak[] =>
  repos.map((repo, i) => leak(`l${i}`, { publicId: k.publicId, location: { repo, path: '.env', line: i + 1 } }));

interface Case {
  name: string;
  identity: Identity;
  activities?: Activity[];
  credentials?: Credential[];
  leaks?: Leak[];
  signals?: string;
}

const mustFire: Case[] = [
  { name: '3 gateway actors', identity: bot, activities: sessions('ana@acme.io', 'bob@acme.io', 'cy@acme.io'), signals: 'gateway-actors' },
  { name: 'key in 2 repositories', identity: bot, credentials: [k], leaks: inRepos('acme/api', 'acme/web'), signals: 'repositories' },
  {
    name: '3 workloads on one service account',
    identity: sa,
    activities: [podRun(sa, 'apps', 'api-7c9d8f6b5-x2k4q'), podRun(sa, 'apps', 'worker-5d8f7c9b6-bcdfg'), podRun(sa, 'apps', 'db-0')],
    signals: 'workloads',
  },
  {
    name: 'several signals at once',
    identity: bot,
    activities: sessions('ana@acme.io', 'bob@acme.io', 'cy@acme.io'),
    credentials: [k],
    leaks: inRepos('acme/api', 'acme/web'),
    signals: 'gateway-actors, repositories',
  },
];

const mustNotFire: Case[] = [
  { name: '2 gateway actors', identity: bot, activities: sessions('ana@acme.io', 'bob@acme.io') },
  { name: 'the same actor in different case', identity: bot, activities: sessions('ana@acme.io', 'ANA@acme.io', 'Ana@Acme.io') },
  { name: 'key in one repository, several places', identity: bot, credentials: [k], leaks: inRepos('acme/api', 'acme/api') },
  {
    name: 'replicas of one deployment',
    identity: sa,
    activities: [podRun(sa, 'apps', 'api-7c9d8f6b5-x2k4q'), podRun(sa, 'apps', 'api-7c9d8f6b5-z9w8v'), podRun(sa, 'apps', 'api-6b5c4d7f8-q2w4r')],
  },
  { name: 'provider actors of a non-Kubernetes identity', identity: bot, activities: [{ identityId: bot.id, at: daysAgo(1), source: 'provider', actor: 'pod/a/x' }] },
  { name: 'managed identity with many actors', identity: user('svc', { managed: true }), activities: sessions('a@x.io', 'b@x.io', 'c@x.io').map((s) => ({ ...s, identityId: user('svc').id })) },
];

describe('identity.shared', () => {
  it.each(mustFire)('fires: $name', ({ identity, activities = [], credentials = [], leaks = [], signals }) => {
    const findings = sharedRule.evaluate(context(inventory({ identities: [identity], activities, credentials, leaks })));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.id).toBe(findingId('identity.shared', identity.id));
    expect(f.severity).toBe('medium');
    if (signals) expect(f.evidence.signals).toBe(signals);
  });

  it.each(mustNotFire)('does not fire: $name', ({ identity, activities = [], credentials = [], leaks = [] }) => {
    expect(sharedRule.evaluate(context(inventory({ identities: [identity], activities, credentials, leaks })))).toEqual([]);
  });

  it('thresholds come from the settings', () => {
    const inv = inventory({ identities: [bot], activities: sessions('ana@acme.io', 'bob@acme.io') });
    expect(sharedRuleWith({ sharedActorsMin: 2, sharedWorkloadsMin: 3 }).evaluate(context(inv))).toHaveLength(1);
  });

  it('lists at most 10 actors', () => {
    const actors = Array.from({ length: 12 }, (_, i) => `user${String(i).padStart(2, '0')}@acme.io`);
    const [f] = sharedRule.evaluate(context(inventory({ identities: [bot], activities: sessions(...actors) })));
    expect(f?.evidence.gatewayActors).toBe(12);
    expect(String(f?.evidence.actors).split(', ')).toHaveLength(10);
    expect(f?.evidence.actors).toContain('(+2 more)');
  });
});

describe('workloadOf', () => {
  it.each([
    ['api-7c9d8f6b5-x2k4q', 'api'],
    ['payments-api-6b5c4d7f8-q2w4r', 'payments-api'],
    ['node-exporter-z9w8v', 'node-exporter'],
    ['backup-28934560-bcdfg', 'backup'],
    ['db-0', 'db'],
    ['web-12', 'web'],
    ['web-nginx', 'web-nginx'],
    ['standalone', 'standalone'],
  ])('%s → %s', (pod, workload) => {
    expect(workloadOf(pod)).toBe(workload);
  });
});
