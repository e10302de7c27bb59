/**
 * Bad files in scanned repositories: binary files, a 200 MB file (sparse) beyond the size cap, a
 * 5 MB one-line minified file, invalid UTF-8, symlinks out of the tree and symlink loops, a FIFO,
 * file names with newlines, spaces, Unicode and leading dashes. The scan of each tree (a plain
 * folder, a git work tree, git history; inline and on worker threads) completes without a crash or
 * a hang, finds the keys in the good files (odd names included), and never reads through a link.
 * Then the per-file time cap: a file whose scan takes longer is cut off, reported by path (never
 * silently dropped), and the other files' findings stand.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanner, ScanCutOff } from '../../src/collectors/repos/engine/index.ts';
import { renderSecrets } from '../../src/collectors/repos/output/index.ts';
import { SECRET_RULES } from '../../src/collectors/repos/rules/index.ts';
import { scanRepository } from '../../src/collectors/repos/scan.ts';
import type { ScanMode } from '../../src/collectors/repos/scan.ts';
import { runCli } from '../helpers/cli.ts';
import { cleanupTempDirs, createRepo, fakeAwsKey, tempDir } from '../helpers/git.ts';

afterAll(cleanupTempDirs);

const K = Array.from({ length: 10 }, (_, i) => fakeAwsKey(100 + i));
const keyLine = (k: string): string => `aws_access_key_id = ${k}\n`;

/** A one-line minified bundle of about `bytes`, dense with keywords, with `key` in the middle. */
function minified(bytes: number, key: string): string {
  const unit = 'var a=function(t){return t.token||t.secret||t.password||"";},b={auth:"x",apiKey:null,pass:!0};';
  const half = unit.repeat(Math.ceil(bytes / 2 / unit.length));
  return `${half}var k="${key}";${half}`;
}

/** Files every tree holds, and where each key must (or must not) be found. */
interface Tree {
  dir: string;
  outside: string;
}

const ODD_NAMES: [name: string, key: string][] = [
  ['new\nline.txt', K[5]!],
  ['with space.txt', K[6]!],
  ['ünïcödé-名前 ☃.txt', K[7]!],
  ['-leading-dash.txt', K[8]!],
  ['--help', K[9]!],
];

function writeTree(dir: string, outside: string, opts: { huge: boolean; fifo: boolean }): void {
  const w = (path: string, content: string | Buffer): void => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  w('good/a.txt', `# config\n${keyLine(K[0]!)}`);
  w('bin/blob.bin', Buffer.concat([Buffer.from([0, 1, 2, 3, 0xff]), Buffer.from(keyLine(K[4]!))]));
  w('bin/no-extension', Buffer.concat([Buffer.from(keyLine(K[4]!)), Buffer.alloc(64), Buffer.from([0x89, 0x50, 0x4e, 0x47])]));
  w('dist/app.min.js', minified(5_000_000, K[1]!));
  w('bad/invalid-utf8.txt', Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe9, 0x0a]), Buffer.from(keyLine(K[2]!)), Buffer.from([0xed, 0xa0, 0x80, 0x0a])]));
  for (const [name, key] of ODD_NAMES) w(`odd/${name}`, keyLine(key));
  // out of the tree: a file and a folder holding a key, linked from inside
  writeFileSync(join(outside, 'secret.txt'), keyLine(K[3]!));
  mkdirSync(join(outside, 'dir'), { recursive: true });
  writeFileSync(join(outside, 'dir', 'inner.txt'), keyLine(K[3]!));
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'link-out.txt'));
  symlinkSync(join(outside, 'dir'), join(dir, 'link-out-dir'));
  symlinkSync('../../etc/passwd', join(dir, 'good/relative-escape'));
  // loops
  symlinkSync('loop-b', join(dir, 'loop-a'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  symlinkSync('.', join(dir, 'self'));
  symlinkSync('..', join(dir, 'good/parent'));
  if (opts.huge) {
    // 200 MB, sparse: created at once, beyond the 5 MB cap
    writeFileSync(join(dir, 'huge.log'), '');
    truncateSync(join(dir, 'huge.log'), 200 * 1024 * 1024);
  }
  if (opts.fifo) execFileSync('mkfifo', [join(dir, 'a-fifo')]);
}

const EXPECTED: [path: string, key: string, line: number][] = [
  ['bad/invalid-utf8.txt', K[2]!, 2],
  ['dist/app.min.js', K[1]!, 1],
  ['good/a.txt', K[0]!, 2],
  ...ODD_NAMES.map(([name, key]): [string, string, number] => [`odd/${name}`, key, 1]),
];

function plainTree(): Tree {
  const dir = tempDir('sprawl-bad-tree-');
  const outside = tempDir('sprawl-outside-');
  writeTree(dir, outside, { huge: true, fifo: true });
  return { dir, outside };
}

function gitTree(): Tree {
  const repo = createRepo();
  const outside = tempDir('sprawl-outside-');
  writeTree(repo.dir, outside, { huge: false, fifo: false });
  // committed: a blob over the 5 MB cap (history reads blobs, not files), holding the unfindable key
  writeFileSync(join(repo.dir, 'big-over-cap.txt'), `${'x'.repeat(6 * 1024 * 1024)}\n${keyLine(K[3]!)}`);
  repo.commit('bad files');
  // after the commit: an untracked 200 MB file and a FIFO the work tree scan lists too
  writeFileSync(join(repo.dir, 'huge.log'), '');
  truncateSync(join(repo.dir, 'huge.log'), 200 * 1024 * 1024);
  execFileSync('mkfifo', [join(repo.dir, 'a-fifo')]);
  return { dir: repo.dir, outside };
}

const trees: Record<string, () => Tree> = { 'a plain folder': plainTree, 'a git work tree': gitTree };
const made = new Map<string, Tree>();
const tree = (name: string): Tree => {
  let t = made.get(name);
  if (!t) {
    t = trees[name]!();
    made.set(name, t);
  }
  return t;
};

describe('repository scans of bad files', () => {
  const cases: { tree: string; mode: ScanMode; workers: number }[] = [
    { tree: 'a plain folder', mode: 'worktree', workers: 0 },
    { tree: 'a plain folder', mode: 'worktree', workers: 2 },
    { tree: 'a git work tree', mode: 'worktree', workers: 0 },
    { tree: 'a git work tree', mode: 'worktree', workers: 2 },
    { tree: 'a git work tree', mode: 'history', workers: 2 },
  ];

  it.each(cases)('$tree, $mode, $workers workers: completes, finds the keys of the good files, follows no link', async ({ tree: name, mode, workers }) => {
    const { dir } = tree(name);
    const started = performance.now();
    const { findings, stats } = await scanRepository({ path: dir, mode, workers, signal: AbortSignal.timeout(120_000) });
    expect(performance.now() - started).toBeLessThan(120_000);
    const found = findings.map((f) => [f.location.path, f.publicId, f.line]);
    for (const e of EXPECTED) expect(found, `${e[0]}`).toContainEqual(e);
    // the key out of the tree, and the keys in binary files, are never found
    expect(findings.map((f) => f.publicId)).not.toContain(K[3]);
    expect(findings.map((f) => f.publicId)).not.toContain(K[4]);
    expect(findings.every((f) => !f.location.path.startsWith('link-out') && !f.location.path.startsWith('self/') && !f.location.path.includes('parent/'))).toBe(true);
    expect(stats.skippedBinary).toBeGreaterThanOrEqual(mode === 'history' ? 1 : 2);
    expect(stats.skippedLarge).toBe(name === 'a plain folder' ? 1 : mode === 'worktree' ? 2 : 1);
    expect(stats.cutOff ?? []).toEqual([]);
    // nothing unreadable but what is named (no crash folded into an error)
    for (const e of stats.errors) expect(e.error).not.toMatch(/scanner failed/);
  });

  it('the odd names come out whole in every output format', async () => {
    const { dir } = tree('a plain folder');
    const scanned = await scanRepository({ path: dir, mode: 'worktree', workers: 0 });
    const result = { findings: scanned.findings, stats: scanned.stats, rules: SECRET_RULES, baselineSuppressed: 0 };
    const opts = { toolVersion: 'test', repoRoot: dir };
    const json = JSON.parse(renderSecrets('json', result, opts)) as { findings: { path?: string; location?: { path: string } }[] };
    const jsonPaths = JSON.stringify(json);
    for (const [name] of ODD_NAMES) expect(jsonPaths).toContain(JSON.stringify(`odd/${name}`).slice(1, -1));
    const sarif = JSON.parse(renderSecrets('sarif', result, opts)) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const uris = sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri);
    for (const [name] of ODD_NAMES) expect(uris).toContain(`odd/${encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`);
    for (const uri of uris) expect(uri).not.toMatch(/[\s]/);
    // the text summary: one finding a line, a newline in a name shown escaped
    const text = renderSecrets('text', { ...result, color: false }, opts);
    expect(text).not.toMatch(/odd\/new\nline/);
    expect(text.split('\n').filter((l) => l.includes('odd/')).length).toBe(ODD_NAMES.length);
  });
});

describe('the per-file time cap', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('sprawl-time-cap-');
    writeFileSync(join(dir, 'small.txt'), keyLine(K[0]!));
    writeFileSync(join(dir, 'dense.min.js'), minified(4_900_000, K[1]!));
  });

  it('the engine stops past the deadline, with the hits found so far', () => {
    const scanner = createScanner();
    const text = minified(4_000_000, K[1]!);
    let thrown: unknown;
    try {
      scanner.scan(text, { deadline: performance.now() + 2 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScanCutOff);
    expect((thrown as ScanCutOff).elapsedMs).toBeGreaterThan(2);
    expect(Array.isArray((thrown as ScanCutOff).hits)).toBe(true);
    // without a deadline the same text is scanned to the end
    expect(scanner.scan(text).map((h) => h.publicId)).toContain(K[1]);
  });

  it.each([0, 2])('a file over the cap is cut off and reported by path, the others scanned (%i workers)', async (workers) => {
    const { findings, stats } = await scanRepository({ path: dir, mode: 'worktree', workers, fileTimeoutMs: 40 });
    expect(stats.cutOff?.map((c) => c.path)).toEqual(['dense.min.js']);
    expect(stats.cutOff?.[0]?.afterMs).toBeGreaterThanOrEqual(40);
    expect(stats.errors).toContainEqual({ path: 'dense.min.js', error: expect.stringMatching(/^scan cut off after \d+ ms \(time cap 40 ms, secrets\.fileTimeoutMs\)/) as unknown });
    expect(findings.map((f) => [f.location.path, f.publicId])).toContainEqual(['small.txt', K[0]]);
    // with the default cap the same file is scanned whole
    const whole = await scanRepository({ path: dir, mode: 'worktree', workers });
    expect(whole.stats.cutOff ?? []).toEqual([]);
    expect(whole.findings.map((f) => [f.location.path, f.publicId])).toContainEqual(['dense.min.js', K[1]]);
  });

  it('sprawl secrets scan --file-timeout-ms names the file cut off', async () => {
    const r = await runCli(['secrets', 'scan', dir, '--file-timeout-ms', '40', '--workers', '1'], { cwd: dir });
    expect(r.code).toBe(1); // the small file's key
    expect(r.stderr).toMatch(/dense\.min\.js: scan cut off after \d+ ms \(time cap 40 ms\)/);
    expect(r.stdout).toMatch(/dense\.min\.js: scan cut off/);
    const bad = await runCli(['secrets', 'scan', dir, '--file-timeout-ms', '0'], { cwd: dir });
    expect(bad.code).toBe(2);
  });
});
