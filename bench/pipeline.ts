/**
 * Benchmark: the whole pipeline on the sandbox estate (collect from the emulator with the real SDK,
 * store, analyze, render the HTML report). Prints figures, asserts nothing.
 *   node bench/pipeline.ts [size=10000] [db=<temp sqlite file> | postgres://...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noProgress } from '../src/collectors/context.ts';
import { parseConfig } from '../src/config/load.ts';
import { renderStoredReport } from '../src/pipeline/report.ts';
import { runScan } from '../src/pipeline/scan.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { openStore } from '../src/store/index.ts';
import { silentLogger } from '../src/util/log.ts';

const size = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'sprawl-bench-'));
const location = process.argv[3] ?? join(dir, 'bench.db');
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

const t0 = performance.now();
const sandbox = await startSandbox({ seed: 'bench', size, aws: { keepLog: false } });
Object.assign(process.env, sandbox.env);
const config = parseConfig({ ...sandbox.config, aws: { ...sandbox.config.aws, concurrency: 16 } }, 'bench');
const store = await openStore(location);
const tReady = performance.now();

const result = await runScan({ store, config, log: silentLogger, progress: noProgress });
const tScan = performance.now();
const html = await renderStoredReport(store, 'html');
const tReport = performance.now();
await store.close();
await sandbox.stop();
clearInterval(sampler);
if (!location.startsWith('postgres')) rmSync(dir, { recursive: true, force: true });

console.log(
  `estate: size ${size}: ${sandbox.estate.aws.accounts.length} AWS accounts, ${sandbox.estate.gcp.projects.length} GCP projects, ${sandbox.estate.azure.subscriptions.length} Azure subscriptions; store ${location.startsWith('postgres') ? 'postgres' : 'sqlite'}`,
);
console.log(`setup (estate + emulator + store): ${((tReady - t0) / 1000).toFixed(2)} s`);
console.log(`scan (collect + store + analyze):  ${((tScan - tReady) / 1000).toFixed(2)} s  status ${result.scan.status}`);
console.log(`  ${result.counts.identities} identities, ${result.counts.credentials} credentials, ${result.counts.grants} grants, ${result.analysis?.findings ?? 0} findings`);
console.log(`report (html):                     ${((tReport - tScan) / 1000).toFixed(2)} s  ${mb(Buffer.byteLength(html))}`);
console.log(`peak RSS: ${mb(Math.max(peak, process.resourceUsage().maxRSS * 1024))}`);
