import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import type { Severity } from '../model/index.ts';
import { runScan, type ScanResult } from '../pipeline/scan.ts';
import { redactUrl, type Store } from '../store/index.ts';
import { formatShard, parseShard, type Shard } from '../pipeline/shard.ts';
import { EXIT, UsageError, parsePositiveInt, parseRunId, parseSeverity, readConfig, runtime, storeLocation, withStore, type Runtime } from './common.ts';

function parseShardOption(value: string): Shard {
  const shard = parseShard(value);
  if (typeof shard === 'string') throw new UsageError(`--shard: ${shard}`);
  return shard;
}
import { addNotifyOptions, notifyAfterScan, type NotifyOptions } from './notify.ts';
import { createProgressView } from './progress.ts';
import { abortOnSignals } from './signals.ts';
import { countAtOrAbove, summaryJson, summaryText } from './summary.ts';

export interface ScanCommandOptions extends NotifyOptions {
  failOn?: Severity;
  run?: string;
  shard?: Shard;
  json?: boolean;
  concurrency?: number;
  dryRun?: boolean;
}

/** Runs a scan with progress and a summary on stdout; returns the exit code. */
export async function scanAndSummarize(rt: Runtime, store: Store, config: Config, opts: ScanCommandOptions): Promise<{ code: number; result?: ScanResult }> {
  const signals = abortOnSignals();
  const progress = createProgressView(rt.term);
  let result: ScanResult;
  try {
    result = await runScan({ store, config, log: rt.log, progress, concurrency: opts.concurrency, signal: signals.signal, ...(opts.run ? { runId: opts.run } : {}), ...(opts.shard ? { shard: opts.shard } : {}) });
  } finally {
    progress.close();
    signals.dispose();
  }
  const shard = opts.shard ? { run: opts.run, shard: formatShard(opts.shard) } : {};
  return { code: await summarize(rt, store, result, opts, signals.exitCode(), shard), result };
}

/**
 * Prints the summary of a scan (or of a run's scan) on stdout, posts what changed (--notify) and
 * returns the exit code: interrupted, partial, findings at or above --fail-on, or ok.
 */
export async function summarize(
  rt: Runtime,
  store: Store,
  result: ScanResult,
  opts: NotifyOptions & { json?: boolean; failOn?: Severity },
  interrupted: number | undefined,
  extra: Record<string, unknown> = {},
): Promise<number> {
  rt.out(opts.json ? summaryJson(result, { store: store.location, ...extra }) : summaryText(result, rt.term));
  await notifyAfterScan(rt, store, result, opts);
  if (interrupted !== undefined) return interrupted;
  if (result.scan.status !== 'complete') return EXIT.partial;
  if (opts.failOn && result.analysis && countAtOrAbove(result.analysis.bySeverity, opts.failOn) > 0) {
    rt.log.warn(`findings at or above ${opts.failOn}: failing (--fail-on ${opts.failOn})`);
    return EXIT.findings;
  }
  return EXIT.ok;
}

function describePlan(config: Config, location: string): string {
  const lines = [`store: ${redactUrl(location)}`];
  if (config.aws) {
    const accounts = config.aws.accounts.length
      ? config.aws.accounts.map((a) => `  aws: ${a.id ?? '(account of the role)'}${a.name ? ` (${a.name})` : ''}${a.roleArn ? ` via ${a.roleArn}` : ''}`)
      : ['  aws: the account of the default credentials'];
    lines.push('sources:', ...accounts);
  } else lines.push('sources:');
  if (config.gcp) {
    const g = config.gcp;
    lines.push(`  gcp: ${[...g.projects.map((p) => `project ${p}`), ...g.folders.map((f) => `folder ${f}`), ...(g.organization ? [`organization ${g.organization}`] : [])].join(', ')}`);
  }
  if (config.azure) {
    const a = config.azure;
    lines.push(`  azure: tenant ${a.tenantId ?? '(of the credential)'}, ${a.subscriptions.length ? `subscriptions ${a.subscriptions.join(', ')}` : 'every visible subscription'}`);
  }
  if (config.github) lines.push(`  github: ${config.github.organizations.join(', ')}${config.github.baseUrl ? ` on ${config.github.baseUrl}` : ''}`);
  if (config.kubernetes) {
    const k = config.kubernetes;
    lines.push(`  kubernetes: ${k.contexts.length ? `contexts ${k.contexts.join(', ')}` : 'the current context'} of ${k.kubeconfig ?? 'the default kubeconfig'}`);
  }
  for (const r of config.repos) lines.push(`  repo: ${r.path}${r.history ? ' (history)' : ' (working tree)'}`);
  if (!config.aws && !config.gcp && !config.azure && !config.github && !config.kubernetes && config.repos.length === 0) {
    lines.push('  none (add an `aws:`, `gcp:`, `azure:`, `github:`, `kubernetes:` or `repos:` section)');
  }
  lines.push(`policy: keys rotate after ${config.policy.keyRotationDays} days, credentials stale after ${config.policy.unusedDays} days unused`);
  return lines.join('\n');
}

export function registerScan(program: Command): void {
  const scan = program
    .command('scan')
    .description('collect every configured source into the store, analyze it and print a summary')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (critical, high, medium, low, info)', parseSeverity)
    .option('--json', 'print the summary as JSON')
    .option('--concurrency <n>', 'concurrent API calls per collector', parsePositiveInt('--concurrency', 256))
    .option('--dry-run', 'validate the config and show what would be scanned, without calling any API');
  addNotifyOptions(scan, 'after the scan')
    .option('--run <id>', 'the run this scan belongs to (its shards share it)', parseRunId)
    .option('--shard <I/N>', "collect only shard I of N (needs --run): the accounts, projects, subscriptions, organizations, clusters and repositories hashed to it; `sprawl analyze --run` then merges the shards and analyzes", parseShardOption)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or config error, 3 partial scan (a source failed), 130/143 interrupted.',
    )
    .action(async (opts: ScanCommandOptions, cmd: Command) => {
      const rt = runtime(cmd);
      if (opts.shard && !opts.run) throw new UsageError('--shard: needs --run <id>, the id the shards of one run share');
      if (opts.shard && opts.notify) throw new UsageError('--notify: not with --shard (a shard is not analyzed; notify after `sprawl analyze --run`)');
      if (opts.shard && opts.failOn) throw new UsageError('--fail-on: not with --shard (a shard is not analyzed; use it with `sprawl analyze --run`)');
      const loaded = readConfig(rt);
      const location = storeLocation(rt, loaded);
      if (opts.dryRun) {
        rt.out(`config: ${loaded.path ?? '(none: defaults)'} is valid\n${describePlan(loaded.config, location)}`);
        process.exitCode = EXIT.ok;
        return;
      }
      const { code } = await withStore(location, (store) => scanAndSummarize(rt, store, loaded.config, opts));
      process.exitCode = code;
    });
}
