import { describe, expect, it } from 'vitest';
import { ungovernedRule } from '../../../src/analyzers/rules/identity-ungoverned.ts';
import type { Activity, Credential, GatewayConnection, Grant, Identity } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, daysAgo, grant, inventory, key, user } from '../factories.ts';
import { connection, session } from '../gateway-factories.ts';

const bot = user('etl-bot', { lastUsedAt: daysAgo(3) });
const other = user('other-bot');
const otherConn = connection('other', other);

interface Case {
  name: string;
  identity?: Identity;
  credentials?: Credential[];
  activities?: Activity[];
  connections?: GatewayConnection[];
  grants?: Grant[];
  severity?: 'low' | 'medium';
}

const mustFire: Case[] = [
  { name: 'identity used 3 days ago, not behind the gateway', severity: 'low' },
  { name: 'used through a key', identity: user('etl-bot'), credentials: [key(user('etl-bot'), 'k1', { lastUsedAt: daysAgo(5) })] },
  { name: 'used by a provider activity', identity: user('etl-bot'), activities: [{ identityId: bot.id, at: daysAgo(45), source: 'provider' }] },
  { name: 'admin is medium', grants: [grant(bot, 'AdministratorAccess', { privilege: 'admin' })], severity: 'medium' },
  { name: 'an unlinked connection does not govern it', connections: [connection('loose', undefined)] },
  { name: 'a GCP service account (a connection can hold its key)', identity: { ...bot, provider: 'gcp', kind: 'gcp-service-account' } },
  { name: 'a GitHub fine-grained token (a connection can hold it)', identity: { ...bot, provider: 'github', kind: 'github-fine-grained-pat' } },
];

const mustNotFire: Case[] = [
  { name: 'no gateway data at all', connections: [] },
  { name: 'linked to a connection', connections: [connection('etl', bot)] },
  { name: 'last used more than unusedDays ago', identity: user('etl-bot', { lastUsedAt: daysAgo(46) }) },
  { name: 'never used', identity: user('etl-bot') },
  { name: 'only gateway sessions (on another connection)', identity: user('etl-bot'), activities: [session(otherConn, 'ana@acme.io', daysAgo(1), { identityId: bot.id })] },
  { name: 'managed', identity: { ...bot, managed: true } },
  { name: 'disabled', identity: { ...bot, disabled: true } },
  { name: 'an AWS role (assumed by the principals of its trust policy)', identity: { ...bot, kind: 'aws-iam-role' } },
  { name: 'an Azure managed identity (tokens only on its resource)', identity: { ...bot, provider: 'azure', kind: 'azure-managed-identity' } },
  { name: 'a GitHub deploy key (git over SSH to GitHub)', identity: { ...bot, provider: 'github', kind: 'github-deploy-key' } },
  { name: 'a GitHub App installation (tokens minted by the app)', identity: { ...bot, provider: 'github', kind: 'github-app-installation' } },
];

function run({ identity = bot, credentials = [], activities = [], connections = [otherConn], grants = [] }: Case) {
  return ungovernedRule.evaluate(context(inventory({ identities: [identity], credentials, activities, connections, grants })));
}

describe('identity.ungoverned', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const findings = run(c);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.id).toBe(findingId('identity.ungoverned', bot.id));
    if (c.severity) expect(f.severity).toBe(c.severity);
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c)).toEqual([]);
  });
});
