import type { Command } from 'commander';
import { analyzeScan } from '../pipeline/analyze.ts';
import { NoScanError } from '../pipeline/report.ts';
import { getScan, latestScan } from '../store/index.ts';
import { EXIT, readConfig, runtime, storeLocation, withStore } from './common.ts';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description("re-run the analysis of a stored scan with the config's current policy (the latest scan by default)")
    .option('--scan <id>', 'the scan to analyze')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { scan?: string; json?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        const scan = opts.scan ? await getScan(store, opts.scan) : await latestScan(store);
        if (!scan) throw new NoScanError(opts.scan ? `no scan ${opts.scan} in ${store.location}` : `no finished scan in ${store.location}: run \`sprawl scan\` first`);
        const summary = await analyzeScan({ store, scanId: scan.id, at: new Date(scan.startedAt), policy: loaded.config.policy, sources: scan.sources });
        if (opts.json) rt.out(JSON.stringify({ scan: scan.id, ...summary }, null, 2));
        else rt.out(`scan ${scan.id}: ${summary.findings} findings (new ${summary.new}, open ${summary.open}, resolved ${summary.resolved})`);
        process.exitCode = scan.status === 'complete' ? EXIT.ok : EXIT.partial;
      });
    });
}
