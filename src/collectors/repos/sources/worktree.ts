/**
 * The working tree. In a git repository: the files git would consider (tracked, and untracked but
 * not ignored), from one streamed `git ls-files -z`. Outside git: a folder walk that honours
 * `.gitignore` and `.sprawlignore` files in every folder (minimal gitignore syntax, see ignore.ts)
 * and skips `.git`. Symbolic links are never followed (files are opened with O_NOFOLLOW), nor are
 * FIFOs, sockets or devices read.
 */
import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { mapAhead, splitBytes } from './bytes.ts';
import { hasBinaryExtension, looksBinary } from './content.ts';
import { findGitRepo, gitStream } from './git.ts';
import { createMatcher, parseIgnore } from '../ignore.ts';
import type { IgnoreRule, PathMatcher } from '../ignore.ts';
import type { FileItem, ScanItem, SourceOptions } from './types.ts';

/** Files read ahead of the scanner (each at most `maxFileBytes`). */
const READ_AHEAD = 8;

const INVALID_NAME = 'file name is not valid UTF-8: not scanned';

/** The working tree's files, read here (READ_AHEAD at a time). */
export async function* worktreeSource(opts: SourceOptions): AsyncGenerator<ScanItem> {
  const realDir = dirCheck(opts.root);
  const read = async (path: string): Promise<ScanItem | undefined> => ((await realDir(path)) ? readWorktreeFile(opts, path) : undefined);
  for await (const item of mapAhead(worktreePaths(opts), READ_AHEAD, read)) if (item) yield item;
}

/**
 * The working tree's files, named only: the scanner reads each one (`readFileItem`) on the thread
 * that scans it, so this thread only lists paths. Binary extensions are skipped here.
 */
export async function* worktreeFiles(opts: SourceOptions): AsyncGenerator<FileItem> {
  const realDir = dirCheck(opts.root);
  const check = async (path: string): Promise<FileItem | undefined> => {
    if (!(await realDir(path))) return undefined;
    if (hasBinaryExtension(path)) {
      opts.stats.skippedBinary++;
      return undefined;
    }
    return { location: { repo: opts.root, path }, file: join(opts.root, path), maxBytes: opts.maxFileBytes };
  };
  for await (const item of mapAhead(worktreePaths(opts), READ_AHEAD, check)) if (item) yield item;
}

async function* worktreePaths(opts: SourceOptions): AsyncGenerator<string> {
  const repo = await findGitRepo(opts.root, opts.signal);
  yield* repo && !repo.bare ? gitPaths(opts) : walk(opts);
}

async function* gitPaths(opts: SourceOptions): AsyncGenerator<string> {
  const args = ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate'];
  for await (const raw of splitBytes(gitStream(opts.root, args, opts.signal), 0)) {
    if (raw.length === 0) continue;
    const path = raw.toString('utf8');
    if (opts.ignore.ignores(path)) continue;
    if (!Buffer.from(path, 'utf8').equals(raw)) opts.stats.errors.push({ path, error: INVALID_NAME });
    else yield path;
  }
}

/**
 * Whether every folder on the way to `path` is a real folder, not a symlink (git lists a tracked
 * `dir/file` even after `dir` became a link out of the tree). Answers are cached per folder.
 */
function dirCheck(root: string): (path: string) => Promise<boolean> {
  const cache = new Map<string, Promise<boolean>>();
  const check = (dir: string): Promise<boolean> => {
    let p = cache.get(dir);
    if (!p) {
      const slash = dir.lastIndexOf('/');
      const parent = slash > 0 ? check(dir.slice(0, slash)) : Promise.resolve(true);
      p = parent.then(async (ok) => ok && (await fs.lstat(join(root, dir)).then((st) => st.isDirectory(), () => false)));
      if (cache.size > 50_000) cache.clear();
      cache.set(dir, p);
    }
    return p;
  };
  return (path) => {
    const slash = path.lastIndexOf('/');
    return slash > 0 ? check(path.slice(0, slash)) : Promise.resolve(true);
  };
}

/** Depth-first walk outside git; ignore files apply to their folder and below. */
async function* walk(opts: SourceOptions): AsyncGenerator<string> {
  const stack: { dir: string; rules: IgnoreRule[] }[] = [{ dir: '', rules: [] }];
  while (stack.length > 0) {
    opts.signal?.throwIfAborted();
    const { dir, rules: inherited } = stack.pop() as { dir: string; rules: IgnoreRule[] };
    const abs = dir ? join(opts.root, dir) : opts.root;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(abs, { withFileTypes: true });
    } catch (err) {
      opts.stats.errors.push({ path: dir || '.', error: errorMessage(err) });
      continue;
    }
    const rules = [...inherited];
    for (const name of ['.gitignore', '.sprawlignore']) {
      if (!entries.some((e) => e.name === name && e.isFile())) continue;
      try {
        rules.push(...parseIgnore(await fs.readFile(join(abs, name), 'utf8'), dir));
      } catch (err) {
        opts.stats.errors.push({ path: dir ? `${dir}/${name}` : name, error: errorMessage(err) });
      }
    }
    const local: PathMatcher = createMatcher(rules);
    const subdirs: string[] = [];
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.git' || local.ignores(rel, true) || opts.ignore.ignores(rel, true)) continue;
        subdirs.push(rel);
      } else if (e.isFile()) {
        if (local.ignores(rel) || opts.ignore.ignores(rel)) continue;
        if (e.name.includes('\uFFFD')) opts.stats.errors.push({ path: rel, error: INVALID_NAME });
        else yield rel;
      }
      // symlinks, sockets, FIFOs, devices: not followed, not read
    }
    for (const d of subdirs.reverse()) stack.push({ dir: d, rules });
  }
}

/** Reads one file without following a symlink; undefined when it is skipped (counted) or gone. */
export async function readWorktreeFile(opts: SourceOptions, path: string): Promise<ScanItem | undefined> {
  const location = { repo: opts.root, path };
  if (hasBinaryExtension(path)) {
    opts.stats.skippedBinary++;
    return undefined;
  }
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(join(opts.root, path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) return undefined; // a folder (submodule), FIFO, device
    if (st.size > opts.maxFileBytes) {
      opts.stats.skippedLarge++;
      return undefined;
    }
    const content = await handle.readFile();
    if (content.length > opts.maxFileBytes) {
      opts.stats.skippedLarge++;
      return undefined;
    }
    if (looksBinary(content)) {
      opts.stats.skippedBinary++;
      return undefined;
    }
    return { location, content };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR') return undefined; // a symlink, or deleted since listed
    opts.stats.errors.push({ path, error: errorMessage(err) });
    return undefined;
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** What reading a FileItem gave: its content, or why there is none. */
export type FileRead = { content: Buffer } | { skipped: 'binary' | 'large' | 'gone' } | { error: string };

/**
 * Reads a FileItem synchronously (on a scan worker there is nothing else to do meanwhile), with
 * readWorktreeFile's checks: no symlink followed, regular files only, size, binary content.
 */
export function readFileItem(item: FileItem): FileRead {
  let fd: number | undefined;
  try {
    fd = openSync(item.file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) return { skipped: 'gone' }; // a folder (submodule), FIFO, device
    if (st.size > item.maxBytes) return { skipped: 'large' };
    const content = readFileSync(fd);
    if (content.length > item.maxBytes) return { skipped: 'large' };
    if (looksBinary(content)) return { skipped: 'binary' };
    return { content };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR') return { skipped: 'gone' }; // a symlink, or deleted since listed
    return { error: errorMessage(err) };
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing to do about it
      }
    }
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
