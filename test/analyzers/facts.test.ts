import { describe, expect, it } from 'vitest';
import { isUsable, subjectOf } from '../../src/analyzers/facts.ts';
import { daysSince, latestTime } from '../../src/analyzers/time.ts';
import { NOW, context, daysAgo, inventory, key, user } from './factories.ts';

describe('isUsable', () => {
  const owner = user('u');
  it.each([
    { name: 'active, no expiry', o: {}, usable: true },
    { name: 'active, expires tomorrow', o: { expiresAt: daysAgo(-1) }, usable: true },
    { name: 'active, expired', o: { expiresAt: daysAgo(1) }, usable: false },
    { name: 'inactive', o: { active: false }, usable: false },
  ])('$name', ({ o, usable }) => {
    expect(isUsable(key(owner, 'a', o), NOW)).toBe(usable);
  });
});

describe('subjectOf', () => {
  const idx = context(inventory({ identities: [user('known')] })).inventory;
  it.each([
    { id: user('known').id, expected: { provider: 'aws', scope: '111122223333', name: 'known' } },
    { id: 'k8s:prod:ns/ci/sa/runner', expected: { provider: 'kubernetes', scope: 'prod', name: 'runner' } },
    { id: 'gcp:acme:sa/builder@acme.iam.gserviceaccount.com', expected: { provider: 'gcp', scope: 'acme', name: 'builder@acme.iam.gserviceaccount.com' } },
    { id: 'nope:x:y', expected: undefined },
    { id: 'garbage', expected: undefined },
  ])('$id', ({ id, expected }) => {
    expect(subjectOf(idx, id)).toEqual(expected);
  });
});

describe('time', () => {
  it('floors whole days and ignores bad dates', () => {
    expect(daysSince(daysAgo(91), NOW)).toBe(91);
    expect(daysSince('bogus', NOW)).toBeUndefined();
    expect(daysSince(undefined, NOW)).toBeUndefined();
    expect(latestTime([undefined, 'bogus', '2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z'])).toBe('2025-03-01T00:00:00.000Z');
    expect(latestTime([])).toBeUndefined();
  });
});
