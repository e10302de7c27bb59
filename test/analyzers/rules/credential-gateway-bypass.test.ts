import { describe, expect, it } from 'vitest';
import { gatewayBypassRule, gatewayBypassRuleWith } from '../../../src/analyzers/rules/credential-gateway-bypass.ts';
import type { Activity, Credential, GatewayConnection, Identity } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, key, user } from '../factories.ts';
import { connection, plusSeconds, session } from '../gateway-factories.ts';

const bot = user('etl-bot');
const conn = connection('etl', bot); // created 100 days ago
const used = daysAgo(2);
const k = key(bot, 'k1', { lastUsedAt: used });

interface Case {
  name: string;
  identity?: Identity;
  credentials?: Credential[];
  connections?: GatewayConnection[];
  activities?: Activity[];
}

const mustFire: Case[] = [
  { name: 'key used after the connection was created, no session at all' },
  { name: 'nearest session 10 minutes away', activities: [session(conn, 'ana@acme.io', plusSeconds(used, 600))] },
  { name: 'session ended 6 minutes before the use', activities: [session(conn, 'ana@acme.io', plusSeconds(used, -3600), { endAt: plusSeconds(used, -360) })] },
  {
    name: 'connection without createdAt: use after the first session',
    connections: [connection('etl', bot, { createdAt: undefined })],
    activities: [session(connection('etl', bot), 'ana@acme.io', daysAgo(20))],
  },
  {
    name: 'a session on an unrelated connection does not cover the use',
    connections: [conn, connection('other', user('other-bot'))],
    activities: [session(connection('other', user('other-bot')), 'ana@acme.io', used)],
  },
];

const mustNotFire: Case[] = [
  { name: 'use within skew after a session start', activities: [session(conn, 'ana@acme.io', plusSeconds(used, -240))] },
  { name: 'use within skew before a session start', activities: [session(conn, 'ana@acme.io', plusSeconds(used, 299))] },
  { name: 'use during a long session', activities: [session(conn, 'ana@acme.io', plusSeconds(used, -7200), { endAt: plusSeconds(used, 60) })] },
  { name: 'use before the connection existed', connections: [connection('etl', bot, { createdAt: daysAgo(1) })] },
  { name: 'use within skew after the connection was created', connections: [connection('etl', bot, { createdAt: plusSeconds(used, -100) })] },
  { name: 'no provider last-use data', credentials: [key(bot, 'k1', { lastUsedAt: undefined })] },
  { name: 'inactive key', credentials: [{ ...k, active: false }] },
  { name: 'no connection on the identity', connections: [connection('loose', undefined)] },
  { name: 'connection with no createdAt and no session', connections: [connection('etl', bot, { createdAt: undefined })] },
  { name: 'managed identity', identity: { ...bot, managed: true } },
];

function run({ identity = bot, credentials = [k], connections = [conn], activities = [] }: Case, rule = gatewayBypassRule) {
  return rule.evaluate(context(inventory({ identities: [identity], credentials, connections, activities })));
}

describe('credential.gateway-bypass', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const findings = run(c);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.id).toBe(findingId('credential.gateway-bypass', k.id));
    expect(f.subjectType).toBe('credential');
    expect(f.identityId).toBe(bot.id);
    expect(f.severity).toBe('high');
    expect(f.evidence.lastUsedAt).toBe(used);
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c)).toEqual([]);
  });

  it('the skew comes from the settings', () => {
    const c: Case = { name: 'session 10 minutes away', activities: [session(conn, 'ana@acme.io', plusSeconds(used, 600))] };
    expect(run(c, gatewayBypassRuleWith({ gatewayClockSkewSeconds: 900 }))).toEqual([]);
    const [f] = run(c, gatewayBypassRuleWith({ gatewayClockSkewSeconds: 60 }));
    expect(f?.evidence.nearestSessionGapSeconds).toBe(600);
  });
});
