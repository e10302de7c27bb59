import { describe, expect, it } from 'vitest';
import { isPlaceholder, shannonEntropy } from '../../../../src/collectors/repos/engine/index.ts';
import { fakeBase64, fakeChars, fakePem } from '../../../../src/collectors/repos/rules/fake.ts';

describe('isPlaceholder', () => {
  it.each([
    'AKIAIOSFODNN7EXAMPLE',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
    'xxxxxxxxxxxxxxxx',
    'XXXXXXXX',
    '********',
    '${API_KEY}',
    '$API_KEY',
    '{{ api_key }}',
    '<your-key>',
    '%s',
    'changeme',
    'change_me_please',
    'my-example-token',
    'dummy-secret-123',
    'sample_key_9876',
    'placeholder',
    'your_api_key',
    'YOUR_API_KEY_HERE',
    'aaaaaaaaaaaaaaaa',
    '1234567890abcdef',
    'abcdefghijklmnop',
    'ZYXWVUTSRQ',
    '#{secret}',
    '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----',
  ])('%s is a placeholder', (v) => {
    expect(isPlaceholder(v)).toBe(true);
  });

  it.each([
    fakeChars('ph1', 20),
    fakeBase64('ph2', 40),
    `FAKE${fakeChars('ph3', 36)}`,
    fakePem('RSA PRIVATE KEY', 'ph4'),
    'Vq8fkL2pZr',
  ])('%s is not', (v) => {
    expect(isPlaceholder(v)).toBe(false);
  });
});

describe('shannonEntropy', () => {
  it.each([
    ['', 0],
    ['aaaa', 0],
    ['ab', 1],
    ['abcd', 2],
    ['0123456789abcdef', 4],
  ])('%s → %f', (s, h) => {
    expect(shannonEntropy(s)).toBeCloseTo(h, 6);
  });

  it('counts non-ASCII characters', () => {
    expect(shannonEntropy('éü')).toBeCloseTo(1, 6);
  });
});
