/**
 * No catastrophic backtracking in any detection rule: each rule's pattern runs over the whole of
 * 1 MB adversarial lines built from the rule itself (bench/secrets-adversarial.ts: runs of the
 * characters its quantifiers accept after each keyword, keywords back to back, match samples cut
 * short and repeated), with no keyword windows to help it. A linear pattern takes tens to hundreds
 * of ms; the bound is a generous 2 s of CPU time (not wall time: the machine is shared) per input.
 * A pattern that backtracks polynomially or worse takes minutes on such a line. (The generic
 * assignment rule took 3-4 s on `pwd` repeated before its name tail became atomic.)
 * `node bench/secrets-adversarial.ts` prints the figures per detector, through the whole scanner.
 */
import { describe, expect, it } from 'vitest';
import { adversarialInputs, classSamples } from '../../bench/secrets-adversarial.ts';
import { SECRET_RULES } from '../../src/collectors/repos/rules/index.ts';

const MB = 1024 * 1024;
const BOUND_MS = 2_000;

const cpuMs = (run: () => void): number => {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

describe('detection patterns on 1 MB adversarial lines', () => {
  it('builds inputs from each pattern\'s character classes', () => {
    expect(classSamples(String.raw`(?<secret>AKIA[A-Z2-7]{16})[^\s"']`)).toEqual(['AZ2', 'a', '0']);
    for (const rule of SECRET_RULES) expect(adversarialInputs(rule, 1024, { keywords: 2, samples: 2, cuts: [1] }).length, rule.id).toBeGreaterThan(3);
  });

  it.each(SECRET_RULES.map((r) => [r.id, r] as const))('%s: every input under 2 s of CPU', (_id, rule) => {
    const re = new RegExp(rule.pattern.source, rule.pattern.flags.replace(/[gy]/g, '') + 'g');
    const slow: string[] = [];
    for (const input of adversarialInputs(rule, MB, { keywords: 2, samples: 2, cuts: [1] })) {
      expect(input.text.length).toBeGreaterThanOrEqual(MB - 64);
      const ms = cpuMs(() => {
        re.lastIndex = 0;
        for (let m = re.exec(input.text); m !== null; m = re.exec(input.text)) if (m[0].length === 0) re.lastIndex++;
      });
      if (ms > BOUND_MS) slow.push(`${input.name}: ${Math.round(ms)} ms`);
    }
    expect(slow).toEqual([]);
  });
});
