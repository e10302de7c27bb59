import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TEMPLATES_DIR, renderHtml } from '../../src/reports/html.ts';
import { EVIDENCE_CAP, PAGE_SIZE, RULE_EXAMPLES, pageEvidence } from '../../src/reports/html-view.ts';
import { assembleReportModel, buildReportModel, findingPart, identityPart } from '../../src/reports/model.ts';
import type { Identity } from '../../src/model/index.ts';
import { estateInventory, reportInput, scanInfo } from '../fixtures/reports/estate.ts';
import { ISLAND, islandText, readIsland } from './island.ts';

const SCRIPT = '<script>alert(1)</script>';
const ATTR = '"><img src=x onerror=alert(document.cookie)>';

const evil: Identity = {
  id: 'aws:111122223333:user/evil',
  provider: 'aws',
  kind: 'aws-iam-user',
  scope: '111122223333',
  name: SCRIPT,
  createdAt: '2024-01-01T00:00:00.000Z',
  owner: ATTR,
  labels: { [ATTR]: SCRIPT, team: `${ATTR}{{constructor}}` },
  disabled: false,
  managed: false,
};

const html = await renderHtml(buildReportModel(reportInput()));
const evilHtml = await renderHtml(
  buildReportModel(
    reportInput({
      inventory: estateInventory({
        identities: [evil],
        credentials: [{ id: `${evil.id}/key/AKIAFAKEEVIL00000001`, identityId: evil.id, kind: 'aws-access-key', publicId: 'AKIAFAKEEVIL00000001', createdAt: '2024-01-01T00:00:00.000Z', active: true }],
        grants: [{ identityId: evil.id, scope: '111122223333', role: SCRIPT, permissions: ['*'], privilege: 'admin', via: 'inline' }],
      }),
      scan: scanInfo({ sources: [{ source: SCRIPT, status: 'failed', items: 0, error: ATTR }] }),
    }),
  ),
);

function templateFiles(): string[] {
  const partials = readdirSync(new URL('partials/', TEMPLATES_DIR)).map((f) => `partials/${f}`);
  return ['report.hbs', ...partials];
}

describe('renderHtml: escaping of attacker-controlled values', () => {
  it.each([
    { name: 'script tag', raw: SCRIPT, escaped: '&lt;script&gt;alert(1)&lt;/script&gt;' },
    { name: 'attribute break-out', raw: ATTR, escaped: '&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(document.cookie)&gt;' },
  ])('$name comes out escaped', ({ raw, escaped }) => {
    expect(evilHtml).not.toContain(raw);
    expect(evilHtml).toContain(escaped);
  });

  it('has no element or handler an attacker injected', () => {
    // The markup, without the JSON data island (checked apart below: its strings are inert data).
    const markup = evilHtml.replace(ISLAND, '');
    expect(markup).not.toMatch(/<img/i);
    expect(markup).not.toMatch(/\sonerror=/i);
    // One script: the page's own, pinned by the CSP.
    expect(markup.match(/<script/gi)).toHaveLength(1);
    expect(markup.match(/<script>/g)).toHaveLength(1);
    // Template syntax inside data stays data.
    expect(evilHtml).toContain('{{constructor}}');
  });

  it('keeps the data island inert: one non-executed script of base64 alone, holding the raw values', () => {
    expect(islandText(evilHtml)).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const data = readIsland(evilHtml);
    expect(data.identities.find((i) => i.n === SCRIPT)?.o).toBe(ATTR);
    expect(data.findings.some((f) => data.identities[f.i]?.n === SCRIPT)).toBe(true);
  });

  it('escapes the identity name in the findings table, the identities table and messages', () => {
    const escapedName = '&lt;script&gt;alert(1)&lt;/script&gt;';
    expect(evilHtml.split(escapedName).length - 1).toBeGreaterThanOrEqual(4);
  });

  it('never uses triple-stash in the templates', () => {
    for (const file of templateFiles()) expect(readFileSync(new URL(file, TEMPLATES_DIR), 'utf8'), file).not.toContain('{{{');
  });
});

describe('renderHtml: self-contained', () => {
  it.each([
    { name: 'http URL', pattern: /http:\/\//i },
    { name: 'https URL', pattern: /https:\/\//i },
    { name: 'protocol-relative src/href', pattern: /(src|href)\s*=\s*["']?\s*\/\//i },
    { name: 'any src attribute', pattern: /\ssrc\s*=/i },
    { name: 'external stylesheet or import', pattern: /<link\b|@import|url\(/i },
    { name: 'href other than an in-page anchor', pattern: /href\s*=\s*"(?!#)/i },
  ])('has no $name', ({ pattern }) => {
    expect(html).not.toMatch(pattern);
  });

  it('pins its inline style and script by hash in the Content-Security-Policy', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=');
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('styles light, dark and print', () => {
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).toContain('@media print');
  });
});

describe('renderHtml: content and accessibility', () => {
  it.each(['Summary', 'Findings', 'Identities'])('has a %s section heading', (title) => {
    expect(html).toMatch(new RegExp(`<h2 id="[a-z-]+">${title}</h2>`));
  });

  it('shows the scan, its status and the partial warning with failed sources and reasons', () => {
    expect(html).toContain('s_20250601T115500Z_abcd1234');
    expect(html).toContain('Partial scan');
    expect(html).toMatch(/<li><strong>aws:444455556666<\/strong>: AccessDenied: not authorized to perform iam:ListUsers<\/li>/);
  });

  it('has no partial warning for a complete scan', async () => {
    const complete = await renderHtml(buildReportModel(reportInput({ scan: scanInfo({ status: 'complete', sources: [{ source: 'aws:111122223333', status: 'ok', items: 1 }] }) })));
    expect(complete).not.toContain('Partial scan');
    expect(complete).not.toContain('role="alert"');
  });

  it('shows severity badges, statuses and findings', () => {
    expect(html).toContain('<span class="badge sev-critical">Critical</span>');
    expect(html).toContain('<span class="status status-new">New</span>');
    expect(html).toContain('Access key AKIAFAKECIDEPLOYER01 of ci-deployer is 412 days old (threshold 90 days)');
  });

  it('gives every table header a scope and every input a label', () => {
    const ths = html.match(/<th\b[^>]*>/g) ?? [];
    expect(ths.length).toBeGreaterThan(10);
    for (const th of ths) expect(th).toMatch(/scope="(col|row)"/);
    for (const [, id] of html.matchAll(/<input[^>]*id="([^"]+)"/g)) expect(html).toContain(`<label for="${id}">`);
    expect(html).toMatch(/<html lang="en">/);
  });

  it('carries names outside ASCII through the island exactly, as \\u escapes in its JSON', async () => {
    const name = 'café-Δ-☃-😀';
    const page = await renderHtml(buildReportModel(reportInput({ inventory: estateInventory({ identities: [{ ...evil, name, owner: 'ü@example.com', labels: { 'ключ': '値' } }] }) })));
    const data = readIsland(page);
    expect(data.identities.find((i) => i.n === name)).toMatchObject({ o: 'ü@example.com', l: [['ключ', '値']] });
    const json = gunzipSync(Buffer.from(islandText(page), 'base64')).toString('latin1');
    expect(json).toMatch(/^[\x20-\x7e]+$/);
    expect(json).toContain('caf\\u00e9-\\u0394-\\u2603-\\ud83d\\ude00');
  });

  it('renders an empty estate', async () => {
    const empty = await renderHtml(buildReportModel(reportInput({ inventory: { identities: [], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] } })));
    expect(empty).toContain('No findings in this scan.');
    expect(empty).toContain('No identities in this scan.');
  });
});

describe('the HTML model above EVIDENCE_CAP findings (evidence of the page only)', () => {
  // Every estate finding repeated with fresh ids until there are more than the page carries evidence for.
  const input = reportInput();
  const copies = Math.ceil((EVIDENCE_CAP + 1) / input.findings.length);
  const findings = Array.from({ length: copies }, (_, c) => input.findings.map((f) => ({ ...f, id: `${f.id}-${c}`, evidence: { ...f.evidence, copy: c } }))).flat();
  const big = { ...input, findings };
  const ids = identityPart(big);
  const full = assembleReportModel(big, ids, findingPart(big, ids.names));
  const idsAgain = identityPart(big);
  const paged = assembleReportModel(big, idsAgain, findingPart(big, idsAgain.names, pageEvidence));

  it('formats the evidence of the first page and the rule examples only', () => {
    expect(findings.length).toBeGreaterThan(EVIDENCE_CAP);
    const kept = paged.findings.filter((f) => f.evidence.length > 0).length;
    expect(kept).toBeGreaterThanOrEqual(PAGE_SIZE);
    expect(kept).toBeLessThan(PAGE_SIZE + RULE_EXAMPLES * paged.ruleGroups.length + 1);
    expect(paged.findings.at(-1)?.evidence).toEqual([]);
    expect(full.findings.every((f) => f.evidence.length > 0)).toBe(true);
  });

  it('renders the same page as the model with every evidence', async () => {
    expect(await renderHtml(paged)).toBe(await renderHtml(full));
  });
});
