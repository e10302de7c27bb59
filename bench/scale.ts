/**
 * Benchmark: sprawl at scale. For each size, the sandbox estate (10 gateway sessions per identity)
 * is served by the emulators from a process of its own; collect (from the emulators into the
 * store), analyze and report (HTML to a temp file) then run one after the other, each in a process
 * of its own, on SQLite and on PostgreSQL: wall time and peak RSS per stage, and the growth from
 * one size to the next (time ratio / size ratio: 1.0 is linear). Last, the collect of one size
 * against the AWS emulator alone with a latency added to every call, against the prediction
 * calls x latency / concurrency. Prints figures, asserts nothing.
 *
 *   node bench/scale.ts [--sizes 1000,10000,100000] [--stores sqlite,postgres] [--concurrency N]
 *                       [--latency-size 1000] [--latency-ms 50] [--keep DIR] [--heap-mb N]
 *
 * --heap-mb N runs each stage with V8's old space capped at N MiB (--max-old-space-size), as in a
 * memory-limited container; unset, V8 sizes its heap from the machine's memory and lets it grow
 * well past the live data between collections.
 * --keep DIR keeps each size's SQLite store as DIR/scale-<size>.db (to run one stage alone:
 * `node bench/scale.ts stage '{"stage":"analyze","db":"DIR/scale-100000.db","config":"c.json"}'`).
 *
 * PostgreSQL: the server of SPRAWL_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test); a
 * database sprawl_bench_<size> is created on it for each size and dropped afterwards.
 * Internal modes (child processes): `serve <size>` (the emulators), `stage <json>` (one stage).
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SandboxConfig, SandboxEnv } from '../src/sandbox/index.ts';

const SELF = fileURLToPath(import.meta.url);
const SEED = 'scale';
const SESSIONS_PER_IDENTITY = 10;
/** The AWS collector scans this many accounts at once (its default), under the collector-wide limit. */
const AWS_PARALLEL_ACCOUNTS = 4;

type StageName = 'collect' | 'analyze' | 'report';
type StoreKind = 'sqlite' | 'postgres';

interface StageJob {
  stage: StageName;
  db: string;
  /** A JSON sprawl config. */
  config: string;
  scanId?: string;
  /** The HTML report's file. */
  output?: string;
  concurrency?: number;
}

interface StageResult {
  stage: StageName;
  /** Wall time of the stage in its process: modules, store open, work, store close. */
  ms: number;
  maxRssBytes: number;
  scanId?: string;
  status?: string;
  /** runScan's own duration (collection only). */
  scanMs?: number;
  identities?: number;
  credentials?: number;
  grants?: number;
  activities?: number;
  failedSources?: string[];
  findings?: number;
  bytes?: number;
}

type ToServer = { type: 'aws-delay'; ms: number } | { type: 'aws-calls' };
type FromServer =
  | { type: 'ready'; config: SandboxConfig; env: SandboxEnv; sessions: number; connections: number; setupMs: number }
  | { type: 'ok' }
  | { type: 'calls'; count: number };

// ---------------------------------------------------------------------------------------------
// Child: the emulators of one size.

async function serve(size: number): Promise<void> {
  const t0 = performance.now();
  const { startSandbox } = await import('../src/sandbox/index.ts');
  const sandbox = await startSandbox({
    seed: SEED,
    size,
    gatewaySessions: size * SESSIONS_PER_IDENTITY,
    aws: { keepLog: false },
    gcp: { keepLog: false },
    hoop: { keepLog: false },
  });
  const send = (m: FromServer): void => {
    process.send?.(m);
  };
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await sandbox.stop();
    process.exit(0);
  };
  // The bench gone (ended, crashed or interrupted): stop the servers and remove their temp files.
  process.on('disconnect', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('message', (raw) => {
    const m = raw as ToServer;
    if (m.type === 'aws-delay') {
      sandbox.aws.faults.delayMs = m.ms;
      sandbox.aws.calls.reset();
      send({ type: 'ok' });
    } else send({ type: 'calls', count: sandbox.aws.calls.count() });
  });
  send({ type: 'ready', config: sandbox.config, env: sandbox.env, sessions: sandbox.estate.hoop.sessionCount, connections: sandbox.estate.hoop.connections.length, setupMs: performance.now() - t0 });
}

// ---------------------------------------------------------------------------------------------
// Child: one stage, printed as one JSON line.

async function stage(job: StageJob): Promise<void> {
  const t0 = performance.now();
  const { parseConfig } = await import('../src/config/load.ts');
  const { openStore } = await import('../src/store/index.ts');
  const config = parseConfig(JSON.parse(readFileSync(job.config, 'utf8')), job.config);
  const store = await openStore(job.db);
  let out: Omit<StageResult, 'stage' | 'ms' | 'maxRssBytes'>;
  try {
    if (job.stage === 'collect') {
      const { runScan } = await import('../src/pipeline/scan.ts');
      const { noProgress } = await import('../src/collectors/context.ts');
      const { silentLogger } = await import('../src/util/log.ts');
      const r = await runScan({ store, config, log: silentLogger, progress: noProgress, analyze: false, ...(job.concurrency ? { concurrency: job.concurrency } : {}) });
      out = {
        scanId: r.scan.id,
        status: r.scan.status,
        scanMs: r.durationMs,
        ...r.counts,
        failedSources: r.scan.sources.filter((s) => s.status !== 'ok').map((s) => `${s.source}: ${s.error ?? s.status}`),
      };
    } else if (job.stage === 'analyze') {
      // As `sprawl analyze --scan <id>` does (src/cli/analyze.ts).
      const { analyzeScan } = await import('../src/pipeline/analyze.ts');
      const { findScan } = await import('../src/pipeline/report.ts');
      const scan = await findScan(store, job.scanId);
      const summary = await analyzeScan({ store, scanId: scan.id, at: new Date(scan.startedAt), policy: config.policy, analysis: config.analysis, sources: scan.sources });
      out = { scanId: scan.id, findings: summary.findings };
    } else {
      const { renderStoredReport } = await import('../src/pipeline/report.ts');
      const html = await renderStoredReport(store, 'html', job.scanId ? { scanId: job.scanId } : {});
      writeFileSync(job.output ?? join(tmpdir(), 'sprawl-bench-scale-report.html'), html);
      out = { bytes: Buffer.byteLength(html) };
    }
  } finally {
    await store.close();
  }
  const result: StageResult = { stage: job.stage, ms: performance.now() - t0, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...out };
  // stdout is a pipe: written synchronously on Linux, so exiting at once loses nothing.
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The bench.

/** Undone in reverse order at the end, on error and on Ctrl-C. */
const cleanups: (() => unknown)[] = [];
const stageChildren = new Set<ChildProcess>();

async function cleanUp(): Promise<void> {
  for (const child of stageChildren) child.kill('SIGKILL');
  while (cleanups.length > 0) {
    const undo = cleanups.pop() as () => unknown;
    try {
      await undo();
    } catch (err) {
      console.error(`cleanup: ${(err as Error).message}`);
    }
  }
}

interface Server {
  ready: Extract<FromServer, { type: 'ready' }>;
  ask(m: ToServer): Promise<FromServer>;
  stop(): Promise<void>;
}

/** Forks the emulators of one size and waits until they serve. */
function startServer(size: number): Promise<Server> {
  const child = fork(SELF, ['serve', String(size)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  cleanups.push(stop);
  const next = (): Promise<FromServer> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the emulator process exited (${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as FromServer);
      });
    });
  return next().then((first) => {
    if (first.type !== 'ready') throw new Error(`unexpected message from the emulators: ${first.type}`);
    return {
      ready: first,
      ask: (m) => {
        const answer = next();
        child.send(m);
        return answer;
      },
      stop,
    };
  });
}

/** V8 flags every stage runs with (--heap-mb). */
let heapFlags: string[] = [];

/** Runs one stage in a process of its own, with the sandbox's credentials in its environment. */
function runStage(job: StageJob, env: SandboxEnv): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...heapFlags, SELF, 'stage', JSON.stringify(job)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    stageChildren.add(child);
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      stageChildren.delete(child);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`stage ${job.stage} failed (${signal ?? `exit ${String(code)}`}): ${stdout.slice(-2000)}`));
      else resolve(JSON.parse(last) as StageResult);
    });
  });
}

/** A fresh database next to the bench's PostgreSQL URL; dropped by the cleanup. */
async function createPgDatabase(base: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  cleanups.push(drop);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop };
}

interface Row {
  size: number;
  sessions: number;
  collect: StageResult;
  analyze: StageResult;
  report: StageResult;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;
const int = (n: number | undefined): string => (n ?? 0).toLocaleString('en-US');
const STAGES: StageName[] = ['collect', 'analyze', 'report'];
const total = (r: Row): number => r.collect.ms + r.analyze.ms + r.report.ms;

function printTable(kind: StoreKind, rows: Row[]): void {
  console.log(`\n${kind === 'sqlite' ? 'SQLite (temp file)' : 'PostgreSQL'}: time and peak RSS per stage (each stage its own process)`);
  const head = ['size', 'identities', 'sessions', 'activities', ...STAGES.flatMap((s) => [`${s} time`, 'RSS']), 'total', 'findings', 'html'];
  const lines = rows.map((r) => [
    int(r.size),
    int(r.collect.identities),
    int(r.sessions),
    int(r.collect.activities),
    ...STAGES.flatMap((s) => [secs(r[s].ms), mib(r[s].maxRssBytes)]),
    secs(total(r)),
    int(r.analyze.findings),
    mib(r.report.bytes ?? 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  for (const l of [head, ...lines]) console.log(l.map((c, i) => c.padStart(widths[i] ?? 0)).join('  '));
  for (const r of rows) {
    if (r.collect.status !== 'complete') console.log(`  size ${int(r.size)}: scan ${r.collect.status ?? '?'}: ${(r.collect.failedSources ?? []).join('; ')}`);
  }
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1] as Row;
    const b = rows[i] as Row;
    const sizeRatio = b.size / a.size;
    const growth = (x: number, y: number): string => (y / x / sizeRatio).toFixed(2);
    console.log(
      `  growth ${int(a.size)} -> ${int(b.size)} (time ratio / size ratio, 1.00 = linear): ${STAGES.map((s) => `${s} ${growth(a[s].ms, b[s].ms)}`).join(', ')}, total ${growth(total(a), total(b))}; peak RSS x${STAGES.map((s) => (b[s].maxRssBytes / a[s].maxRssBytes).toFixed(1)).join('/x')}`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000,100000' },
      stores: { type: 'string', default: 'sqlite,postgres' },
      concurrency: { type: 'string' },
      'latency-size': { type: 'string', default: '1000' },
      'latency-ms': { type: 'string', default: '50' },
      keep: { type: 'string' },
      'heap-mb': { type: 'string' },
    },
  });
  if (values['heap-mb'] !== undefined) {
    const mb = Number(values['heap-mb']);
    if (!Number.isInteger(mb) || mb < 64) throw new Error('--heap-mb: a whole number of MiB, at least 64');
    heapFlags = [`--max-old-space-size=${mb}`];
  }
  const sizes = values.sizes.split(',').map(Number);
  const stores = values.stores.split(',').map((s): StoreKind => {
    if (s !== 'sqlite' && s !== 'postgres') throw new Error(`unknown store ${s}: sqlite or postgres`);
    return s;
  });
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) throw new Error('sizes: whole numbers from 1 to 100,000');
  const concurrency = values.concurrency !== undefined ? Number(values.concurrency) : undefined;
  const latencySize = Number(values['latency-size']);
  const latencyMs = Number(values['latency-ms']);
  const pgBase = process.env.SPRAWL_BENCH_PG || 'postgres://postgres@127.0.0.1:5432/test';

  const dir = mkdtempSync(join(tmpdir(), 'sprawl-bench-scale-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const results: Record<StoreKind, Row[]> = { sqlite: [], postgres: [] };
  let latencyLine: string[] = [];

  const measureLatency = async (server: Server, size: number): Promise<string[]> => {
    // The AWS section alone: the calls counted and delayed are all AWS calls.
    const aws = { ...server.ready.config.aws, ...(concurrency ? { concurrency } : {}) };
    const file = join(dir, `config-aws-${size}.json`);
    writeFileSync(file, JSON.stringify({ aws }));
    const collectAt = async (ms: number): Promise<{ calls: number; r: StageResult }> => {
      await server.ask({ type: 'aws-delay', ms });
      const db = join(dir, `latency-${size}-${ms}.db`);
      const r = await runStage({ stage: 'collect', db, config: file, ...(concurrency ? { concurrency } : {}) }, server.ready.env);
      rmSync(db, { force: true });
      const answer = await server.ask({ type: 'aws-calls' });
      return { calls: answer.type === 'calls' ? answer.count : NaN, r };
    };
    const base = await collectAt(0);
    const slow = await collectAt(latencyMs);
    await server.ask({ type: 'aws-delay', ms: 0 });
    // The collector-wide limit (runScan's concurrency, default aws.concurrency) caps the calls in
    // flight; each account is also capped at aws.concurrency, and 4 accounts run at once.
    const global = concurrency ?? aws.concurrency ?? 8;
    const effective = Math.min(global, AWS_PARALLEL_ACCOUNTS * (aws.concurrency ?? 8));
    const predicted = (slow.calls * latencyMs) / effective;
    const measured = slow.r.scanMs ?? slow.r.ms;
    return [
      `\nLatency (AWS emulator only, config with only the aws section, ${aws.accounts?.length ?? 0} accounts, size ${int(size)}: ${int(slow.r.identities)} identities): ${latencyMs} ms added to every call`,
      `  API calls ${int(slow.calls)} (${int(base.calls)} without delay), concurrency ${effective}; predicted calls x ${latencyMs} ms / ${effective} = ${secs(predicted)}; measured collect ${secs(measured)} (${secs(base.r.scanMs ?? base.r.ms)} without delay); measured/predicted ${(measured / predicted).toFixed(2)}`,
    ];
  };

  for (const size of sizes) {
    const tServer = performance.now();
    const server = await startServer(size);
    console.error(`[size ${int(size)}] emulators ready in ${secs(performance.now() - tServer)} (${int(server.ready.sessions)} sessions on ${int(server.ready.connections)} gateway connections)`);
    const configFile = join(dir, `config-${size}.json`);
    writeFileSync(configFile, JSON.stringify(server.ready.config));
    for (const kind of stores) {
      let db: string;
      let drop: () => Promise<void> | void;
      if (kind === 'sqlite') {
        db = join(dir, `scale-${size}.db`);
        const keep = values.keep;
        // --keep DIR: the SQLite store stays (moved to DIR) for profiling a stage alone.
        drop = keep ? () => renameSync(db, join(keep, `scale-${size}.db`)) : () => rmSync(db, { force: true });
      } else {
        const created = await createPgDatabase(pgBase, `sprawl_bench_${size}`);
        db = created.url;
        drop = created.drop;
      }
      try {
        const job = { db, config: configFile, ...(concurrency ? { concurrency } : {}) };
        const collect = await runStage({ stage: 'collect', ...job }, server.ready.env);
        const scanId = collect.scanId as string;
        const analyze = await runStage({ stage: 'analyze', ...job, scanId }, server.ready.env);
        const report = await runStage({ stage: 'report', ...job, scanId, output: join(dir, `report-${size}-${kind}.html`) }, server.ready.env);
        rmSync(join(dir, `report-${size}-${kind}.html`), { force: true });
        const row: Row = { size, sessions: server.ready.sessions, collect, analyze, report };
        results[kind].push(row);
        console.error(`[size ${int(size)} ${kind}] ${STAGES.map((s) => `${s} ${secs(row[s].ms)} ${mib(row[s].maxRssBytes)}`).join(', ')} (scan ${collect.status ?? '?'})`);
      } finally {
        await drop();
      }
    }
    if (size === latencySize) latencyLine = await measureLatency(server, size);
    await server.stop();
  }
  if (latencyLine.length === 0 && latencySize > 0) {
    const server = await startServer(latencySize);
    latencyLine = await measureLatency(server, latencySize);
    await server.stop();
  }

  console.log(`sprawl at scale: seed ${SEED}, ${SESSIONS_PER_IDENTITY} gateway sessions per identity (size), concurrency ${concurrency ?? 'from the config (defaults)'}, heap ${heapFlags[0] ?? 'V8 default'}, node ${process.version}`);
  for (const kind of stores) printTable(kind, results[kind]);
  for (const l of latencyLine) console.log(l);
}

// ---------------------------------------------------------------------------------------------

const mode = process.argv[2];
if (mode === 'serve') {
  await serve(Number(process.argv[3]));
} else if (mode === 'stage') {
  await stage(JSON.parse(process.argv[3] ?? '{}') as StageJob);
} else {
  const interrupted = (): void => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await main();
  } catch (err) {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}
