/**
 * Helpers of api-faults.test.ts: one small sandbox estate, a scan of it through the pipeline with
 * short timeouts and few retries (set through the config, as a user would), and a reset of every
 * emulator's faults between cases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noProgress } from '../../src/collectors/context.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { SourceOutcome } from '../../src/model/index.ts';
import { runScan, type ScanResult } from '../../src/pipeline/scan.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';

export const NOW = new Date('2026-11-01T00:00:00Z');

/** Per-request timeout of every client in these tests (the hang fault outlasts it). */
export const TIMEOUT_MS = 1000;

/** The config overrides that keep a faulty scan short: 1 s timeouts, one retry, fast backoff. */
export function fastFailConfig(sandbox: Sandbox): Record<string, unknown> {
  const c = sandbox.config;
  return {
    aws: { ...c.aws, requestTimeoutMs: TIMEOUT_MS, maxAttempts: 2 },
    gcp: { ...c.gcp, requestTimeoutMs: TIMEOUT_MS, maxRetries: 1 },
    azure: { ...c.azure, requestTimeoutMs: TIMEOUT_MS, maxRetries: 1 },
    github: { ...c.github, requestTimeoutMs: TIMEOUT_MS, maxRetries: 1 },
    kubernetes: { ...c.kubernetes, requestTimeoutMs: TIMEOUT_MS, maxRetries: 1 },
    gateway: { ...c.gateway, timeoutMs: TIMEOUT_MS, maxRetries: 1 },
  };
}

export interface Harness {
  sandbox: Sandbox;
  dir: string;
  store: Store;
  scan(): Promise<ScanResult>;
  /** Every emulator back to no faults. */
  clearFaults(): void;
  stop(): Promise<void>;
}

function clear(faults: object): void {
  for (const k of Object.keys(faults)) delete (faults as Record<string, unknown>)[k];
}

export async function startHarness(seed: string): Promise<Harness> {
  const saved = { ...process.env };
  const sandbox = await startSandbox({ seed, size: 12, now: NOW });
  Object.assign(process.env, sandbox.env);
  const dir = mkdtempSync(join(tmpdir(), 'sprawl-api-faults-'));
  const store = await openStore(join(dir, 'store.db'));
  const config = parseConfig({ ...sandbox.config, ...fastFailConfig(sandbox), repos: [] }, 'test');
  return {
    sandbox,
    dir,
    store,
    scan: () => runScan({ store, config, log: silentLogger, progress: noProgress, now: () => NOW, analyze: false }),
    clearFaults() {
      clear(sandbox.aws.faults);
      clear(sandbox.gcp.faults);
      clear(sandbox.azure.faults);
      clear(sandbox.github.faults);
      clear(sandbox.hoop.faults);
      sandbox.kubernetes.faults = {};
    },
    async stop() {
      await store.close();
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
      process.env = saved;
    },
  };
}

export const describeOutcomes = (outcomes: readonly SourceOutcome[]): string => outcomes.map((o) => `${o.source}: ${o.status}${o.error !== undefined ? ` (${o.error})` : ''}`).join('\n');
