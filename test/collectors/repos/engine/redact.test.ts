import { describe, expect, it } from 'vitest';
import { MAX_VISIBLE, redact } from '../../../../src/collectors/repos/engine/index.ts';
import { fakeChars, fakeJwt, fakePem } from '../../../../src/collectors/repos/rules/fake.ts';

const visible = (preview: string): number => preview.replace('…', '').length;

describe('redact', () => {
  it.each([1, 2, 3, 5, 8, 12, 20, 24, 40, 93, 400].map((n) => [n]))('length %i shows at most a third and at most 8', (n) => {
    const secret = fakeChars(`redact${n}`, n);
    const p = redact(secret);
    expect(visible(p)).toBeLessThanOrEqual(Math.min(MAX_VISIBLE, Math.floor(n / 3)));
    expect(p).toContain('…');
    if (n > 1) expect(p).not.toContain(secret);
  });

  it('keeps the start (prefix) and a little of the end', () => {
    expect(redact('AKIA2FAKEKEYQ7ZT3MVB')).toBe('AKIA…VB');
  });

  it('shows only the header of a private key', () => {
    expect(redact(fakePem('RSA PRIVATE KEY', 'r1'))).toBe('-----BEGIN RSA PRIVATE KEY-----…');
    expect(redact(fakePem('PRIVATE KEY', 'r2', '\\n'))).toBe('-----BEGIN PRIVATE KEY-----…');
  });

  it('shows eyJ and the algorithm of a JWT', () => {
    expect(redact(fakeJwt({ alg: 'RS256', typ: 'JWT' }, { sub: 'x' }, 'r3'))).toBe('eyJ…(alg RS256)');
    expect(redact(fakeJwt({ alg: '<script>' }, { sub: 'x' }, 'r4'))).toBe('eyJ…(alg ?)');
  });

  it('never emits control characters', () => {
    const p = redact('\u0001\u0002\u0003abcdefgh');
    expect([...p].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });
});
