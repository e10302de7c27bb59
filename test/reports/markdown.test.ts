import { describe, expect, it } from 'vitest';
import type { Grant, Identity } from '../../src/model/index.ts';
import { renderReport } from '../../src/reports/index.ts';
import { escapeMarkdown, MARKDOWN_MAX_CHARS, MARKDOWN_MAX_RESOLVED, renderMarkdown } from '../../src/reports/markdown.ts';
import { buildReportModel } from '../../src/reports/model.ts';
import { estateInventory, previousScan, reportInput, scanInfo } from '../fixtures/reports/estate.ts';

const ZWJ = '\u200D';
/** A row of the findings table (it has a status column; the resolved table has none). */
const FINDING_ROW = /^\| (Critical|High|Medium|Low|Info) \| (New|Open|Exempt) \|/;

/** Pipes a GFM table would read as column separators. */
function unescapedPipes(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

describe('escapeMarkdown', () => {
  it.each([
    { name: 'a pipe', text: 'a|b', has: 'a\\|b' },
    { name: 'a backtick', text: 'a`b', has: 'a\\`b' },
    { name: 'HTML', text: '<img src=x onerror=alert(1)>', has: '&lt;img src\\=x onerror\\=alert\\(1\\)&gt;' },
    { name: 'an entity', text: '&lt;', has: '&amp;lt\\;' },
    { name: 'emphasis', text: '*bold* _it_', has: '\\*bold\\* \\_it\\_' },
    { name: 'a link', text: '[x](y)', has: '\\[x\\]\\(y\\)' },
    { name: 'a mention', text: '@octocat', has: `@${ZWJ}octocat` },
    { name: 'a team mention', text: '@org/team', has: `@${ZWJ}org\\/team` },
    { name: 'an issue reference', text: '#12', has: `\\#${ZWJ}12` },
    { name: 'a URL', text: 'https://evil.example/x', has: `https\\:${ZWJ}\\/\\/evil\\.example\\/x` },
    { name: 'a www address', text: 'WWW.evil.example', has: `WWW${ZWJ}\\.evil\\.example` },
    { name: 'an e-mail address', text: 'a@b.example', has: `a@${ZWJ}b\\.example` },
    { name: 'line breaks', text: 'a\r\nb\nc', has: 'a b c' },
    { name: 'a backslash', text: 'a\\b', has: 'a\\\\b' },
    { name: 'math', text: '$x$', has: '\\$x\\$' },
  ])('neutralizes $name', ({ text, has }) => {
    expect(escapeMarkdown(text)).toBe(has);
  });

  it.each([
    { name: 'letters and digits', text: 'ci deployer 42' },
    { name: 'non-ASCII', text: 'déploiement 服务 🚀' },
    { name: 'empty', text: '' },
  ])('leaves plain text as it is: $name', ({ text }) => {
    expect(escapeMarkdown(text)).toBe(text);
  });

  it('clips long text before escaping, so no escape is cut in half', () => {
    const out = escapeMarkdown('|'.repeat(500), 10);
    expect(out).toBe('\\|'.repeat(9) + '…');
  });
});

const model = buildReportModel(reportInput());

describe('renderMarkdown', () => {
  const md = renderMarkdown(model);

  it('heads with the counts, by severity and the change since the previous scan', async () => {
    expect(md).toContain('## sprawl: Non\\-human identity report');
    expect(md).toContain('| 6 | 3 | 4 (3) | 6 | 1 | 1 | 0 |');
    expect(md).toContain('**By severity:** Critical 1 · High 1 · Medium 4 · Low 0 · Info 0');
    expect(md).toContain(`Compared with scan ${escapeMarkdown(previousScan.id)}`);
    expect(md).toContain('**1 new finding**, **1 resolved**');
    expect(await renderReport('md', model)).toBe(md);
  });

  it('lists the findings worst first, new before open, each row a well-formed table row', () => {
    const rows = md.split('\n').filter((l) => FINDING_ROW.test(l));
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatch(/^\| Critical \| New \| identity\\\.admin \| ci\\-deployer \|/);
    for (const row of rows) expect(unescapedPipes(row)).toBe(6);
    expect(md).not.toContain('more finding');
  });

  it.each([
    { name: 'a partial scan names its failed source', model, has: ['**Partial scan**: 1 source failed (aws\\:444455556666)'], hasNot: [] },
    {
      name: 'a complete scan has no warning',
      model: buildReportModel(reportInput({ scan: scanInfo({ status: 'complete', sources: [] }) })),
      has: [],
      hasNot: ['Partial scan'],
    },
    {
      name: 'no previous scan',
      model: buildReportModel((({ previousScan: _p, ...rest }) => rest)(reportInput())),
      has: ['No previous scan to compare with'],
      hasNot: ['Compared with'],
    },
  ])('$name', ({ model: m, has, hasNot }) => {
    const out = renderMarkdown(m);
    for (const s of has) expect(out).toContain(s);
    for (const s of hasNot) expect(out).not.toContain(s);
  });

  it('lists the resolved findings under the change, each a well-formed row of four cells', () => {
    const rows = md.split('\n').filter((l) => /^\| (Critical|High|Medium|Low|Info) \| (?!New|Open|Exempt)/.test(l));
    expect(rows).toEqual(['| Medium | credential\\.key\\-age | legacy\\-bot | Access key AKIAFAKEROTATED00001 of legacy\\-bot is 95 days old \\(threshold 90 days\\) |']);
    expect(md.indexOf('| Resolved | Rule | Identity | Finding |')).toBeGreaterThan(md.indexOf('### Change since the previous scan'));
    expect(md.indexOf('| Resolved | Rule | Identity | Finding |')).toBeLessThan(md.indexOf('### Top findings'));
  });

  it('lists at most MARKDOWN_MAX_RESOLVED resolved findings, worst first, and counts the rest', () => {
    const [one] = reportInput().resolved;
    const resolved = Array.from({ length: 30 }, (_, i) => ({ ...one!, id: `f_resolved${String(i).padStart(4, '0')}`, severity: i === 29 ? ('critical' as const) : ('low' as const) }));
    const out = renderMarkdown(buildReportModel({ ...reportInput(), resolved }));
    const rows = out.split('\n').filter((l) => /^\| (Critical|High|Medium|Low|Info) \| (?!New|Open|Exempt)/.test(l));
    expect(rows).toHaveLength(MARKDOWN_MAX_RESOLVED);
    expect(rows[0]).toMatch(/^\| Critical \|/);
    expect(out).toContain(`…and ${30 - MARKDOWN_MAX_RESOLVED} more resolved findings.`);
  });

  it('says "no finding new or resolved" when nothing changed', () => {
    const m = buildReportModel(reportInput());
    m.summary.findings.new = 0;
    m.summary.findings.resolved = 0;
    expect(renderMarkdown(m)).toContain('no finding new or resolved');
  });
});

/** `n` identities with hostile, long names, each an administrator (one critical finding each). */
function hostileEstate(n: number) {
  const identities: Identity[] = [];
  const grants: Grant[] = [];
  for (let i = 0; i < n; i++) {
    const name = `@admins #${i} | <script>alert(1)</script> \`x\` [click](https://evil.example) www.evil.example ${'|<'.repeat(300)}`;
    const id = `aws:111122223333:user/hostile-${i}`;
    identities.push({ id, provider: 'aws', kind: 'aws-iam-user', scope: '111122223333', name, owner: 'x', labels: {}, disabled: false, managed: false });
    grants.push({ identityId: id, scope: '111122223333', role: 'AdministratorAccess', permissions: ['*'], privilege: 'admin', via: 'attached' });
  }
  return buildReportModel(reportInput({ inventory: estateInventory({ identities, grants }) }));
}

describe('renderMarkdown with hostile names and a large estate', () => {
  const big = hostileEstate(400);
  const md = renderMarkdown(big);

  it('stays well under the 65,536 characters of a GitHub comment and counts what it left out', () => {
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_MAX_CHARS);
    const active = big.findings.filter((f) => f.status === 'new' || f.status === 'open').length;
    const shown = md.split('\n').filter((l) => FINDING_ROW.test(l)).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(25);
    expect(md).toContain(`…and ${active - shown} more findings`);
  });

  it('honours a tighter character budget', () => {
    const small = renderMarkdown(big, { maxChars: 8_000 });
    expect(small.length).toBeLessThanOrEqual(8_000);
    expect(small).toMatch(/…and \d+ more findings/);
  });

  it('renders hostile names as text: no tag, link, mention, reference or broken row', () => {
    expect(md).not.toMatch(/<(?!\/?sub>)/);
    expect(md).not.toMatch(/:\/\//);
    expect(md).not.toMatch(/www\./i);
    expect(md).not.toMatch(/\]\(/);
    const rows = md.split('\n').filter((l) => FINDING_ROW.test(l));
    for (const row of rows) {
      expect(row).not.toMatch(/@(?!\u200D)/);
      expect(row).not.toMatch(/#(?!\u200D)/);
      expect(row).not.toMatch(/(?<!\\)`/);
      expect(row).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(unescapedPipes(row)).toBe(6);
    }
  });
});
