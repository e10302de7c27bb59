/** `sprawl scan --notify` against a local receiver, and `sprawl report --format csv|csv-identities|md --diff`, end to end on the sandbox. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DeleteAccessKeyCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { parseCsvRecords } from '../../src/collectors/aws/csv.ts';
import { configSchema } from '../../src/config/schema.ts';
import { accountClients, baseCredentialsFromEnv } from '../../src/providers/aws/accounts.ts';
import { awsClientSettings } from '../../src/providers/aws/client.ts';
import { escapeMarkdown } from '../../src/reports/markdown.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runCli } from '../helpers/cli.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

interface Summary {
  scan: { id: string; status: string };
  findings: { total: number; new: number; resolved: number; bySeverity: Record<string, number> } | null;
}

interface JsonReport {
  findings: { id: string; identityId: string }[];
  resolvedFindings: { id: string; message: string }[];
  identities: { id: string; activeCredentials: number }[];
}

interface JsonChanges {
  counts: { new: number; resolved: number };
  new: { severity: string; id: string }[];
  resolved: unknown[];
  minSeverity: string;
}

const SECRET_PATH = '/hooks/T000/B000/SECRET-WEBHOOK-TOKEN';

let dir: string;
let sandbox: Sandbox;
let receiver: Receiver;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-notify-'));
  sandbox = await startSandbox({ seed: 'notify-test', size: 40, now: '2026-11-01T00:00:00Z' });
  receiver = await startReceiver();
  env = { ...sandbox.env };
  writeFileSync(join(dir, 'sprawl.yaml'), stringify({ version: 1, aws: sandbox.config.aws }));
});

afterAll(async () => {
  await receiver.close();
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => receiver.reset());

const cli = (args: string[]) => runCli(args, { cwd: dir, env });
const bodies = () => receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);

describe('sprawl scan --notify', () => {
  it('posts the new findings of a first scan, then stays quiet when nothing changed', async () => {
    const db = join(dir, 'quiet.db');
    const first = await cli(['scan', '--json', '--db', db, '--notify', receiver.url(SECRET_PATH), '--notify-format', 'json', '--notify-min-severity', 'low']);
    expect(first.code, first.stderr).toBe(0);
    const s = JSON.parse(first.stdout) as Summary;
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ method: 'POST', path: SECRET_PATH, contentType: 'application/json' });
    const body = bodies()[0] as unknown as JsonChanges;
    const atOrAboveLow = (s.findings?.total ?? 0) - (s.findings?.bySeverity.info ?? 0);
    expect(body.counts).toEqual({ new: atOrAboveLow, resolved: 0 });
    expect(first.stderr).toMatch(/notify: posted \d+ new, 0 resolved to http:\/\/127\.0\.0\.1:\d+\/…/);
    // the webhook's path is a secret; so are the sandbox's credentials
    expect(first.stderr + first.stdout).not.toContain('SECRET-WEBHOOK-TOKEN');
    for (const value of [sandbox.env.AWS_SECRET_ACCESS_KEY, sandbox.env.SPRAWL_GCP_ACCESS_TOKEN, sandbox.env.SPRAWL_AZURE_ACCESS_TOKEN]) expect(receiver.received[0]?.body).not.toContain(value);

    const second = await cli(['scan', '--json', '--db', db, '--notify', receiver.url(SECRET_PATH), '--notify-format', 'json', '--notify-min-severity', 'low']);
    expect(second.code, second.stderr).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(second.stderr).toContain('nothing posted');
  });

  it('posts the findings a change in the estate resolved, as the reports list them', async () => {
    const db = join(dir, 'resolved.db');
    const first = await cli(['scan', '--quiet', '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    const before = JSON.parse((await cli(['report', '--format', 'json', '--output', '-', '--db', db])).stdout) as JsonReport;
    // An IAM user with active access keys and findings on them: its keys are deleted through the
    // emulator's IAM API with the real SDK, as an operator would; their findings must resolve.
    const keyed = before.findings.find((f) => f.identityId.includes(':user/') && before.identities.some((i) => i.id === f.identityId && i.activeCredentials > 0));
    expect(keyed, 'the estate has an IAM user with keys and findings').toBeDefined();
    const [, account = '', path = ''] = /^aws:(\d+):user\/(.+)$/.exec(keyed!.identityId) ?? [];
    const config = configSchema.parse({ version: 1, aws: sandbox.config.aws });
    const settings = awsClientSettings(config.aws!);
    const clients = accountClients(settings, config.aws!, account, { base: baseCredentialsFromEnv(settings, env), sessionName: 'notify-test' });
    try {
      const keys = await clients.iam.send(new ListAccessKeysCommand({ UserName: path }));
      for (const k of keys.AccessKeyMetadata ?? []) await clients.iam.send(new DeleteAccessKeyCommand({ UserName: path, AccessKeyId: k.AccessKeyId }));
    } finally {
      clients.destroy();
    }

    const second = await cli(['scan', '--json', '--db', db, '--notify', receiver.url(SECRET_PATH), '--notify-format', 'json', '--notify-min-severity', 'info']);
    expect(second.code, second.stderr).toBe(0);
    const after = JSON.parse((await cli(['report', '--format', 'json', '--output', '-', '--db', db])).stdout) as JsonReport;
    const gone = before.findings.filter((f) => !after.findings.some((g) => g.id === f.id)).map((f) => f.id).sort();
    expect(gone.length).toBeGreaterThan(0);
    expect(gone.every((id) => before.findings.find((f) => f.id === id)?.identityId === keyed!.identityId)).toBe(true);
    // The webhook, the JSON report and the Markdown summary agree on what was resolved.
    expect(after.resolvedFindings.map((f) => f.id).sort()).toEqual(gone);
    expect(receiver.received).toHaveLength(1);
    const body = bodies()[0] as unknown as JsonChanges;
    expect(body.counts.resolved).toBe(gone.length);
    expect((body.resolved as { id: string }[]).map((f) => f.id).sort()).toEqual(gone);
    expect(second.stderr).toMatch(new RegExp(`notify: posted \\d+ new, ${gone.length} resolved`));
    const md = (await cli(['report', '--format', 'md', '--output', '-', '--db', db])).stdout;
    expect(md).toContain(`**${gone.length} resolved**`);
    expect(md).toContain('| Resolved | Rule | Identity | Finding |');
    for (const f of after.resolvedFindings.slice(0, 10)) expect(md).toContain(escapeMarkdown(f.message));
  });

  it('honours the severity threshold', async () => {
    const r = await cli(['scan', '--json', '--db', join(dir, 'threshold.db'), '--notify', receiver.url(), '--notify-format', 'json', '--notify-min-severity', 'high']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    const bySeverity = s.findings?.bySeverity ?? {};
    const expected = (bySeverity.critical ?? 0) + (bySeverity.high ?? 0);
    // the estate has findings below the threshold: they must not be posted
    expect((bySeverity.medium ?? 0) + (bySeverity.low ?? 0)).toBeGreaterThan(0);
    expect(expected).toBeGreaterThan(0);
    expect(receiver.received).toHaveLength(1);
    const body = bodies()[0] as unknown as JsonChanges;
    expect(body.minSeverity).toBe('high');
    expect(body.counts.new).toBe(expected);
    expect(new Set(body.new.map((f) => f.severity))).toEqual(new Set(['critical', 'high'].filter((k) => (bySeverity[k] ?? 0) > 0)));
  });

  it('posts the Slack shape by default', async () => {
    const r = await cli(['scan', '--quiet', '--db', join(dir, 'slack.db'), '--notify', receiver.url(), '--notify-min-severity', 'info']);
    expect(r.code, r.stderr).toBe(0);
    const [body] = bodies();
    expect(typeof body?.text).toBe('string');
    const blocks = body?.blocks as { type: string }[];
    expect(blocks[0]?.type).toBe('header');
    expect(blocks.at(-1)?.type).toBe('context');
    expect(blocks.some((b) => b.type === 'section')).toBe(true);
  });

  it('warns when the webhook answers 500, retries once, and keeps the exit code of the scan', async () => {
    receiver.answer(500, 500);
    const r = await cli(['scan', '--json', '--db', join(dir, 'fail.db'), '--notify', receiver.url(SECRET_PATH), '--notify-min-severity', 'info']);
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.received).toHaveLength(2);
    expect(r.stderr).toMatch(/warn: notify: could not post to http:\/\/127\.0\.0\.1:\d+\/… \(HTTP 500, 2 attempts\)/);
    expect(r.stderr).not.toContain('SECRET-WEBHOOK-TOKEN');
    expect((JSON.parse(r.stdout) as Summary).scan.status).toBe('complete');
  });

  it('refuses a webhook that is not an http(s) URL, as a usage error', async () => {
    const r = await cli(['scan', '--db', join(dir, 'bad.db'), '--notify', 'ftp://example.test/SECRET-WEBHOOK-TOKEN']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--notify: expected an http:// or https:// webhook URL');
    expect(r.stderr).not.toContain('SECRET-WEBHOOK-TOKEN');
  });
});

describe('sprawl report: csv, csv-identities, md and --diff', () => {
  let db: string;
  let scans: Summary[];

  beforeAll(async () => {
    db = join(dir, 'report.db');
    scans = [];
    for (let i = 0; i < 2; i++) {
      const r = await cli(['scan', '--json', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      scans.push(JSON.parse(r.stdout) as Summary);
    }
  });

  it('writes findings and identities as CSV, with default file names', async () => {
    const findings = await cli(['report', '--format', 'csv', '--db', db]);
    expect(findings.code, findings.stderr).toBe(0);
    const rows = parseCsvRecords(readFileSync(join(dir, 'sprawl-report.csv'), 'utf8'));
    expect(rows).toHaveLength(scans[1]?.findings?.total ?? -1);
    const identities = await cli(['report', '--format', 'csv-identities', '--db', db]);
    expect(identities.code, identities.stderr).toBe(0);
    expect(identities.stdout.trim()).toBe(join(dir, 'sprawl-identities.csv'));
    expect(readFileSync(join(dir, 'sprawl-identities.csv'), 'utf8').split('\r\n')[0]).toMatch(/^id,name,provider,kind,/);
  });

  it('writes the Markdown summary to stdout', async () => {
    const r = await cli(['report', '--format', 'md', '--output', '-', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('## sprawl:');
    expect(r.stdout).toContain('no finding new or resolved');
  });

  it('--diff compares with the named scan; a bad one is a usage error', async () => {
    const [first, second] = scans;
    const diffed = await cli(['report', '--format', 'md', '--output', '-', '--db', db, '--scan', second!.scan.id, '--diff', first!.scan.id]);
    expect(diffed.code, diffed.stderr).toBe(0);
    expect(diffed.stdout).toContain('no finding new or resolved');
    const bad = await cli(['report', '--format', 'md', '--output', '-', '--db', db, '--scan', first!.scan.id, '--diff', second!.scan.id]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('started after scan');
  });
});
