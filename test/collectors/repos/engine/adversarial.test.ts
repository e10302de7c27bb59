import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../../../../src/collectors/repos/rules/index.ts';

const SIZE = 100 * 1024;
const inputs: [string, string][] = [
  ['a', 'a'.repeat(SIZE)],
  ['=', '='.repeat(SIZE)],
  ['"', '"'.repeat(SIZE)],
  ['newlines', '\n'.repeat(SIZE)],
  ['base64', 'Ab0+'.repeat(SIZE / 4)],
  ['-----', '-'.repeat(SIZE)],
  ['escaped newlines', '\\n'.repeat(SIZE / 2)],
  ['eyJ.', 'eyJ.'.repeat(SIZE / 4)],
  ['BEGIN without END', '-----BEGIN PRIVATE KEY-----\nMIIE'.repeat(SIZE / 32)],
  ['sv=&', 'sv=2020-01-01&sig='.repeat(SIZE / 18)],
  ['users/token', 'users:\n  token: '.repeat(SIZE / 16)],
];

describe('adversarial inputs complete', () => {
  it.each(SECRET_RULES.map((r) => [r.id, r] as const))('%s pattern', (_id, rule) => {
    const re = new RegExp(rule.pattern.source, rule.pattern.flags.replace('y', '') + (rule.pattern.global ? '' : 'g'));
    const kw = rule.keywords[0]!;
    for (const [, text] of [...inputs, ['keyword', `${kw}=`.repeat(SIZE / (kw.length + 1))] as [string, string]]) {
      re.lastIndex = 0;
      let n = 0;
      while (re.exec(text) !== null && n < 10_000) n++;
      expect(n).toBeLessThan(10_000);
    }
  });

  it.each(inputs)('the whole scanner on %s', (_label, text) => {
    expect(Array.isArray(createScanner().scan(text))).toBe(true);
  });

  it('all keywords repeated', () => {
    const text = SECRET_RULES.flatMap((r) => r.keywords).join(' = "').repeat(200);
    expect(Array.isArray(createScanner().scan(text))).toBe(true);
  });
});
