/**
 * `sprawl report --format sarif` of a real stored scan (the sandbox estate and a repository with
 * committed keys) against the official SARIF 2.1.0 JSON Schema (vendored, test/fixtures/sarif/) and
 * against the subset GitHub code scanning accepts; mutated logs must fail both where they should.
 * Then what the results say: every leak with a file, the findings located in repositories, no secret.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SARIF_FINGERPRINT_KEY } from '../../src/collectors/repos/output/sarif.ts';
import type { FindingRecord, Leak } from '../../src/model/index.ts';
import { loadSarifInput, renderStoredReport } from '../../src/pipeline/report.ts';
import { FINDING_FINGERPRINT_KEY, REPORT_AUTOMATION_PREFIX, buildReportSarif, findingPlaces, type SarifReportInput } from '../../src/reports/sarif.ts';
import { githubSarif } from '../collectors/repos/output/sarif-schema.ts';
import { runCli } from '../helpers/cli.ts';
import { SANDBOX_NOW, sandboxScan, type SandboxScan } from '../fixtures/reports/sandbox-scan.ts';
import { describeErrors, sarifValidator } from '../fixtures/reports/validators.ts';

type Json = Record<string, unknown>;

const validate = sarifValidator();
let scan: SandboxScan;
let input: SarifReportInput;
let text: string;
let log: Json;

beforeAll(async () => {
  scan = await sandboxScan();
  input = await loadSarifInput(scan.store, { scanId: scan.scanId });
  text = await renderStoredReport(scan.store, 'sarif', { scanId: scan.scanId, now: SANDBOX_NOW });
  log = JSON.parse(text) as Json;
}, 120_000);

afterAll(async () => {
  await scan?.close();
});

function run(doc: Json): Json {
  return (doc.runs as Json[])[0] as Json;
}

function results(doc: Json): Json[] {
  return run(doc).results as Json[];
}

function official(doc: unknown): { valid: boolean; errors: string } {
  const valid = validate(doc);
  return { valid, errors: describeErrors(validate.errors) };
}

describe('the SARIF report of a stored scan', () => {
  it('validates against the official SARIF 2.1.0 schema', () => {
    const result = official(log);
    expect(result.errors).toBe('');
    expect(result.valid).toBe(true);
  });

  it('is accepted by GitHub code scanning (its documented subset and limits)', () => {
    const parsed = githubSarif.safeParse(log);
    expect(parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 5))).toBe('');
  });

  it('is a real log: leaks and located findings, one run tagged with the scan', () => {
    expect(input.leaks.length).toBeGreaterThan(0);
    expect(log.version).toBe('2.1.0');
    expect((run(log).automationDetails as Json).id).toBe(`${REPORT_AUTOMATION_PREFIX}${scan.scanId}`);
    const ruleIds = new Set(results(log).map((r) => r.ruleId));
    expect(ruleIds.has('credential.leaked')).toBe(true);
    expect([...ruleIds].some((id) => typeof id === 'string' && id.startsWith('aws-'))).toBe(true);
  });

  it('has one result per leak with a file, located where the leak is, fingerprinted, with its repository and commit', () => {
    const withFile = input.leaks.filter((l) => l.location.path !== '');
    const leakResults = results(log).filter((r) => (r.partialFingerprints as Json)[SARIF_FINGERPRINT_KEY] !== undefined);
    expect(leakResults).toHaveLength(withFile.length);
    for (const leak of withFile) {
      const match = leakResults.find((r) => {
        const loc = ((r.locations as Json[])[0] as { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }).physicalLocation;
        return (r.partialFingerprints as Json)[SARIF_FINGERPRINT_KEY] === leak.fingerprint && loc.artifactLocation.uri === leak.location.path && loc.region.startLine === leak.location.line;
      });
      expect(match, `${leak.location.path}:${leak.location.line}`).toBeDefined();
      expect(match?.properties).toMatchObject({ ...(leak.location.repo ? { repo: leak.location.repo } : {}), ...(leak.location.commit ? { commit: leak.location.commit } : {}) });
      expect((match?.message as Json).text).toContain(leak.preview);
    }
  });

  it('has one result per new or open finding located in a repository, tracked by its finding id', () => {
    const byFingerprint = new Map<string, Leak[]>();
    for (const l of input.leaks) byFingerprint.set(l.fingerprint, [...(byFingerprint.get(l.fingerprint) ?? []), l]);
    const expected = input.findings.filter((f) => (f.status === 'new' || f.status === 'open') && findingPlaces(f, byFingerprint).length > 0);
    expect(expected.length).toBeGreaterThan(0);
    const ids = results(log)
      .map((r) => (r.partialFingerprints as Json)[FINDING_FINGERPRINT_KEY])
      .filter((id) => id !== undefined);
    expect(new Set(ids)).toEqual(new Set(expected.map((f) => f.id)));
  });

  it('never carries a secret: no committed value (bar public key ids) is in the log', () => {
    // every long token the repository's history held: keys, tokens, passwords (AKIA… key ids are public)
    const committed = [...new Set(scan.committedText.match(/[A-Za-z0-9/+_-]{20,}/g) ?? [])].filter((t) => !/^AKIA[A-Z0-9]{16}$/.test(t));
    expect(committed.length).toBeGreaterThan(3);
    expect(committed.filter((t) => text.includes(t))).toEqual([]);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });
});

describe('sprawl report --format sarif', () => {
  it('writes sprawl-report.sarif by default: the same log, and `--format` lists sarif', async () => {
    const r = await runCli(['report', '--format', 'sarif', '--scan', scan.scanId, '--db', scan.db], { cwd: scan.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(scan.dir, 'sprawl-report.sarif'));
    expect(readFileSync(join(scan.dir, 'sprawl-report.sarif'), 'utf8')).toBe(text);
    const bad = await runCli(['report', '--format', 'pdf', '--db', scan.db], { cwd: scan.dir });
    expect(bad.stderr).toMatch(/--format: expected one of .*sarif/);
  });
});

describe('the validators reject a broken log', () => {
  const mutations: { name: string; mutate: (doc: Json) => void; official: boolean; github: boolean }[] = [
    { name: 'another version', mutate: (d) => (d.version = '2.0.0'), official: false, github: false },
    { name: 'no runs', mutate: (d) => delete d.runs, official: false, github: false },
    { name: 'an unknown level', mutate: (d) => ((results(d)[0] as Json).level = 'fatal'), official: false, github: false },
    { name: 'a result without a message', mutate: (d) => delete (results(d)[0] as Json).message, official: false, github: false },
    { name: 'a line number 0', mutate: (d) => (((results(d)[0] as { locations: { physicalLocation: { region: Json } }[] }).locations[0] as { physicalLocation: { region: Json } }).physicalLocation.region.startLine = 0), official: false, github: false },
    { name: 'a property SARIF does not define on a result', mutate: (d) => ((results(d)[0] as Json).secret = 'x'), official: false, github: true },
    { name: 'a ruleId naming no rule (GitHub only: the schema cannot say)', mutate: (d) => ((results(d)[0] as Json).ruleId = 'no-such-rule'), official: true, github: false },
  ];

  it.each(mutations)('$name', ({ mutate, official: validOfficial, github }) => {
    const doc = structuredClone(log);
    mutate(doc);
    expect(official(doc).valid).toBe(validOfficial);
    expect(githubSarif.safeParse(doc).success).toBe(github);
  });
});

describe('buildReportSarif on hand-made records', () => {
  const leak = (over: Omit<Partial<Leak>, 'location'> & { location?: Partial<Leak['location']> } = {}): Leak => ({
    id: 'leak-1',
    rule: 'aws-access-key-id',
    severity: 'critical',
    fingerprint: 'f'.repeat(64),
    preview: 'AKIA…MPLE',
    publicId: 'AKIAFAKEEXAMPLE00001',
    ...over,
    location: { repo: 'acme/api', path: 'deploy/prod env.sh', line: 3, commit: 'a'.repeat(40), ...over.location },
  });
  const finding = (over: Partial<FindingRecord> = {}): FindingRecord => ({
    id: 'finding-1',
    ruleId: 'credential.leaked',
    title: 'Credential committed to a repository',
    severity: 'critical',
    subjectType: 'credential',
    subjectId: 'cred-1',
    identityId: 'aws:111122223333:user/ci',
    provider: 'aws',
    scope: '111122223333',
    message: 'Access key AKIAFAKEEXAMPLE00001 of IAM user ci (active) is committed in acme/api:deploy/prod env.sh:3',
    evidence: { secretFingerprint: 'f'.repeat(64) },
    remediation: 'Revoke it.',
    references: [{ framework: 'SOC2', control: 'CC6.1' }],
    status: 'new',
    firstSeenScan: 's1',
    lastSeenScan: 's1',
    firstSeenAt: '2026-01-01T00:00:00Z',
    ...over,
  });
  const build = (leaks: Leak[], findings: FindingRecord[]) => buildReportSarif({ scanId: 's_1', toolVersion: '1.2.3', leaks, findings, rules: [] });

  it.each([
    { name: 'a leak and the finding of its credential', leaks: [leak()], findings: [finding()], results: 2 },
    { name: 'the same secret in two places: one finding, a related location', leaks: [leak(), leak({ id: 'leak-2', location: { path: 'b.sh', line: 9 } })], findings: [finding()], results: 3 },
    { name: 'a finding located by its evidence path (GitHub alert)', leaks: [], findings: [finding({ ruleId: 'github.secret-alert-open', evidence: { repo: 'acme/api', path: 'x.env', line: 2, fingerprint: 'nope' } })], results: 1 },
    { name: 'an exempt finding is left out', leaks: [leak()], findings: [finding({ status: 'exempt' })], results: 1 },
    { name: 'a finding with no repository place is left out', leaks: [], findings: [finding({ ruleId: 'credential.key-age', evidence: { ageDays: 400 } })], results: 0 },
    { name: 'a leak without a file (an alert with no location) is left out', leaks: [leak({ location: { path: '', line: 0 } })], findings: [], results: 0 },
    { name: 'nothing at all', leaks: [], findings: [], results: 0 },
  ])('$name: $results results, valid for the schema and GitHub', ({ leaks, findings, results: n }) => {
    const doc = JSON.parse(JSON.stringify(build(leaks, findings))) as Json;
    expect(results(doc)).toHaveLength(n);
    expect(official(doc).errors).toBe('');
    expect(githubSarif.safeParse(doc).success).toBe(true);
  });

  it('encodes the path as a relative URI and lists the other places of a finding', () => {
    const doc = build([leak({ location: { time: '2025-01-01T00:00:00Z' } }), leak({ id: 'leak-2', location: { path: 'b.sh', line: 9, time: '2025-06-01T00:00:00Z' } })], [finding()]);
    const f = doc.runs[0].results.find((r) => r.ruleId === 'credential.leaked');
    expect(f?.locations[0]?.physicalLocation.artifactLocation).toEqual({ uri: 'deploy/prod%20env.sh', uriBaseId: '%SRCROOT%' });
    expect(f?.relatedLocations?.map((r) => r.physicalLocation.artifactLocation.uri)).toEqual(['b.sh']);
    expect(f?.properties).toMatchObject({ identity: 'aws:111122223333:user/ci', status: 'new', repo: 'acme/api' });
    expect(doc.runs[0].properties).toEqual({ leaks: 2, leaksWithoutLocation: 0, findings: 1, resultsOmitted: 0 });
  });
});
