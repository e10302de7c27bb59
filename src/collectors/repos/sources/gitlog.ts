/**
 * Reading `git log` / `git diff` output: the commit header sprawl asks for, and `--raw -z` entries.
 */

export interface CommitInfo {
  commit: string;
  time: string;
  author: string;
}

/** `C<sha> <iso time> <name> <email>` (one token of the log's `--format`). */
export const COMMIT_FORMAT = '%x00C%H %aI %an <%ae>';

export function parseCommitToken(t: string): CommitInfo | undefined {
  const m = /^C([0-9a-f]{40,64}) (\S+) (.*)$/s.exec(t);
  return m ? { commit: m[1] ?? '', time: m[2] ?? '', author: m[3] ?? '' } : undefined;
}

export interface RawEntry {
  newMode: string;
  blob: string;
  status: string;
  path: string;
}

/**
 * Parses `--raw -z --no-abbrev` tokens: `:<modes> <ids> <status>` then one path (two for R and C).
 * Combined entries of merges (`::...`) have one path too; the new side is the last mode and id.
 */
export async function* parseRaw(tokens: AsyncIterable<string>): AsyncGenerator<RawEntry | { commitToken: string }> {
  let pending: { newMode: string; blob: string; status: string; paths: number } | undefined;
  for await (const token of tokens) {
    if (pending) {
      if (--pending.paths > 0) continue; // the old path of a rename or copy
      yield { newMode: pending.newMode, blob: pending.blob, status: pending.status, path: token };
      pending = undefined;
      continue;
    }
    const t = token.startsWith('\n') ? token.slice(1) : token;
    if (t.startsWith(':')) {
      const colons = t.length - t.replace(/^:+/, '').length;
      const f = t.slice(colons).split(' ');
      const status = f[2 * colons + 2] ?? '';
      pending = { newMode: f[colons] ?? '', blob: f[2 * colons + 1] ?? '', status, paths: colons === 1 && /^[RC]/.test(status) ? 2 : 1 };
    } else if (t !== '') {
      yield { commitToken: t };
    }
  }
}

/** Regular files only: not symlinks (120000), not submodules (160000), not deletions. */
export function isScannableEntry(e: RawEntry): boolean {
  return (e.newMode === '100644' || e.newMode === '100755') && !/^0+$/.test(e.blob);
}
