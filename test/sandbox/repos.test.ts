import { afterAll, describe, expect, it } from 'vitest';
import { scanRepository } from '../../src/collectors/repos/scan.ts';
import { generateEstate } from '../../src/sandbox/estate.ts';
import { createSandboxRepo, sandboxRepoSteps } from '../../src/sandbox/repos.ts';
import { cleanupTempDirs, tempDir } from '../helpers/git.ts';

afterAll(() => cleanupTempDirs());

describe('sandbox repository', () => {
  const estate = generateEstate({ seed: 'repo-test', size: 60, now: '2026-11-01T00:00:00Z' });

  it('is the same for the same estate', () => {
    expect(sandboxRepoSteps(estate)).toEqual(sandboxRepoSteps(generateEstate({ seed: 'repo-test', size: 60, now: '2026-11-01T00:00:00Z' })));
  });

  it('commits keys of the estate that a history scan finds, the removed one included', async () => {
    const repo = createSandboxRepo(estate, tempDir('sprawl-sbrepo-'));
    expect(repo.committedKeyIds).toHaveLength(2);
    const { findings } = await scanRepository({ path: repo.dir, mode: 'history', workers: 1 });
    const found = new Set(findings.map((f) => f.publicId).filter(Boolean));
    for (const id of repo.committedKeyIds) expect(found).toContain(id);
    expect(findings.some((f) => f.location.path === 'ops/deploy.sh')).toBe(true); // removed in a later commit
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(new Set(['aws-access-key-id', 'aws-secret-access-key', 'slack-token', 'generic-secret']));
    // the example file's placeholders do not fire
    expect(findings.some((f) => f.location.path === '.env.example')).toBe(false);
  });
});
