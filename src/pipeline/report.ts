import { catalogue } from '../analyzers/index.ts';
import type { ScanInfo } from '../model/index.ts';
import { renderReport, renderReportSarif, type ReportFormat, type ReportModel, type SarifReportInput } from '../reports/index.ts';
import { pageEvidence } from '../reports/html-view.ts';
import { assembleReportModel, findingPart, identityPart, type EvidencePick, type FindingPart, type IdentityPart } from '../reports/model.ts';
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
  /** Which finding rows carry their evidence (all by default; the HTML page's own when rendering HTML). */
  evidence?: EvidencePick;
}

/** The identity half of a stored scan's model; the inventory and verdicts go when it returns. */
async function loadIdentityPart(store: Store, scan: ScanInfo): Promise<IdentityPart> {
  const [inventory, verdicts] = await Promise.all([loadInventory(store, scan.id, { activities: 'digest' }), loadVerdicts(store, scan.id)]);
  return identityPart({ scan, inventory, verdicts });
}

/** The findings half of a stored scan's model, and the scan compared with; the findings go when it returns. */
async function loadFindingPart(store: Store, scan: ScanInfo, names: ReadonlyMap<string, string>, opts: ReportOptions): Promise<{ part: FindingPart; previousScan?: ScanInfo }> {
  const findings = await loadFindings(store, scan.id);
  // Against the scan before (as the analysis recorded it), or against the one --diff names.
  const change = opts.diffScanId
    ? await compareWithScan(store, scan, findings, opts.diffScanId)
    : await Promise.all([loadResolvedFindings(store, scan.id), latestScan(store, { before: scan.id })]).then(([resolved, previousScan]) => ({ findings, resolved, previousScan }));
  return { part: findingPart({ findings: change.findings, resolved: change.resolved, rules: ruleCatalogue() }, names, opts.evidence), ...(change.previousScan ? { previousScan: change.previousScan } : {}) };
}

/**
 * Builds the report model of a stored scan (the latest finished one by default), one half at a
 * time: the identity rows from the inventory, which is then let go, and the finding rows from the
 * findings. Holding the inventory, the findings and all the rows at once had made the report of
 * 100,000 identities peak at over 800 MB of live heap.
 */
export async function loadReportModel(store: Store, opts: ReportOptions = {}): Promise<ReportModel> {
  const scan = await findScan(store, opts.scanId);
  const [history, plan] = await Promise.all([findingTrend(store, scan), latestPlan(store, scan)]);
  const ids = await loadIdentityPart(store, scan);
  const found = await loadFindingPart(store, scan, ids.names, opts);
  return assembleReportModel(
    {
      scan,
      ...(found.previousScan ? { previousScan: found.previousScan } : {}),
      generatedAt: opts.now ?? new Date(),
      toolVersion: toolVersion(),
      history,
      ...(plan ? { plan } : {}),
    },
    ids,
    found.part,
  );
}

/** What the SARIF report needs of a stored scan: its leaks and findings, and the rule catalogue. */
export async function loadSarifInput(store: Store, opts: { scanId?: string } = {}): Promise<SarifReportInput> {
  const scan = await findScan(store, opts.scanId);
  const [inventory, findings] = await Promise.all([loadInventory(store, scan.id, { activities: 'digest' }), loadFindings(store, scan.id)]);
  return { scanId: scan.id, toolVersion: toolVersion(), leaks: inventory.leaks, findings, rules: ruleCatalogue() };
}

export async function renderStoredReport(store: Store, format: ReportFormat, opts: ReportOptions = {}): Promise<string> {
  if (format === 'sarif') return renderReportSarif(await loadSarifInput(store, opts));
  return renderReport(format, await loadReportModel(store, format === 'html' ? { ...opts, evidence: pageEvidence } : opts));
}
