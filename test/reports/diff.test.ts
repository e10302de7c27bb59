import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, FindingRecord, ScanInfo } from '../../src/model/index.ts';
import { compareWithScan, diffFindings, DiffBaseError } from '../../src/pipeline/diff.ts';
import { loadReportModel } from '../../src/pipeline/report.ts';
import { createScan, finishScan, loadFindings, openStore, saveAnalysis, type Store } from '../../src/store/index.ts';

const ACCOUNT = '111122223333';

function finding(id: string, overrides: Partial<Finding> = {}): Finding {
  return {
    id,
    ruleId: 'credential.key-age',
    title: 'Long-lived credential not rotated',
    severity: 'medium',
    subjectType: 'credential',
    subjectId: `aws:${ACCOUNT}:user/u-${id}/key/K`,
    identityId: `aws:${ACCOUNT}:user/u-${id}`,
    provider: 'aws',
    scope: ACCOUNT,
    message: `finding ${id}`,
    evidence: {},
    remediation: '',
    references: [],
    ...overrides,
  };
}

function record(id: string, status: FindingRecord['status'], overrides: Partial<Finding> = {}): FindingRecord {
  return { ...finding(id, overrides), status, firstSeenScan: 's0', lastSeenScan: 's0', firstSeenAt: '2025-01-01T00:00:00.000Z' };
}

function scan(sources: ScanInfo['sources']): ScanInfo {
  return { id: 's9', startedAt: '2025-06-01T00:00:00.000Z', status: 'complete', sources };
}

const ok = [{ source: `aws:${ACCOUNT}`, status: 'ok' as const, items: 1 }];

describe('diffFindings', () => {
  it.each([
    { name: 'a finding the base did not raise is new', current: [record('c', 'open')], base: [record('a', 'open')], statuses: { c: 'new' }, resolved: ['a'] },
    { name: 'a finding the base raised is open, even if stored as new', current: [record('a', 'new')], base: [record('a', 'open')], statuses: { a: 'open' }, resolved: [] },
    { name: 'an exempt finding stays exempt', current: [record('a', 'exempt')], base: [], statuses: { a: 'exempt' }, resolved: [] },
    { name: 'a finding exempt in the base is not resolved', current: [], base: [record('a', 'exempt')], statuses: {}, resolved: [] },
    { name: 'a finding still raised is not resolved', current: [record('a', 'open')], base: [record('a', 'new')], statuses: { a: 'open' }, resolved: [] },
  ])('$name', ({ current, base, statuses, resolved }) => {
    const d = diffFindings(scan(ok), current, base);
    expect(Object.fromEntries(d.findings.map((f) => [f.id, f.status]))).toEqual(statuses);
    expect(d.resolved.map((f) => f.id)).toEqual(resolved);
    for (const f of d.resolved) expect(f.status).toBe('resolved');
  });

  it.each([
    { name: 'its source failed this time', sources: [{ source: `aws:${ACCOUNT}`, status: 'failed' as const, items: 0, error: 'AccessDenied' }], base: [record('a', 'open')] },
    { name: 'its source was not collected this time', sources: [{ source: 'aws:444455556666', status: 'ok' as const, items: 1 }], base: [record('a', 'open')] },
    {
      name: 'it is a leak and a repository failed',
      sources: [...ok, { source: 'repo:app', status: 'failed' as const, items: 0 }],
      base: [record('a', 'open', { ruleId: 'credential.leaked' })],
    },
  ])('does not resolve a finding when $name', ({ sources, base }) => {
    expect(diffFindings(scan(sources), [], base).resolved).toEqual([]);
  });
});

describe('report --diff against a stored scan', () => {
  let dir: string;
  let store: Store;
  const ids = ['s_20250101T000000Z_aaaa0001', 's_20250102T000000Z_aaaa0002', 's_20250103T000000Z_aaaa0003', 's_20250104T000000Z_aaaa0004'];

  async function storeScan(id: string, day: number, findings: Finding[], status: ScanInfo['status'] = 'complete'): Promise<void> {
    const at = new Date(Date.UTC(2025, 0, day)).toISOString();
    await createScan(store, { id, startedAt: at, toolVersion: 't' });
    if (status !== 'failed') await saveAnalysis(store, { id, at, okSources: [`aws:${ACCOUNT}`] }, findings, []);
    await finishScan(store, id, { status, sources: ok, finishedAt: at });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sprawl-diff-'));
    store = await openStore(join(dir, 'sprawl.db'));
    await storeScan(ids[0]!, 1, [finding('a'), finding('b')]);
    await storeScan(ids[1]!, 2, [finding('b'), finding('c')]);
    await storeScan(ids[2]!, 3, [finding('c'), finding('d')]);
    await storeScan(ids[3]!, 4, [], 'failed');
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compares with the previous scan by default', async () => {
    const m = await loadReportModel(store, { scanId: ids[2] });
    expect(m.previousScan?.id).toBe(ids[1]);
    expect(Object.fromEntries(m.findings.map((f) => [f.message, f.status]))).toEqual({ 'finding c': 'open', 'finding d': 'new' });
    expect(m.summary.findings).toMatchObject({ new: 1, resolved: 1 });
  });

  it('compares with the scan named by --diff', async () => {
    const m = await loadReportModel(store, { scanId: ids[2], diffScanId: ids[0] });
    expect(m.previousScan?.id).toBe(ids[0]);
    expect(Object.fromEntries(m.findings.map((f) => [f.message, f.status]))).toEqual({ 'finding c': 'new', 'finding d': 'new' });
    expect(m.summary.findings).toMatchObject({ new: 2, open: 0, resolved: 2 });
  });

  it('returns the resolved findings themselves', async () => {
    const current = await loadFindings(store, ids[2]!);
    const scanInfo = (await loadReportModel(store, { scanId: ids[2] })).scan;
    const d = await compareWithScan(store, { id: scanInfo.id, startedAt: scanInfo.startedAt, status: 'complete', sources: ok }, current, ids[0]!);
    expect(d.resolved.map((f) => f.message).sort()).toEqual(['finding a', 'finding b']);
  });

  it.each([
    { name: 'a missing scan', diff: 's_nope', message: /--diff: no scan s_nope/ },
    { name: 'the scan itself', diff: ids[2], message: /is the scan being reported/ },
    { name: 'a later scan', diff: ids[3], message: /started after scan/ },
  ])('refuses $name', async ({ diff, message }) => {
    await expect(loadReportModel(store, { scanId: ids[2], diffScanId: diff })).rejects.toThrow(message);
    await expect(loadReportModel(store, { scanId: ids[2], diffScanId: diff })).rejects.toBeInstanceOf(DiffBaseError);
  });

  it('refuses a scan that has no findings to compare with', async () => {
    const failed = 's_20250101T120000Z_fail0001';
    await createScan(store, { id: failed, startedAt: new Date(Date.UTC(2025, 0, 1, 12)).toISOString(), toolVersion: 't' });
    await finishScan(store, failed, { status: 'failed', sources: [], finishedAt: new Date(Date.UTC(2025, 0, 1, 12)).toISOString() });
    await expect(loadReportModel(store, { scanId: ids[2], diffScanId: failed })).rejects.toThrow(/is failed, it has no findings/);
  });
});
