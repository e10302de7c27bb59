import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../../src/reports/model.ts';
import { builder, ciDeployer, estateInventory, legacyBot, oldEtl, reportInput, runner, scanInfo, serviceLinked } from '../fixtures/reports/estate.ts';

const model = buildReportModel(reportInput());
const row = (id: string) => model.identities.find((r) => r.id === id);

describe('buildReportModel: summary', () => {
  it('counts identities by provider and kind', () => {
    expect(model.summary.identities.total).toBe(6);
    expect(model.summary.identities.byProvider).toEqual([
      { key: 'aws', label: 'AWS', count: 4 },
      { key: 'gcp', label: 'Google Cloud', count: 1 },
      { key: 'kubernetes', label: 'Kubernetes', count: 1 },
    ]);
    expect(model.summary.identities.byKind.map((k) => [k.key, k.count])).toEqual([
      ['aws-iam-role', 2],
      ['aws-iam-user', 2],
      ['gcp-service-account', 1],
      ['k8s-service-account', 1],
    ]);
    expect(model.summary.identities.unowned).toBe(3);
  });

  it('counts credentials, findings by severity and lifecycle, and verdicts', () => {
    expect(model.summary.credentials).toEqual({ total: 4, active: 3 });
    expect(model.summary.sources).toEqual({ total: 3, ok: 2, failed: 1 });
    const f = model.summary.findings;
    expect({ total: f.total, new: f.new, open: f.open, resolved: f.resolved, exempt: f.exempt }).toEqual({ total: 6, new: 1, open: 5, resolved: 1, exempt: 0 });
    expect(f.bySeverity.map((s) => [s.severity, s.count])).toEqual([
      ['critical', 1],
      ['high', 1],
      ['medium', 4],
      ['low', 0],
      ['info', 0],
    ]);
    expect(Object.fromEntries(model.summary.verdicts.map((v) => [v.key, v.count]))).toEqual({ revoke: 2, migrate: 1, rotate: 1, exempt: 0, keep: 2 });
  });

  it.each([
    { name: 'partial status with a failed source', scan: scanInfo(), partial: true, failed: ['aws:444455556666'] },
    { name: 'complete status but a failed source', scan: scanInfo({ status: 'complete' }), partial: true, failed: ['aws:444455556666'] },
    { name: 'partial status, no source detail', scan: scanInfo({ status: 'partial', sources: [] }), partial: true, failed: [] },
    { name: 'complete with every source ok', scan: scanInfo({ status: 'complete', sources: [{ source: 'aws:111122223333', status: 'ok', items: 3 }] }), partial: false, failed: [] },
  ])('flags a partial scan: $name', ({ scan, partial, failed }) => {
    const m = buildReportModel(reportInput({ scan }));
    expect(m.scan.partial).toBe(partial);
    expect(m.failedSources.map((s) => s.source)).toEqual(failed);
  });

  it('keeps the failure reason of each source', () => {
    expect(model.failedSources[0]?.error).toMatch(/AccessDenied/);
    expect(model.sources.find((s) => s.status === 'ok')?.error).toBeNull();
  });

  it('names the previous scan, or null', () => {
    expect(model.previousScan?.id).toBe('s_20250525T120000Z_prev0001');
    const { previousScan: _drop, ...rest } = reportInput();
    expect(buildReportModel(rest).previousScan).toBeNull();
  });
});

describe('buildReportModel: rows', () => {
  it('lists findings worst first with status, identity name and first seen', () => {
    expect(model.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'medium', 'medium', 'medium', 'medium']);
    expect(model.findings[0]).toMatchObject({ ruleId: 'identity.admin', identityName: 'ci-deployer', status: 'new', statusLabel: 'New', firstSeenText: '2025-06-01', scope: '111122223333' });
    expect(model.findings.filter((f) => f.status === 'open')).toHaveLength(5);
    expect(model.findings[0]?.references).toContain('CIS AWS 1.16');
    expect(model.findings[0]?.evidence.find((e) => e.key === 'grantedVia')).toEqual({ key: 'grantedVia', label: 'Granted through', value: 'AdministratorAccess (group admins)' });
  });

  it.each([
    { id: ciDeployer.id, ownerText: 'platform-team', credentials: 2, activeCredentials: 1, oldestKeyAgeDays: 412, lastUsedText: '2025-05-31', privilege: 'admin', verdict: 'migrate', findings: 2 },
    { id: legacyBot.id, ownerText: 'unowned', credentials: 1, activeCredentials: 1, oldestKeyAgeDays: 100, lastUsedText: 'no record', privilege: 'write', verdict: 'revoke', findings: 2 },
    { id: oldEtl.id, ownerText: 'data', credentials: 0, activeCredentials: 0, oldestKeyAgeDays: null, lastUsedText: '2024-08-05', privilege: 'read', verdict: 'revoke', findings: 1 },
    { id: builder.id, ownerText: 'build', credentials: 1, activeCredentials: 1, oldestKeyAgeDays: 120, lastUsedText: '2025-05-30', privilege: 'write', verdict: 'rotate', findings: 1 },
    { id: serviceLinked.id, ownerText: 'unowned', credentials: 0, activeCredentials: 0, oldestKeyAgeDays: null, lastUsedText: 'no record', privilege: 'none', verdict: 'keep', findings: 0 },
    { id: runner.id, ownerText: 'unowned', credentials: 0, activeCredentials: 0, oldestKeyAgeDays: null, lastUsedText: '2025-05-31', privilege: 'none', verdict: 'keep', findings: 0 },
  ])('identity row $id', (expected) => {
    expect(row(expected.id)).toMatchObject(expected);
  });

  it('shows an unknown age as a dash and sorts identities with the worst findings first', () => {
    expect(row(oldEtl.id)?.oldestKeyAgeText).toBe('—');
    expect(model.identities[0]?.id).toBe(ciDeployer.id);
  });

  it('gives identities without a verdict a null verdict', () => {
    const input = reportInput();
    const m = buildReportModel({ ...input, verdicts: [] });
    expect(m.identities.every((r) => r.verdict === null && r.verdictLabel === '—')).toBe(true);
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it('handles an empty estate', () => {
    const m = buildReportModel(reportInput({ inventory: { identities: [], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] } }));
    expect(m.identities).toEqual([]);
    expect(m.findings).toEqual([]);
    expect(m.summary.findings.total).toBe(0);
    expect(estateInventory().identities).toHaveLength(6);
  });
});

describe('buildReportModel: exempt findings', () => {
  it('counts exempt findings apart from open ones', () => {
    const input = reportInput();
    const findings = input.findings.map((f) => (f.ruleId === 'identity.admin' ? { ...f, status: 'exempt' as const } : f));
    const m = buildReportModel({ ...input, findings });
    expect(m.summary.findings).toMatchObject({ total: 5, new: 0, open: 5, exempt: 1 });
    expect(m.summary.findings.bySeverity.find((s) => s.severity === 'critical')?.count).toBe(0);
    expect(m.findings.find((f) => f.ruleId === 'identity.admin')?.statusLabel).toBe('Exempt');
  });
});
