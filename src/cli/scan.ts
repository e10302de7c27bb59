import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import type { Severity } from '../model/index.ts';
import { runScan, type ScanResult } from '../pipeline/scan.ts';
import { redactUrl, type Store } from '../store/index.ts';
import { EXIT, parsePositiveInt, parseSeverity, readConfig, runtime, storeLocation, withStore, type Runtime } from './common.ts';
import { notifyAfterScan, parseNotifyFormat, parseNotifySeverity, parseWebhookUrl, type NotifyOptions } from './notify.ts';
import { createProgressView } from './progress.ts';
import { abortOnSignals } from './signals.ts';
import { countAtOrAbove, summaryJson, summaryText } from './summary.ts';

export interface ScanCommandOptions extends NotifyOptions {
  failOn?: Severity;
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
    result = await runScan({ store, config, log: rt.log, progress, concurrency: opts.concurrency, signal: signals.signal });
  } finally {
    progress.close();
    signals.dispose();
  }
  rt.out(opts.json ? summaryJson(result, { store: store.location }) : summaryText(result, rt.term));
  await notifyAfterScan(rt, store, result, opts);
  const interrupted = signals.exitCode();
  if (interrupted !== undefined) return { code: interrupted, result };
  if (result.scan.status !== 'complete') return { code: EXIT.partial, result };
  if (opts.failOn && result.analysis && countAtOrAbove(result.analysis.bySeverity, opts.failOn) > 0) {
    rt.log.warn(`findings at or above ${opts.failOn}: failing (--fail-on ${opts.failOn})`);
    return { code: EXIT.findings, result };
  }
  return { code: EXIT.ok, result };
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
  program
    .command('scan')
    .description('collect every configured source into the store, analyze it and print a summary')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (critical, high, medium, low, info)', parseSeverity)
    .option('--json', 'print the summary as JSON')
    .option('--concurrency <n>', 'concurrent API calls per collector', parsePositiveInt('--concurrency', 256))
    .option('--dry-run', 'validate the config and show what would be scanned, without calling any API')
    .option('--notify <url>', 'after the scan, post the findings new or resolved since the previous scan to this webhook (only when there are some; a failing webhook is a warning, not a failed scan)', parseWebhookUrl)
    .option('--notify-format <format>', 'slack (Slack-compatible text and blocks) or json (the lists)', parseNotifyFormat, 'slack' as const)
    .option('--notify-min-severity <severity>', 'only findings at or above this severity count as a change (default: high)', parseNotifySeverity)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or config error, 3 partial scan (a source failed), 130/143 interrupted.',
    )
    .action(async (opts: ScanCommandOptions, cmd: Command) => {
      const rt = runtime(cmd);
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
