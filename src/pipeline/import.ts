/**
 * `sprawl import`: an exported file (an auditor's hand-off) becomes a scan of its own, analyzed as of
 * a given time; `sprawl report` then works as after a live scan.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { machineRulesSchema } from '../config/schema.ts';
import { importFile, importSource, toApiSession, type ImportResult, type ImportWarning } from '../importers/index.ts';
import type { ScanInfo } from '../model/index.ts';
import { newScanId } from '../model/index.ts';
import { collectGateway } from '../collectors/gateway/index.ts';
import { noProgress } from '../collectors/context.ts';
import { gatewaySchema } from '../config/gateway-schema.ts';
import type { InventoryRecord, SourceOutcome } from '../model/index.ts';
import { createInventoryWriter, createScan, finishScan, getScan, latestScan, loadInventory, type Store } from '../store/index.ts';
import type { Logger } from '../util/log.ts';
import { analyzeScan, type AnalysisSummary } from './analyze.ts';
import { scanStatus } from './scan.ts';
import { toolVersion } from './version.ts';

/** The kinds that carry inventory. */
export const INVENTORY_IMPORT_KINDS = ['aws-authorization-details', 'aws-credential-report'] as const;
/** Every kind `sprawl import` takes: hoop session exports are evidence of use, added to the latest inventory. */
export const IMPORT_COMMAND_KINDS = [...INVENTORY_IMPORT_KINDS, 'hoop-sessions'] as const;
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

/** Dropped entries named in the `#rejected` source's error, the first few. */
const SHOWN_PLACES = 5;

/**
 * `sprawl import hoop-sessions FILE`: a gateway session export becomes evidence of use of the latest
 * inventory. The new scan holds a copy of the latest scan's records plus the sessions (linked to
 * identities exactly as the live gateway collector links them), so it is analyzed and reported like
 * any scan; without an earlier scan the sessions stand alone (their connections listed unlinked).
 *
 * Bad input: the file is read by the importer (src/importers/hoop-sessions.ts), which decodes
 * UTF-8/UTF-16 (BOM or not), reports each malformed line, entry of the wrong shape or session
 * without a connection with its file:line and reason, and keeps the rest; the clean sessions go to
 * the gateway collector. When entries were dropped, a failed `import:hoop-sessions:FILE#rejected`
 * source names them and the scan is partial (exit 3).
 */
export async function importSessions(opts: { store: Store; config: Config; file: string; gatewayName: string; log: Logger; asOf?: Date; now?: () => Date }): Promise<ImportScanResult> {
  const now = opts.now ?? (() => new Date());
  // Read (and judge) the file before anything is written: an unreadable file throws ImportFileError.
  const parsed = await importFile('hoop-sessions', opts.file, { machineRules: machineRulesSchema.parse({}), owners: opts.config.owners });
  const warnings: ImportWarning[] = [...parsed.warnings];
  const dropped: string[] = [];
  const sessions = parsed.sessions.filter((s, i) => {
    if (s.connection.name !== undefined) return true;
    const where = parsed.where[i] ?? opts.file;
    warnings.push({ where, message: `session ${s.id}: no connection name: skipped (it cannot be linked to an identity)` });
    dropped.push(where);
    return false;
  });
  const rejectedPlaces = [...parsed.rejected, ...dropped];
  const rejected = rejectedPlaces.length;

  const base = await latestScan(opts.store);
  const inventory = base ? await loadInventory(opts.store, base.id) : undefined;
  const started = now();
  const scanId = newScanId(started);
  await createScan(opts.store, { id: scanId, startedAt: started.toISOString(), toolVersion: toolVersion() });
  const writer = createInventoryWriter(opts.store, scanId);
  let records = 0;
  const emit = (record: InventoryRecord): void => {
    records++;
    writer.write(record);
  };
  if (inventory) {
    for (const record of inventory.identities) emit({ type: 'identity', record });
    for (const record of inventory.credentials) emit({ type: 'credential', record });
    for (const record of inventory.grants) emit({ type: 'grant', record });
    for (const record of inventory.activities) emit({ type: 'activity', record });
    for (const record of inventory.leaks) emit({ type: 'leak', record });
    for (const record of inventory.connections) emit({ type: 'connection', record });
    for (const record of inventory.gatewayUsers) emit({ type: 'gateway-user', record });
  }
  const inherited = records;
  // The clean sessions, as JSON lines in a private folder the collector reads and that is removed after.
  const dir = await mkdtemp(join(tmpdir(), 'sprawl-import-'));
  const clean = join(dir, 'sessions.jsonl');
  let outcomes: SourceOutcome[];
  try {
    // No sessions: an empty array, not an empty file (which the reader reports as a dropped entry).
    await writeFile(clean, sessions.length === 0 ? '[]' : sessions.map((s) => JSON.stringify(toApiSession(s))).join('\n'), { mode: 0o600 });
    const gateway = gatewaySchema.parse({ files: [clean], name: opts.gatewayName });
    outcomes = await collectGateway(
      {
        gateway,
        inventory: {
          identities: (inventory?.identities ?? []).map((i) => ({ id: i.id, name: i.name, ...(i.nativeId !== undefined ? { nativeId: i.nativeId } : {}) })),
          credentials: (inventory?.credentials ?? []).map((c) => ({ id: c.id, identityId: c.identityId, publicId: c.publicId })),
        },
      },
      { now: started, log: opts.log, progress: noProgress, concurrency: 4, emit },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writer.flush();
  // The collector names its source after the file it read: the user's file, not the private copy.
  outcomes = outcomes.map((o) => ({ ...o, source: o.source.split(clean).join(opts.file), ...(o.error !== undefined ? { error: o.error.split(clean).join(opts.file) } : {}) }));
  if (rejected > 0) {
    const shown = rejectedPlaces.slice(0, SHOWN_PLACES).join(', ');
    const more = rejectedPlaces.length > SHOWN_PLACES ? ` and ${rejectedPlaces.length - SHOWN_PLACES} more` : '';
    outcomes.push({ source: `${importSource('hoop-sessions', opts.file)}#rejected`, status: 'failed', items: 0, error: `${rejected} entr${rejected === 1 ? 'y' : 'ies'} of ${opts.file} not imported: ${shown}${more} (see the warnings)` });
  }
  // The inherited sources stand as they were in the scan they come from.
  const sources: SourceOutcome[] = [...(base?.sources ?? []), ...outcomes];
  const status = scanStatus(sources, false);
  const analysis =
    status === 'failed' ? undefined : await analyzeScan({ store: opts.store, scanId, at: opts.asOf ?? started, policy: opts.config.policy, analysis: opts.config.analysis, sources });
  await finishScan(opts.store, scanId, { status, sources, finishedAt: now().toISOString() });
  const scan = await getScan(opts.store, scanId);
  if (!scan) throw new Error(`scan ${scanId} vanished from the store`);
  for (const o of outcomes) if (o.status === 'failed' && !o.source.endsWith('#rejected')) warnings.push({ where: opts.file, message: o.error ?? 'failed' });
  return {
    scan,
    warnings,
    counts: {
      sessions: outcomes.reduce((n, o) => n + o.items, 0),
      read: parsed.sessions.length,
      skipped: rejected,
      fieldsLeftOut: parsed.fieldsLeftOut,
      replacedLines: parsed.replacedLines ?? 0,
      inherited,
      added: records - inherited,
    },
    records,
    ...(analysis ? { analysis } : {}),
  };
}
