/**
 * Benchmark: the HTML report of large estates (in memory, analyzers included): model build and
 * render time and output size for 1,000, 10,000 and 100,000 identities, and, when Debian's chromium
 * is installed, how long the file takes to open in it: first paint (the first page of each table,
 * rendered by sprawl) and ready (the data island read: paging, search and sorting work), then one
 * search over every identity. Prints figures, asserts nothing.
 *   node bench/report.ts [sizes=1000,10000,100000]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { analyze, catalogue } from '../src/analyzers/index.ts';
import { policySchema } from '../src/config/schema.ts';
import type { FindingRecord, Identity, Inventory, Provider, ScanInfo } from '../src/model/index.ts';
import { renderHtml } from '../src/reports/html.ts';
import { buildReportModel } from '../src/reports/model.ts';
import { createRng } from '../src/sandbox/random.ts';

const sizes = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number);
const AS_OF = new Date('2026-03-01T00:00:00Z');
const daysBefore = (days: number): string => new Date(AS_OF.getTime() - days * 86_400_000).toISOString();

/** A mixed estate: AWS users with keys, GCP accounts, Kubernetes service accounts; some behind the gateway. */
function estate(n: number): Inventory {
  const rng = createRng(`bench-report-${n}`);
  const inv: Inventory = { identities: [], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] };
  const shapes: { provider: Provider; kind: Identity['kind']; scope: (i: number) => string; id: (scope: string, name: string) => string }[] = [
    { provider: 'aws', kind: 'aws-iam-user', scope: (i) => String(210000000000 + (i % 40)), id: (s, name) => `aws:${s}:user/${name}` },
    { provider: 'gcp', kind: 'gcp-service-account', scope: (i) => `proj-${i % 25}`, id: (s, name) => `gcp:${s}:sa/${name}@${s}.iam.gserviceaccount.com` },
    { provider: 'kubernetes', kind: 'k8s-service-account', scope: (i) => `cluster-${i % 8}`, id: (s, name) => `k8s:${s}:ns/apps/sa/${name}` },
  ];
  for (let i = 0; i < n; i++) {
    const shape = shapes[i % shapes.length] as (typeof shapes)[number];
    const scope = shape.scope(i);
    const name = `workload-${i}`;
    const id = shape.id(scope, name);
    const owner = rng.chance(0.55) ? { owner: `squad-${i % 60}` } : {};
    inv.identities.push({ id, provider: shape.provider, kind: shape.kind, scope, name, labels: { env: rng.chance(0.5) ? 'prod' : 'dev' }, disabled: false, managed: false, createdAt: daysBefore(rng.int(30, 1600)), ...owner });
    if (shape.provider !== 'kubernetes') {
      const publicId = `KEY${i.toString(36).padStart(10, '0')}`;
      const used = rng.chance(0.7) ? { lastUsedAt: daysBefore(rng.int(0, 500)) } : {};
      inv.credentials.push({ id: `${id}/key/${publicId}`, identityId: id, kind: shape.provider === 'aws' ? 'aws-access-key' : 'gcp-sa-key', publicId, createdAt: daysBefore(rng.int(1, 1400)), active: rng.chance(0.92), ...used });
    }
    const privilege = rng.chance(0.04) ? 'admin' : rng.chance(0.3) ? 'write' : 'read';
    inv.grants.push({ identityId: id, scope, role: `${privilege}-role`, permissions: [], privilege, via: 'binding' });
    if (rng.chance(0.25)) {
      inv.connections.push({ id: `hoop:gw:conn/${name}`, gateway: 'gw', name, type: 'custom', tags: {}, secretKeys: [], identityId: id, linkedBy: 'sprawl-tag' });
      inv.activities.push({ identityId: id, at: daysBefore(rng.int(0, 60)), source: 'gateway', actor: `bot-${i % 30}`, actorKind: 'machine' });
    }
  }
  return inv;
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const CHROMIUM = '/usr/bin/chromium';
const browser: Browser | null = existsSync(CHROMIUM) ? await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] }) : null;
const dir = mkdtempSync(join(tmpdir(), 'sprawl-bench-report-'));

/** Opens the report in chromium: first contentful paint, ready, and one search over every identity. */
async function openInBrowser(html: string): Promise<string> {
  if (!browser) return '';
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const page = await browser.newPage();
  try {
    const t0 = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'commit', timeout: 300_000 });
    await page.waitForSelector('html[data-report="ready"]', { state: 'attached', timeout: 300_000 });
    const ready = performance.now() - t0;
    const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    const t1 = performance.now();
    await page.fill('#identities-filter', 'workload-4242');
    await page.locator('#identities-count', { hasText: 'shown' }).waitFor({ timeout: 60_000 });
    const search = performance.now() - t1;
    return `${seconds(paint).padEnd(9)} ${seconds(ready).padEnd(9)} ${seconds(search)}`;
  } finally {
    await page.close();
  }
}

console.log(`identities   findings   analyze   model     render    output     per identity${browser ? '   paint     ready     search' : ''}`);
for (const n of sizes) {
  const inventory = estate(n);
  const t0 = performance.now();
  const result = analyze(inventory, policySchema.parse({}), AS_OF, catalogue());
  const findings: FindingRecord[] = result.findings.map((f) => ({ ...f, status: 'open', firstSeenScan: 's_bench', lastSeenScan: 's_bench', firstSeenAt: daysBefore(7) }));
  const t1 = performance.now();
  const scan: ScanInfo = { id: 's_bench', startedAt: AS_OF.toISOString(), finishedAt: AS_OF.toISOString(), status: 'complete', sources: [{ source: 'bench', status: 'ok', items: n }] };
  const rules = catalogue().map((r) => ({ id: r.id, title: r.title, severity: r.severity, remediation: r.remediation, references: r.references }));
  const model = buildReportModel({ scan, inventory, findings, resolved: [], verdicts: result.verdicts, generatedAt: AS_OF, toolVersion: 'bench', rules });
  const t2 = performance.now();
  const html = await renderHtml(model);
  const t3 = performance.now();
  const bytes = Buffer.byteLength(html);
  const opened = await openInBrowser(html);
  console.log(
    `${String(n).padStart(10)} ${String(findings.length).padStart(10)}   ${seconds(t1 - t0).padEnd(9)} ${seconds(t2 - t1).padEnd(9)} ${seconds(t3 - t2).padEnd(9)} ${mb(bytes).padEnd(10)} ${`${(bytes / n / 1024).toFixed(2)} KB`.padEnd(14)} ${opened}`,
  );
}
console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}${browser ? '' : ` (no ${CHROMIUM}: browser figures left out)`}`);
await browser?.close();
rmSync(dir, { recursive: true, force: true });
