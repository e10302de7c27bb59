/**
 * Full history: every blob reachable from any ref, each unique blob scanned once, attributed to
 * the first commit (oldest first, parents before children) that introduced it at some path.
 *
 * One streamed `git log --all --topo-order --reverse --raw -c -z` lists, per commit, the blobs it
 * added or changed (`-c` adds merges' own changes, so an evil merge's blob is not missed); one
 * long-lived `git cat-file --batch` returns their contents, pipelined with a bounded window.
 * A last `git ls-tree -r HEAD` pass picks up any blob of the current tree no commit listed (a
 * shallow clone's boundary, for one). Seen blob ids are kept as 20-byte strings.
 */
import { mapAhead, splitBytes, splitStrings } from './bytes.ts';
import { BLOB_WINDOW, openCatFile } from './catfile.ts';
import type { CatFileResult } from './catfile.ts';
import { hasBinaryExtension, toItem } from './content.ts';
import { gitOutput, gitStream, requireGitRepo } from './git.ts';
import { COMMIT_FORMAT, isScannableEntry, parseCommitToken, parseRaw } from './gitlog.ts';
import type { CommitInfo } from './gitlog.ts';
import type { Source, SourceOptions } from './types.ts';
import type { SourceLocation } from '../types.ts';

export interface BlobRef {
  blob: string;
  location: SourceLocation;
}

function key(blob: string): string {
  return Buffer.from(blob, 'hex').toString('latin1');
}

/** The unique blobs of the history, first introduction first. */
async function* historyBlobs(opts: SourceOptions, cwd: string, seen: Set<string>): AsyncGenerator<BlobRef> {
  const args = ['log', '--all', '--topo-order', '--reverse', '--raw', '-c', '--no-abbrev', '--no-renames', '--root', '-z', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative', `--format=${COMMIT_FORMAT}`];
  let commit: CommitInfo | undefined;
  const tokens = splitStrings(gitStream(cwd, args, opts.signal), 0);
  for await (const e of parseRaw(tokens)) {
    if ('commitToken' in e) {
      commit = parseCommitToken(e.commitToken) ?? commit;
      continue;
    }
    if (!isScannableEntry(e)) continue;
    if (!admit(opts, seen, e.blob, e.path)) continue;
    yield { blob: e.blob, location: { repo: opts.root, path: e.path, blob: e.blob, ...(commit ?? {}) } };
  }
}

/** Blobs of HEAD's tree that no commit entry listed. */
async function* headLeftovers(opts: SourceOptions, cwd: string, seen: Set<string>): AsyncGenerator<BlobRef> {
  let head: string;
  try {
    head = (await gitOutput(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], opts.signal)).toString('utf8').trim();
  } catch {
    return; // no commits yet
  }
  for await (const raw of splitBytes(gitStream(cwd, ['ls-tree', '-r', '-z', '--full-tree', head], opts.signal), 0)) {
    const line = raw.toString('utf8');
    const tab = line.indexOf('\t');
    const [mode, type, blob] = line.slice(0, tab).split(' ');
    const path = line.slice(tab + 1);
    if (type !== 'blob' || !blob || !isScannableEntry({ newMode: mode ?? '', blob, status: 'A', path })) continue;
    if (!admit(opts, seen, blob, path)) continue;
    yield { blob, location: { repo: opts.root, path, blob, commit: head } };
  }
}

/**
 * A blob at a path is read when it was not seen before and the path is not ignored (the same blob
 * at an ignored path does not count as seen: it may come back at a path that is scanned).
 */
function admit(opts: SourceOptions, seen: Set<string>, blob: string, path: string): boolean {
  const k = key(blob);
  if (seen.has(k) || opts.ignore.ignores(path)) return false;
  seen.add(k);
  if (hasBinaryExtension(path)) {
    opts.stats.skippedBinary++;
    return false;
  }
  return true;
}

export async function* historySource(opts: SourceOptions): Source {
  const repo = await requireGitRepo(opts.root, 'history', opts.signal);
  const cwd = repo.top;
  const seen = new Set<string>();
  const catFile = openCatFile(cwd, opts.maxFileBytes, opts.signal);
  const read = async (b: BlobRef): Promise<{ b: BlobRef; r: CatFileResult }> => ({ b, r: await catFile.read(b.blob) });
  try {
    for (const refs of [historyBlobs(opts, cwd, seen), headLeftovers(opts, cwd, seen)]) {
      for await (const { b, r } of mapAhead(refs, BLOB_WINDOW, read)) {
        const item = toItem(opts, { blob: b.blob, path: b.location.path }, r);
        if (item) yield { ...item, location: b.location };
      }
    }
  } finally {
    await catFile.close();
  }
}
