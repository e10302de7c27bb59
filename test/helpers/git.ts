/**
 * Real git repositories in temp folders for tests: fixed author, committer and dates (each commit a
 * minute after the previous), no user or system config.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const AUTHOR = { name: 'Ada Tester', email: 'ada@example.test' };
/** Time of the first commit; commit n is n minutes later. */
export const EPOCH = Date.parse('2024-03-01T10:00:00Z');

export interface CommitOptions {
  author?: { name: string; email: string };
  /** ISO time; default EPOCH plus one minute per commit so far. */
  date?: string;
}

export interface TestRepo {
  dir: string;
  /** Runs git in the repo (fixed identity and dates) and returns stdout. */
  git(args: string[], input?: string | Buffer): string;
  write(path: string, content: string | Buffer): void;
  remove(path: string): void;
  /** Stages everything and commits; returns the commit id. */
  commit(message: string, opts?: CommitOptions): string;
  /** ISO time the commit with this index (0-based) was given. */
  timeOf(index: number): string;
  cleanup(): void;
}

const dirs: string[] = [];

export function tempDir(prefix = 'sprawl-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every folder tempDir and createRepo made. */
export function cleanupTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function gitEnv(date: string, author = AUTHOR): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_COMMITTER_DATE: date,
  };
}

export function createRepo(opts: { bare?: boolean } = {}): TestRepo {
  const dir = tempDir('sprawl-git-');
  let commits = 0;
  const timeOf = (i: number): string => new Date(EPOCH + i * 60_000).toISOString().replace('.000Z', 'Z');
  const git = (args: string[], input?: string | Buffer, env = gitEnv(timeOf(commits))): string =>
    execFileSync('git', args, { cwd: dir, env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  git(['init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : [])]);
  git(['config', 'core.autocrlf', 'false']);
  return {
    dir,
    git: (args, input) => git(args, input),
    write(path, content) {
      const abs = join(dir, path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    },
    remove(path) {
      unlinkSync(join(dir, path));
    },
    commit(message, o = {}) {
      const date = o.date ?? timeOf(commits);
      git(['add', '-A'], undefined, gitEnv(date, o.author));
      git(['commit', '-q', '--allow-empty', '-m', message], undefined, gitEnv(date, o.author));
      commits++;
      return git(['rev-parse', 'HEAD']).trim();
    },
    timeOf,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An AWS access key id shape (AKIA + 16 of A-Z2-7) that is clearly fake but passes the placeholder checks. */
export function fakeAwsKey(seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let x = (seed * 2654435761 + 12345) >>> 0;
  let out = 'AKIA';
  for (let i = 0; i < 16; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % 32];
  }
  return out;
}
