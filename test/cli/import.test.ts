import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/git.ts';

afterAll(() => cleanupTempDirs());

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/importers/${name}`, import.meta.url));

interface Summary {
  scan: string;
  status: string;
  records: number;
  findings: number | null;
  asOf: string;
}

describe('sprawl import', () => {
  it('imports the authorization details with their credential report as a scan, judged as of the export', async () => {
    const dir = tempDir();
    const args = ['import', 'aws-authorization-details', fixture('authorization-details.json'), '--credential-report', fixture('credential-report.csv'), '--json', '--db', 'i.db'];
    const then = await runCli([...args, '--as-of', '2024-06-01'], { cwd: dir });
    expect(then.code, then.stderr).toBe(0);
    const s = JSON.parse(then.stdout) as Summary;
    expect(s).toMatchObject({ status: 'complete', asOf: '2024-06-01T00:00:00.000Z' });
    expect(s.records).toBeGreaterThan(0);
    expect(then.stderr).toContain('credential-report.csv:line 6'); // the duplicated user, named by line
    // judged today, the same keys are older: never fewer findings
    const now = JSON.parse((await runCli(args, { cwd: dir })).stdout) as Summary;
    expect(now.findings ?? 0).toBeGreaterThanOrEqual(s.findings ?? 0);
    const report = await runCli(['report', '--scan', s.scan, '--format', 'json', '--output', '-', '--db', 'i.db'], { cwd: dir });
    expect(report.code).toBe(0);
    // the report counts ages to the time the scan was judged as of, not to today
    expect((JSON.parse(report.stdout) as { scan: { id: string; asOf: string } }).scan).toMatchObject({ id: s.scan, asOf: '2024-06-01T00:00:00.000Z' });
    // analyze --as-of re-judges a stored scan
    const again = await runCli(['analyze', '--scan', s.scan, '--as-of', '2024-06-01', '--json', '--db', 'i.db'], { cwd: dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ scan: s.scan, findings: s.findings });
  });

  it('imports a credential report in the CLI\'s JSON wrapping', async () => {
    const r = await runCli(['import', 'aws-credential-report', fixture('credential-report.json'), '--json', '--db', 'i.db'], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Summary).records).toBeGreaterThan(0);
  });

  it('adds a hoop session export to the latest inventory as a scan of its own; a malformed line makes it partial (exit 3)', async () => {
    const dir = tempDir();
    const aws = await runCli(['import', 'aws-authorization-details', fixture('authorization-details.json'), '--json', '--db', 'i.db'], { cwd: dir });
    expect(aws.code, aws.stderr).toBe(0);
    const base = JSON.parse(aws.stdout) as Summary;
    const r = await runCli(['import', 'hoop-sessions', fixture('hoop-sessions.jsonl'), '--json', '--db', 'i.db'], { cwd: dir });
    expect(r.code, r.stderr).toBe(3);
    const s = JSON.parse(r.stdout) as Summary & { counts: { inherited: number } };
    expect(s.scan).not.toBe(base.scan);
    expect(s.counts.inherited).toBe(base.records);
    expect(r.stderr).toMatch(/hoop-sessions\.jsonl:line 3: skipped: not valid JSON/);
  });

  it.each([
    [['import', 'cloudtrail', 'x.json'], /KIND: expected one of aws-authorization-details, aws-credential-report, hoop-sessions/],
    [['import', 'aws-credential-report', '/nonexistent/report.csv'], /report\.csv: cannot read/],
    [['analyze', '--as-of', 'yesterday'], /--as-of: expected an ISO date/],
  ])('exits 2 on %j', async (args, message) => {
    const r = await runCli([...args, '--db', 'i.db'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
