/**
 * Benchmark: the AWS collector against the sandbox emulator (real SDK over loopback).
 * Prints figures, asserts nothing.   node bench/aws-collect.ts [size=10000] [concurrency=16]
 */
import { collectAws } from '../src/collectors/aws/index.ts';
import { configSchema } from '../src/config/schema.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { countMachineIdentities } from '../src/sandbox/estate.ts';
import { silentLogger } from '../src/util/log.ts';

const size = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 16);

const t0 = performance.now();
const sb = await startSandbox({ seed: 'bench', size, now: '2025-06-01T00:00:00Z', aws: { keepLog: false } });
const tEstate = performance.now() - t0;
Object.assign(process.env, sb.env);
const config = configSchema.parse({ aws: { ...sb.config.aws, concurrency } });
if (!config.aws) throw new Error('no aws config');

const counts: Record<string, number> = {};
let retries = 0;
const t1 = performance.now();
const outcomes = await collectAws(
  { aws: config.aws, owners: config.owners },
  {
    now: new Date(sb.estate.now),
    log: silentLogger,
    concurrency,
    emit: (r) => {
      counts[r.type] = (counts[r.type] ?? 0) + 1;
    },
    progress: { start() {}, update: (_s, d) => void (retries += d.retries ?? 0), finish() {} },
  },
);
const tCollect = performance.now() - t1;
await sb.stop();

const expected = countMachineIdentities(sb.estate);
console.log(`estate: size=${size} accounts=${sb.estate.aws.accounts.length} machine users=${expected.users} roles=${expected.roles} (generated + emulator up in ${tEstate.toFixed(0)} ms)`);
console.log(`collect: ${(tCollect / 1000).toFixed(2)} s, concurrency ${concurrency}, sources ok ${outcomes.filter((o) => o.status === 'ok').length}/${outcomes.length}, retries ${retries}`);
console.log(`records: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ')} (${((counts.identity ?? 0) / (tCollect / 1000)).toFixed(0)} identities/s)`);
const byAction = Object.entries(sb.aws.calls.byAction).sort((a, b) => b[1] - a[1]);
console.log(`calls: total ${sb.aws.calls.count()}`);
for (const [action, n] of byAction) console.log(`  ${action.padEnd(32)} ${n}`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
