/**
 * `scanRepository`: one source (working tree, staged changes, commit range or full history) run
 * through the scanner on every core, hits turned into findings with their location. Hits with an
 * inline `sprawl:allow` are counted and dropped (unless `keepAllowed`), hits outside the added lines
 * of a staged or range scan are dropped, identical findings are kept once.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { createMatcher, parseIgnore } from './ignore.ts';
import type { IgnoreRule, PathMatcher } from './ignore.ts';
import { runScan } from './pool.ts';
import type { ItemResult, ScannedItem } from './pool.ts';
import { openSource } from './sources/index.ts';
import type { ScanMode } from './sources/index.ts';
import { findGitRepo } from './sources/git.ts';
import { DEFAULT_MAX_FILE_BYTES } from './sources/types.ts';
import type { LineRange } from './sources/types.ts';
import type { ScanStats, SecretFinding, SecretHit } from './types.ts';

export type { ScanMode } from './sources/index.ts';

export interface ScanRepositoryOptions {
  path: string;
  mode: ScanMode;
  /** `A..B` for mode `range`. */
  range?: string;
  /** Default 5 MB. */
  maxFileBytes?: number;
  /** Path globs (gitignore syntax) never scanned, besides the repository's `.sprawlignore`. */
  ignore?: string[];
  disabledRules?: string[];
  fingerprintKey?: string;
  /** Worker threads; default the machine's cores; 0 scans on this thread. */
  workers?: number;
  /**
   * Time cap of one file's scan in ms (default DEFAULT_FILE_TIMEOUT_MS): a file taking longer is cut
   * off, its hits until then kept, and it is reported in `stats.cutOff` and `stats.errors` by path.
   */
  fileTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (stats: ScanStats) => void;
  /** Keep hits with an inline `sprawl:allow` (marked `allowed`) instead of dropping them. */
  keepAllowed?: boolean;
  /** Module exporting `createScanner` instead of the engine (tests). */
  scannerModule?: string;
}

export interface ScanResult {
  findings: SecretFinding[];
  stats: ScanStats;
}

const PROGRESS_EVERY_MS = 200;

/** Default time cap of one file's scan (a 5 MB file scans in well under a second). */
export const DEFAULT_FILE_TIMEOUT_MS = 10_000;

export async function scanRepository(opts: ScanRepositoryOptions): Promise<ScanResult> {
  const started = performance.now();
  const root = resolve(opts.path);
  const st = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${root} does not exist` : `cannot read ${root}: ${err.message}`);
  });
  if (!st.isDirectory()) throw new Error(`${root} is not a directory`);
  if (opts.mode === 'range' && !opts.range) throw new Error('a range scan needs a commit range (A..B)');

  const stats: ScanStats = { filesScanned: 0, bytesScanned: 0, skippedBinary: 0, skippedLarge: 0, errors: [], durationMs: 0, allowedInline: 0 };
  const ignore = await loadIgnore(root, opts.mode, opts.ignore ?? [], opts.signal);
  const source = openSource(opts.mode, {
    root,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    ignore,
    stats,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.range !== undefined ? { range: opts.range } : {}),
  });

  const fileTimeoutMs = opts.fileTimeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  let lastProgress = 0;
  const onResult = (item: ScannedItem, result: ItemResult): void => {
    if ('error' in result) {
      stats.errors.push({ path: item.location.path, error: result.error });
      return;
    }
    if ('skipped' in result) {
      if (result.skipped === 'binary') stats.skippedBinary++;
      else if (result.skipped === 'large') stats.skippedLarge++;
      return;
    }
    stats.filesScanned++;
    stats.bytesScanned += item.size;
    if (result.cutOffMs !== undefined) {
      const where = item.location.commit ? `${item.location.path} (${item.location.commit.slice(0, 12)})` : item.location.path;
      (stats.cutOff ??= []).push({ path: item.location.path, ...(item.location.commit ? { commit: item.location.commit } : {}), afterMs: result.cutOffMs });
      stats.errors.push({ path: where, error: `scan cut off after ${result.cutOffMs} ms (time cap ${fileTimeoutMs} ms, secrets.fileTimeoutMs): only what was found before is reported` });
    }
    for (const raw of result.hits) {
      const hit = item.lineMap ? mapLines(raw, item.lineMap) : raw;
      if (item.addedLines && !onAddedLine(hit.line, item.addedLines)) continue;
      if (hit.allowed) {
        stats.allowedInline = (stats.allowedInline ?? 0) + 1;
        if (!opts.keepAllowed) continue;
      }
      const key = `${hit.fingerprint}\0${item.location.path}\0${hit.line}\0${item.location.commit ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ ...hit, location: item.location });
    }
    if (opts.onProgress) {
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        opts.onProgress({ ...stats, durationMs: now - started });
      }
    }
  };

  await runScan(
    source,
    {
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.fingerprintKey !== undefined ? { fingerprintKey: opts.fingerprintKey } : {}),
      ...(opts.disabledRules !== undefined ? { disabledRules: opts.disabledRules } : {}),
      ...(opts.scannerModule !== undefined ? { scannerModule: opts.scannerModule } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      fileTimeoutMs,
    },
    onResult,
  );
  findings.sort(compareFindings);
  stats.durationMs = Math.round(performance.now() - started);
  opts.onProgress?.({ ...stats });
  return { findings, stats };
}

/** `.sprawlignore` at the scan root (the repository's top for git modes) plus the config's globs. */
async function loadIgnore(root: string, mode: ScanMode, globs: string[], signal?: AbortSignal): Promise<PathMatcher> {
  const rules: IgnoreRule[] = [];
  const repo = await findGitRepo(root, signal);
  // Outside git the folder walk reads every folder's .sprawlignore itself.
  if (repo) {
    const file = join(mode === 'worktree' || repo.bare ? root : repo.top, '.sprawlignore');
    try {
      rules.push(...parseIgnore(await fs.readFile(file, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  rules.push(...parseIgnore(globs));
  return createMatcher(rules);
}

function mapLines(hit: SecretHit, lineMap: readonly number[]): SecretHit {
  const line = lineMap[hit.line - 1] ?? hit.line;
  const endLine = lineMap[hit.endLine - 1] ?? hit.endLine;
  return { ...hit, line, endLine };
}

function onAddedLine(line: number, ranges: readonly LineRange[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = ranges[mid] as LineRange;
    if (line < start) hi = mid - 1;
    else if (line > end) lo = mid + 1;
    else return true;
  }
  return false;
}

function compareFindings(a: SecretFinding, b: SecretFinding): number {
  const pa = a.location.path;
  const pb = b.location.path;
  return (pa < pb ? -1 : pa > pb ? 1 : 0) || a.line - b.line || a.column - b.column || (a.location.commit ?? '').localeCompare(b.location.commit ?? '');
}
