import { describe, expect, it } from 'vitest';
import { SECRET_FORMATS, isSecretFormat, renderJson, renderSecrets, renderText } from '../../../../src/collectors/repos/output/index.ts';
import type { JsonSecretReport, SecretFormat, SecretScanResult } from '../../../../src/collectors/repos/output/index.ts';
import { FAKE_MIDDLE, FAKE_SECRET, RULES, finding, stats } from './fixtures.ts';
import type { FakeHit } from './fixtures.ts';
import { githubSarif } from './sarif-schema.ts';

function result(hits: FakeHit[], over: Partial<SecretScanResult> = {}): SecretScanResult {
  return { findings: hits.map(finding), stats: stats(), rules: RULES, ...over };
}

const MANY: FakeHit[] = [
  { path: 'src/config.ts', line: 3, column: 7 },
  { path: 'src/config.ts', line: 9, column: 1, ruleId: 'github-pat' },
  { path: 'deploy/prod.env', line: 1, column: 14, ruleId: 'generic-password' },
  { path: 'dir with space/données.yaml', line: 2, column: 5, ruleId: 'jwt', location: { commit: 'a1b2c3d4e5f6', author: 'alice@example.com', time: '2025-06-01T10:00:00Z' } },
  { path: 'ok/test.ts', line: 4, column: 2, allowed: true },
];

describe('the secret never reaches an output', () => {
  it.each(SECRET_FORMATS.map((format) => ({ format })))('$format', ({ format }) => {
    const out = renderSecrets(format, result(MANY, { baselineSuppressed: 2 }), { toolVersion: '0.1.0', color: true, repoRoot: '/repo' });
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toContain(FAKE_SECRET);
    expect(out).not.toContain(FAKE_MIDDLE);
    expect(out).toContain(finding().preview);
  });

  it('JSON copies only the known fields of a finding', () => {
    const leaky = { ...finding(), secret: FAKE_SECRET, match: FAKE_SECRET, location: { path: 'a.ts', line: FAKE_SECRET } };
    const out = renderJson({ findings: [leaky], stats: stats(), rules: RULES, toolVersion: '0.1.0' });
    expect(out).not.toContain(FAKE_MIDDLE);
  });
});

describe('renderSecrets', () => {
  it('knows its formats', () => {
    expect(SECRET_FORMATS).toEqual(['text', 'json', 'sarif']);
    expect(isSecretFormat('sarif')).toBe(true);
    expect(isSecretFormat('html')).toBe(false);
  });

  it.each<{ format: SecretFormat; check: (out: string) => void }>([
    { format: 'text', check: (out) => expect(out).toMatch(/^src\/config\.ts:3:7 /) },
    { format: 'json', check: (out) => expect((JSON.parse(out) as JsonSecretReport).tool).toEqual({ name: 'sprawl', version: '9.9.9' }) },
    { format: 'sarif', check: (out) => expect(githubSarif.safeParse(JSON.parse(out)).success).toBe(true) },
  ])('$format', ({ format, check }) => {
    check(renderSecrets(format, result([{}]), { toolVersion: '9.9.9' }));
  });
});

describe('renderText', () => {
  it('one line per finding: place, severity, rule, preview, origin', () => {
    const lines = renderText(result(MANY)).split('\n');
    const preview = finding().preview;
    expect(lines.slice(0, 4)).toEqual([
      `deploy/prod.env:1:14  medium    generic-password       ${preview}`,
      `dir with space/données.yaml:2:5  low       jwt                    ${preview}  [a1b2c3d alice@example.com 2025-06-01]`,
      `src/config.ts:3:7  critical  aws-secret-access-key  ${preview}`,
      `src/config.ts:9:1  high      github-pat             ${preview}`,
    ]);
  });

  it.each([
    {
      name: 'findings by severity, suppressions',
      input: result(MANY, { baselineSuppressed: 2 }),
      expected: [
        '4 findings in 3 files: 1 critical, 1 high, 1 medium, 1 low',
        'Scanned 120 files (3.0 MB) in 1.23 s; skipped 4 binary, 1 too large',
        'Suppressed 2 by baseline, 1 by inline sprawl:allow',
      ],
    },
    {
      name: 'nothing found',
      input: result([], { stats: stats({ skippedBinary: 0, skippedLarge: 0, filesScanned: 1, bytesScanned: 0 }) }),
      expected: ['No secrets found.', 'Scanned 1 file (0 MB) in 1.23 s'],
    },
    {
      name: 'one finding',
      input: result([{}], { stats: stats({ bytesScanned: 200 * 1024 * 1024, durationMs: 65_000 }) }),
      expected: ['1 finding in 1 file: 1 critical', 'Scanned 120 files (200 MB) in 65.0 s; skipped 4 binary, 1 too large'],
    },
    {
      name: 'unreadable files',
      input: result([], { stats: stats({ errors: Array.from({ length: 7 }, (_, i) => ({ path: `f${i}`, error: 'EACCES' })) }) }),
      expected: ['No secrets found.', 'Scanned 120 files (3.0 MB) in 1.23 s; skipped 4 binary, 1 too large', '7 files could not be read:', '  f0: EACCES'],
    },
  ])('summary: $name', ({ input, expected }) => {
    const out = renderText(input);
    const lines = out.trimEnd().split('\n');
    const start = lines.indexOf(expected[0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(lines.slice(start, start + expected.length)).toEqual(expected);
  });

  it('lists at most five errors', () => {
    const out = renderText(result([], { stats: stats({ errors: Array.from({ length: 7 }, (_, i) => ({ path: `f${i}`, error: 'EACCES' })) }) }));
    expect(out).toContain('  … and 2 more');
    expect(out).not.toContain('f5:');
  });

  it('counts the hits the scanner dropped for sprawl:allow', () => {
    expect(renderText(result([{}], { stats: stats({ allowedInline: 3 }) }))).toContain('Suppressed 3 by inline sprawl:allow');
  });

  it('colours only when asked', () => {
    expect(renderText(result(MANY))).not.toContain('\u001b[');
    expect(renderText(result(MANY, { color: true }))).toContain('\u001b[1;31mcritical');
  });

  it('escapes control characters and bidi overrides in paths', () => {
    const out = renderText(result([{ path: 'evil\u001b[2Jname\u202e.ts' }]));
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u202e');
    expect(out).toContain('evil\\u{1b}[2Jname\\u{202e}.ts:3:7');
  });
});

describe('renderJson', () => {
  it('has the schema version, the tool, summary, findings and stats', () => {
    const report = JSON.parse(renderJson({ ...result(MANY, { baselineSuppressed: 2 }), toolVersion: '0.4.0' })) as JsonSecretReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.tool).toEqual({ name: 'sprawl', version: '0.4.0' });
    expect(report.summary).toEqual({
      findings: 4,
      files: 3,
      bySeverity: { critical: 1, high: 1, medium: 1, low: 1, info: 0 },
      suppressed: { baseline: 2, inline: 1 },
    });
    expect(report.findings).toHaveLength(4);
    expect(report.stats).toEqual(stats());
    const f = finding({ path: 'src/config.ts', line: 3, column: 7 });
    expect(report.findings.find((x) => x.ruleId === 'aws-secret-access-key')).toEqual({
      ruleId: f.ruleId,
      severity: f.severity,
      location: { path: 'src/config.ts' },
      line: 3,
      column: 7,
      endLine: 3,
      endColumn: f.endColumn,
      fingerprint: f.fingerprint,
      preview: f.preview,
    });
  });

  it('carries the commit origin', () => {
    const report = JSON.parse(renderJson({ ...result([MANY[3]!]), toolVersion: '0' })) as JsonSecretReport;
    expect(report.findings[0]!.location).toEqual({ path: 'dir with space/données.yaml', commit: 'a1b2c3d4e5f6', author: 'alice@example.com', time: '2025-06-01T10:00:00Z' });
  });
});
