import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noProgress } from '../../src/collectors/context.ts';
import { parseConfig } from '../../src/config/load.ts';
import { runScan, type ScanResult } from '../../src/pipeline/scan.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createSandboxRepo } from '../../src/sandbox/repos.ts';
import { loadFindings, loadVerdicts, openStore, type Store } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';

const NOW = new Date('2026-11-01T00:00:00Z');
let sandbox: Sandbox;
let dir: string;
let store: Store;
let repoDir: string;
const saved = { ...process.env };

async function scan(analysis: Record<string, unknown> = {}): Promise<ScanResult> {
  const config = parseConfig({ ...sandbox.config, repos: [{ path: repoDir, name: 'acme/payments-api' }], analysis }, 'test');
  return runScan({ store, config, log: silentLogger, progress: noProgress, now: () => NOW });
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'catalogue', size: 200, now: NOW });
  Object.assign(process.env, sandbox.env);
  dir = mkdtempSync(join(tmpdir(), 'sprawl-catalogue-'));
  repoDir = createSandboxRepo(sandbox.estate, join(dir, 'repo')).dir;
  store = await openStore(join(dir, 'store.db'));
});

afterAll(async () => {
  await store.close();
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

// Where each rule fires is held to the estate generator's ground truth in ground-truth.test.ts.
describe('exemptions over the sandbox estate (every provider, a repository, the gateway)', () => {
  it('exempts what a valid exemption covers, and reports an expired one', async () => {
    const first = await loadFindings(store, (await scan()).scan.id);
    const target = first.find((f) => f.ruleId === 'credential.key-age')!;
    const other = first.find((f) => f.ruleId === 'identity.orphaned' && f.identityId !== target.identityId)!;
    const exemptions = [
      { identity: target.identityId, rule: '*', reason: 'vendor integration under contract', approver: 'ciso@acme.example', expires: '2027-06-30' },
      { identity: other.identityId, rule: 'identity.orphaned', reason: 'owner being appointed', approver: 'ciso@acme.example', expires: '2026-01-31' },
    ];
    const result = await scan({ exemptions });
    const findings = await loadFindings(store, result.scan.id);
    // set aside, still on record as exempt with the exemption that covers them
    const covered = findings.filter((f) => f.identityId === target.identityId && f.ruleId !== 'exemption.expired');
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.every((f) => f.status === 'exempt' && f.exemption?.approver === 'ciso@acme.example')).toBe(true);
    expect(findings.some((f) => f.identityId === other.identityId && f.ruleId === 'identity.orphaned' && f.status !== 'exempt')).toBe(true);
    expect(findings.some((f) => f.identityId === other.identityId && f.ruleId === 'identity.orphaned')).toBe(true);
    expect(findings.some((f) => f.ruleId === 'exemption.expired' && f.identityId === other.identityId)).toBe(true);
    const verdict = (await loadVerdicts(store, result.scan.id)).find((v) => v.identityId === target.identityId);
    expect(verdict).toMatchObject({ verdict: 'exempt', expiresAt: '2027-06-30' });
  });
});
