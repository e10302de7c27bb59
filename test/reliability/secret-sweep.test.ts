/**
 * Secrets never leak (issue 11, "Secrets"). The whole demo runs through the real CLI (scan,
 * reports, plan, apply with the enforcer minting gateway credentials, scan again, journal,
 * rollback) and every output is searched for every raw secret of the estate, in every form a leak
 * would take (raw, JSON-escaped, URL-encoded, HTML-escaped, base64 at any alignment, PEM body, JWT
 * signature): stdout, stderr (debug logs, text and JSON), every file written (all report formats,
 * the plan), the SQLite store (every text and blob column of every table, and its raw bytes and
 * WAL), the HTML reports raw and their decoded data islands. Reports and the plan are created 0644
 * whatever the umask. The sweep itself is tested first: it must catch a planted leak.
 *
 * A failure names the secret by its record id and where it was found; values are never printed.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { encodeIsland, type ClientData } from '../../src/reports/html-view.ts';
import { countK8s } from '../../src/sandbox/kubernetes/index.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createSandboxRepo, sandboxRepoSteps } from '../../src/sandbox/repos.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import {
  describeHits,
  directoryHaystacks,
  estateSecrets,
  htmlHaystacks,
  mintedSecrets,
  repoSecrets,
  sandboxEnvSecrets,
  secretForms,
  sweep,
  type Haystack,
  type Secret,
} from './secret-sweep-lib.ts';

const SEED = 'demo';
const SIZE = 60;
const RUN_TIMEOUT = 180_000;

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Runs `fn` with the process umask set (children inherit it), then restores it. */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

// ---------------------------------------------------------------------------------------------
// The sweep catches what it must

const PLANTED: Secret = { id: 'planted:aws-secret-access-key', value: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY' };
const PLANTED_PEM: Secret = {
  id: 'planted:private-key',
  value: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu\n-----END PRIVATE KEY-----\n',
};
/** Its base64 has + and /, so its base64url differs. */
const PLANTED_ODD: Secret = { id: 'planted:odd-token', value: 'ab?>~cd??>>~~ef??>>gh~~?' };
const PLANTED_JWT: Secret = { id: 'planted:k8s-token', value: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2E6Y2k6cnVubmVyIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl' };

function clientData(message: string): ClientData {
  return {
    pageSize: 50,
    rules: {},
    labels: { severity: {}, status: {} },
    evidence: true,
    findings: [{ id: 'f1', sv: 'high', sr: 3, st: 'new', r: 'rule', i: -1, n: 'svc', s: 'svc', m: message, fs: '', ft: '', e: [['note', message]], x: null }],
    identities: [],
  };
}

/** A file in a fresh directory, swept as the real run's output directory is. */
function fileSweep(name: string, content: string | Buffer, secrets: Secret[] = [PLANTED, PLANTED_PEM, PLANTED_JWT]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sprawl-sweep-unit-'));
  try {
    writeFileSync(join(dir, name), content);
    return sweep(directoryHaystacks(dir), secrets).map((h) => `${h.secret} ${h.form} ${h.where}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sqliteSweep(fill: (db: Database.Database) => void): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sprawl-sweep-unit-'));
  try {
    const db = new Database(join(dir, 'store.db'));
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, blob BLOB)');
    fill(db);
    db.close();
    return sweep(directoryHaystacks(dir), [PLANTED]).map((h) => `${h.secret} ${h.form} ${h.where}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('the sweep catches a planted leak', () => {
  const CASES: { name: string; found: () => Promise<string[]> | string[]; expected: RegExp | null }[] = [
    { name: 'raw in a log file', found: () => fileSweep('sprawl.log', `debug: key ${PLANTED.value} used\n`), expected: /^planted:aws-secret-access-key raw sprawl\.log \(bytes\)$/ },
    { name: 'base64 at offset 0', found: () => fileSweep('x.json', JSON.stringify({ v: b64(PLANTED.value) })), expected: /planted:aws-secret-access-key base64\+0 x\.json/ },
    { name: 'base64 inside a larger document (offset 1)', found: () => fileSweep('x.json', JSON.stringify({ v: b64(`k${PLANTED.value}!`) })), expected: /planted:aws-secret-access-key base64\+1 /m },
    { name: 'base64 inside a larger document (offset 2)', found: () => fileSweep('x.json', JSON.stringify({ v: b64(`"k${PLANTED.value}"`) })), expected: /planted:aws-secret-access-key base64\+2 /m },
    { name: 'base64url', found: () => fileSweep('x.txt', Buffer.from(`{"secret":"${PLANTED_ODD.value}"}`).toString('base64url'), [PLANTED_ODD]), expected: /planted:odd-token base64url\+/ },
    { name: 'URL-encoded in a query string', found: () => fileSweep('x.log', `GET /?key=${encodeURIComponent(PLANTED.value)}`), expected: /planted:aws-secret-access-key url-encoded/ },
    { name: 'a PEM key JSON-escaped', found: () => fileSweep('x.json', JSON.stringify({ private_key: PLANTED_PEM.value })), expected: /planted:private-key json-escaped/ },
    { name: 'a PEM body without its header and newlines', found: () => fileSweep('x.txt', PLANTED_PEM.value.split('\n').slice(1, -2).join('')), expected: /planted:private-key pem-body-0/ },
    { name: "a token's signature alone", found: () => fileSweep('x.txt', `sig=${PLANTED_JWT.value.split('.')[2] ?? ''}`), expected: /planted:k8s-token jwt-signature/ },
    { name: 'HTML-escaped in a report', found: () => fileSweep('r.html', '<td>abc&#x3D;def&#x3D;ghi&#x3D;jkl</td>', [{ id: 'planted:with-equals', value: 'abc=def=ghi=jkl' }]), expected: /planted:with-equals html-escaped r\.html/ },
    { name: 'gzip file', found: () => fileSweep('x.gz', gzipSync(`x ${PLANTED.value} y`)), expected: /planted:aws-secret-access-key raw x\.gz \(gunzipped\)/ },
    {
      name: "an HTML report's data island (gzip + base64: invisible in the raw page)",
      found: async () => {
        const html = `<html><script type="application/gzip" id="report-data">${await encodeIsland(clientData(`key ${PLANTED.value}`))}</script></html>`;
        return fileSweep('report.html', html);
      },
      expected: /planted:aws-secret-access-key raw report\.html data island/,
    },
    { name: 'a SQLite text column', found: () => sqliteSweep((db) => db.prepare('INSERT INTO notes (body) VALUES (?)').run(`{"secret":"${PLANTED.value}"}`)), expected: /planted:aws-secret-access-key raw store\.db table notes\.body/ },
    { name: 'a gzip blob in SQLite', found: () => sqliteSweep((db) => db.prepare('INSERT INTO notes (blob) VALUES (?)').run(gzipSync(PLANTED.value))), expected: /planted:aws-secret-access-key raw store\.db table notes\.blob/ },
    { name: 'a clean file: nothing', found: () => fileSweep('x.txt', 'AKIAIOSFODNN7EXAMPLE is a key id, not a secret'), expected: null },
  ];
  it.each(CASES)('$name', async ({ found, expected }) => {
    const hits = await found();
    if (expected === null) expect(hits).toEqual([]);
    else expect(hits.some((h) => expected.test(h)), hits.join('\n')).toBe(true);
  });

  it('the raw page alone would miss a leak in the island; its decoding finds it', async () => {
    const html = `<script type="application/gzip" id="report-data">${await encodeIsland(clientData(PLANTED.value))}</script>`;
    expect(sweep([{ where: 'raw', data: html }], [PLANTED])).toEqual([]);
    expect(sweep(htmlHaystacks(html, 'r.html'), [PLANTED]).map((h) => h.where)).toContain('r.html data island (decoded tables)');
  });

  it('refuses a secret too short to search for, and never puts a value in its description', () => {
    expect(() => sweep([{ where: 'x', data: 'abc' }], [{ id: 'short', value: 'abc' }])).toThrow(/short.*shorter than/);
    const text = describeHits(sweep([{ where: 'out', data: PLANTED.value }], [PLANTED]));
    expect(text).toBe('planted:aws-secret-access-key (raw) in out');
    expect(text).not.toContain(PLANTED.value);
  });

  it('derives the forms a leak takes', () => {
    const forms = secretForms(PLANTED_PEM.value).map((f) => f.form);
    for (const f of ['raw', 'json-escaped', 'url-encoded', 'base64+0', 'base64+1', 'base64+2', 'pem-body-0']) expect(forms).toContain(f);
    // base64url differs from base64 only for a secret whose encoding has + or /
    expect(secretForms(PLANTED_ODD.value).map((f) => f.form)).toEqual(expect.arrayContaining(['base64url+0', 'base64url+1', 'base64url+2']));
  });
});

// ---------------------------------------------------------------------------------------------
// The whole demo through the CLI

let sandbox: Sandbox;
let secrets: Secret[];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: SEED, size: SIZE });
  secrets = [...estateSecrets(sandbox.estate), ...sandboxEnvSecrets(sandbox)];
});

afterAll(async () => {
  await sandbox.stop();
});

describe("the estate's secrets", () => {
  it('are all collected: every committed key, token secret, gateway credential and scanner credential', () => {
    const count = (re: RegExp): number => secrets.filter((s) => re.test(s.id)).length;
    const steps = sandboxRepoSteps(sandbox.estate);
    // the AWS secret keys beside each committed key id (and the forgotten one), the Slack token, the password
    expect(repoSecrets(sandbox.estate)).toHaveLength(steps.committedKeyIds.length + steps.unknownKeyIds.length + 2);
    expect(count(/\(token secret\)$/)).toBe(countK8s(sandbox.estate.kubernetes).tokenSecrets);
    expect(count(/^k8s:[^:]+:bearer-token$/)).toBe(sandbox.estate.kubernetes.clusters.length);
    const holding = sandbox.estate.hoop.truth.filter((t) => t.holdsKey).length;
    expect(holding).toBeGreaterThan(0);
    expect(count(/^hoop:connection\//)).toBeGreaterThanOrEqual(holding);
    expect(count(/^hoop:session\//)).toBe(1);
    expect(count(/^env:/)).toBe(5);
    expect(secrets.length).toBeGreaterThan(30);
    // a public id (an access key id) is never a needle: reports must show it
    const keyIds = sandbox.estate.aws.accounts.flatMap((a) => a.users.flatMap((u) => u.accessKeys.map((k) => k.id)));
    expect(secrets.filter((s) => keyIds.includes(s.value)).map((s) => s.id)).toEqual([]);
  });
});

/** Files of a run to search: everything in its directory but the sandbox's own git repository (which holds the committed keys on purpose). */
function outputs(dir: string, repoDir: string, streams: { name: string; result: CliResult }[]): Haystack[] {
  const haystacks = directoryHaystacks(dir, (p) => p === repoDir);
  for (const { name, result } of streams) haystacks.push({ where: `${name} stdout`, data: result.stdout }, { where: `${name} stderr`, data: result.stderr });
  return haystacks;
}

/** The sweep found what sprawl is meant to show (so it read real reports and a real store): a committed key's id, in the HTML, its island and the store. */
function expectReadable(haystacks: Haystack[], publicId: string): void {
  const where = haystacks.filter((h) => (typeof h.data === 'string' ? h.data.includes(publicId) : h.data.includes(Buffer.from(publicId)))).map((h) => h.where);
  expect(where.some((w) => /\.html data island \(decoded tables\)$/.test(w)), where.join('\n')).toBe(true);
  expect(where.some((w) => / table leaks\./.test(w)), where.join('\n')).toBe(true);
}

describe('sprawl demo --enforce (umask 077)', () => {
  let dir: string;
  let result: CliResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sprawl-sweep-demo-'));
    result = await withUmask(0o077, () => runCli(['demo', '--enforce', '--size', String(SIZE), '--seed', SEED, '--verbose'], { cwd: dir, timeoutMs: RUN_TIMEOUT }));
  }, RUN_TIMEOUT);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the walk-through to the end', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Plan p_[0-9a-f]{16}: done [1-9]/);
    expect(result.stderr).toMatch(/^debug: /m);
  });

  it('no secret of the estate in stdout, stderr, the reports, the plan or the store', () => {
    const haystacks = outputs(dir, join(dir, '.sprawl', 'demo-repo'), [{ name: 'sprawl demo --enforce', result }]);
    const places = haystacks.map((h) => h.where);
    for (const f of ['sprawl-report.html', 'sprawl-report.before.html', '.sprawl/demo-plan.json', '.sprawl/demo-enforce.db']) expect(places).toContain(`${f} (bytes)`);
    // the demo scanned this very estate (same seed and size): its committed key is in the store
    const committed = sandboxRepoSteps(sandbox.estate).committedKeyIds[0] as string;
    expectReadable(haystacks, committed);
    expect(describeHits(sweep(haystacks, secrets))).toBe('');
  });

  it('reports and the plan are 0644 under umask 077', () => {
    for (const f of ['sprawl-report.html', 'sprawl-report.before.html', '.sprawl/demo-plan.json']) expect(`${f} ${mode(join(dir, f))}`).toBe(`${f} 0644`);
  });
});

describe('scan, every report, plan, approve, apply, scan, journal, rollback: command by command (umask 000)', () => {
  const REPORTS = [
    ['html', 'report.html'],
    ['json', 'report.json'],
    ['csv', 'findings.csv'],
    ['csv-identities', 'identities.csv'],
    ['md', 'report.md'],
    ['sarif', 'report.sarif'],
  ] as const;
  let dir: string;
  let repoDir: string;
  const runs: { name: string; result: CliResult }[] = [];
  let minted: Secret[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sprawl-sweep-cli-'));
    repoDir = join(dir, 'repo');
    const repo = createSandboxRepo(sandbox.estate, repoDir);
    writeFileSync(join(dir, 'sprawl.yaml'), stringify({ version: 1, ...sandbox.config, repos: [{ path: repo.dir, name: repo.name }] }));
    const before = structuredClone(sandbox.estate.hoop.connections);
    const env = { ...sandbox.env, AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined };
    const cli = async (name: string, args: string[], ok: number[] = [0]): Promise<CliResult> => {
      const result = await runCli([...args, '--db', 'store.db'], { cwd: dir, env, timeoutMs: RUN_TIMEOUT });
      runs.push({ name, result });
      expect(ok, `${name}: exit ${String(result.code)}\n${result.stderr}`).toContain(result.code);
      return result;
    };
    await withUmask(0o000, async () => {
      mkdirSync(join(dir, 'out'));
      await cli('scan', ['scan', '--verbose']);
      for (const [format, file] of REPORTS) await cli(`report ${format}`, ['report', '--format', format, '--output', join('out', file), '--verbose']);
      await cli('report json to stdout', ['report', '--format', 'json', '--output', '-']);
      await cli('plan', ['plan', '--output', 'plan.json', '--all', '--verbose']);
      await cli('plan --json', ['plan', '--output', 'plan-2.json', '--json']);
      await cli('approve', ['approve', 'plan.json', '--by', 'reviewer@example.com']);
      await cli('apply (dry run)', ['apply', 'plan.json', '--verbose']);
      // 3: sprawl's own scanner key is skipped (it authenticates with it), every other action is done
      await cli('apply --yes', ['apply', 'plan.json', '--yes', '--verbose', '--log-format', 'json'], [0, 3]);
      minted = mintedSecrets(sandbox, before);
      await cli('apply --yes --json (again)', ['apply', 'plan.json', '--yes', '--json', '--verbose'], [0, 3]);
      await cli('scan again', ['scan', '--verbose', '--log-format', 'json']);
      await cli('report html after', ['report', '--format', 'html', '--output', join('out', 'after.html'), '--verbose']);
      await cli('journal show', ['journal', 'show', '--json']);
      await cli('journal verify', ['journal', 'verify']);
      await cli('rollback', ['rollback', '--plan', 'plan.json', '--yes', '--verbose', '--log-format', 'json'], [0, 3]);
      await cli('journal show after rollback', ['journal', 'show']);
      const ids = new Set(minted.map((m) => m.id));
      minted.push(...mintedSecrets(sandbox, before).filter((m) => !ids.has(m.id)));
    });
  }, 10 * RUN_TIMEOUT);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the enforcer minted credentials for the gateway (AWS keys, GCP keys, Azure secrets, Kubernetes tokens), captured from the emulators', () => {
    const kinds = new Set(minted.map((s) => s.id.replace(/^minted:hoop:connection\/[^:]+:/, '').replace(/^minted:k8s:.*/, 'k8s-token')));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['envvar:AWS_SECRET_ACCESS_KEY', 'envvar:AZURE_CLIENT_SECRET', 'envvar:KUBERNETES_BEARER_TOKEN', 'filesystem:GOOGLE_APPLICATION_CREDENTIALS#private_key', 'k8s-token']));
  });

  it('no secret, neither the estate\'s nor one the enforcer minted, in any output, report, plan, log, journal or the store', () => {
    const haystacks = outputs(dir, repoDir, runs);
    const places = haystacks.map((h) => h.where);
    for (const [, file] of REPORTS) expect(places).toContain(`out/${file} (bytes)`);
    for (const f of ['plan.json', 'store.db']) expect(places).toContain(`${f} (bytes)`);
    expect(places.filter((p) => p.startsWith('store.db table journal.')).length).toBeGreaterThan(0);
    expectReadable(haystacks, sandboxRepoSteps(sandbox.estate).committedKeyIds[0] as string);
    expect(describeHits(sweep(haystacks, [...secrets, ...minted]))).toBe('');
  });

  it('reports and the plan are 0644 under umask 000 (not world-writable)', () => {
    for (const f of [...REPORTS.map(([, file]) => join('out', file)), join('out', 'after.html'), 'plan.json', 'plan-2.json']) expect(`${f} ${mode(join(dir, f))}`).toBe(`${f} 0644`);
  });

  it.each([
    { mask: 0o077, umask: '077', writer: 'report', args: (out: string) => ['report', '--format', 'json', '--output', out] },
    { mask: 0o000, umask: '000', writer: 'report', args: (out: string) => ['report', '--format', 'md', '--output', out] },
    { mask: 0o077, umask: '077', writer: 'plan', args: (out: string) => ['plan', '--output', out] },
    { mask: 0o027, umask: '027', writer: 'plan', args: (out: string) => ['plan', '--output', out] },
  ])('$writer over an existing 0600 file under umask $umask: 0644', async ({ mask, args }) => {
    const out = join(dir, `mode-${String(mask)}-${String(Math.random()).slice(2)}.out`);
    writeFileSync(out, 'old');
    chmodSync(out, 0o600);
    const r = await withUmask(mask, () => runCli([...args(out), '--db', 'store.db'], { cwd: dir, env: { ...sandbox.env }, timeoutMs: RUN_TIMEOUT }));
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(out) && readFileSync(out, 'utf8') !== 'old').toBe(true);
    expect(mode(out)).toBe('0644');
  });
});
