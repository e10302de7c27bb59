import { describe, expect, it } from 'vitest';
import { SARIF_FINGERPRINT_KEY, SARIF_MAX_RESULTS, artifactLocation, buildSarif, pascalCase, renderSarif } from '../../../../src/collectors/repos/output/index.ts';
import type { SarifLog } from '../../../../src/collectors/repos/output/index.ts';
import type { Severity } from '../../../../src/model/index.ts';
import { RULES, finding, stats } from './fixtures.ts';
import type { FakeHit } from './fixtures.ts';
import { githubSarif } from './sarif-schema.ts';

const VERSION = '1.2.3';

function sarif(hits: FakeHit[], extra: { repoRoot?: string; automationId?: string; baselineSuppressed?: number } = {}): SarifLog {
  const text = renderSarif({ findings: hits.map(finding), stats: stats(), rules: RULES, toolVersion: VERSION, ...extra });
  const log = JSON.parse(text) as SarifLog;
  const parsed = githubSarif.safeParse(log);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return log;
}

function onlyResult(log: SarifLog) {
  expect(log.runs[0].results).toHaveLength(1);
  return log.runs[0].results[0]!;
}

describe('renderSarif: document', () => {
  it('an empty result is a valid SARIF log with every rule', () => {
    const log = sarif([]);
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver).toMatchObject({ name: 'sprawl', semanticVersion: VERSION });
    expect(log.runs[0].tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
  });

  it('an empty result with no rules is still valid', () => {
    const log = JSON.parse(renderSarif({ findings: [], stats: stats(), rules: [], toolVersion: VERSION })) as unknown;
    expect(githubSarif.safeParse(log).success).toBe(true);
  });

  it('records automationDetails and the source root when given', () => {
    const run = sarif([], { automationId: 'sprawl/secrets/', repoRoot: '/work/my repo' }).runs[0];
    expect(run.automationDetails).toEqual({ id: 'sprawl/secrets/' });
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/my%20repo/' } });
  });

  it('omits automationDetails by default', () => {
    expect(sarif([]).runs[0].automationDetails).toBeUndefined();
  });
});

describe('renderSarif: rules from SecretRule', () => {
  const rules = sarif([]).runs[0].tool.driver.rules;

  it.each(RULES.map((r, i) => ({ rule: r, i })))('$rule.id', ({ rule, i }) => {
    const out = rules[i]!;
    expect(out.id).toBe(rule.id);
    expect(out.name).toBe(pascalCase(rule.id));
    expect(out.shortDescription.text).toBe(rule.title);
    expect(out.fullDescription.text).toBe(rule.description);
    expect(out.help.text).toBe(rule.description);
    expect(out.help.markdown).toContain(rule.title);
    expect(out.properties.tags).toEqual(['security', 'secret', rule.family]);
    expect(out.properties.precision).toBe(rule.family === 'generic' ? 'medium' : 'high');
  });

  it.each([
    { id: 'aws-access-key-id', name: 'AwsAccessKeyId' },
    { id: 'github-pat', name: 'GithubPat' },
    { id: 'gcp_service_account.key', name: 'GcpServiceAccountKey' },
    { id: 'jwt', name: 'Jwt' },
    { id: '---', name: 'Secret' },
  ])('name of $id is $name', ({ id, name }) => {
    expect(pascalCase(id)).toBe(name);
  });

  it('bounds long descriptions to GitHub limits', () => {
    const long = { ...RULES[0]!, description: 'x'.repeat(5000) };
    const log = buildSarif({ findings: [], stats: stats(), rules: [long], toolVersion: VERSION });
    expect(log.runs[0].tool.driver.rules[0]!.fullDescription.text.length).toBeLessThanOrEqual(1024);
    expect(githubSarif.safeParse(log).success).toBe(true);
  });

  it('describes a rule it was not given so the result still resolves', () => {
    const log = sarif([{ ruleId: 'custom-token', severity: 'high' }]);
    const result = onlyResult(log);
    const rule = log.runs[0].tool.driver.rules[result.ruleIndex]!;
    expect(rule.id).toBe('custom-token');
    expect(rule.defaultConfiguration.level).toBe('error');
  });
});

describe('renderSarif: levels by severity', () => {
  it.each<{ severity: Severity; level: string; score: string }>([
    { severity: 'critical', level: 'error', score: '9.0' },
    { severity: 'high', level: 'error', score: '7.5' },
    { severity: 'medium', level: 'warning', score: '5.0' },
    { severity: 'low', level: 'note', score: '3.0' },
    { severity: 'info', level: 'note', score: '3.0' },
  ])('$severity -> $level, security-severity $score', ({ severity, level, score }) => {
    const r = RULES.find((x) => x.severity === severity)!;
    const log = sarif([{ ruleId: r.id }]);
    const result = onlyResult(log);
    expect(result.level).toBe(level);
    expect(result.ruleId).toBe(r.id);
    const rule = log.runs[0].tool.driver.rules[result.ruleIndex]!;
    expect(rule.id).toBe(r.id);
    expect(rule.defaultConfiguration.level).toBe(level);
    expect(rule.properties['security-severity']).toBe(score);
  });
});

describe('renderSarif: locations', () => {
  it.each([
    { path: 'src/config.ts', uri: 'src/config.ts' },
    { path: 'dir with space/key file.env', uri: 'dir%20with%20space/key%20file.env' },
    { path: 'données/clé.txt', uri: 'donn%C3%A9es/cl%C3%A9.txt' },
    { path: '日本語/設定.yaml', uri: '%E6%97%A5%E6%9C%AC%E8%AA%9E/%E8%A8%AD%E5%AE%9A.yaml' },
    { path: 'emoji/🔑.txt', uri: 'emoji/%F0%9F%94%91.txt' },
    { path: 'a#b?c%d.txt', uri: 'a%23b%3Fc%25d.txt' },
    { path: "it's (1).ts", uri: 'it%27s%20%281%29.ts' },
    { path: 'win\\style\\path.ts', uri: 'win/style/path.ts' },
    { path: './rel/x.ts', uri: 'rel/x.ts' },
    { path: 'a//b/./c.ts', uri: 'a/b/c.ts' },
  ])('$path -> $uri', ({ path, uri }) => {
    const result = onlyResult(sarif([{ path }]));
    expect(result.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri, uriBaseId: '%SRCROOT%' });
  });

  it('makes an absolute path under the root relative', () => {
    expect(artifactLocation('/work/my repo/src/a b.ts', '/work/my repo')).toEqual({ uri: 'src/a%20b.ts', uriBaseId: '%SRCROOT%' });
  });

  it('gives a path outside the root an absolute file URI', () => {
    expect(artifactLocation('/elsewhere/x.ts', '/work/repo')).toEqual({ uri: 'file:///elsewhere/x.ts' });
  });

  it.each([
    { line: 1, column: 1, endLine: 1, endColumn: 41 },
    { line: 3, column: 17, endLine: 3, endColumn: 57 },
    { line: 120_000, column: 4096, endLine: 120_000, endColumn: 4136 },
    { line: 10, column: 5, endLine: 38, endColumn: 26 },
  ])('carries lines and columns over: $line:$column-$endLine:$endColumn', (pos) => {
    const region = onlyResult(sarif([pos])).locations[0]!.physicalLocation.region;
    expect(region).toEqual({ startLine: pos.line, startColumn: pos.column, endLine: pos.endLine, endColumn: pos.endColumn });
  });

  it('keeps a malformed region well-formed', () => {
    const region = onlyResult(sarif([{ line: 0, column: 0, endLine: 0, endColumn: 0 }])).locations[0]!.physicalLocation.region;
    expect(region).toEqual({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 });
  });
});

describe('renderSarif: results', () => {
  it('tracks alerts by the fingerprint', () => {
    const f = finding();
    const result = onlyResult(sarif([{}]));
    expect(result.partialFingerprints).toEqual({ [SARIF_FINGERPRINT_KEY]: f.fingerprint });
  });

  it('says what and where in the message', () => {
    const text = onlyResult(sarif([{ path: 'deploy/prod.env', line: 9, column: 12, location: { commit: 'a1b2c3d4e5f6a7b8c9d0' } }])).message.text;
    expect(text).toContain('AWS secret access key');
    expect(text).toContain('deploy/prod.env');
    expect(text).toContain('line 9, column 12');
    expect(text).toContain('a1b2c3d4e5f6');
  });

  it('adds commit, author and time when present, and nothing otherwise', () => {
    const withOrigin = onlyResult(sarif([{ location: { commit: 'abc123', author: 'Alice <a@example.com>', time: '2025-06-01T10:00:00Z' } }]));
    expect(withOrigin.properties).toEqual({ commit: 'abc123', author: 'Alice <a@example.com>', time: '2025-06-01T10:00:00Z' });
    expect(onlyResult(sarif([{}])).properties).toBeUndefined();
  });

  it('leaves out findings allowed inline and counts them', () => {
    const run = sarif([{ line: 1 }, { line: 2, allowed: true }], { baselineSuppressed: 5 }).runs[0];
    expect(run.results).toHaveLength(1);
    expect(run.properties).toMatchObject({ suppressedInline: 1, suppressedByBaseline: 5, resultsOmitted: 0 });
  });

  it(`keeps at most ${SARIF_MAX_RESULTS} results, the worst first`, () => {
    const hits: FakeHit[] = Array.from({ length: SARIF_MAX_RESULTS }, (_, i) => ({ ruleId: 'jwt', line: i + 1 }));
    hits.push({ ruleId: 'aws-secret-access-key', line: 1 });
    const run = buildSarif({ findings: hits.map(finding), stats: stats(), rules: RULES, toolVersion: VERSION }).runs[0];
    expect(run.results).toHaveLength(SARIF_MAX_RESULTS);
    expect(run.results[0]!.ruleId).toBe('aws-secret-access-key');
    expect(run.properties.resultsOmitted).toBe(1);
  });

  it('reports unreadable files as notifications', () => {
    const log = buildSarif({ findings: [], stats: stats({ errors: [{ path: 'a b/x.bin', error: 'EACCES' }] }), rules: RULES, toolVersion: VERSION });
    const n = log.runs[0].invocations[0]!.toolExecutionNotifications;
    expect(n).toHaveLength(1);
    expect(n[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('a%20b/x.bin');
  });
});

describe('the GitHub SARIF schema of these tests rejects what GitHub rejects', () => {
  const valid = (): SarifLog => buildSarif({ findings: [finding()], stats: stats(), rules: RULES, toolVersion: VERSION });
  it.each<{ name: string; spoil: (log: SarifLog) => void }>([
    { name: 'absolute URI', spoil: (l) => (l.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'file:///etc/x') },
    { name: 'unencoded space', spoil: (l) => (l.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'a b.ts') },
    { name: 'startLine 0', spoil: (l) => (l.runs[0].results[0]!.locations[0]!.physicalLocation.region.startLine = 0) },
    { name: 'no fingerprint', spoil: (l) => (l.runs[0].results[0]!.partialFingerprints = {}) },
    { name: 'unknown ruleId', spoil: (l) => (l.runs[0].results[0]!.ruleId = 'nope') },
    { name: 'duplicate rule id', spoil: (l) => l.runs[0].tool.driver.rules.push(l.runs[0].tool.driver.rules[0]!) },
    { name: 'wrong version', spoil: (l) => ((l as { version: string }).version = '2.0.0') },
  ])('$name', ({ spoil }) => {
    const log = valid();
    expect(githubSarif.safeParse(log).success).toBe(true);
    spoil(log);
    expect(githubSarif.safeParse(log).success).toBe(false);
  });
});
