import type { ScanInfo } from '../model/index.ts';
import { buildReportModel, renderReport, type ReportFormat, type ReportModel } from '../reports/index.ts';
import { getScan, latestScan, loadFindings, loadInventory, loadResolvedFindings, loadVerdicts, type Store } from '../store/index.ts';
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

/** Builds the report model of a stored scan (the latest finished one by default). */
export async function loadReportModel(store: Store, opts: { scanId?: string; now?: Date } = {}): Promise<ReportModel> {
  const scan = await findScan(store, opts.scanId);
  const [inventory, findings, resolved, verdicts, previousScan] = await Promise.all([
    loadInventory(store, scan.id),
    loadFindings(store, scan.id),
    loadResolvedFindings(store, scan.id),
    loadVerdicts(store, scan.id),
    latestScan(store, { before: scan.id }),
  ]);
  return buildReportModel({ scan, previousScan, inventory, findings, resolved, verdicts, generatedAt: opts.now ?? new Date(), toolVersion: toolVersion() });
}

export async function renderStoredReport(store: Store, format: ReportFormat, opts: { scanId?: string; now?: Date } = {}): Promise<string> {
  return renderReport(format, await loadReportModel(store, opts));
}
