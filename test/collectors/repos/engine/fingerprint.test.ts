import { describe, expect, it } from 'vitest';
import { createScanner, DEFAULT_FINGERPRINT_KEY, fingerprint, normalizeSecret } from '../../../../src/collectors/repos/engine/index.ts';
import { fakePem, githubStyleToken } from '../../../../src/collectors/repos/rules/fake.ts';

const scanner = createScanner();
const pemReal = fakePem('RSA PRIVATE KEY', 'fp-test');
const keyFp = (text: string): string[] => scanner.scan(text).filter((h) => h.ruleId === 'private-key').map((h) => h.fingerprint);

describe('fingerprints', () => {
  it('are HMAC-SHA256 hex under the default domain key', () => {
    expect(DEFAULT_FINGERPRINT_KEY).toBe('sprawl-fingerprint-v1');
    expect(fingerprint('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint('abc')).toBe(fingerprint('abc', DEFAULT_FINGERPRINT_KEY));
  });

  it('depend on the key', () => {
    const tok = githubStyleToken('ghp', 'fp-key');
    const a = createScanner().scan(`t=${tok}`)[0]!.fingerprint;
    const b = createScanner({ fingerprintKey: 'another-key' }).scan(`t=${tok}`)[0]!.fingerprint;
    expect(a).not.toBe(b);
  });

  it('are the same at any position', () => {
    const tok = githubStyleToken('ghp', 'fp-pos');
    const hits = scanner.scan(`a=${tok}\n\n   {"b": "${tok}"}\nc: '${tok}'`);
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.fingerprint)).size).toBe(1);
  });

  it.each([
    ['real newlines', `${pemReal}\n`],
    ['\\n escapes in JSON', `{"key": ${JSON.stringify(pemReal)}}`],
    ['\\\\n double escapes', `X="${pemReal.replace(/\n/g, '\\\\n')}"`],
    ['CRLF', pemReal.replace(/\n/g, '\r\n')],
    ['YAML block, indented', `key: |\n  ${pemReal.replace(/\n/g, '\n  ')}\n`],
  ])('a PEM key fingerprints the same with %s', (_label, text) => {
    expect(keyFp(text)).toEqual(keyFp(pemReal));
  });

  it('normalization undoes escapes and percent-encoding', () => {
    expect(normalizeSecret('ab\\/cd%2Bef')).toBe('ab/cd+ef');
    expect(normalizeSecret('  x  ')).toBe('x');
  });

  it('different secrets differ', () => {
    expect(fingerprint('secret-one')).not.toBe(fingerprint('secret-two'));
  });
});
