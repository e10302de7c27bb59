import { describe, expect, it } from 'vitest';
import { CORRELATION_RULE_IDS, DEFAULT_CORRELATION_SETTINGS, correlationRules, correlationSettings } from '../../src/analyzers/rules/correlation.ts';
import { analysisSchema } from '../../src/config/analysis-schema.ts';
import { context, inventory, user } from './factories.ts';
import { connection, gatewayUser, session } from './gateway-factories.ts';
import { daysAgo } from './factories.ts';

describe('analysisSchema', () => {
  it('has defaults', () => {
    expect(analysisSchema.parse({})).toEqual({ gatewayClockSkewSeconds: 300, sharedActorsMin: 3, sharedWorkloadsMin: 3, exemptions: [] });
  });

  it.each([
    { name: 'valid exemption (date)', input: { exemptions: [{ identity: 'aws:*', rule: '*', reason: 'pilot', approver: 'ciso', expires: '2025-12-31' }] }, ok: true },
    { name: 'valid exemption (time)', input: { exemptions: [{ identity: 'x', rule: 'identity.shared', reason: 'pilot', approver: 'ciso', expires: '2025-12-31T00:00:00Z' }] }, ok: true },
    { name: 'YAML Date object', input: { exemptions: [{ identity: 'x', rule: '*', reason: 'pilot', approver: 'ciso', expires: new Date('2025-12-31') }] }, ok: true },
    { name: 'short reason', input: { exemptions: [{ identity: 'x', rule: '*', reason: 'no', approver: 'ciso', expires: '2025-12-31' }] }, ok: false },
    { name: 'bad date', input: { exemptions: [{ identity: 'x', rule: '*', reason: 'pilot', approver: 'ciso', expires: 'next year' }] }, ok: false },
    { name: 'missing approver', input: { exemptions: [{ identity: 'x', rule: '*', reason: 'pilot', expires: '2025-12-31' }] }, ok: false },
    { name: 'unknown key', input: { sharedActors: 2 }, ok: false },
    { name: 'people file', input: { people: { file: 'people.csv' } }, ok: true },
    { name: 'threshold below 2', input: { sharedActorsMin: 1 }, ok: false },
  ])('$name', ({ input, ok }) => {
    expect(analysisSchema.safeParse(input).success).toBe(ok);
  });
});

describe('correlationRules', () => {
  it('returns the five rules in order', () => {
    expect(correlationRules().map((r) => r.id)).toEqual([...CORRELATION_RULE_IDS]);
  });

  it('every rule cites SOC 2, ISO 27001, NIST 800-53 and CIS', () => {
    for (const rule of correlationRules()) {
      expect(new Set(rule.references.map((r) => r.framework))).toEqual(new Set(['CIS', 'SOC2', 'ISO27001', 'NIST800-53']));
    }
  });

  it('passes the settings to the rules', () => {
    const bot = user('etl-bot', { owner: 'bob@acme.io' });
    const conn = connection('etl', bot);
    const inv = inventory({
      identities: [bot],
      connections: [conn],
      gatewayUsers: [gatewayUser('bob@acme.io')],
      activities: [session(conn, 'a@acme.io', daysAgo(1)), session(conn, 'b@acme.io', daysAgo(2))],
    });
    const settings = correlationSettings(analysisSchema.parse({ sharedActorsMin: 2 }), new Set(['ana@acme.io']));
    const ids = correlationRules(settings).flatMap((r) => r.evaluate(context(inv))).map((f) => f.ruleId).sort();
    expect(ids).toEqual(['identity.orphaned', 'identity.shared']);
    expect(correlationRules(DEFAULT_CORRELATION_SETTINGS).flatMap((r) => r.evaluate(context(inv)))).toEqual([]);
  });
});
