import { describe, expect, it } from 'vitest';
import { unusedPrivilegeRule } from '../../../src/analyzers/rules/identity-unused-privilege.ts';
import type { Activity, Grant, Identity } from '../../../src/model/index.ts';
import { activity, context, daysAgo, grant, inventory, user } from '../factories.ts';

const ci = user('reporting-bot');
const sessions = (id: Identity, commands: (string | undefined)[]): Activity[] => commands.map((command, i) => activity(id, daysAgo(i + 1), { ...(command !== undefined ? { command } : {}) }));
const effective = (id: Identity, privilege: Grant['privilege']): Grant => grant(id, 'effective access', { via: 'effective', privilege });
const reads = ['SELECT 1', 'aws s3 ls', 'kubectl get pods'];

interface Case {
  name: string;
  grants: Grant[];
  activities: Activity[];
  identity?: Identity;
  severity?: 'low' | 'medium';
}

const mustFire: Case[] = [
  { name: 'admin, only reads', grants: [effective(ci, 'admin')], activities: sessions(ci, reads), severity: 'medium' },
  { name: 'write, only reads, unknown ones ignored', grants: [effective(ci, 'write')], activities: sessions(ci, [...reads, './run.sh', undefined]), severity: 'low' },
  { name: 'per-policy write grant without an effective one', grants: [grant(ci, 'AmazonS3FullAccess', { privilege: 'write' })], activities: sessions(ci, reads), severity: 'low' },
];

const mustNotFire: Case[] = [
  { name: 'read-only identity', grants: [effective(ci, 'read')], activities: sessions(ci, reads) },
  { name: 'one write among the reads', grants: [effective(ci, 'admin')], activities: sessions(ci, [...reads, 'DELETE FROM t']) },
  { name: 'too few judged sessions', grants: [effective(ci, 'admin')], activities: sessions(ci, ['SELECT 1', 'aws s3 ls', './x.sh', undefined]) },
  { name: 'no gateway sessions', grants: [effective(ci, 'admin')], activities: [] },
  { name: 'provider activity is not a session', grants: [effective(ci, 'admin')], activities: sessions(ci, reads).map((a) => ({ ...a, source: 'provider' as const })) },
  { name: 'managed identity', identity: user('managed', { managed: true }), grants: [effective(user('managed'), 'admin')], activities: sessions(user('managed'), reads) },
];

describe('identity.unused-privilege', () => {
  it.each(mustFire)('fires: $name', ({ grants, activities, severity }) => {
    const findings = unusedPrivilegeRule.evaluate(context(inventory({ identities: [ci], grants, activities })));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe(severity);
  });
  it.each(mustNotFire)('does not fire: $name', ({ grants, activities, identity }) => {
    expect(unusedPrivilegeRule.evaluate(context(inventory({ identities: [identity ?? ci], grants, activities })))).toEqual([]);
  });
});
