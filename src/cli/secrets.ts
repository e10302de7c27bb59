import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { SecretsConfig } from '../config/schema.ts';
import { applyBaseline, readBaseline, writeBaseline } from '../collectors/repos/baseline.ts';
import { isSecretFormat, renderSecrets, SECRET_FORMATS, type SecretFormat } from '../collectors/repos/output/index.ts';
import { SECRET_RULES } from '../collectors/repos/rules/index.ts';
import { scanRepository } from '../collectors/repos/scan.ts';
import type { SecretFinding } from '../collectors/repos/types.ts';
import type { Severity } from '../model/index.ts';
import { severityRank } from '../model/index.ts';
import { toolVersion } from '../pipeline/version.ts';
import { detectGateTarget } from './ci-env.ts';
import { EXIT, UsageError, parsePositiveInt, parseSeverity, readConfig, runtime, type Runtime } from './common.ts';
import { writeOutput } from './report.ts';
import { abortOnSignals } from './signals.ts';

type Mode = 'worktree' | 'staged' | 'range' | 'history';

export interface SecretsOptions {
  staged?: boolean;
  range?: string;
  history?: boolean;
  format: SecretFormat;
  output?: string;
  sarif?: string;
  baseline?: string;
  writeBaseline?: string;
  failOn?: Severity;
  maxFileBytes?: number;
  fileTimeoutMs?: number;
  workers?: number;
}

function parseFormat(value: string): SecretFormat {
  if (!isSecretFormat(value)) throw new UsageError(`--format: expected one of ${SECRET_FORMATS.join(', ')}, got "${value}"`);
  return value;
}

function parseRange(value: string): string {
  if (!/^[^\s.][^\s]*\.\.\.?[^\s.][^\s]*$/.test(value) || value.startsWith('-')) throw new UsageError(`--range: expected A..B (or A...B), got "${value}"`);
  return value;
}

function modeOf(opts: SecretsOptions): { mode: Mode; range?: string } {
  const chosen = [opts.staged && '--staged', opts.range && '--range', opts.history && '--history'].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`choose one of --staged, --range and --history (got ${chosen.join(' and ')})`);
  if (opts.staged) return { mode: 'staged' };
  if (opts.range) return { mode: 'range', range: opts.range };
  if (opts.history) return { mode: 'history' };
  return { mode: 'worktree' };
}

export interface SecretsRun {
  findings: SecretFinding[];
  code: number;
}

/** Scans, applies the baseline, writes the outputs; returns the findings that count and the exit code. */
export async function runSecretsScan(rt: Runtime, path: string, target: { mode: Mode; range?: string }, opts: SecretsOptions, settings: SecretsConfig): Promise<SecretsRun> {
  const root = resolve(path);
  const signals = abortOnSignals();
  const fingerprintKey = process.env.SPRAWL_FINGERPRINT_KEY || undefined;
  let scanned;
  try {
    scanned = await scanRepository({
      path: root,
      mode: target.mode,
      ...(target.range !== undefined ? { range: target.range } : {}),
      maxFileBytes: opts.maxFileBytes ?? settings.maxFileBytes,
      ignore: settings.allowPaths,
      disabledRules: settings.disabledRules,
      ...(fingerprintKey ? { fingerprintKey } : {}),
      ...((opts.workers ?? settings.workers) !== undefined ? { workers: opts.workers ?? settings.workers } : {}),
      fileTimeoutMs: opts.fileTimeoutMs ?? settings.fileTimeoutMs,
      signal: signals.signal,
    });
  } catch (err) {
    if (signals.signal.aborted) return { findings: [], code: signals.exitCode() ?? EXIT.sigint };
    throw new UsageError(`cannot scan ${root}: ${(err as Error).message}`);
  } finally {
    signals.dispose();
  }
  const baselineFile = opts.baseline ?? settings.baseline;
  let findings = scanned.findings;
  let baselineSuppressed = 0;
  if (baselineFile) {
    const known = readBaseline(resolve(baselineFile));
    const kept = applyBaseline(findings, known);
    baselineSuppressed = findings.length - kept.length;
    findings = kept;
  }
  if (opts.writeBaseline) {
    writeBaseline(resolve(opts.writeBaseline), findings.filter((f) => !f.allowed));
    rt.log.info(`baseline written: ${resolve(opts.writeBaseline)}`);
  }
  const rules = SECRET_RULES.filter((r) => !settings.disabledRules.includes(r.id));
  const result = { findings, stats: scanned.stats, rules, baselineSuppressed };
  const render = (format: SecretFormat): string =>
    renderSecrets(format, { ...result, color: format === 'text' && rt.term.color && !opts.output }, { toolVersion: toolVersion(), repoRoot: root });
  const written = writeOutput(opts.output ?? '-', render(opts.format));
  if (written !== '-') rt.log.info(`written: ${written}`);
  if (opts.sarif) rt.log.info(`SARIF written: ${writeOutput(opts.sarif, render('sarif'))}`);
  // With the main output in a file, the short summary still goes to the log.
  if (opts.output && opts.format !== 'text') process.stderr.write(render('text'));

  const active = findings.filter((f) => !f.allowed);
  const threshold = opts.failOn ?? settings.failOn;
  const failing = active.filter((f) => severityRank(f.severity) >= severityRank(threshold));
  const cut = scanned.stats.cutOff ?? [];
  for (const c of cut.slice(0, 20)) rt.log.warn(`${c.path}${c.commit ? ` (${c.commit.slice(0, 12)})` : ''}: scan cut off after ${c.afterMs} ms (time cap ${opts.fileTimeoutMs ?? settings.fileTimeoutMs} ms); only what was found before is reported`);
  const unread = scanned.stats.errors.length - cut.length;
  if (unread > 0) rt.log.warn(`${unread} file(s) could not be read; see the summary`);
  return { findings: active, code: failing.length > 0 ? EXIT.findings : EXIT.ok };
}

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--format <format>', `output: ${SECRET_FORMATS.join(', ')}`, parseFormat, 'text' as SecretFormat)
    .option('-o, --output <file>', 'write the output to a file (default: stdout)')
    .option('--sarif <file>', 'also write SARIF 2.1.0 to this file (for code scanning)')
    .option('--baseline <file>', 'ignore the fingerprints recorded in this baseline')
    .option('--fail-on <severity>', 'exit 1 on hits at or above this severity (default: secrets.failOn, medium)', parseSeverity)
    .option('--max-file-bytes <n>', 'skip files larger than this', parsePositiveInt('--max-file-bytes'))
    .option('--file-timeout-ms <ms>', 'cut off the scan of a file taking longer than this, reporting it (default: secrets.fileTimeoutMs, 10000)', parsePositiveInt('--file-timeout-ms', 3_600_000))
    .option('--workers <n>', 'worker threads (default: the machine\'s cores)', parsePositiveInt('--workers', 64));
}

export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description('find keys, tokens and private keys committed to repositories');

  commonOptions(
    secrets
      .command('scan')
      .description('scan a working tree (default), the staged changes, a commit range, or the whole history')
      .argument('[path]', 'repository or directory', '.')
      .option('--staged', 'only lines added by the staged changes (pre-commit)')
      .option('--range <A..B>', 'only lines added by the commits in this range (pull requests)', parseRange)
      .option('--history', 'every blob reachable from any ref, each scanned once')
      .option('--write-baseline <file>', 'record the current findings as accepted (their fingerprints, never the secrets)'),
  )
    .addHelpText('after', '\nExit codes: 0 nothing at or above --fail-on, 1 hits at or above it, 2 usage error.')
    .action(async (path: string, opts: SecretsOptions, cmd: Command) => {
      const rt = runtime(cmd);
      const { config } = readConfig(rt);
      const { code } = await runSecretsScan(rt, path, modeOf(opts), opts, config.secrets);
      process.exitCode = code;
    });

  secrets
    .command('rules')
    .description('list the detection rules (ids for secrets.disabledRules)')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      const rows = SECRET_RULES.map((r) => ({ id: r.id, family: r.family, severity: r.severity, title: r.title }));
      rt.out(opts.json ? JSON.stringify(rows, null, 2) : rows.map((r) => `${r.id.padEnd(34)} ${r.severity.padEnd(9)} ${r.title}`).join('\n'));
    });
}

export function registerGate(program: Command): void {
  commonOptions(
    program
      .command('gate')
      .description('CI gate: scan the change of the pull request or push being built; exit 1 on a committed key')
      .argument('[path]', 'repository', '.')
      .option('--range <A..B>', 'the commits to scan (default: from the CI environment)', parseRange)
      .option('--staged', 'the staged changes (pre-commit hook)'),
  )
    .addHelpText(
      'after',
      '\nWithout --range or --staged the change comes from the CI (GitHub Actions, GitLab CI, Bitbucket):\n' +
        "a pull request's commits or a push's. Check out with full history (actions/checkout fetch-depth: 0).\n" +
        'Exit codes: 0 clean, 1 a hit at or above --fail-on, 2 usage error (no range found, not a git repository).',
    )
    .action(async (path: string, opts: SecretsOptions, cmd: Command) => {
      const rt = runtime(cmd);
      const { config } = readConfig(rt);
      let target: { mode: Mode; range?: string };
      if (opts.staged && opts.range) throw new UsageError('choose one of --staged and --range');
      if (opts.staged) target = { mode: 'staged' };
      else if (opts.range) target = { mode: 'range', range: opts.range };
      else {
        const detected = detectGateTarget();
        if (detected.kind === 'none') throw new UsageError(`${detected.why}: pass --range A..B (the commits to check) or --staged`);
        rt.log.info(`gate: ${detected.why}: ${detected.range}`);
        target = { mode: 'range', range: detected.range };
      }
      const { findings, code } = await runSecretsScan(rt, path, target, opts, config.secrets);
      if (code === EXIT.findings) rt.log.error(`sprawl gate: ${findings.length} committed secret(s) at or above ${opts.failOn ?? config.secrets.failOn}; remove them and revoke the keys`);
      process.exitCode = code;
    });
}
