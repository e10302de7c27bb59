/**
 * Staged changes (pre-commit): the index version of each added, copied, modified or renamed file,
 * read from one `git cat-file --batch`, with the line ranges the change adds (from
 * `git diff --cached -U0`) so the caller keeps only hits on added lines.
 */
import { mapAhead, splitChunks, splitStrings } from './bytes.ts';
import { BLOB_WINDOW, openCatFile } from './catfile.ts';
import type { CatFileResult } from './catfile.ts';
import { hasBinaryExtension, toItem } from './content.ts';
import { gitStream, requireGitRepo } from './git.ts';
import { isScannableEntry, parseRaw } from './gitlog.ts';
import type { RawEntry } from './gitlog.ts';
import { parsePatch, toRanges } from './patch.ts';
import type { LineRange, Source, SourceOptions } from './types.ts';

const DIFF_OPTS = ['--cached', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative', '-M', '--diff-filter=ACMR'];

export async function* stagedSource(opts: SourceOptions): Source {
  const repo = await requireGitRepo(opts.root, 'staged changes', opts.signal);
  if (repo.bare) throw new Error(`${opts.root} is a bare repository: it has no staged changes`);
  const cwd = repo.top;

  // Added line ranges per path: small (two numbers per run of added lines).
  const added = new Map<string, LineRange[] | 'binary'>();
  const diff = gitStream(cwd, ['diff', ...DIFF_OPTS, '-U0', '--inter-hunk-context=0', '--src-prefix=a/', '--dst-prefix=b/'], opts.signal);
  for await (const ev of parsePatch(splitChunks(diff, 10), { collectText: false, maxBytes: opts.maxFileBytes })) {
    if (ev.kind !== 'file' || ev.file.path === undefined) continue;
    if (ev.file.binary) added.set(ev.file.path, 'binary');
    else if (ev.file.lineNumbers.length > 0) added.set(ev.file.path, toRanges(ev.file.lineNumbers));
  }

  const raw = gitStream(cwd, ['diff', ...DIFF_OPTS, '--raw', '-z', '--no-abbrev'], opts.signal);
  const tokens = splitStrings(raw, 0);
  const catFile = openCatFile(cwd, opts.maxFileBytes, opts.signal);
  try {
    const entries = filterEntries(parseRaw(tokens), opts, added);
    const read = async (e: StagedEntry): Promise<{ e: StagedEntry; r: CatFileResult }> => ({ e, r: await catFile.read(e.blob) });
    for await (const { e, r } of mapAhead(entries, BLOB_WINDOW, read)) {
      const item = toItem(opts, e, r);
      if (item) yield { ...item, location: { ...item.location, repo: opts.root }, addedLines: e.ranges };
    }
  } finally {
    await catFile.close();
  }
}

type StagedEntry = RawEntry & { ranges: LineRange[] };

/** The entries worth reading: regular files, not ignored, not binary, with added lines. */
async function* filterEntries(entries: AsyncIterable<RawEntry | { commitToken: string }>, opts: SourceOptions, added: Map<string, LineRange[] | 'binary'>): AsyncGenerator<StagedEntry> {
  for await (const e of entries) {
    if ('commitToken' in e || !isScannableEntry(e) || opts.ignore.ignores(e.path)) continue;
    const ranges = added.get(e.path);
    if (ranges === 'binary' || hasBinaryExtension(e.path)) {
      opts.stats.skippedBinary++;
      continue;
    }
    if (ranges) yield { ...e, ranges }; // else nothing added: a mode change, a pure rename
  }
}
