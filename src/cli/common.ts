import type { Command } from 'commander';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load.ts';
import { openStore, DEFAULT_SQLITE_PATH, type Store } from '../store/index.ts';
import type { Severity } from '../model/index.ts';
import { SEVERITIES } from '../model/index.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { detectTerminal, type Terminal } from './terminal.ts';

/** Exit codes (README.md, "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** Findings at or above --fail-on. */
  findings: 1,
  /** Usage or config error. */
  usage: 2,
  /** Partial scan: a source failed, data is missing. */
  partial: 3,
  /** An unexpected internal error. */
  internal: 4,
  /** apply or rollback changed nothing: every action due failed or was refused. */
  notApplied: 5,
  sigint: 130,
  sigterm: 143,
} as const;

/** An error the user can fix: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface GlobalOptions {
  config?: string;
  db?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  logFormat?: 'text' | 'json';
}

export interface Runtime {
  opts: GlobalOptions;
  term: Terminal;
  log: Logger;
  /** Results go to stdout. */
  out(text: string): void;
}

export function runtime(cmd: Command): Runtime {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const term = detectTerminal({ noColor: opts.color === false, quiet: opts.quiet });
  const log = createLogger({ level: opts.verbose ? 'debug' : opts.quiet ? 'warn' : 'info', json: opts.logFormat === 'json' });
  commandLog = log;
  return { opts, term, log, out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n') };
}

export function readConfig(rt: Runtime): LoadedConfig {
  const loaded = loadConfig(rt.opts.config);
  rt.log.debug(loaded.path ? `config: ${loaded.path}` : 'config: none found, using defaults');
  return loaded;
}

/** --db, then SPRAWL_DB, then the config's `store`, then .sprawl/sprawl.db. */
export function storeLocation(rt: Runtime, loaded?: LoadedConfig): string {
  return rt.opts.db ?? (process.env.SPRAWL_DB || undefined) ?? loaded?.config.store ?? DEFAULT_SQLITE_PATH;
}

/** The running command's logger (set by runtime()): withStore warns through it. */
let commandLog: Logger | undefined;

/**
 * Opens the store for `fn` and closes it after. Each scan the store found left running by a process
 * that died (marked failed as it opened) is told on stderr, one warning line each.
 */
export async function withStore<T>(location: string, fn: (store: Store) => Promise<T>, log: Logger | undefined = commandLog): Promise<T> {
  const store = await openStore(location);
  const warn = log ?? createLogger({ level: 'warn' });
  for (const r of store.recovered ?? []) warn.warn(`scan ${r.id} was left running by a process that died; marked failed: ${r.reason}`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A parser for a severity option, its errors naming the option. */
export function severityParser(name: string): (value: string) => Severity {
  return (value: string) => {
    const v = value.toLowerCase();
    if (!(SEVERITIES as readonly string[]).includes(v)) throw new UsageError(`${name}: expected one of ${SEVERITIES.join(', ')}, got "${value}"`);
    return v as Severity;
  };
}

export const parseSeverity = severityParser('--fail-on');

/** A run id (`--run`): what CI or a scheduler names a run, e.g. `nightly-2026-11-23`. */
export function parseRunId(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(value)) {
    throw new UsageError(`--run: expected a run id of letters, digits, '.', '_', ':' or '-' (at most 128, e.g. nightly-2026-11-23), got "${value}"`);
  }
  return value;
}

export function parsePositiveInt(name: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name}: expected a whole number from 1 to ${max}, got "${value}"`);
    return n;
  };
}

export { ConfigError };
