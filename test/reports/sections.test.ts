import { describe, expect, it } from 'vitest';
import { catalogue } from '../../src/analyzers/index.ts';
import type { Plan } from '../../src/model/index.ts';
import { chartsView } from '../../src/reports/charts.ts';
import { renderHtml } from '../../src/reports/html.ts';
import { clientData, htmlView, islandJson, packIsland, packTable, type Coding, type IslandTable } from '../../src/reports/html-view.ts';
import { buildReportModel, type ReportInput } from '../../src/reports/model.ts';
import { builder, ciDeployer, estateInventory, legacyBot, reportInput, runner } from '../fixtures/reports/estate.ts';
import { readIsland, unpackTable } from './island.ts';

const rules = catalogue().map((r) => ({ id: r.id, title: r.title, severity: r.severity, remediation: r.remediation, references: r.references }));

function input(extra: Partial<ReportInput> = {}): ReportInput {
  const base = reportInput({
    inventory: estateInventory({
      connections: [{ id: 'hoop:gw:conn/deployer', gateway: 'gw', name: 'deployer', type: 'custom', tags: {}, secretKeys: [], identityId: ciDeployer.id, linkedBy: 'sprawl-tag' }],
      activities: [{ identityId: ciDeployer.id, at: '2025-05-30T00:00:00.000Z', source: 'gateway', actor: 'alice', connectionId: 'hoop:gw:conn/deployer' }],
      leaks: [
        {
          id: 'l1',
          rule: 'aws-access-key-id',
          severity: 'high',
          location: { repo: 'acme/app', path: 'deploy.sh', line: 3, commit: '0123456789abcdef0123' },
          fingerprint: 'hmac-not-shown',
          preview: 'AKIA…R01',
          publicId: 'AKIAFAKECIDEPLOYER01',
          credentialId: `${ciDeployer.id}/key/AKIAFAKECIDEPLOYER01`,
        },
      ],
    }),
  });
  return { ...base, rules, ...extra };
}

const model = buildReportModel(input());

describe('report sections: summary and identities', () => {
  it('counts the share of identities behind the gateway', () => {
    expect(model.summary.gateway).toEqual({ behind: 1, total: 6, percent: 16.7, percentText: '16.7%' });
  });

  it('gives each identity its credentials, grants, activity and gateway connections', () => {
    const row = model.identities.find((r) => r.id === ciDeployer.id);
    expect(row?.behindGateway).toBe(true);
    expect(row?.gatewayConnections).toEqual(['deployer']);
    expect(row?.credentialList.map((c) => [c.publicId, c.active, c.ageText])).toEqual([
      ['AKIAFAKECIDEPLOYER01', true, '412 days'],
      ['AKIAFAKECIDEPLOYER02', false, '600 days'],
    ]);
    expect(row?.grants).toEqual([{ role: 'AdministratorAccess', scope: '111122223333', privilege: 'admin', privilegeLabel: 'Admin', via: 'group admins' }]);
    expect(row?.activity.gateway).toMatchObject({ count: 1, actors: 1, lastText: '2025-05-30' });
    expect(model.identities.find((r) => r.id === runner.id)?.activity.provider.count).toBe(1);
    expect(model.identities.find((r) => r.id === legacyBot.id)?.behindGateway).toBe(false);
  });
});

describe('report sections: charts', () => {
  it('buckets active key ages and last use, unknowns apart', () => {
    const keyAge = Object.fromEntries(model.charts.keyAge.map((b) => [b.key, b.count]));
    // Active keys: 412, 100 and 120 days old.
    expect(keyAge).toEqual({ lt30: 0, '30-89': 0, '90-179': 2, '180-364': 0, '1-2y': 1, gte2y: 0, unknown: 0 });
    const lastUse = Object.fromEntries(model.charts.lastUse.map((b) => [b.key, b.count]));
    expect(lastUse.unknown).toBe(2);
    expect(model.charts.lastUse.reduce((n, b) => n + b.count, 0)).toBe(6);
  });

  it('counts open findings by rule and severity, most first', () => {
    const total = model.charts.findingsByRule.reduce((n, r) => n + r.total, 0);
    expect(total).toBe(model.summary.findings.total);
    const admin = model.charts.findingsByRule.find((r) => r.ruleId === 'identity.admin');
    expect(admin?.bySeverity.find((s) => s.severity === 'critical')?.count).toBe(1);
  });

  it('orders the trend oldest first and draws it only from two scans on', () => {
    const history = [
      { scanId: 's2', at: '2025-06-01T12:00:00.000Z', bySeverity: { critical: 1, medium: 4 } },
      { scanId: 's1', at: '2025-05-25T12:00:00.000Z', bySeverity: { high: 2 } },
    ];
    const m = buildReportModel(input({ history }));
    expect(m.charts.trend.map((p) => [p.scanId, p.total])).toEqual([
      ['s1', 2],
      ['s2', 5],
    ]);
    expect(chartsView(m.charts).trend?.rects).toHaveLength(3);
    expect(chartsView(model.charts).trend).toBeNull();
  });

  it('draws bars proportional to counts, with the values as text for screen readers', () => {
    const chart = chartsView(model.charts).keyAge;
    const widths = chart.rects.map((r) => r.width);
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBeCloseTo((widths[1] ?? 0) * 2, 0);
    expect(chart.description).toContain('90–179 days: 2');
  });
});

describe('report sections: findings by rule and compliance', () => {
  it('groups findings by rule, worst first, with remediation and controls', () => {
    const ranks = model.ruleGroups.map((g) => g.severityRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const admin = model.ruleGroups.find((g) => g.ruleId === 'identity.admin');
    expect(admin).toMatchObject({ severity: 'critical', total: 1, new: 1 });
    expect(admin?.references).toContain('CIS AWS 1.16');
    expect(admin?.remediation).toMatch(/administrator grant/);
    expect(model.ruleGroups.reduce((n, g) => n + g.total, 0)).toBe(model.summary.findings.total);
  });

  it('fails a control an open finding maps to and passes one whose rules found nothing', () => {
    const controls = model.compliance.flatMap((f) => f.controls);
    const cis116 = controls.find((c) => c.label === 'CIS AWS 1.16');
    expect(cis116).toMatchObject({ status: 'fail', findings: 1, failingRules: ['identity.admin'] });
    const passing = controls.filter((c) => c.status === 'pass');
    expect(passing.length).toBeGreaterThan(0);
    for (const c of passing) expect(c.findings).toBe(0);
    expect(model.compliance.map((f) => f.framework)).toEqual(['CIS', 'SOC2', 'ISO27001', 'NIST800-53']);
    for (const f of model.compliance) expect(f.passed + f.failed).toBe(f.controls.length);
  });

  it('does not fail a control for an exempt finding', () => {
    const base = input();
    const findings = base.findings.map((f) => (f.ruleId === 'identity.admin' ? { ...f, status: 'exempt' as const } : f));
    const cis116 = buildReportModel({ ...base, findings })
      .compliance.flatMap((f) => f.controls)
      .find((c) => c.label === 'CIS AWS 1.16');
    expect(cis116).toMatchObject({ status: 'pass', findings: 0, exempt: 1 });
  });
});

describe('report sections: leaks and plan', () => {
  it('lists leaks redacted, with location, short commit and the identity they match', () => {
    expect(model.leaks).toEqual([
      expect.objectContaining({ preview: 'AKIA…R01', repo: 'acme/app', path: 'deploy.sh', line: 3, commit: '0123456789ab', identityName: 'ci-deployer' }),
    ]);
    expect(JSON.stringify(model.leaks)).not.toContain('hmac-not-shown');
  });

  it('summarises the latest plan, or null', () => {
    expect(model.plan).toBeNull();
    const plan: Plan = {
      schemaVersion: 1,
      id: 'p_0123456789abcdef',
      createdAt: '2025-06-02T00:00:00.000Z',
      scan: { id: 'some-earlier-scan', startedAt: '2025-05-25T12:00:00.000Z' },
      filters: {},
      basis: {},
      digest: 'd',
      actions: [
        { id: 'a_1', kind: 'gateway.register', identityId: builder.id, identityName: 'builder', provider: 'gcp', scope: 'acme-prod', verdict: 'migrate', target: builder.id, stage: 1, reversible: true, dependsOn: [], params: {}, summary: 'Register builder' },
        { id: 'a_2', kind: 'gcp.key.delete', identityId: builder.id, identityName: 'builder', provider: 'gcp', scope: 'acme-prod', verdict: 'migrate', target: 'k', stage: 2, reversible: false, dependsOn: ['a_1'], graceDays: 14, params: {}, summary: 'Delete key' },
      ],
    };
    expect(buildReportModel(input({ plan })).plan).toMatchObject({ id: plan.id, forThisScan: false, actions: 2, stage1: 1, stage2: 1, approvedBy: null });
  });
});

const html = await renderHtml(model);

describe('HTML report: sections, data island and caps', () => {
  it('lists the findings resolved since the previous scan, and says so when there are none', async () => {
    const resolvedTable = /<table id="resolved-table"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(resolvedTable).toContain('<code>f_resolvedfake000000000001</code>');
    expect(resolvedTable).toContain('<th scope="row">legacy-bot</th>');
    expect(resolvedTable).toMatch(/and gone in this one: 1, worst first/);
    const none = await renderHtml(buildReportModel(input({ resolved: [] })));
    expect(none).toContain('No finding was resolved since the previous scan.');
    expect(none).not.toContain('id="resolved-table"');
    const first = await renderHtml(buildReportModel((({ previousScan: _p, ...rest }) => rest)(input({ resolved: [] }))));
    expect(first).not.toContain('Resolved since the previous scan');
  });

  it.each(['Charts', 'Compliance', 'Findings by rule', 'Leaked keys', 'Plan'])('has a %s section heading', (title) => {
    expect(html).toMatch(new RegExp(`<h2 id="[a-z-]+">${title}</h2>`));
  });

  it('draws the charts as inline SVG with accessible names, and shows pass and fail', () => {
    expect(html.match(/<svg viewBox="[^"]+" width="\d+" height="\d+" role="img" aria-labelledby="chart-[a-z-]+-title chart-[a-z-]+-desc"/g)?.length).toBe(3);
    expect(html).toContain('<span class="control control-fail">Fail</span>');
    expect(html).toContain('<span class="control control-pass">Pass</span>');
    expect(html).toContain('AKIA…R01');
  });

  it.each([
    { name: 'repeated strings', rows: [{ a: 'x', b: 1 }, { a: 'x', b: 2 }, { a: 'y', b: 3 }, { a: 'x', b: 4 }], dict: ['a', 'b'] },
    { name: 'strings and counts nested in tuples', rows: [{ t: [['k', true, 0, null]] }, { t: [['k', false, 7, 'k']] }, { t: [] }], dict: ['t'] },
    { name: 'references mixed with text', rows: [{ r: ['why', 0, 12] }, { r: ['why', 'why'] }], dict: ['r'] },
    { name: 'plain columns beside coded ones', rows: [{ i: -1, s: 'x', f: 0.5 }, { i: 3, s: 'x', f: 2 }], dict: ['s'] },
    { name: 'nulls only', rows: [{ a: null }, { a: null }], dict: ['a'] },
    { name: 'no rows', rows: [] as { a: string }[], dict: ['a'] },
  ])('packs a table by column and reads it back exactly: $name', ({ rows, dict }) => {
    const keys = Object.keys(rows[0] ?? { a: '' });
    const coding = Object.fromEntries(keys.map((k) => [k, dict.includes(k) ? 'dict' : 'plain'])) as Coding<(typeof rows)[number]>;
    const table = packTable(rows, coding);
    expect(table.n).toBe(rows.length);
    expect(Object.keys(table.c).filter((k) => 'd' in (table.c[k] as object))).toEqual(dict);
    expect(unpackTable(JSON.parse(JSON.stringify(table)) as IslandTable)).toEqual(rows);
  });

  it.each([-1, 0.5, Number.MAX_SAFE_INTEGER + 2])('refuses to dictionary-code the number %s, naming the column', (n) => {
    expect(() => packTable([{ q: ['a', n] }], { q: 'dict' })).toThrow(/column q: the number .* cannot be dictionary-coded/);
  });

  it('keeps each repeated string once in a coded column', () => {
    const table = packTable([{ a: ['x', 'y'] }, { a: ['y', 'x'] }, { a: ['x'] }], { a: 'dict' });
    expect(table.c.a).toEqual({ d: ['x', 'y'], v: [[0, 1], [1, 0], [0]] });
  });

  it('writes the island JSON column by column exactly as the whole would stringify', () => {
    const data = clientData(model);
    expect([...islandJson(data)].join('')).toBe(JSON.stringify(packIsland(data)));
  });

  it('carries the same rows through the HTML island as clientData builds them', async () => {
    const page = await renderHtml(model);
    expect(readIsland(page)).toEqual(clientData(model));
  });

  it('server-renders one page of rows and carries every row in the data island', async () => {
    const many = { ...model, identities: Array.from({ length: 120 }, (_, i) => ({ ...(model.identities[0] as (typeof model.identities)[number]), id: `id-${i}`, name: `n-${i}` })) };
    const view = htmlView(many);
    expect(view.firstIdentities).toMatchObject({ total: 120, more: 70 });
    expect(view.firstIdentities.rows).toHaveLength(50);
    expect(clientData(many).identities).toHaveLength(120);
    const page = await renderHtml(many);
    expect(page.match(/<span class="identity-name">n-\d+<\/span>/g)).toHaveLength(50);
    expect(page).toContain('The first 50 of 120 identities');
  });

  it('keeps a verdict reason that repeats a finding\'s message once: as that finding\'s index', () => {
    const data = clientData(model);
    let pointed = 0;
    model.identities.forEach((row, n) => {
      const vr = data.identities[n]!.vr;
      expect(vr).toHaveLength(row.verdictReasons.length);
      vr.forEach((r, k) => {
        // resolved as the page's script does, each reason reads as it did
        expect(typeof r === 'number' ? data.findings[r]!.m : r).toBe(row.verdictReasons[k]);
        if (typeof r === 'number') {
          expect(data.findings[r]!.i).toBe(n);
          pointed++;
        }
      });
    });
    expect(pointed).toBeGreaterThan(0);
  });

  it('keeps the name of a finding whose identity has no row (a leaked key of unknown origin)', () => {
    const [gone, ...rest] = model.identities;
    const data = clientData({ ...model, identities: rest });
    const orphans = data.findings.filter((f) => f.i === -1);
    expect(orphans.length).toBe(model.findings.filter((f) => f.identityId === gone?.id).length);
    expect(orphans.length).toBeGreaterThan(0);
    for (const f of orphans) expect(f.n).toBe(gone?.name);
  });

  it('points each finding of the island at its identity', () => {
    const data = clientData(model);
    model.findings.forEach((row, k) => {
      const f = data.findings[k]!;
      expect(data.identities[f.i]?.n).toBe(row.identityName);
      // the name is kept once, in the identity's row
      expect(f.n).toBeNull();
    });
    expect(data.evidence).toBe(true);
  });
});
