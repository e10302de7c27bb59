import type { ScanStats, SourceLocation } from '../types.ts';
import type { PathMatcher } from '../ignore.ts';

/** An inclusive range of 1-based line numbers. */
export type LineRange = readonly [start: number, end: number];

/** One text to scan and where it came from. */
export interface ScanItem {
  location: SourceLocation;
  content: Buffer;
  /** Staged: only hits that start on these lines of `content` count (the lines the change adds). */
  addedLines?: readonly LineRange[];
  /** Ranges: `content` holds only added lines; its line i is line `lineMap[i - 1]` of the file. */
  lineMap?: readonly number[];
}

/**
 * A working-tree file named but not read: the scanner reads it on its own thread (worker or inline),
 * so the thread walking the tree never copies file contents. Read with `readFileItem`.
 */
export interface FileItem {
  location: SourceLocation;
  /** Absolute path, opened without following a symlink. */
  file: string;
  /** Larger files are skipped (counted as too large). */
  maxBytes: number;
}

/** What every source receives. Sources count what they skip into `stats` and never throw for one bad file. */
export interface SourceOptions {
  /** Absolute path of the folder being scanned (a git work tree, a bare repo or a plain folder). */
  root: string;
  /** Files larger than this are skipped and counted in `stats.skippedLarge`. */
  maxFileBytes: number;
  /** Paths (relative to the repository) to leave out: `.sprawlignore` and the config's allowlists. */
  ignore: PathMatcher;
  stats: ScanStats;
  signal?: AbortSignal;
}

export type Source = AsyncIterable<ScanItem>;

/** What a scan pulls from: contents, or (working tree) files the scanner reads itself. */
export type ScanSource = AsyncIterable<ScanItem | FileItem>;

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
