/**
 * The whole catalogue against the estate generator's ground truth: every rule fires exactly on the
 * identities the generator says it must (src/sandbox/truth/), over two estates of different seeds
 * and sizes, each with every provider, the gateway and a repository with committed keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/analyzers/index.ts';
import { noProgress } from '../../src/collectors/context.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Finding } from '../../src/model/index.ts';
import { runScan } from '../../src/pipeline/scan.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { createSandboxRepo } from '../../src/sandbox/repos.ts';
import { groundTruth, type Truth } from '../../src/sandbox/truth/index.ts';
import { loadFindings, loadInventory, openStore } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';

const NOW = new Date('2026-11-01T00:00:00Z');
// The demo's estate (`sprawl demo`: seed demo, size 150) must hold a positive and a negative case
// of every rule; the others guard the truth against fitting one seed.
const ESTATES = [
  { seed: 'demo', size: 150, demo: true },
  { seed: 'truth-2', size: 90, demo: false },
  { seed: 'truth-3', size: 400, demo: false },
];
/** While working on one provider: SPRAWL_TRUTH_ONLY=aws,k8s compares only identities with those id prefixes. */
const ONLY = (process.env.SPRAWL_TRUTH_ONLY ?? '').split(',').filter(Boolean);
const inScope = (id: string): boolean => ONLY.length === 0 || ONLY.some((p) => id.startsWith(`${p}:`));
// exemption.expired needs exemptions in the config: test/pipeline/catalogue.test.ts covers it.
const RULES = catalogue()
  .map((r) => r.id)
  .filter((id) => id !== 'exemption.expired');

interface Outcome {
  truth: Truth;
  findings: Map<string, Map<string, Finding>>;
  identities: string[];
}

async function scanEstate(seed: string, size: number): Promise<Outcome> {
  const sandbox = await startSandbox({ seed, size, now: NOW });
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'sprawl-truth-'));
  try {
    Object.assign(process.env, sandbox.env);
    const repo = createSandboxRepo(sandbox.estate, join(dir, 'repo'));
    const config = parseConfig({ ...sandbox.config, repos: [{ path: repo.dir, name: repo.name }] }, 'test');
    const store = await openStore(join(dir, 'store.db'));
    try {
      const result = await runScan({ store, config, log: silentLogger, progress: noProgress, now: () => NOW });
      expect(result.scan.status).toBe('complete');
      const findings = new Map<string, Map<string, Finding>>();
      for (const f of await loadFindings(store, result.scan.id)) {
        let byIdentity = findings.get(f.ruleId);
        if (!byIdentity) findings.set(f.ruleId, (byIdentity = new Map<string, Finding>()));
        if (!byIdentity.has(f.identityId)) byIdentity.set(f.identityId, f);
      }
      const identities = (await loadInventory(store, result.scan.id)).identities.map((i) => i.id);
      const truth = groundTruth({
        estate: sandbox.estate,
        policy: config.policy,
        analysis: config.analysis,
        now: NOW,
        repo: { name: repo.name, committedKeyIds: repo.committedKeyIds, unknownKeyIds: repo.unknownKeyIds },
      });
      return { truth, findings, identities };
    } finally {
      await store.close();
    }
  } finally {
    process.env = saved;
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeDiff(rule: string, expected: Map<string, string>, actual: Map<string, Finding>): string {
  const missing = [...expected].filter(([id]) => !actual.has(id));
  const unexpected = [...actual].filter(([id]) => !expected.has(id));
  const lines = [`${rule}: expected ${expected.size}, found ${actual.size}`];
  for (const [id, why] of missing.slice(0, 20)) lines.push(`  missing    ${id}: ${why}`);
  if (missing.length > 20) lines.push(`  ... ${missing.length - 20} more missing`);
  for (const [id, f] of unexpected.slice(0, 20)) lines.push(`  unexpected ${id}: ${f.message}`);
  if (unexpected.length > 20) lines.push(`  ... ${unexpected.length - 20} more unexpected`);
  return lines.join('\n');
}

function scoped<V>(map: Map<string, V> | undefined): Map<string, V> {
  return new Map([...(map ?? [])].filter(([id]) => inScope(id)));
}

describe.each(ESTATES)('ground truth of estate $seed (size $size)', ({ seed, size, demo }) => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await scanEstate(seed, size);
  }, 120_000);

  it.each(RULES)('%s fires exactly where the generator says', (rule) => {
    const expected = scoped(outcome.truth.get(rule));
    const actual = scoped(outcome.findings.get(rule));
    const same = expected.size === actual.size && [...expected.keys()].every((id) => actual.has(id));
    expect(same, describeDiff(rule, expected, actual)).toBe(true);
  });

  it.runIf(demo && ONLY.length === 0)('has a positive and a negative case of every rule', () => {
    for (const rule of RULES) {
      const expected = outcome.truth.get(rule) ?? new Map<string, string>();
      expect(expected.size, `${rule} has a positive case`).toBeGreaterThan(0);
      expect(outcome.identities.some((id) => !expected.has(id)), `${rule} has a negative case`).toBe(true);
    }
  });
});
