import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBaseline, readBaseline, writeBaseline } from '../../../src/collectors/repos/baseline.ts';
import type { SecretFinding } from '../../../src/collectors/repos/types.ts';
import { cleanupTempDirs, tempDir } from '../../helpers/git.ts';

afterAll(cleanupTempDirs);

function finding(fingerprint: string, path: string, line: number): SecretFinding {
  return {
    ruleId: 'aws-access-key-id',
    severity: 'high',
    line,
    column: 1,
    endLine: line,
    endColumn: 21,
    fingerprint,
    preview: 'AKIA…XXXX',
    allowed: false,
    location: { path, commit: 'c'.repeat(40) },
  };
}

describe('baseline', () => {
  it('round-trips fingerprints (no secrets, no previews) and filters known findings', () => {
    const file = join(tempDir(), 'nested', 'baseline.json');
    const a = finding('aa'.repeat(32), 'b.txt', 3);
    const b = finding('bb'.repeat(32), 'a.txt', 1);
    writeBaseline(file, [a, b, a]);
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    expect(json).toEqual({
      version: 1,
      tool: 'sprawl',
      fingerprints: [
        { fingerprint: b.fingerprint, ruleId: 'aws-access-key-id', path: 'a.txt', line: 1 },
        { fingerprint: a.fingerprint, ruleId: 'aws-access-key-id', path: 'b.txt', line: 3 },
      ],
    });
    expect(readFileSync(file, 'utf8')).not.toContain('AKIA');
    const known = readBaseline(file);
    expect(known).toEqual(new Set([a.fingerprint, b.fingerprint]));
    const c = finding('cc'.repeat(32), 'c.txt', 9);
    expect(applyBaseline([a, c, b], known)).toEqual([c]);
    expect(applyBaseline([{ ...a, fingerprint: a.fingerprint.toUpperCase() }], known)).toEqual([]);
  });

  it.each([
    { name: 'missing file', content: undefined, error: /file not found/ },
    { name: 'not JSON', content: '{ nope', error: /not valid JSON/ },
    { name: 'an array', content: '[]', error: /expected a JSON object/ },
    { name: 'another tool', content: '{"version":1,"tool":"gitleaks","fingerprints":[]}', error: /not a sprawl baseline/ },
    { name: 'a future version', content: '{"version":2,"tool":"sprawl","fingerprints":[]}', error: /unsupported version 2/ },
    { name: 'no list', content: '{"version":1,"tool":"sprawl"}', error: /"fingerprints" must be an array/ },
    { name: 'a bad entry', content: '{"version":1,"tool":"sprawl","fingerprints":[{"fingerprint":"zz"}]}', error: /fingerprints\[0\]/ },
  ])('names the file when it is malformed: $name', ({ content, error }) => {
    const file = join(tempDir(), 'baseline.json');
    if (content !== undefined) writeFileSync(file, content);
    expect(() => readBaseline(file)).toThrow(error);
    expect(() => readBaseline(file)).toThrow(file);
  });
});
