import { describe, expect, it } from 'vitest';
import { compilePattern, connectionMapMatcher } from '../../../src/collectors/gateway/link.ts';

const entries = [
  { pattern: 'pg-*-ro', identity: 'glob-ro' },
  { pattern: 'pg-billing-ro', identity: 'exact-billing' },
  { pattern: 'ssh-bastion', identity: 'exact-bastion' },
  { pattern: '/^ssh-.*$/', identity: 'regex-ssh' },
  { pattern: 'mysql-?', identity: 'glob-mysql' },
  { pattern: 'mysql-a', identity: 'exact-mysql-a' },
  { pattern: 'ssh-bastion', identity: 'second-bastion' },
  { pattern: 'a.b', identity: 'exact-dot' },
];

describe('connectionMapMatcher: the first entry that matches, as a scan of the list in order would find', () => {
  const match = connectionMapMatcher(entries);
  /** The plain reading of the rule: every entry in order. */
  const reference = (name: string) => entries.find((e) => compilePattern(e.pattern).test(name))?.identity;

  it.each([
    { name: 'pg-billing-ro', identity: 'glob-ro', why: 'a glob listed before the exact name wins' },
    { name: 'ssh-bastion', identity: 'exact-bastion', why: 'an exact name listed before a regex wins' },
    { name: 'ssh-other', identity: 'regex-ssh', why: 'a regex' },
    { name: 'mysql-a', identity: 'glob-mysql', why: 'a ? glob before the exact name' },
    { name: 'a.b', identity: 'exact-dot', why: 'a dot is a dot, not any character' },
    { name: 'axb', identity: undefined, why: 'so axb matches nothing' },
    { name: 'PG-BILLING-RO', identity: undefined, why: 'names are case-sensitive' },
    { name: 'redis', identity: undefined, why: 'no entry' },
  ])('$name -> $identity ($why)', ({ name, identity }) => {
    expect(match(name)).toBe(identity);
    expect(match(name)).toBe(reference(name));
  });

  it('agrees with the plain reading on a large map of exact names and a few patterns', () => {
    const big = [...Array.from({ length: 2000 }, (_, i) => ({ pattern: `conn-${i}`, identity: `id-${i}` })), { pattern: 'conn-1*', identity: 'late-glob' }, { pattern: 'other-*', identity: 'other' }];
    const fast = connectionMapMatcher(big);
    for (const name of ['conn-0', 'conn-1', 'conn-1999', 'conn-2000', 'conn-12345', 'other-x', 'nothing']) {
      expect(fast(name), name).toBe(big.find((e) => compilePattern(e.pattern).test(name))?.identity);
    }
  });
});
