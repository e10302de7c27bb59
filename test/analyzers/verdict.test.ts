import { describe, expect, it } from 'vitest';
import { analyze, catalogue } from '../../src/analyzers/index.ts';
import type { Inventory, VerdictKind } from '../../src/model/index.ts';
import { DEFAULT_POLICY, NOW, activity, daysAgo, grant, inventory, key, leak, role, user } from './factories.ts';
import { connection, session } from './gateway-factories.ts';

const admin = (name: string) => grant(user(name), 'AdministratorAccess', { privilege: 'admin' });

interface Case {
  name: string;
  inv: Inventory;
  /** Identity whose verdict is checked. */
  id: string;
  verdict: VerdictKind;
  /** Rule ids of the findings the verdict cites, sorted. */
  cites: string[];
  reason: RegExp;
  /** Run the whole catalogue, the gateway correlation rules (shared, bypass, ...) included. */
  gateway?: boolean;
}

const u = (name: string, o = {}) => user(name, o);

const cases: Case[] = [
  {
    name: 'a key in use that is committed to a repository: rotate',
    inv: inventory({ identities: [u('leaky')], credentials: [key(u('leaky'), 'a')], leaks: [leak('l1', { publicId: key(u('leaky'), 'a').publicId })] }),
    id: u('leaky').id,
    verdict: 'rotate',
    cites: ['credential.leaked'],
    reason: /committed to a repository/,
  },
  {
    name: 'a committed admin key in use: migrate, citing the leak',
    inv: inventory({ identities: [u('leaky-admin')], credentials: [key(u('leaky-admin'), 'a')], grants: [admin('leaky-admin')], leaks: [leak('l1', { publicId: key(u('leaky-admin'), 'a').publicId })] }),
    id: u('leaky-admin').id,
    verdict: 'migrate',
    cites: ['credential.leaked', 'identity.admin'],
    reason: /behind the access gateway/,
  },
  {
    name: 'a committed key that is unused: revoke',
    inv: inventory({ identities: [u('leaky-stale')], credentials: [key(u('leaky-stale'), 'a', { lastUsedAt: daysAgo(200) })], leaks: [leak('l1', { publicId: key(u('leaky-stale'), 'a').publicId })] }),
    id: u('leaky-stale').id,
    verdict: 'revoke',
    cites: ['credential.unused'],
    reason: /No credential used/,
  },
  {
    name: 'managed role with findings is kept',
    inv: inventory({ identities: [role('AWSServiceRoleForX', { managed: true, lastUsedAt: daysAgo(400) })] }),
    id: role('AWSServiceRoleForX').id,
    verdict: 'keep',
    cites: [],
    reason: /Provider-managed/,
  },
  {
    name: 'disabled user with an old unused key is kept',
    inv: inventory({ identities: [u('off', { disabled: true })], credentials: [key(u('off'), 'a', { createdAt: daysAgo(300), lastUsedAt: daysAgo(200) })] }),
    id: u('off').id,
    verdict: 'keep',
    cites: [],
    reason: /disabled/,
  },
  {
    name: 'every active key unused: revoke',
    inv: inventory({
      identities: [u('stale')],
      credentials: [key(u('stale'), 'a', { lastUsedAt: daysAgo(100) }), key(u('stale'), 'b', { createdAt: daysAgo(60), lastUsedAt: undefined }), key(u('stale'), 'c', { active: false })],
    }),
    id: u('stale').id,
    verdict: 'revoke',
    cites: ['credential.unused', 'credential.unused'],
    reason: /No credential used for more than 45 days/,
  },
  {
    name: 'unused old admin key: revoke beats migrate and rotate',
    inv: inventory({ identities: [u('adm')], credentials: [key(u('adm'), 'a', { createdAt: daysAgo(500), lastUsedAt: daysAgo(100) })], grants: [admin('adm')] }),
    id: u('adm').id,
    verdict: 'revoke',
    cites: ['credential.unused'],
    reason: /No credential used/,
  },
  {
    name: 'unused role: revoke',
    inv: inventory({ identities: [role('old-etl', { lastUsedAt: daysAgo(200) })] }),
    id: role('old-etl').id,
    verdict: 'revoke',
    cites: ['credential.unused'],
    reason: /Identity not used for more than 45 days/,
  },
  {
    name: 'one key unused, another in use: not revoke',
    inv: inventory({ identities: [u('half')], credentials: [key(u('half'), 'a', { lastUsedAt: daysAgo(100) }), key(u('half'), 'b')] }),
    id: u('half').id,
    verdict: 'keep',
    cites: ['credential.multiple-active', 'credential.unused'],
    reason: /review the open findings/,
  },
  {
    name: 'key unused but the identity was used recently (gateway): not revoke',
    inv: inventory({ identities: [u('gw')], credentials: [key(u('gw'), 'a', { lastUsedAt: daysAgo(100) })], activities: [activity(u('gw'), daysAgo(3))] }),
    id: u('gw').id,
    verdict: 'keep',
    cites: ['credential.unused'],
    reason: /review/,
  },
  {
    name: 'old key in use: rotate',
    inv: inventory({ identities: [u('ci')], credentials: [key(u('ci'), 'a', { createdAt: daysAgo(200) })] }),
    id: u('ci').id,
    verdict: 'rotate',
    cites: ['credential.key-age'],
    reason: /older than the rotation threshold/,
  },
  {
    name: 'admin with an active key: migrate (citing key age too)',
    inv: inventory({ identities: [u('adm')], credentials: [key(u('adm'), 'a', { createdAt: daysAgo(200) })], grants: [admin('adm')] }),
    id: u('adm').id,
    verdict: 'migrate',
    cites: ['credential.key-age', 'identity.admin'],
    reason: /behind the access gateway/,
  },
  {
    name: 'admin role without keys: keep (finding stays open)',
    inv: inventory({ identities: [role('admin-role', { lastUsedAt: daysAgo(1) })], grants: [grant(role('admin-role'), 'AdministratorAccess', { privilege: 'admin' })] }),
    id: role('admin-role').id,
    verdict: 'keep',
    cites: ['identity.admin'],
    reason: /review the open findings/,
  },
  // After a migration: the fresh key sits in the gateway connection, nothing else is usable.
  (() => {
    const moved = u('moved');
    const fresh = key(moved, 'f', { createdAt: daysAgo(1), lastUsedAt: daysAgo(0.5) });
    const conn = connection('sprawl-aws-moved', moved, { credentialId: fresh.id });
    return {
      name: 'admin whose only key a gateway connection holds (migrated): keep, the admin finding stays open',
      inv: inventory({ identities: [moved], credentials: [fresh], grants: [admin('moved')], connections: [conn], activities: [session(conn, 'ana@example.com', daysAgo(0.5))] }),
      id: moved.id,
      verdict: 'keep' as const,
      cites: ['identity.admin', 'identity.orphaned'],
      gateway: true,
      reason: /review the open findings/,
    };
  })(),
  (() => {
    const half = u('half');
    const fresh = key(half, 'f', { createdAt: daysAgo(1), lastUsedAt: daysAgo(0.5) });
    const conn = connection('sprawl-aws-half', half, { credentialId: fresh.id });
    return {
      name: 'admin with a key in the gateway and another still outside it: migrate',
      inv: inventory({ identities: [half], credentials: [fresh, key(half, 'o')], grants: [admin('half')], connections: [conn], activities: [session(conn, 'ana@example.com', daysAgo(0.5))] }),
      id: half.id,
      verdict: 'migrate' as const,
      cites: ['identity.admin'],
      gateway: true,
      reason: /behind the access gateway/,
    };
  })(),
  ...(['held', 'outside'] as const).map((where) => {
    const team = u(`team-${where}`);
    const k = key(team, 'a', { lastUsedAt: daysAgo(1) });
    const conn = connection(`aws-team-${where}`, team, where === 'held' ? { credentialId: k.id } : {});
    const actors = ['ana@example.com', 'bo@example.com', 'cy@example.com', 'di@example.com'];
    return {
      name: where === 'held'
        ? 'shared through the gateway only (the connection holds its key): keep, each session has its person'
        : 'shared through the gateway while its key is also out of it: migrate',
      inv: inventory({ identities: [team], credentials: [k], connections: [conn], activities: actors.map((a, i) => session(conn, a, daysAgo(i + 1))) }),
      id: team.id,
      verdict: where === 'held' ? ('keep' as const) : ('migrate' as const),
      // no owner in these estates: orphaned is cited as well
      cites: ['identity.orphaned', 'identity.shared'],
      gateway: true,
      reason: where === 'held' ? /review the open findings/ : /Shared by several/,
    };
  }),
  {
    name: 'healthy user: keep, no findings',
    inv: inventory({ identities: [u('ok')], credentials: [key(u('ok'), 'a')] }),
    id: u('ok').id,
    verdict: 'keep',
    cites: [],
    reason: /^No findings$/,
  },
];

describe('verdicts', () => {
  it.each(cases)('$name', (c) => {
    const { findings, verdicts } = analyze(c.inv, DEFAULT_POLICY, NOW, c.gateway ? catalogue() : undefined);
    const v = verdicts.find((x) => x.identityId === c.id);
    expect(v?.verdict).toBe(c.verdict);
    expect(v?.reasons[0]).toMatch(c.reason);
    const cited = (v?.findingIds ?? []).map((id) => findings.find((f) => f.id === id)?.ruleId ?? 'missing').sort();
    expect(cited).toEqual(c.cites);
    // Every cited finding's message is spelled out as a reason.
    expect(v?.reasons).toHaveLength(1 + c.cites.length);
  });

  it('gives one verdict per identity, in id order', () => {
    const inv = inventory({ identities: [u('b'), u('a'), role('c')] });
    expect(analyze(inv, DEFAULT_POLICY, NOW).verdicts.map((v) => v.identityId)).toEqual([role('c').id, u('a').id, u('b').id].sort());
  });
});
