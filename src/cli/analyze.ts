import type { Command } from 'commander';
import { analyzeScan } from '../pipeline/analyze.ts';
import { findScan } from '../pipeline/report.ts';
import { finishRun } from '../pipeline/run.ts';
import type { Severity } from '../model/index.ts';
import { EXIT, UsageError, parsePositiveInt, parseRunId, parseSeverity, readConfig, runtime, storeLocation, withStore } from './common.ts';
import { addNotifyOptions, type NotifyOptions } from './notify.ts';

const parseSeconds = parsePositiveInt('--wait', 7 * 86_400);
import { parseAsOf } from './import.ts';
import { createProgressView } from './progress.ts';
import { abortOnSignals } from './signals.ts';
import { summarize } from './scan.ts';

interface AnalyzeOptions extends NotifyOptions {
  shards?: number;
  wait?: number;
  scan?: string;
  run?: string;
  asOf?: Date;
  json?: boolean;
  failOn?: Severity;
}

export function registerAnalyze(program: Command): void {
  const analyze = program
    .command('analyze')
    .description("re-run the analysis of a stored scan with the config's current policy (the latest scan by default), or merge and analyze the shards of a run")
    .option('--scan <id>', 'the scan to analyze')
    .option('--run <id>', 'merge the shards of this run (`sprawl scan --run ID --shard I/N`) into its scan, collect the gateway, and analyze it; a missing or failed shard makes the run partial', parseRunId)
    .option('--as-of <time>', 'judge ages and thresholds at this time instead of the scan\'s (an old export judged as of its own date)', parseAsOf)
    .option('--shards <n>', 'with --run: how many shards the run has (so that a shard that never started counts as missing)', parsePositiveInt('--shards', 1024))
    .option('--wait <seconds>', 'with --run: wait up to this long for shards still running or not started', parseSeconds)
    .option('--fail-on <severity>', 'with --run: exit 1 when a finding is at or above this severity', parseSeverity);
  addNotifyOptions(analyze, 'with --run: once analyzed')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or config error, 3 partial (a source or a shard missing).')
    .action(async (opts: AnalyzeOptions, cmd: Command) => {
      const rt = runtime(cmd);
      if (opts.run && (opts.scan || opts.asOf)) throw new UsageError('--run: not with --scan or --as-of (a run is analyzed as of its first shard)');
      for (const [flag, set] of [['--fail-on', opts.failOn], ['--shards', opts.shards], ['--wait', opts.wait], ['--notify', opts.notify]] as const) {
        if (set !== undefined && !opts.run) throw new UsageError(`${flag}: only with --run`);
      }
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        if (opts.run) {
          const signals = abortOnSignals();
          const progress = createProgressView(rt.term);
          let result;
          try {
            result = await finishRun({
              store,
              config: loaded.config,
              log: rt.log,
              progress,
              runId: opts.run,
              signal: signals.signal,
              ...(opts.shards !== undefined ? { shards: opts.shards } : {}),
              ...(opts.wait !== undefined ? { waitMs: opts.wait * 1000 } : {}),
            });
          } finally {
            progress.close();
            signals.dispose();
          }
          const shards = result.shards.map((s) => ({ shard: s.shard, scan: s.scan?.id ?? null, missing: s.missing ?? null }));
          process.exitCode = await summarize(rt, store, result, opts, signals.exitCode(), { run: opts.run, shards });
          return;
        }
        const scan = await findScan(store, opts.scan);
        // A scan that never finished (killed, interrupted) has a partial inventory: analyzing it would resolve the findings it merely missed.
        if (scan.status !== 'complete' && scan.status !== 'partial') throw new UsageError(`scan ${scan.id} is ${scan.status}: its inventory is incomplete, so it is not analyzed (run \`sprawl scan\` again)`);
        if (scan.shard !== undefined) throw new UsageError(`scan ${scan.id} is shard ${scan.shard} of run ${scan.runId ?? '?'}: analyze the run (sprawl analyze --run ${scan.runId ?? 'ID'})`);
        const summary = await analyzeScan({ store, scanId: scan.id, at: opts.asOf ?? new Date(scan.startedAt), policy: loaded.config.policy, analysis: loaded.config.analysis, sources: scan.sources });
        if (opts.json) rt.out(JSON.stringify({ scan: scan.id, ...summary }, null, 2));
        else rt.out(`scan ${scan.id}: ${summary.findings} findings (new ${summary.new}, open ${summary.open}, resolved ${summary.resolved})`);
        process.exitCode = scan.status === 'complete' ? EXIT.ok : EXIT.partial;
      });
    });
}
