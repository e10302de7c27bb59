import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../../../../src/collectors/repos/rules/index.ts';
import type { SecretRule } from '../../../../src/collectors/repos/types.ts';

const scanner = createScanner();

/** The values the rule's pattern captures in a sample (computed here, independently of the engine). */
function secretsIn(rule: SecretRule, sample: string): string[] {
  const re = new RegExp(rule.pattern.source, rule.pattern.flags.replace('y', '') + (rule.pattern.global ? '' : 'g'));
  return [...sample.matchAll(re)].map((m) => m.groups?.['secret'] ?? '').filter((s) => s.length > 0);
}

describe('rule table', () => {
  it('has unique ids', () => {
    const ids = SECRET_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(SECRET_RULES.map((r) => [r.id, r] as const))('%s is well-formed', (_id, rule) => {
    expect(rule.samples.match.length).toBeGreaterThanOrEqual(3);
    expect(rule.samples.noMatch.length).toBeGreaterThanOrEqual(3);
    expect(rule.pattern.source).toContain('(?<secret>');
    expect(rule.pattern.global || rule.pattern.sticky).toBe(true);
    expect(rule.keywords.length).toBeGreaterThan(0);
    for (const k of rule.keywords) expect(k).toBe(k.toLowerCase());
    expect(rule.title.length).toBeGreaterThan(0);
    expect(rule.description.length).toBeGreaterThan(60);
  });
});

const matchCases = SECRET_RULES.flatMap((r) => r.samples.match.map((s, i) => [r.id, i, s] as const));
const noMatchCases = SECRET_RULES.flatMap((r) => r.samples.noMatch.map((s, i) => [r.id, i, s] as const));

describe('samples, all rules on', () => {
  it.each(matchCases)('%s match #%i fires', (id, _i, sample) => {
    const rule = SECRET_RULES.find((r) => r.id === id)!;
    const hits = scanner.scan(sample).filter((h) => h.ruleId === id);
    expect(hits.length).toBeGreaterThan(0);
    const secrets = secretsIn(rule, sample);
    expect(secrets.length).toBeGreaterThan(0);
    for (const h of hits) {
      expect(h.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      for (const secret of secrets) expect(h.preview).not.toContain(secret);
    }
  });

  it.each(noMatchCases)('%s noMatch #%i stays quiet', (id, _i, sample) => {
    expect(scanner.scan(sample).filter((h) => h.ruleId === id)).toEqual([]);
  });
});
