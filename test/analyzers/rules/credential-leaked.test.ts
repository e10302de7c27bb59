import { describe, expect, it } from 'vitest';
import { leakedRule } from '../../../src/analyzers/rules/credential-leaked.ts';
import type { Credential, Leak } from '../../../src/model/index.ts';
import { findingId } from '../../../src/model/index.ts';
import { context, daysAgo, inventory, key, leak, user } from '../factories.ts';

const bot = user('deploy-bot');
const live = key(bot, 'live1');

interface Case {
  name: string;
  credentials: Credential[];
  leaks: Leak[];
  severity?: 'critical' | 'low';
  locations?: number;
}

const mustFire: Case[] = [
  { name: 'active key found by its key id', credentials: [live], leaks: [leak('l1', { publicId: live.publicId })], severity: 'critical', locations: 1 },
  { name: 'inactive key still exists', credentials: [{ ...live, active: false }], leaks: [leak('l1', { publicId: live.publicId })], severity: 'low' },
  { name: 'expired credential', credentials: [{ ...live, expiresAt: daysAgo(2) }], leaks: [leak('l1', { publicId: live.publicId })], severity: 'low' },
  { name: 'linked by credentialId (set by the store)', credentials: [live], leaks: [leak('l1', { credentialId: live.id })], severity: 'critical' },
  {
    name: 'the same key in three places is one finding',
    credentials: [live],
    leaks: [
      leak('l1', { publicId: live.publicId }),
      leak('l2', { publicId: live.publicId, location: { path: 'deploy.sh', line: 9, commit: 'beef000000000000000000000000000000000002', time: daysAgo(90) } }),
      leak('l3', { publicId: live.publicId, location: { path: 'README.md', line: 1 } }),
    ],
    severity: 'critical',
    locations: 3,
  },
];

const mustNotFire: Case[] = [
  { name: 'no leaks', credentials: [live], leaks: [] },
  { name: 'a leak of a key not in the inventory', credentials: [live], leaks: [leak('l1', { publicId: 'AKIAFAKE0000NOTHERE1' })] },
  { name: 'a leak without a public id (generic password)', credentials: [live], leaks: [leak('l1', { rule: 'generic-secret', publicId: undefined })] },
  { name: 'a credential whose identity is not in the inventory (partial scan)', credentials: [key(user('ghost'), 'x')], leaks: [leak('l1', { publicId: key(user('ghost'), 'x').publicId })] },
];

describe('credential.leaked', () => {
  it.each(mustFire)('fires: $name', ({ credentials, leaks, severity, locations }) => {
    const findings = leakedRule.evaluate(context(inventory({ identities: [bot], credentials, leaks })));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.id).toBe(findingId('credential.leaked', live.id));
    expect(f.subjectType).toBe('credential');
    expect(f.identityId).toBe(bot.id);
    if (severity) expect(f.severity).toBe(severity);
    if (locations) expect(f.evidence.locations).toBe(locations);
    expect(f.message).toContain(live.publicId);
  });

  it.each(mustNotFire)('does not fire: $name', ({ credentials, leaks }) => {
    const identities = credentials.some((c) => c.identityId === bot.id) ? [bot] : [];
    expect(leakedRule.evaluate(context(inventory({ identities, credentials, leaks })))).toEqual([]);
  });

  it('names the earliest exposure first', () => {
    const leaks = [
      leak('late', { publicId: live.publicId, location: { path: 'b.env', line: 2, commit: 'bbbbbbb000000000000000000000000000000000', time: daysAgo(1) } }),
      leak('early', { publicId: live.publicId, location: { path: 'a.env', line: 5, commit: 'aaaaaaa000000000000000000000000000000000', author: 'First <f@example.com>', time: daysAgo(300) } }),
    ];
    const [f] = leakedRule.evaluate(context(inventory({ identities: [bot], credentials: [live], leaks })));
    expect(f?.evidence.firstLocation).toBe('a.env:5 (commit aaaaaaa)');
    expect(f?.evidence.firstCommitAuthor).toBe('First <f@example.com>');
  });
});
