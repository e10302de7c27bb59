import { describe, expect, it } from 'vitest';
import { orphanedRule, orphanedRuleWith } from '../../../src/analyzers/rules/identity-orphaned.ts';
import type { GatewayUser, Grant, Identity } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, grant, inventory, user } from '../factories.ts';
import { gatewayUser } from '../gateway-factories.ts';

interface Case {
  name: string;
  identity: Identity;
  users?: GatewayUser[];
  people?: string[];
  grants?: Grant[];
  why?: string;
  severity?: 'medium' | 'high';
}

const owned = (owner: string | undefined): Identity => user('etl-bot', owner === undefined ? {} : { owner });

const mustFire: Case[] = [
  { name: 'no owner', identity: owned(undefined), why: 'no-owner', severity: 'medium' },
  { name: 'blank owner', identity: owned('  '), why: 'no-owner' },
  { name: 'owner inactive in the gateway', identity: owned('ana@acme.io'), users: [gatewayUser('ana@acme.io', 'inactive')], why: 'owner-inactive-in-gateway' },
  { name: 'owner disabled in the gateway (case-insensitive email)', identity: owned('Ana@Acme.io'), users: [gatewayUser('ana@ACME.io', 'disabled')], why: 'owner-inactive-in-gateway' },
  { name: 'owner not on the people list', identity: owned('bob@acme.io'), people: ['ana@acme.io'], why: 'owner-not-in-people-list' },
  {
    name: 'no owner with admin rights is high',
    identity: owned(undefined),
    grants: [grant(owned(undefined), 'AdministratorAccess', { privilege: 'admin' })],
    severity: 'high',
  },
];

const mustNotFire: Case[] = [
  { name: 'owner active in the gateway', identity: owned('ana@acme.io'), users: [gatewayUser('ana@acme.io', 'active')] },
  { name: 'owner active on one gateway, inactive on another', identity: owned('ana@acme.io'), users: [gatewayUser('ana@acme.io', 'inactive'), gatewayUser('ana@acme.io', 'active', { gateway: 'gw2', id: 'hoop:gw2:user/ana' })] },
  { name: 'owner not a gateway user, no people list', identity: owned('ana@acme.io') },
  { name: 'owner on the people list (case-insensitive)', identity: owned('Ana@Acme.io'), people: ['ana@acme.io'] },
  { name: 'team owner (not an email) with a people list', identity: owned('payments'), people: ['ana@acme.io'] },
  { name: 'managed identity without owner', identity: user('svc-linked', { managed: true }) },
  { name: 'disabled identity without owner', identity: user('old-bot', { disabled: true }) },
];

describe('identity.orphaned', () => {
  it.each(mustFire)('fires: $name', ({ identity, users = [], people, grants = [], why, severity }) => {
    const rule = orphanedRuleWith(people ? { people: new Set(people) } : {});
    const findings = rule.evaluate(context(inventory({ identities: [identity], gatewayUsers: users, grants })));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.id).toBe(findingId('identity.orphaned', identity.id));
    expect(f.subjectType).toBe('identity');
    if (why) expect(f.evidence.why).toBe(why);
    if (severity) expect(f.severity).toBe(severity);
    expect(f.references.map((r) => r.framework)).toEqual(expect.arrayContaining(['CIS', 'SOC2', 'ISO27001', 'NIST800-53']));
  });

  it.each(mustNotFire)('does not fire: $name', ({ identity, users = [], people }) => {
    const rule = orphanedRuleWith(people ? { people: new Set(people) } : {});
    expect(rule.evaluate(context(inventory({ identities: [identity], gatewayUsers: users })))).toEqual([]);
  });

  it('the default rule has no people list', () => {
    expect(orphanedRule.evaluate(context(inventory({ identities: [owned('bob@acme.io')] })))).toEqual([]);
  });

  it('names the owner and the gateway status', () => {
    const [f] = orphanedRule.evaluate(context(inventory({ identities: [owned('ana@acme.io')], gatewayUsers: [gatewayUser('ana@acme.io', 'inactive')] })));
    expect(f?.evidence.owner).toBe('ana@acme.io');
    expect(f?.evidence.gatewayUserStatus).toBe('inactive');
    expect(f?.message).toContain('inactive');
  });
});
