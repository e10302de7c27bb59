import type { Command } from 'commander';
import { ImportFileError } from '../importers/index.ts';
import { IMPORT_COMMAND_KINDS, importScan, importSessions, INVENTORY_IMPORT_KINDS, type InventoryImportKind } from '../pipeline/import.ts';
import { EXIT, UsageError, readConfig, runtime, storeLocation, withStore } from './common.ts';

type CommandKind = (typeof IMPORT_COMMAND_KINDS)[number];

function parseKind(value: string): CommandKind {
  if (!(IMPORT_COMMAND_KINDS as readonly string[]).includes(value)) throw new UsageError(`KIND: expected one of ${IMPORT_COMMAND_KINDS.join(', ')}, got "${value}"`);
  return value as CommandKind;
}

const isInventoryKind = (k: CommandKind): k is InventoryImportKind => (INVENTORY_IMPORT_KINDS as readonly string[]).includes(k);

export function parseAsOf(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new UsageError(`--as-of: expected an ISO date or time (2024-05-01, 2024-05-01T12:00:00Z), got "${value}"`);
  return d;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load an exported file into the store as a scan of its own, then analyze it (report it with sprawl report)')
    .argument('<kind>', IMPORT_COMMAND_KINDS.join(' | '), parseKind)
    .argument('<file>', 'the file as the tool wrote it (aws iam get-account-authorization-details, aws iam get-credential-report, a hoop session export)')
    .option('--credential-report <file>', 'with aws-authorization-details: the same account\'s credential report (keys, console passwords)')
    .option('--account <id>', 'the account id, when the file does not say')
    .option('--as-of <time>', 'judge ages and thresholds at this time (the export\'s own date), not now', parseAsOf)
    .option('--gateway-name <name>', 'with hoop-sessions: the gateway\'s name in record ids', 'gateway')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit codes: 0 imported, 2 the file cannot be read, 3 imported in part (see the warnings).')
    .action(async (kind: CommandKind, file: string, opts: { credentialReport?: string; account?: string; asOf?: Date; gatewayName: string; json?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        let result;
        try {
          result = isInventoryKind(kind)
            ? await importScan({
                store,
                config: loaded.config,
                kind,
                file,
                ...(opts.account !== undefined ? { accountId: opts.account } : {}),
                ...(opts.credentialReport !== undefined ? { credentialReportFile: opts.credentialReport } : {}),
                ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
              })
            : await importSessions({ store, config: loaded.config, file, gatewayName: opts.gatewayName, log: rt.log, ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}) });
        } catch (err) {
          if (err instanceof ImportFileError) throw new UsageError(err.message);
          throw err;
        }
        for (const w of result.warnings.slice(0, 50)) rt.log.warn(`${w.where}: ${w.message}`);
        if (result.warnings.length > 50) rt.log.warn(`... and ${result.warnings.length - 50} more warnings`);
        const summary = {
          scan: result.scan.id,
          status: result.scan.status,
          records: result.records,
          counts: result.counts,
          warnings: result.warnings.length,
          findings: result.analysis?.findings ?? null,
          asOf: (opts.asOf ?? new Date(result.scan.startedAt)).toISOString(),
        };
        rt.out(
          opts.json
            ? JSON.stringify(summary, null, 2)
            : `imported ${file} as scan ${result.scan.id} (${result.scan.status}): ${result.records} records, ${summary.findings ?? 0} findings as of ${summary.asOf}; ${result.warnings.length} warning(s)\nnext: sprawl report --scan ${result.scan.id}`,
        );
        process.exitCode = result.scan.status === 'complete' ? EXIT.ok : EXIT.partial;
      });
    });
}
