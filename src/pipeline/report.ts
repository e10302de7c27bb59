import { catalogue } from '../analyzers/index.ts';
import type { ScanInfo } from '../model/index.ts';
import { buildReportModel, renderReport, renderReportSarif, type ReportFormat, type ReportModel, type SarifReportInput } from '../reports/index.ts';
import type { RuleInfo } from '../reports/model.ts';
import { findingTrend, latestPlan } from '../store/history.ts';
import { getScan, latestScan, loadFindings, loadInventory, loadResolvedFindings, loadVerdicts, type Store } from '../store/index.ts';
import { compareWithScan } from './diff.ts';
import { toolVersion } from './version.ts';

export class NoScanError extends Error {
  override name = 'NoScanError';
}

/** The scan asked for, or the latest finished one; a clear error when there is none. */
export async function findScan(store: Store, scanId?: string): Promise<ScanInfo> {
  const scan = scanId ? await getScan(store, scanId) : await latestScan(store);
  if (!scan) {
    throw new NoScanError(scanId ? `no scan ${scanId} in the store at ${store.location}` : `no finished scan in the store at ${store.location}: run \`sprawl scan\` first`);
  }
  return scan;
}

/** What the report needs of the rule catalogue: each rule's controls (controls with no open finding pass). */
function ruleCatalogue(): RuleInfo[] {
  return catalogue().map((r) => ({ id: r.id, title: r.title, severity: r.severity, remediation: r.remediation, references: r.references }));
}

export interface ReportOptions {
  scanId?: string;
  /** Compare with this scan instead of the previous one (`--diff`). */
  diffScanId?: string;
  now?: Date;
}

/** Builds the report model of a stored scan (the latest finished one by default). */
export async function loadReportModel(store: Store, opts: ReportOptions = {}): Promise<ReportModel> {
  const scan = await findScan(store, opts.scanId);
  const [inventory, findings, verdicts, history, plan] = await Promise.all([
    loadInventory(store, scan.id, { activities: 'digest' }),
    loadFindings(store, scan.id),
    loadVerdicts(store, scan.id),
    findingTrend(store, scan),
    latestPlan(store, scan),
  ]);
  // Against the scan before (as the analysis recorded it), or against the one --diff names.
  const change = opts.diffScanId
    ? await compareWithScan(store, scan, findings, opts.diffScanId)
    : await Promise.all([loadResolvedFindings(store, scan.id), latestScan(store, { before: scan.id })]).then(([resolved, previousScan]) => ({ findings, resolved, previousScan }));
  return buildReportModel({
    scan,
    ...change,
    inventory,
    verdicts,
    generatedAt: opts.now ?? new Date(),
    toolVersion: toolVersion(),
    rules: ruleCatalogue(),
    history,
    plan,
  });
}

/** What the SARIF report needs of a stored scan: its leaks and findings, and the rule catalogue. */
export async function loadSarifInput(store: Store, opts: { scanId?: string } = {}): Promise<SarifReportInput> {
  const scan = await findScan(store, opts.scanId);
  const [inventory, findings] = await Promise.all([loadInventory(store, scan.id, { activities: 'digest' }), loadFindings(store, scan.id)]);
  return { scanId: scan.id, toolVersion: toolVersion(), leaks: inventory.leaks, findings, rules: ruleCatalogue() };
}

export async function renderStoredReport(store: Store, format: ReportFormat, opts: ReportOptions = {}): Promise<string> {
  if (format === 'sarif') return renderReportSarif(await loadSarifInput(store, opts));
  return renderReport(format, await loadReportModel(store, opts));
}
