import { Command, CommanderError } from 'commander';
import { BaselineError } from '../collectors/repos/baseline.ts';
import { ConfigError } from '../config/load.ts';
import { DiffBaseError } from '../pipeline/diff.ts';
import { NoScanError } from '../pipeline/report.ts';
import { RunError } from '../pipeline/run.ts';
import { NothingToScanError } from '../pipeline/scan.ts';
import { toolVersion } from '../pipeline/version.ts';
import { databaseFailure, StoreError } from '../store/index.ts';
import { registerAnalyze } from './analyze.ts';
import { registerApply } from './apply.ts';
import { EXIT, UsageError } from './common.ts';
import { registerDemo } from './demo.ts';
import { registerImport } from './import.ts';
import { registerInit } from './init.ts';
import { registerPlan } from './plan.ts';
import { registerReport } from './report.ts';
import { registerSandbox } from './sandbox.ts';
import { registerScan } from './scan.ts';
import { registerGate, registerSecrets } from './secrets.ts';

export function buildProgram(): Command {
  const program = new Command('sprawl')
    .description('Find and tame service-account sprawl: machine identities, their keys and grants, what uses them, and what to revoke.')
    .version(toolVersion(), '-V, --version')
    .option('-c, --config <file>', 'config file (default: ./sprawl.yaml)')
    .option('--db <location>', 'store: a SQLite file or postgres:// URL (default: $SPRAWL_DB, the config, .sprawl/sprawl.db)')
    .option('-q, --quiet', 'only warnings and errors on stderr; plain progress lines')
    .option('-v, --verbose', 'debug logging on stderr')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--log-format <format>', 'text or json logs on stderr', 'text')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInit(program);
  registerScan(program);
  registerAnalyze(program);
  registerImport(program);
  registerReport(program);
  registerPlan(program);
  registerApply(program);
  registerSecrets(program);
  registerGate(program);
  registerDemo(program);
  registerSandbox(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Maps an error to its exit code and prints it without a stack unless it is unexpected. */
export function exitCodeFor(thrown: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  // A store that cannot be written (disk full, read-only) is the user's to fix, not a crash.
  const err = databaseFailure(thrown) ?? thrown;
  if (err instanceof CommanderError) {
    // --help and --version end through here with code 0
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
    return EXIT.usage;
  }
  if (err instanceof ConfigError || err instanceof UsageError || err instanceof BaselineError || err instanceof StoreError || err instanceof NoScanError || err instanceof DiffBaseError || err instanceof NothingToScanError || err instanceof RunError) {
    write(`sprawl: ${err.message}\n`);
    return EXIT.usage;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  write(`sprawl: internal error: ${e.message}\n${process.env.SPRAWL_DEBUG ? (e.stack ?? '') + '\n' : '(set SPRAWL_DEBUG=1 for the stack)\n'}`);
  return EXIT.internal;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return exitCodeFor(err);
  }
}
