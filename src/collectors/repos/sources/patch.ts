/**
 * Parsing `git diff -U0` / `git log -p -U0` output line by line, streamed: which lines of the new
 * file each file section adds. Commit headers (lines starting with NUL, from a `--format` that
 * begins with `%x00`) are passed through. Content lines are only read inside hunks, whose length
 * the `@@` header gives, so a removed line that reads `--- x` is never taken for a file header.
 */
import { unquoteGitPath } from './git.ts';

export interface PatchFile {
  /** Path in the new tree; undefined for a deletion. */
  path: string | undefined;
  binary: boolean;
  /** Added line numbers (1-based, new file) and, when collected, their text. */
  lineNumbers: number[];
  lines: Buffer[];
  /** Bytes of added text seen (counted even when the text was dropped for being too large). */
  addedBytes: number;
}

export type PatchEvent = { kind: 'commit'; fields: string[] } | { kind: 'file'; file: PatchFile };

export interface PatchOptions {
  /** Keep the added lines' text (ranges mode); otherwise only their numbers (staged mode). */
  collectText: boolean;
  /** Stop keeping text of a file past this many bytes (its `addedBytes` tells the caller). */
  maxBytes: number;
}

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Turns diff lines into events: a commit header, or one finished file section. */
export async function* parsePatch(batches: AsyncIterable<Buffer[]>, opts: PatchOptions): AsyncGenerator<PatchEvent> {
  let file: PatchFile | undefined;
  let inHeader = false;
  let newLeft = 0; // new-side lines left in the current hunk
  let oldLeft = 0;
  let newLine = 0;
  const finish = function* (): Generator<PatchEvent> {
    if (file) yield { kind: 'file', file };
    file = undefined;
  };
  for await (const lines of batches) {
    for (const line of lines) {
      if (file && (newLeft > 0 || oldLeft > 0)) {
        const c = line[0];
        if (c === 43 /* + */) {
          file.addedBytes += line.length;
          if (!opts.collectText) file.lineNumbers.push(newLine);
          else if (file.addedBytes <= opts.maxBytes) {
            file.lines.push(Buffer.from(line.subarray(1)));
            file.lineNumbers.push(newLine);
          }
          newLine++;
          newLeft--;
        } else if (c === 45 /* - */) {
          oldLeft--;
        } else if (c === 92 /* \ No newline */) {
          // not a line of either side
        } else {
          newLine++;
          newLeft--;
          oldLeft--;
        }
        continue;
      }
      if (line[0] === 0) {
        yield* finish();
        yield { kind: 'commit', fields: line.subarray(1).toString('utf8').split('\0') };
        continue;
      }
      const text = line.toString('utf8');
      if (text.startsWith('diff ')) {
        yield* finish();
        file = { path: undefined, binary: false, lineNumbers: [], lines: [], addedBytes: 0 };
        inHeader = true;
        continue;
      }
      if (!file) continue;
      if (text.startsWith('@@')) {
        const m = HUNK.exec(text);
        if (!m) continue;
        inHeader = false;
        oldLeft = m[1] === undefined ? 1 : Number(m[1]);
        newLine = Number(m[2]);
        newLeft = m[3] === undefined ? 1 : Number(m[3]);
        continue;
      }
      if (!inHeader) continue;
      if (text.startsWith('+++ ')) {
        const p = text.slice(4).replace(/\t$/, ''); // git adds a tab after a name with a space
        file.path = p === '/dev/null' ? undefined : stripPrefix(unquoteGitPath(p));
      } else if (text.startsWith('Binary files ') || text === 'GIT binary patch') {
        file.binary = true;
        const m = / and (.*) differ$/.exec(text);
        if (m?.[1] && m[1] !== '/dev/null') file.path = stripPrefix(unquoteGitPath(m[1]));
      } else if (file.path === undefined && (text.startsWith('rename to ') || text.startsWith('copy to '))) {
        file.path = unquoteGitPath(text.slice(text.indexOf(' to ') + 4));
      }
    }
  }
  yield* finish();
}

function stripPrefix(p: string): string {
  return p.startsWith('b/') ? p.slice(2) : p;
}

/** Sorted line numbers to inclusive ranges. */
export function toRanges(lines: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of lines) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}
