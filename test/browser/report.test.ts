/**
 * The HTML report in a real browser (Debian's chromium driven by playwright-core; .ci/run installs
 * it): a sandbox scan with one identity renamed to an HTML payload, opened from a file:// URL.
 * Checks that nothing leaves the file, nothing runs, the payload shows as text, and that search,
 * filters, sorting and paging work through the page's own controls. Screenshots go to
 * test-artifacts/browser/. Skipped, saying why, when /usr/bin/chromium is absent.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStoredReport } from '../../src/pipeline/report.ts';
import { loadFindings } from '../../src/store/index.ts';
import { sandboxScan, SANDBOX_NOW, type SandboxScan } from '../fixtures/reports/sandbox-scan.ts';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror=alert(1)>';
const ARTIFACTS = resolve('test-artifacts/browser');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`test/browser: skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`);

describe.skipIf(!available)('the HTML report in chromium', { timeout: 120_000 }, () => {
  let scan: SandboxScan;
  let browser: Browser;
  let page: Page;
  let fileUrl: string;
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    scan = await sandboxScan('browser-report', 80);
    // The hostile name goes into the store, on an identity with findings: the report reads it from
    // there like any collected name (identity rows, finding rows, rule examples).
    const [target] = await loadFindings(scan.store, scan.scanId);
    if (!target) throw new Error('the sandbox scan raised no finding');
    await scan.store.db.updateTable('identities').set({ name: HOSTILE }).where('scan_id', '=', scan.scanId).where('id', '=', target.identityId).execute();
    const html = await renderStoredReport(scan.store, 'html', { scanId: scan.scanId, now: SANDBOX_NOW });
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'report.html');
    writeFileSync(file, html);
    fileUrl = pathToFileURL(file).href;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(fileUrl, { waitUntil: 'load' });
    // The script decompresses the data island asynchronously, then marks the page.
    await page.waitForSelector('html[data-report]', { state: 'attached' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await scan?.close();
  });

  const rows = (table: string) => page.locator(`#${table}-table tbody tr`);
  const column = async (table: string, index: number) => (await rows(table).locator(`:scope > :nth-child(${index})`).allTextContents()).map((t) => t.trim());

  it('loads with no request leaving the file, no dialog and no script error or CSP violation', async () => {
    await page.waitForTimeout(300);
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(url === fileUrl || url.startsWith('data:'), url).toBe(true);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.getAttribute('html', 'data-report')).toBe('ready');
  });

  it('shows the hostile identity name as text', async () => {
    await page.fill('#identities-filter', 'onerror');
    await expect.poll(() => rows('identities').count()).toBe(1);
    expect((await rows('identities').locator('.identity-name').textContent())?.trim()).toBe(HOSTILE);
    await page.fill('#findings-filter', 'onerror=alert');
    await expect.poll(() => rows('findings').count()).toBeGreaterThan(0);
    for (const name of await rows('findings').locator('th').allTextContents()) expect(name.trim()).toBe(HOSTILE);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.fill('#identities-filter', '');
    await page.fill('#findings-filter', '');
  });

  it('pages through every identity, 50 at a time', async () => {
    const status = page.locator('[data-pager-for="identities"] .page-status');
    await expect.poll(() => status.textContent()).toMatch(/^Rows 1–50 of \d+/);
    const total = Number(/of (\d+) \(/.exec((await status.textContent()) ?? '')?.[1]);
    expect(total).toBeGreaterThan(50);
    const first = await column('identities', 1);
    await page.click('[data-pager-for="identities"] [data-page="next"]');
    await expect.poll(() => status.textContent()).toMatch(new RegExp(`^Rows 51–${Math.min(100, total)} of ${total}`));
    expect(await column('identities', 1)).not.toEqual(first);
    await page.click('[data-pager-for="identities"] [data-page="prev"]');
    await expect.poll(() => status.textContent()).toMatch(/^Rows 1–50/);
  });

  it('filters identities by search and by provider', async () => {
    await page.selectOption('#identities-provider', 'gcp');
    await expect.poll(async () => (await column('identities', 2)).length).toBeGreaterThan(0);
    for (const kind of await column('identities', 2)) expect(kind).toMatch(/^Google Cloud/);
    const count = await page.locator('#identities-count').textContent();
    expect(count).toMatch(/^\d+ of \d+ shown$/);
    await page.selectOption('#identities-provider', '');
    await page.fill('#identities-filter', 'zz-no-such-identity');
    await expect.poll(() => rows('identities').count()).toBe(0);
    expect(await page.locator('[data-pager-for="identities"] .page-status').textContent()).toBe('No rows match.');
    await page.fill('#identities-filter', '');
    await expect.poll(() => rows('identities').count()).toBe(50);
  });

  it('filters findings by severity', async () => {
    const [severity] = (await page.locator('#findings-table tbody .badge').first().getAttribute('class'))?.match(/sev-(\w+)/)?.slice(1) ?? [];
    expect(severity).toBeDefined();
    await page.selectOption('#findings-severity', severity as string);
    await expect.poll(() => rows('findings').count()).toBeGreaterThan(0);
    for (const badge of await rows('findings').locator('.badge').all()) expect(await badge.getAttribute('class')).toBe(`badge sev-${severity as string}`);
    await page.selectOption('#findings-severity', '');
  });

  it('sorts identities by a numeric and a text column, both ways', async () => {
    const findingsHeader = page.locator('#identities-table thead th', { hasText: 'Findings' });
    await findingsHeader.locator('button').click();
    expect(await findingsHeader.getAttribute('aria-sort')).toBe('ascending');
    const ascending = (await column('identities', 10)).map(Number);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await findingsHeader.locator('button').click();
    expect(await findingsHeader.getAttribute('aria-sort')).toBe('descending');
    const descending = (await column('identities', 10)).map(Number);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    expect(descending[0]).toBeGreaterThan(ascending[0] as number);

    const scopeHeader = page.locator('#identities-table thead th', { hasText: 'Scope' });
    await scopeHeader.locator('button').click();
    const scopes = (await column('identities', 3)).map((s) => s.toLowerCase());
    expect(scopes).toEqual([...scopes].sort());
  });

  it('renders the report sections and saves screenshots (light and dark)', async () => {
    for (const id of ['summary', 'charts', 'compliance', 'rules', 'findings', 'identities', 'leaks', 'plan']) {
      expect(await page.locator(`section#${id} > h2`).count(), id).toBe(1);
    }
    expect(await page.locator('#charts svg[role="img"]').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#compliance .control').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'report-dark.png') });
    expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});
