import { resolve } from 'node:path';
import type { Command } from 'commander';
import { renderStoredReport } from '../pipeline/report.ts';
import { runScanOf } from '../pipeline/run.ts';
import { REPORT_FORMATS, type ReportFormat } from '../reports/index.ts';
import { writeSharedFile } from '../reports/write.ts';
import { EXIT, UsageError, parseRunId, readConfig, runtime, storeLocation, withStore } from './common.ts';

function parseFormat(value: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got "${value}"`);
  return value as ReportFormat;
}

/** Writes text to a file (mode 0644 whatever the umask), or to stdout for "-". Returns the absolute path written. */
export function writeOutput(output: string, text: string): string {
  if (output === '-') {
    process.stdout.write(text);
    return '-';
  }
  const path = resolve(output);
  try {
    writeSharedFile(path, text);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return path;
}

/** The file written when --output is not given: sprawl-report.<format>, except where that is no file extension. */
const DEFAULT_OUTPUT: Partial<Record<ReportFormat, string>> = { 'csv-identities': 'sprawl-identities.csv' };

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render a stored scan (the latest by default) as a self-contained HTML report, JSON, CSV, a Markdown summary or SARIF')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, parseFormat, 'html' as ReportFormat)
    .option('-o, --output <file>', 'file to write, or - for stdout (default: sprawl-report.<format>)')
    .option('--scan <id>', 'the scan to report')
    .option('--run <id>', 'the scan of this run (for a sharded run, the one `sprawl analyze --run` made)', parseRunId)
    .option('--diff <scan-id>', 'count findings as new or resolved against this earlier scan instead of the previous one')
    .addHelpText(
      'after',
      '\nFormats: csv lists the findings, csv-identities the identities (one row each, cells safe to open in a spreadsheet);\n' +
        'md is a Markdown summary sized for a pull-request comment or $GITHUB_STEP_SUMMARY;\n' +
        'sarif holds the committed secrets and the findings located in repositories (SARIF 2.1.0, for code scanning).',
    )
    .action(async (opts: { format: ReportFormat; output?: string; scan?: string; run?: string; diff?: string }, cmd: Command) => {
      const rt = runtime(cmd);
      if (opts.run && opts.scan) throw new UsageError('--run: not with --scan');
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        const scanId = opts.run ? (await runScanOf(store, opts.run)).id : opts.scan;
        const text = await renderStoredReport(store, opts.format, { scanId, diffScanId: opts.diff });
        const path = writeOutput(opts.output ?? DEFAULT_OUTPUT[opts.format] ?? `sprawl-report.${opts.format}`, text);
        if (path !== '-') rt.out(path);
        process.exitCode = EXIT.ok;
      });
    });
}
