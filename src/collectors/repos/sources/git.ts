/**
 * Running git: `spawn` with an argument array (never a shell), output that does not depend on the
 * user's config (quoting, pager, colour, prefixes, external diff), errors that name the repository.
 */
import { spawn } from 'node:child_process';

/** Options every invocation gets, ahead of the subcommand. */
const GLOBAL = ['-c', 'core.quotePath=false', '-c', 'log.showSignature=false', '-c', 'diff.noprefix=false', '--no-pager'];

const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
};

export class GitError extends Error {
  readonly repo: string;
  constructor(repo: string, message: string) {
    super(message);
    this.name = 'GitError';
    this.repo = repo;
  }
}

function describe(args: readonly string[]): string {
  const sub = args.find((a) => !a.startsWith('-'));
  return `git ${sub ?? ''}`.trim();
}

function failure(repo: string, args: readonly string[], detail: string): GitError {
  return new GitError(repo, `${describe(args)} failed in ${repo}: ${detail.trim() || 'no message'}`);
}

/** Spawns git in `repo` and yields its stdout chunks; throws (naming the repo) when git fails. */
export async function* gitStream(repo: string, args: readonly string[], signal?: AbortSignal): AsyncGenerator<Buffer> {
  signal?.throwIfAborted();
  const child = spawn('git', [...GLOBAL, ...args], { cwd: repo, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], signal });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  const exit = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk;
    const { code, error } = await exit;
    signal?.throwIfAborted();
    if (error) throw failure(repo, args, error.message);
    if (code !== 0) throw failure(repo, args, stderr || `exit code ${String(code)}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/** Runs git and returns its whole stdout (for small outputs). */
export async function gitOutput(repo: string, args: readonly string[], signal?: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of gitStream(repo, args, signal)) parts.push(chunk);
  return Buffer.concat(parts);
}

export interface GitRepoInfo {
  /** Top of the work tree, or the git dir of a bare repository. */
  top: string;
  bare: boolean;
}

/** The repository `path` is in, or undefined when it is not in one (or git is missing). */
export async function findGitRepo(path: string, signal?: AbortSignal): Promise<GitRepoInfo | undefined> {
  let out: string;
  try {
    out = (await gitOutput(path, ['rev-parse', '--is-bare-repository', '--absolute-git-dir'], signal)).toString('utf8');
  } catch (err) {
    signal?.throwIfAborted();
    if (err instanceof GitError) return undefined;
    throw err;
  }
  const [bare, gitDir] = out.split('\n');
  if (bare === 'true') return { top: gitDir ?? path, bare: true };
  const top = (await gitOutput(path, ['rev-parse', '--show-toplevel'], signal)).toString('utf8').replace(/\n$/, '');
  return { top, bare: false };
}

/** Like findGitRepo, but a clear error when `path` is not in a git repository. */
export async function requireGitRepo(path: string, mode: string, signal?: AbortSignal): Promise<GitRepoInfo> {
  const repo = await findGitRepo(path, signal);
  if (!repo) throw new GitError(path, `${path} is not a git repository (needed to scan ${mode})`);
  return repo;
}

/** Undoes git's C-style quoting of a path (`"a\\tb\\303\\251"`), returning the path as is when unquoted. */
export function unquoteGitPath(s: string): string {
  if (!(s.length >= 2 && s.startsWith('"') && s.endsWith('"'))) return s;
  const bytes: number[] = [];
  const body = Buffer.from(s.slice(1, -1), 'utf8');
  const ESC: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? 0;
    if (c !== 92) {
      bytes.push(c);
      continue;
    }
    const n = String.fromCharCode(body[i + 1] ?? 0);
    if (n >= '0' && n <= '7') {
      bytes.push(parseInt(body.subarray(i + 1, i + 4).toString('latin1'), 8) & 0xff);
      i += 3;
    } else {
      bytes.push(ESC[n] ?? body[i + 1] ?? 92);
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
