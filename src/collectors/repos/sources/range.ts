/**
 * A commit range (pull requests): for every commit of `git rev-list A..B` (merges excepted: their
 * changes were made by the commits they join), the lines it added, from one streamed
 * `git log -p -U0 A..B`. Each item holds one file's added lines of one commit, with the map from
 * its lines to the new file's line numbers; a key added and removed again inside the range is
 * still found in the commit that added it.
 */
import { splitChunks } from './bytes.ts';
import { hasBinaryExtension, looksBinary } from './content.ts';
import { gitStream, requireGitRepo } from './git.ts';
import { COMMIT_FORMAT, parseCommitToken } from './gitlog.ts';
import type { CommitInfo } from './gitlog.ts';
import { parsePatch } from './patch.ts';
import type { PatchFile } from './patch.ts';
import type { ScanItem, Source, SourceOptions } from './types.ts';

export async function* rangeSource(opts: SourceOptions & { range: string }): Source {
  const range = opts.range.trim();
  if (range === '' || range.startsWith('-')) throw new Error(`invalid commit range "${opts.range}": expected A..B`);
  const repo = await requireGitRepo(opts.root, `the range ${range}`, opts.signal);
  const args = [
    'log', '-p', '-U0', '--inter-hunk-context=0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative', '-M',
    '--src-prefix=a/', '--dst-prefix=b/', `--format=${COMMIT_FORMAT}`, '--end-of-options', range, '--',
  ];
  let commit: CommitInfo | undefined;
  const lines = splitChunks(gitStream(repo.top, args, opts.signal), 10);
  for await (const ev of parsePatch(lines, { collectText: true, maxBytes: opts.maxFileBytes })) {
    if (ev.kind === 'commit') {
      commit = parseCommitToken(ev.fields.join('\0').replace(/\n+$/, '')) ?? commit;
      continue;
    }
    const item = toRangeItem(opts, ev.file, commit);
    if (item) yield item;
  }
}

const NEWLINE = Buffer.from('\n');

function toRangeItem(opts: SourceOptions, file: PatchFile, commit: CommitInfo | undefined): ScanItem | undefined {
  const path = file.path;
  if (path === undefined || opts.ignore.ignores(path)) return undefined;
  if (file.binary || hasBinaryExtension(path)) {
    opts.stats.skippedBinary++;
    return undefined;
  }
  if (file.lineNumbers.length === 0 && file.addedBytes === 0) return undefined;
  if (file.addedBytes > opts.maxFileBytes) {
    opts.stats.skippedLarge++;
    return undefined;
  }
  const parts: Buffer[] = [];
  for (const line of file.lines) {
    if (parts.length > 0) parts.push(NEWLINE);
    parts.push(line);
  }
  const content = Buffer.concat(parts);
  if (looksBinary(content)) {
    opts.stats.skippedBinary++;
    return undefined;
  }
  return { location: { repo: opts.root, path, ...(commit ?? {}) }, content, lineMap: file.lineNumbers };
}
