import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { renderStoredReport } from '../pipeline/report.ts';
import { REPORT_FORMATS, type ReportFormat } from '../reports/index.ts';
import { EXIT, UsageError, readConfig, runtime, storeLocation, withStore } from './common.ts';

function parseFormat(value: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got "${value}"`);
  return value as ReportFormat;
}

/** Writes text to a file, or to stdout for "-". Returns the absolute path written. */
export function writeOutput(output: string, text: string): string {
  if (output === '-') {
    process.stdout.write(text);
    return '-';
  }
  const path = resolve(output);
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return path;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render a stored scan (the latest by default) as a self-contained HTML report or JSON')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, parseFormat, 'html' as ReportFormat)
    .option('-o, --output <file>', 'file to write, or - for stdout (default: sprawl-report.<format>)')
    .option('--scan <id>', 'the scan to report')
    .action(async (opts: { format: ReportFormat; output?: string; scan?: string }, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        const text = await renderStoredReport(store, opts.format, { scanId: opts.scan });
        const path = writeOutput(opts.output ?? `sprawl-report.${opts.format}`, text);
        if (path !== '-') rt.out(path);
        process.exitCode = EXIT.ok;
      });
    });
}
