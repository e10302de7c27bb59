/**
 * One long-lived `git cat-file --batch` per scan: object ids go to its stdin, `<id> <type> <size>\n
 * <content>\n` comes back in order. Requests are pipelined (the caller bounds how many are
 * outstanding); a blob larger than `maxBytes` is streamed past without being kept.
 */
import { spawn } from 'node:child_process';
import { GitError } from './git.ts';

/** Blob reads a source keeps in flight ahead of the scanner (each at most the size limit). */
export const BLOB_WINDOW = 16;

export type CatFileResult =
  | { kind: 'blob'; content: Buffer; size: number }
  | { kind: 'large'; size: number }
  | { kind: 'missing' }
  | { kind: 'other'; type: string };

export interface CatFile {
  /** The object's content (or why not). Calls are answered in the order they were made. */
  read(id: string): Promise<CatFileResult>;
  /** Closes stdin and waits for git to exit. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: CatFileResult) => void;
  reject: (e: Error) => void;
}

export function openCatFile(repo: string, maxBytes: number, signal?: AbortSignal): CatFile {
  const child = spawn('git', ['-c', 'core.quotePath=false', '--no-pager', 'cat-file', '--batch'], {
    cwd: repo,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    stdio: ['pipe', 'pipe', 'pipe'],
    signal,
  });
  const queue: Pending[] = [];
  let stderr = '';
  let failed: Error | undefined;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  const fail = (err: Error): void => {
    failed ??= err;
    for (const p of queue.splice(0)) p.reject(failed);
  };
  child.on('error', (err) => fail(new GitError(repo, `git cat-file failed in ${repo}: ${err.message}`)));
  child.stdin.on('error', () => {}); // EPIPE when git died: reported through 'close'
  const closed = new Promise<void>((resolve) => {
    child.once('close', (code) => {
      if (queue.length > 0 || (code !== 0 && code !== null)) {
        fail(new GitError(repo, `git cat-file failed in ${repo}: ${stderr.trim() || `exit code ${String(code)}`}`));
      }
      resolve();
    });
  });

  // Parser state: a header line, then `remaining` content bytes (kept in `body` unless too large), then LF.
  let header: Buffer[] = [];
  let body: Buffer | undefined;
  let size = 0;
  let remaining = -1; // -1: reading a header; >= 0: content bytes left; then one LF
  let filled = 0;
  let type = '';

  const answer = (r: CatFileResult): void => {
    queue.shift()?.resolve(r);
  };

  child.stdout.on('data', (chunk: Buffer) => {
    let pos = 0;
    while (pos < chunk.length) {
      if (remaining < 0) {
        const nl = chunk.indexOf(10, pos);
        if (nl === -1) {
          header.push(chunk.subarray(pos));
          return;
        }
        header.push(chunk.subarray(pos, nl));
        pos = nl + 1;
        const line = Buffer.concat(header).toString('utf8');
        header = [];
        const parts = line.split(' ');
        if (parts.length !== 3) {
          answer({ kind: 'missing' }); // `<id> missing`, `<id> ambiguous`
          continue;
        }
        type = parts[1] ?? '';
        size = Number(parts[2]);
        remaining = size;
        filled = 0;
        body = type === 'blob' && size <= maxBytes ? Buffer.allocUnsafe(size) : undefined;
      } else if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - pos);
        if (body) chunk.copy(body, filled, pos, pos + n);
        filled += n;
        remaining -= n;
        pos += n;
      } else {
        pos += 1; // the LF after the content
        remaining = -1;
        if (type !== 'blob') answer({ kind: 'other', type });
        else if (body) answer({ kind: 'blob', content: body, size });
        else answer({ kind: 'large', size });
        body = undefined;
      }
    }
  });

  return {
    read(id: string): Promise<CatFileResult> {
      if (failed) return Promise.reject(failed);
      if (!/^[0-9a-f]{40,64}$/.test(id)) return Promise.resolve({ kind: 'missing' });
      return new Promise<CatFileResult>((resolve, reject) => {
        queue.push({ resolve, reject });
        child.stdin.write(id + '\n');
      });
    },
    async close(): Promise<void> {
      child.stdin.end();
      await closed;
    },
  };
}
