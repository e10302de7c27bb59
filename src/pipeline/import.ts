/**
 * `sprawl import`: an exported file (an auditor's hand-off) becomes a scan of its own, analyzed as of
 * a given time; `sprawl report` then works as after a live scan.
 */
import type { Config } from '../config/schema.ts';
import { machineRulesSchema } from '../config/schema.ts';
import { importFile, type ImportResult, type ImportWarning } from '../importers/index.ts';
import type { ScanInfo } from '../model/index.ts';
import { newScanId } from '../model/index.ts';
import { createInventoryWriter, createScan, finishScan, getScan, type Store } from '../store/index.ts';
import { analyzeScan, type AnalysisSummary } from './analyze.ts';
import { scanStatus } from './scan.ts';
import { toolVersion } from './version.ts';

/** The kinds that carry inventory (hoop session exports are read by the gateway collector: `gateway.files`). */
export const INVENTORY_IMPORT_KINDS = ['aws-authorization-details', 'aws-credential-report'] as const;
export type InventoryImportKind = (typeof INVENTORY_IMPORT_KINDS)[number];

export interface ImportScanResult {
  scan: ScanInfo;
  warnings: ImportWarning[];
  counts: ImportResult['counts'];
  records: number;
  analysis?: AnalysisSummary;
}

export async function importScan(opts: {
  store: Store;
  config: Config;
  kind: InventoryImportKind;
  file: string;
  accountId?: string;
  credentialReportFile?: string;
  /** Ages and thresholds are judged at this time (default: now). */
  asOf?: Date;
  now?: () => Date;
}): Promise<ImportScanResult> {
  const now = opts.now ?? (() => new Date());
  const result = await importFile(opts.kind, opts.file, {
    machineRules: opts.config.aws?.machineUsers ?? machineRulesSchema.parse({}),
    owners: opts.config.owners,
    ...(opts.accountId !== undefined ? { accountId: opts.accountId } : {}),
    ...(opts.credentialReportFile !== undefined ? { credentialReportFile: opts.credentialReportFile } : {}),
  });
  const started = now();
  const scanId = newScanId(started);
  await createScan(opts.store, { id: scanId, startedAt: started.toISOString(), toolVersion: toolVersion() });
  const writer = createInventoryWriter(opts.store, scanId);
  for (const record of result.records) writer.write(record);
  await writer.flush();
  const status = scanStatus(result.sources, false);
  const analysis =
    status === 'failed' ? undefined : await analyzeScan({ store: opts.store, scanId, at: opts.asOf ?? started, policy: opts.config.policy, analysis: opts.config.analysis, sources: result.sources });
  await finishScan(opts.store, scanId, { status, sources: result.sources, finishedAt: now().toISOString() });
  const scan = await getScan(opts.store, scanId);
  if (!scan) throw new Error(`scan ${scanId} vanished from the store`);
  return { scan, warnings: result.warnings, counts: result.counts, records: result.records.length, ...(analysis ? { analysis } : {}) };
}
