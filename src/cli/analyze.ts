import type { Command } from 'commander';
import { analyzeScan } from '../pipeline/analyze.ts';
import { findScan } from '../pipeline/report.ts';
import { EXIT, readConfig, runtime, storeLocation, withStore } from './common.ts';
import { parseAsOf } from './import.ts';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description("re-run the analysis of a stored scan with the config's current policy (the latest scan by default)")
    .option('--scan <id>', 'the scan to analyze')
    .option('--as-of <time>', 'judge ages and thresholds at this time instead of the scan\'s (an old export judged as of its own date)', parseAsOf)
    .option('--json', 'print the result as JSON')
    .action(async (opts: { scan?: string; asOf?: Date; json?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        const scan = await findScan(store, opts.scan);
        const summary = await analyzeScan({ store, scanId: scan.id, at: opts.asOf ?? new Date(scan.startedAt), policy: loaded.config.policy, analysis: loaded.config.analysis, sources: scan.sources });
        if (opts.json) rt.out(JSON.stringify({ scan: scan.id, ...summary }, null, 2));
        else rt.out(`scan ${scan.id}: ${summary.findings} findings (new ${summary.new}, open ${summary.open}, resolved ${summary.resolved})`);
        process.exitCode = scan.status === 'complete' ? EXIT.ok : EXIT.partial;
      });
    });
}
