import { describe, expect, it } from 'vitest';
import { analyze, RULES } from '../../src/analyzers/index.ts';
import { assertUniqueRuleIds, getRule } from '../../src/analyzers/registry.ts';
import { severityRank } from '../../src/model/index.ts';
import { DEFAULT_POLICY, NOW, activity, daysAgo, grant, inventory, key, leak, role, user } from './factories.ts';

const estate = () => {
  const ci = user('ci-deployer');
  const old = user('legacy-bot');
  const etl = role('old-etl', { lastUsedAt: daysAgo(300) });
  return inventory({
    identities: [ci, old, etl],
    credentials: [key(ci, 'a', { createdAt: daysAgo(412) }), key(ci, 'c'), key(ci, 'd', { expiresAt: daysAgo(2) }), key(old, 'b', { createdAt: daysAgo(100), lastUsedAt: undefined })],
    grants: [
      grant(ci, 'AdministratorAccess', { privilege: 'admin', via: 'group', viaName: 'admins' }),
      grant(etl, 'ReadOnlyAccess'),
      grant(old, 'effective access', { via: 'effective', privilege: 'write', permissions: ['escalation:iam:CreatePolicyVersion'] }),
    ],
    leaks: [leak('l1', { publicId: key(ci, 'a').publicId })],
    activities: ['SELECT 1', 'aws s3 ls', 'kubectl get pods'].map((command, i) => activity(ci, daysAgo(i + 1), { command })),
  });
};

describe('analyze', () => {
  it('runs every rule and sorts findings worst first, then by id', () => {
    const { findings } = analyze(estate(), DEFAULT_POLICY, NOW);
    // this estate is AWS: every rule but the other providers' own ones fires
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(new Set(RULES.map((r) => r.id).filter((id) => !/^(gcp|azure|github|k8s)\./.test(id))));
    for (let i = 1; i < findings.length; i++) {
      const a = findings[i - 1]!;
      const b = findings[i]!;
      expect(severityRank(a.severity) > severityRank(b.severity) || (a.severity === b.severity && a.id < b.id)).toBe(true);
    }
    expect(findings[0]).toMatchObject({ ruleId: 'identity.admin', severity: 'critical' });
  });

  it('is deterministic whatever the input order', () => {
    const inv = estate();
    const shuffled = { ...inv, identities: [...inv.identities].reverse(), credentials: [...inv.credentials].reverse() };
    expect(analyze(shuffled, DEFAULT_POLICY, NOW)).toEqual(analyze(inv, DEFAULT_POLICY, NOW));
  });

  it('keeps finding ids stable across scans', () => {
    const first = analyze(estate(), DEFAULT_POLICY, NOW).findings.map((f) => f.id);
    const later = analyze(estate(), DEFAULT_POLICY, new Date(NOW.getTime() + 7 * 86_400_000)).findings.map((f) => f.id);
    expect(later).toEqual(expect.arrayContaining(first));
  });

  it('never puts anything but plain values in evidence', () => {
    for (const f of analyze(estate(), DEFAULT_POLICY, NOW).findings) {
      for (const v of Object.values(f.evidence)) expect(['string', 'number', 'boolean'].includes(typeof v) || v === null).toBe(true);
    }
  });

  it('has a registry of unique, documented rules', () => {
    expect(() => assertUniqueRuleIds(RULES)).not.toThrow();
    expect(() => assertUniqueRuleIds([RULES[0]!, RULES[0]!])).toThrow(/duplicate/);
    expect(getRule('credential.key-age')?.severity).toBe('medium');
    // No CIS benchmark or safeguard speaks to an application secret's or a token's lifetime or coming expiry.
    const withoutCis = new Set(['azure.secret-lifetime', 'azure.secret-expiring', 'github.token-no-expiry']);
    for (const r of RULES) {
      expect(r.title && r.rationale && r.remediation).toBeTruthy();
      const frameworks = ['SOC2', 'ISO27001', 'NIST800-53', ...(withoutCis.has(r.id) ? [] : ['CIS'])];
      expect(new Set(r.references.map((x) => x.framework)), r.id).toEqual(new Set(frameworks));
    }
  });
});
