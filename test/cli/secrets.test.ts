import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox } from '../../src/sandbox/index.ts';
import { runCli } from '../helpers/cli.ts';
import { cleanupTempDirs, createRepo, fakeAwsKey, tempDir } from '../helpers/git.ts';

afterAll(() => cleanupTempDirs());

/** A fake secret access key: 40 characters, high entropy, obviously not real. */
const FAKE_SECRET = 'Zx9fKq2LmN4pR7sT1vW3yB6dE8gH0jQ5uX2cV4bN';
const creds = (keyId: string) => `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${FAKE_SECRET}\n`;

interface JsonOut {
  findings: { ruleId: string; line: number; location: { path: string; commit?: string; author?: string }; fingerprint: string }[];
}

function repoWithRemovedKey() {
  const repo = createRepo();
  repo.write('README.md', '# service\n');
  const base = repo.commit('init');
  repo.write('deploy/creds.ini', creds(fakeAwsKey(1)));
  const added = repo.commit('add deploy credentials', { author: { name: 'Mallory Dev', email: 'mallory@example.test' } });
  repo.remove('deploy/creds.ini');
  const removed = repo.commit('remove credentials');
  return { repo, base, added, removed };
}

describe('sprawl secrets scan', () => {
  it('finds a key removed from history, with its commit and author, and never prints the secret', async () => {
    const { repo, added } = repoWithRemovedKey();
    const text = await runCli(['secrets', 'scan', '--history', repo.dir], { cwd: repo.dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/deploy\/creds\.ini:2:\d+\s+high\s+aws-access-key-id/);
    expect(text.stdout).toContain(added.slice(0, 7));
    const json = await runCli(['secrets', 'scan', '--history', '--format', 'json'], { cwd: repo.dir });
    const out = JSON.parse(json.stdout) as JsonOut;
    const idHit = out.findings.find((f) => f.ruleId === 'aws-access-key-id');
    expect(idHit?.location).toMatchObject({ path: 'deploy/creds.ini', commit: added });
    expect(idHit?.location.author).toContain('Mallory Dev');
    expect(out.findings.some((f) => f.ruleId === 'aws-secret-access-key')).toBe(true);
    const sarif = await runCli(['secrets', 'scan', '--history', '--format', 'sarif', '--output', 'out.sarif'], { cwd: repo.dir });
    expect(sarif.code).toBe(1);
    const sarifText = readFileSync(join(repo.dir, 'out.sarif'), 'utf8');
    expect(JSON.parse(sarifText)).toMatchObject({ version: '2.1.0' });
    for (const output of [text.stdout, text.stderr, json.stdout, sarifText, sarif.stderr]) expect(output).not.toContain(FAKE_SECRET);
    // the working tree no longer has it
    const tree = await runCli(['secrets', 'scan'], { cwd: repo.dir });
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain('No secrets found');
  });

  it('accepts the findings of a baseline, and only those', async () => {
    const { repo } = repoWithRemovedKey();
    const write = await runCli(['secrets', 'scan', '--history', '--write-baseline', 'baseline.json'], { cwd: repo.dir });
    expect(write.code).toBe(1);
    const baseline = readFileSync(join(repo.dir, 'baseline.json'), 'utf8');
    expect(baseline).not.toContain(FAKE_SECRET);
    expect((await runCli(['secrets', 'scan', '--history', '--baseline', 'baseline.json'], { cwd: repo.dir })).code).toBe(0);
    repo.write('app.env', `AWS_ACCESS_KEY_ID=${fakeAwsKey(2)}\n`);
    repo.commit('another key');
    const again = await runCli(['secrets', 'scan', '--history', '--baseline', 'baseline.json', '--format', 'json'], { cwd: repo.dir });
    expect(again.code).toBe(1);
    expect((JSON.parse(again.stdout) as JsonOut).findings.map((f) => f.location.path)).toEqual(['app.env']);
    writeFileSync(join(repo.dir, 'broken.json'), '{ nope');
    const broken = await runCli(['secrets', 'scan', '--baseline', 'broken.json'], { cwd: repo.dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.json');
  });

  it('lists its rules', async () => {
    const r = await runCli(['secrets', 'rules', '--json'], { cwd: tempDir() });
    const rules = JSON.parse(r.stdout) as { id: string }[];
    expect(rules.map((x) => x.id)).toContain('aws-access-key-id');
  });
});

describe('sprawl gate', () => {
  it('fails a range that adds a key (even if a later commit removes it), passes a clean one', async () => {
    const { repo, base, removed } = repoWithRemovedKey();
    const dirty = await runCli(['gate', '--range', `${base}..${removed}`], { cwd: repo.dir });
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toMatch(/deploy\/creds\.ini:2:\d+\s+high\s+aws-access-key-id/);
    expect(dirty.stderr).toContain('committed secret');
    expect(dirty.stdout + dirty.stderr).not.toContain(FAKE_SECRET);
    repo.write('docs.md', 'the example key AKIAIOSFODNN7EXAMPLE is documentation\n');
    const docs = repo.commit('docs');
    const clean = await runCli(['gate', '--range', `${removed}..${docs}`], { cwd: repo.dir });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  });

  it('takes the range of a GitHub pull request from the event, and writes SARIF', async () => {
    const { repo, base, removed } = repoWithRemovedKey();
    const event = join(repo.dir, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: base }, head: { sha: removed } } }));
    const r = await runCli(['gate', '--sarif', 'gate.sarif'], { cwd: repo.dir, env: { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GitHub pull request');
    const sarif = JSON.parse(readFileSync(join(repo.dir, 'gate.sarif'), 'utf8')) as { runs: { results: unknown[] }[] };
    expect(sarif.runs[0]?.results.length).toBeGreaterThan(0);
  });

  it('checks only the staged lines in a pre-commit hook, and honours sprawl:allow', async () => {
    const repo = createRepo();
    repo.write('old.env', `LEGACY_KEY=${fakeAwsKey(3)}\n`);
    repo.commit('old');
    repo.write('notes.md', 'nothing here\n');
    repo.git(['add', 'notes.md']);
    expect((await runCli(['gate', '--staged'], { cwd: repo.dir })).code).toBe(0);
    repo.write('new.env', `KEY=${fakeAwsKey(4)}\nTEST_KEY=${fakeAwsKey(5)} # sprawl:allow\n`);
    repo.git(['add', 'new.env']);
    const r = await runCli(['gate', '--staged', '--format', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.findings.filter((f) => !('allowed' in f) || !(f as { allowed?: boolean }).allowed).map((f) => `${f.location.path}:${f.line}`)).toEqual(['new.env:1']);
  });

  it('exits 2 without a range outside CI, and on a path that is not a repository', async () => {
    const dir = tempDir();
    const none = await runCli(['gate'], { cwd: dir, env: { GITHUB_ACTIONS: undefined, GITLAB_CI: undefined, BITBUCKET_COMMIT: undefined } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('pass --range');
    const notRepo = await runCli(['gate', '--range', 'a..b'], { cwd: dir });
    expect(notRepo.code).toBe(2);
    const bad = await runCli(['gate', '--range', '--oops'], { cwd: dir });
    expect(bad.code).toBe(2);
  });
});

describe('sprawl scan with repositories', () => {
  it('links a committed key to the live inventory credential it exposes', async () => {
    const sandbox = await startSandbox({ seed: 'leak-link', size: 40, now: '2026-11-01T00:00:00Z' });
    try {
      const keyed = sandbox.estate.aws.accounts.flatMap((a) => a.users.filter((u) => u.nature === 'machine').flatMap((u) => u.accessKeys.filter((k) => k.status === 'Active').map((k) => ({ user: u.name, key: k.id }))));
      const target = keyed[0]!;
      const repo = createRepo();
      repo.write('ops/deploy.sh', `#!/bin/sh\nexport AWS_ACCESS_KEY_ID=${target.key}\nexport AWS_SECRET_ACCESS_KEY=${FAKE_SECRET}\n`);
      repo.commit('deploy script');
      repo.remove('ops/deploy.sh');
      repo.commit('oops');
      const dir = tempDir();
      writeFileSync(join(dir, 'sprawl.yaml'), stringify({ version: 1, aws: sandbox.config.aws, repos: [{ path: repo.dir, name: 'acme/ops' }] }));
      const r = await runCli(['scan', '--json', '--db', join(dir, 's.db')], { cwd: dir, env: { ...sandbox.env } });
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { sources: { source: string; status: string }[]; inventory: { leaks: number } };
      expect(summary.sources.find((s) => s.source === 'repo:acme/ops')?.status).toBe('ok');
      expect(summary.inventory.leaks).toBeGreaterThanOrEqual(2);
      const report = await runCli(['report', '--format', 'json', '--output', '-', '--db', join(dir, 's.db')], { cwd: dir });
      const model = JSON.parse(report.stdout) as { findings: { ruleId: string; message: string; severity: string }[] };
      const leaked = model.findings.filter((f) => f.ruleId === 'credential.leaked');
      expect(leaked).toHaveLength(1);
      expect(leaked[0]?.message).toContain(target.key);
      expect(leaked[0]?.message).toContain(target.user);
      expect(leaked[0]?.severity).toBe('critical');
      expect(r.stdout + r.stderr + report.stdout).not.toContain(FAKE_SECRET);
    } finally {
      await sandbox.stop();
    }
  });
});
