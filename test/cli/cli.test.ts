import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runCli } from '../helpers/cli.ts';
import { PG_URL, tempPostgresUrl } from '../helpers/stores.ts';

interface Summary {
  scan: { id: string; status: string };
  sources: { source: string; status: string; items: number; error?: string }[];
  inventory: { identities: number; credentials: number };
  findings: { total: number; new: number; open: number; resolved: number; bySeverity: Record<string, number> } | null;
}

interface JsonReport {
  findings: { id: string; status: string; ruleId: string }[];
}

let dir: string;
let sandbox: Sandbox;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-cli-'));
  sandbox = await startSandbox({ seed: 'cli-test', size: 60, now: '2026-11-01T00:00:00Z' });
  env = { ...sandbox.env };
  writeFileSync(join(dir, 'sprawl.yaml'), stringify({ version: 1, aws: { ...sandbox.config.aws, pageSize: 7 } }));
});

afterAll(async () => {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra } });

describe('sprawl CLI', () => {
  it('prints its version and help', async () => {
    const v = await cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const cmd of ['scan', 'report', 'demo', 'init', 'analyze', 'sandbox']) {
      const h = await cli([cmd, '--help']);
      expect(h.code, cmd).toBe(0);
      expect(h.stdout).toContain(`Usage: sprawl ${cmd}`);
    }
  });

  it.each([
    [['frobnicate'], /unknown command/],
    [['scan', '--fail-on', 'urgent'], /--fail-on: expected one of critical, high, medium, low, info, got "urgent"/],
    [['report', '--format', 'pdf'], /--format: expected one of html, json/],
    [['scan', '--config', 'missing.yaml'], /config file not found: .*missing\.yaml/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 on an invalid config, naming the key path', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'aws:\n  accounts:\n    - id: "12345"\n      roleArn: nope\npolicy:\n  unusedDays: soon\n');
    const r = await cli(['scan', '--config', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('aws.accounts[0].id: expected a 12-digit AWS account id, got "12345"');
    expect(r.stderr).toContain('aws.accounts[0].roleArn: expected an IAM role ARN');
    expect(r.stderr).toContain('policy.unusedDays: expected a number, got "soon"');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('init writes a starter config that validates, and refuses to overwrite it', async () => {
    const sub = mkdtempSync(join(dir, 'init-'));
    const first = await runCli(['init'], { cwd: sub });
    expect(first.code).toBe(0);
    const dry = await runCli(['scan', '--dry-run'], { cwd: sub });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('aws: the account of the default credentials');
    const again = await runCli(['init'], { cwd: sub });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('pass --force');
  });

  it('scans the sandbox, then a second scan keeps the same findings open, not new', async () => {
    const db = join(dir, 'twice.db');
    const first = await cli(['scan', '--json', '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    const s1 = JSON.parse(first.stdout) as Summary;
    expect(s1.scan.status).toBe('complete');
    expect(s1.sources.length).toBe(sandbox.estate.aws.accounts.length);
    expect(s1.inventory.identities).toBeGreaterThan(15);
    expect(s1.findings?.total).toBeGreaterThan(0);
    expect(s1.findings?.new).toBe(s1.findings?.total);

    const r1 = await cli(['report', '--format', 'json', '--output', '-', '--db', db]);
    expect(r1.code).toBe(0);
    const ids1 = (JSON.parse(r1.stdout) as JsonReport).findings.map((f) => f.id).sort();

    const second = await cli(['scan', '--json', '--db', db]);
    expect(second.code, second.stderr).toBe(0);
    const s2 = JSON.parse(second.stdout) as Summary;
    expect(s2.scan.id).not.toBe(s1.scan.id);
    expect(s2.findings).toMatchObject({ total: s1.findings?.total, new: 0, open: s1.findings?.total, resolved: 0 });

    const r2 = JSON.parse((await cli(['report', '--format', 'json', '--output', '-', '--db', db])).stdout) as JsonReport;
    expect(r2.findings.map((f) => f.id).sort()).toEqual(ids1);
    expect(new Set(r2.findings.map((f) => f.status))).toEqual(new Set(['open']));
  });

  it('exits 3 with a partial scan when one account answers 403, keeping the others', async () => {
    const db = join(dir, 'partial.db');
    const forbidden = sandbox.estate.aws.accounts[1]!.id;
    sandbox.aws.faults.forbiddenAccounts = [forbidden];
    try {
      const r = await cli(['scan', '--json', '--db', db]);
      expect(r.code, r.stderr).toBe(3);
      const s = JSON.parse(r.stdout) as Summary;
      expect(s.scan.status).toBe('partial');
      const failed = s.sources.filter((x) => x.status === 'failed');
      expect(failed.map((x) => x.source)).toEqual([`aws:${forbidden}`]);
      expect(failed[0]!.error).toMatch(/AccessDenied/);
      expect(s.sources.filter((x) => x.status === 'ok').length).toBe(sandbox.estate.aws.accounts.length - 1);
      expect(s.inventory.identities).toBeGreaterThan(0);
      const text = await cli(['scan', '--db', db]);
      expect(text.code).toBe(3);
      expect(text.stdout).toContain('Partial scan');
      expect(text.stderr).toContain(`aws:${forbidden}: FAILED`);
    } finally {
      sandbox.aws.faults.forbiddenAccounts = [];
    }
  });

  it('exits 1 when findings reach --fail-on', async () => {
    const db = join(dir, 'gate.db');
    const r = await cli(['scan', '--json', '--db', db, '--fail-on', 'medium']);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as Summary;
    expect((s.findings?.bySeverity.medium ?? 0) + (s.findings?.bySeverity.high ?? 0)).toBeGreaterThan(0);
    expect(r.stderr).toContain('findings at or above medium');
    // re-analyzing the stored scan with the same policy changes nothing
    const again = await cli(['analyze', '--db', db, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ scan: s.scan.id, findings: s.findings?.total, new: s.findings?.total, resolved: 0 });
  });

  it('writes a self-contained HTML report', async () => {
    const db = join(dir, 'html.db');
    expect((await cli(['scan', '--quiet', '--db', db])).code).toBe(0);
    const r = await cli(['report', '--db', db, '--output', 'out.html']);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'out.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain(sandbox.estate.aws.accounts[0]!.id);
    const none = await cli(['report', '--db', join(dir, 'empty.db')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('run `sprawl scan` first');
  });

  it('stops cleanly on SIGINT: exit 130, the scan recorded as interrupted', async () => {
    sandbox.aws.faults.delayMs = 150;
    try {
      const r = await runCli(['scan', '--json', '--db', join(dir, 'sigint.db')], {
        cwd: dir,
        env,
        // Interrupt once the scan is under way (its first AWS calls answered), however slow the machine is to start it.
        onSpawn: (child) => {
          sandbox.aws.calls.reset();
          const poll = setInterval(() => {
            if (sandbox.aws.calls.count() < 3) return;
            clearInterval(poll);
            child.kill('SIGINT');
          }, 25);
          child.once('exit', () => clearInterval(poll));
        },
      });
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain('SIGINT: stopping');
      const s = JSON.parse(r.stdout) as Summary;
      expect(s.scan.status).toBe('interrupted');
      expect(s.findings).toBeNull();
      expect(s.sources.some((x) => x.status === 'failed' && /interrupted/.test(x.error ?? ''))).toBe(true);
    } finally {
      sandbox.aws.faults.delayMs = 0;
    }
  });

  it('never prints the sandbox secret key', async () => {
    const r = await cli(['scan', '--verbose', '--db', join(dir, 'secret.db')]);
    expect(r.stdout + r.stderr).not.toContain(sandbox.env.AWS_SECRET_ACCESS_KEY);
  });

  it.skipIf(!PG_URL)('scans into PostgreSQL exactly as into SQLite', async () => {
    const pg = await tempPostgresUrl();
    try {
      const first = await cli(['scan', '--json', '--db', pg.url]);
      expect(first.code, first.stderr).toBe(0);
      const second = await cli(['scan', '--json'], { SPRAWL_DB: pg.url });
      const s1 = JSON.parse(first.stdout) as Summary;
      const s2 = JSON.parse(second.stdout) as Summary;
      expect(s2.findings).toMatchObject({ new: 0, open: s1.findings?.total, resolved: 0 });
      const report = await cli(['report', '--format', 'json', '--output', '-', '--db', pg.url]);
      expect((JSON.parse(report.stdout) as JsonReport).findings.length).toBe(s1.findings?.total);
    } finally {
      await pg.drop();
    }
  });
});

describe('sprawl demo', () => {
  it('scans the built-in sandbox and writes sprawl-report.html', async () => {
    const sub = mkdtempSync(join(dir, 'demo-'));
    const r = await runCli(['demo'], { cwd: sub });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Report: ${join(sub, 'sprawl-report.html')}`);
    expect(existsSync(join(sub, 'sprawl-report.html'))).toBe(true);
    expect(existsSync(join(sub, '.sprawl', 'demo.db'))).toBe(true);
  });

  it('--enforce: plans, applies stage 1 to the sandbox, scans again and writes before and after reports', { timeout: 120_000 }, async () => {
    const sub = mkdtempSync(join(dir, 'demo-enforce-'));
    const run = () => runCli(['demo', '--enforce', '--size', '60', '--seed', 'demo-enforce', '--output', 'after.html'], { cwd: sub });
    const r = await run();
    expect(r.code, r.stderr).toBe(0);
    for (const step of ['== 1. Scan the estate ==', '== 2. Plan ==', '== 3. Apply stage 1', '== 4. Scan again ==']) expect(r.stdout).toContain(step);
    const applied = /Plan p_[0-9a-f]{16}: done (\d+)/.exec(r.stdout);
    expect(Number(applied?.[1] ?? 0)).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/^FAILED /m);
    // the re-scan resolves findings the apply settled
    const resolved = [...r.stdout.matchAll(/resolved (\d+)/g)].map((m) => Number(m[1]));
    expect(resolved.at(-1)).toBeGreaterThan(0);
    for (const f of ['after.before.html', 'after.html', '.sprawl/demo-plan.json', '.sprawl/demo-enforce.db']) expect(existsSync(join(sub, f)), f).toBe(true);
    expect(readFileSync(join(sub, 'after.html'), 'utf8')).not.toBe(readFileSync(join(sub, 'after.before.html'), 'utf8'));
    // a second run starts from an empty store: the same walk-through again, not a no-op
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    expect(/Plan p_[0-9a-f]{16}: done (\d+)/.exec(again.stdout)?.[1]).toBe(applied?.[1]);
  });
});
