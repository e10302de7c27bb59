import { describe, expect, it } from 'vitest';
import { applyExemptions, globToRegExp, isExpired } from '../../src/analyzers/exemptions.ts';
import { makeFinding } from '../../src/analyzers/finding.ts';
import { orphanedRule } from '../../src/analyzers/rules/identity-orphaned.ts';
import type { Exemption } from '../../src/config/analysis-schema.ts';
import type { Finding } from '../../src/model/index.ts';
import { findingId } from '../../src/model/index.ts';
import { NOW, role, user } from './factories.ts';

function finding(identityId: string, ruleId = 'identity.orphaned'): Finding {
  const f = makeFinding(orphanedRule, {
    subjectType: 'identity',
    subjectId: identityId,
    identityId,
    subject: { provider: 'aws', scope: '111122223333', name: identityId },
    message: 'm',
    evidence: {},
  });
  return { ...f, ruleId, id: findingId(ruleId, identityId) };
}

const ciRole = role('ci-deploy').id;
const etl = user('etl-bot').id;
const exemption = (overrides: Partial<Exemption> = {}): Exemption => ({
  identity: etl,
  rule: 'identity.orphaned',
  reason: 'vendor-managed',
  approver: 'ciso@acme.io',
  expires: '2025-12-31',
  ...overrides,
});

interface Case {
  name: string;
  findings: Finding[];
  exemptions: Exemption[];
  kept: number;
  exempted: number;
  expired: number;
}

const cases: Case[] = [
  { name: 'exact identity and rule', findings: [finding(etl)], exemptions: [exemption()], kept: 0, exempted: 1, expired: 0 },
  { name: 'rule wildcard', findings: [finding(etl), finding(etl, 'identity.shared')], exemptions: [exemption({ rule: '*' })], kept: 0, exempted: 2, expired: 0 },
  { name: 'identity glob', findings: [finding(ciRole), finding(etl)], exemptions: [exemption({ identity: 'aws:111122223333:role/ci-*' })], kept: 1, exempted: 1, expired: 0 },
  { name: 'other rule is not exempted', findings: [finding(etl, 'identity.shared')], exemptions: [exemption()], kept: 1, exempted: 0, expired: 0 },
  { name: 'other identity is not exempted', findings: [finding(ciRole)], exemptions: [exemption()], kept: 1, exempted: 0, expired: 0 },
  { name: 'expired: finding stays and the exemption is reported', findings: [finding(etl)], exemptions: [exemption({ expires: '2025-05-31' })], kept: 1, exempted: 0, expired: 1 },
  { name: 'valid through the whole expiry day', findings: [finding(etl)], exemptions: [exemption({ expires: '2025-06-01' })], kept: 0, exempted: 1, expired: 0 },
  { name: 'expired time', findings: [finding(etl)], exemptions: [exemption({ expires: '2025-06-01T11:00:00Z' })], kept: 1, exempted: 0, expired: 1 },
  { name: 'a valid exemption wins over an expired one', findings: [finding(etl)], exemptions: [exemption({ expires: '2024-01-01' }), exemption({ rule: '*' })], kept: 0, exempted: 1, expired: 0 },
  { name: 'one expired report per identity, not per finding', findings: [finding(etl), finding(etl, 'identity.shared')], exemptions: [exemption({ rule: '*', expires: '2025-01-01' })], kept: 2, exempted: 0, expired: 1 },
  { name: 'no exemptions', findings: [finding(etl)], exemptions: [], kept: 1, exempted: 0, expired: 0 },
];

describe('applyExemptions', () => {
  it.each(cases)('$name', ({ findings, exemptions, kept, exempted, expired }) => {
    const out = applyExemptions(findings, exemptions, NOW);
    expect(out.findings).toHaveLength(kept);
    expect(out.exempted).toHaveLength(exempted);
    expect(out.expired).toHaveLength(expired);
  });

  it('reports an expired exemption with reason, approver and expiry', () => {
    const out = applyExemptions([finding(etl)], [exemption({ expires: '2025-05-31' })], NOW);
    const f = out.expired[0]!;
    expect(f.ruleId).toBe('exemption.expired');
    expect(f.severity).toBe('low');
    expect(f.identityId).toBe(etl);
    expect(f.message).toContain('vendor-managed');
    expect(f.message).toContain('ciso@acme.io');
    expect(f.message).toContain('2025-05-31');
    expect(f.evidence).toMatchObject({ approver: 'ciso@acme.io', expires: '2025-05-31', rule: 'identity.orphaned' });
  });

  it('pairs an exempted finding with its exemption', () => {
    const e = exemption();
    expect(applyExemptions([finding(etl)], [e], NOW).exempted[0]?.exemption).toBe(e);
  });
});

describe('globs and expiry', () => {
  it.each([
    ['aws:*:role/ci-*', 'aws:111122223333:role/ci-deploy', true],
    ['aws:*:role/ci-*', 'aws:111122223333:user/ci-deploy', false],
    ['unknown:*', 'unknown:fp-1', true],
    ['a.b*', 'aXb', false],
  ])('%s matches %s: %s', (glob, id, result) => {
    expect(globToRegExp(glob).test(id)).toBe(result);
  });

  it('a date expires at the end of its day (UTC)', () => {
    expect(isExpired(exemption({ expires: '2025-06-01' }), new Date('2025-06-01T23:59:59Z'))).toBe(false);
    expect(isExpired(exemption({ expires: '2025-06-01' }), new Date('2025-06-02T00:00:00Z'))).toBe(true);
  });
});
