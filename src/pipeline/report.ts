import { buildReportModel, renderReport, type ReportFormat, type ReportModel } from '../reports/index.ts';
import { getScan, latestScan, loadFindings, loadInventory, loadResolvedFindings, loadVerdicts, type Store } from '../store/index.ts';
import { toolVersion } from './version.ts';

export class NoScanError extends Error {
  override name = 'NoScanError';
}

/** Builds the report model of a stored scan (the latest finished one by default). */
export async function loadReportModel(store: Store, opts: { scanId?: string; now?: Date } = {}): Promise<ReportModel> {
  const scan = opts.scanId ? await getScan(store, opts.scanId) : await latestScan(store);
  if (!scan) {
    throw new NoScanError(opts.scanId ? `no scan ${opts.scanId} in the store at ${store.location}` : `no finished scan in the store at ${store.location}: run \`sprawl scan\` first`);
  }
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
