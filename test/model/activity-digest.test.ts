import { afterEach, describe, expect, it } from 'vitest';
import { digestActivities, identityUse, latestIso, sessionWindows, type Activity } from '../../src/model/index.ts';
import { createInventoryWriter, createScan, loadInventory, type Store } from '../../src/store/index.ts';
import { storeTargets } from '../helpers/stores.ts';

const ID = 'aws:111111111111:user/svc';
const OTHER = 'k8s:prod:sa/payments/api';

function act(over: Partial<Activity>): Activity {
  return { identityId: ID, at: '2026-01-01T00:00:00.000Z', source: 'gateway', ...over };
}

describe('digestActivities', () => {
  it.each([
    {
      name: 'no activities: no use',
      activities: [] as Activity[],
      check: (d: ReturnType<typeof digestActivities>) => {
        expect(d.identities.size).toBe(0);
        expect(identityUse(d, ID).gateway.count).toBe(0);
        expect(identityUse(d, ID).last).toBeUndefined();
      },
    },
    {
      name: 'latest time by instant, not by text, over both sources',
      activities: [act({ at: '2026-01-02T00:00:00+05:00' }), act({ at: '2026-01-01T20:00:00Z', source: 'provider' }), act({ at: 'not a time' })],
      check: (d: ReturnType<typeof digestActivities>) => {
        const use = identityUse(d, ID);
        expect(new Date(use.last!).toISOString()).toBe('2026-01-01T20:00:00.000Z');
        expect(use.gateway).toEqual({ count: 2, last: Date.parse('2026-01-01T19:00:00Z') });
        expect(use.provider).toEqual({ count: 1, last: Date.parse('2026-01-01T20:00:00Z') });
      },
    },
    {
      name: 'credential last use only from activities naming it',
      activities: [act({ credentialId: 'c1', at: '2026-02-01T00:00:00Z' }), act({ credentialId: 'c1', at: '2026-01-01T00:00:00Z' }), act({ at: '2026-03-01T00:00:00Z' })],
      check: (d: ReturnType<typeof digestActivities>) => {
        expect([...d.credentials]).toEqual([['c1', Date.parse('2026-02-01T00:00:00Z')]]);
      },
    },
    {
      name: 'gateway actors as recorded, a session without one counted as empty; pod actors only from provider',
      activities: [act({ actor: 'Ann@x.com ' }), act({ actor: 'ann@x.com' }), act({}), act({ source: 'provider', actor: 'pod/prod/api-7d9f-x' }), act({ source: 'provider', actor: 'ci-job' }), act({ actor: 'pod/prod/gw' })],
      check: (d: ReturnType<typeof digestActivities>) => {
        const use = identityUse(d, ID);
        expect([...use.gatewayActors].sort()).toEqual(['', 'Ann@x.com ', 'ann@x.com', 'pod/prod/gw']);
        expect([...use.podActors]).toEqual(['pod/prod/api-7d9f-x']);
      },
    },
    {
      name: 'commands: judged reads and writes, unknown commands not judged, first three distinct judged samples in order',
      activities: [
        act({ command: 'bash deploy.sh' }),
        act({ command: 'SELECT 1' }),
        act({ command: 'SELECT 1' }),
        act({ command: 'kubectl get pods' }),
        act({ command: 'DELETE FROM t' }),
        act({ command: 'aws s3 ls' }),
        act({ source: 'provider', command: 'DROP TABLE t' }),
      ],
      check: (d: ReturnType<typeof digestActivities>) => {
        expect(identityUse(d, ID).commands).toEqual({ judged: 5, writes: 1, samples: ['SELECT 1', 'kubectl get pods', 'DELETE FROM t'] });
      },
    },
    {
      name: 'session windows: only gateway sessions with a connection and a time; an end before the start is no end',
      activities: [
        act({ connectionId: 'k1', at: '2026-01-01T00:00:00Z', endAt: '2026-01-01T00:10:00Z' }),
        act({ connectionId: 'k2', at: '2026-01-01T01:00:00Z', endAt: '2026-01-01T00:00:00Z' }),
        act({ at: '2026-01-01T02:00:00Z' }),
        act({ connectionId: 'k1', at: 'garbage' }),
        act({ connectionId: 'k1', at: '2026-01-01T04:00:00Z' }),
        act({ source: 'provider', connectionId: 'k1', at: '2026-01-01T03:00:00Z' }),
      ],
      check: (d: ReturnType<typeof digestActivities>) => {
        const t = Date.parse;
        const use = identityUse(d, ID);
        expect([...use.windows]).toEqual([
          ['k1', [t('2026-01-01T00:00:00Z'), t('2026-01-01T00:10:00Z'), t('2026-01-01T04:00:00Z'), t('2026-01-01T04:00:00Z')]],
          ['k2', [t('2026-01-01T01:00:00Z'), t('2026-01-01T01:00:00Z')]],
        ]);
        expect(sessionWindows(use, ['k2', 'k3'])).toEqual([{ start: t('2026-01-01T01:00:00Z'), end: t('2026-01-01T01:00:00Z') }]);
        expect(sessionWindows(use)).toHaveLength(3);
      },
    },
    {
      name: 'identities kept apart',
      activities: [act({ actor: 'a' }), act({ identityId: OTHER, actor: 'b', source: 'provider' })],
      check: (d: ReturnType<typeof digestActivities>) => {
        expect(identityUse(d, ID).gateway.count).toBe(1);
        expect(identityUse(d, ID).provider.count).toBe(0);
        expect(identityUse(d, OTHER).provider.count).toBe(1);
        expect(identityUse(d, OTHER).gatewayActors.size).toBe(0);
      },
    },
  ])('$name', ({ activities, check }) => check(digestActivities(activities)));

  it.each([
    { iso: undefined, ms: undefined, want: undefined },
    { iso: '2026-01-01T00:00:00Z', ms: undefined, want: '2026-01-01T00:00:00.000Z' },
    { iso: undefined, ms: Date.parse('2026-01-02T00:00:00Z'), want: '2026-01-02T00:00:00.000Z' },
    { iso: '2026-01-03T00:00:00Z', ms: Date.parse('2026-01-02T00:00:00Z'), want: '2026-01-03T00:00:00.000Z' },
    { iso: 'nonsense', ms: Date.parse('2026-01-02T00:00:00Z'), want: '2026-01-02T00:00:00.000Z' },
  ])('latestIso($iso, $ms) = $want', ({ iso, ms, want }) => expect(latestIso(iso, ms)).toBe(want));
});

describe.each(storeTargets)('loadInventory with digested activities on $name', (target) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it.skipIf(target.skip)('streams the same digest as the records give, and holds no records', async () => {
    const o = await target.open();
    dispose = o.dispose;
    const store: Store = o.store;
    await createScan(store, { id: 's1', startedAt: '2026-01-01T00:00:00.000Z', toolVersion: 'test' });
    await createScan(store, { id: 's2', startedAt: '2026-01-02T00:00:00.000Z', toolVersion: 'test' });
    const commands = ['SELECT 1', 'UPDATE t SET a = 1', 'kubectl get pods', 'bash x.sh', "it's \"quoted\""];
    const activities: Activity[] = [];
    // 12,345 activities over 97 identities: more than one PostgreSQL cursor fetch and one SQLite batch.
    for (let i = 0; i < 12_345; i++) {
      const minute = String(i % 60).padStart(2, '0');
      activities.push({
        identityId: `aws:111111111111:user/svc-${String(i % 97).padStart(3, '0')}`,
        ...(i % 3 === 0 ? { credentialId: `cred-${i % 11}` } : {}),
        at: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T10:${minute}:00.000Z`,
        source: i % 4 === 0 ? 'provider' : 'gateway',
        ...(i % 5 !== 0 ? { actor: i % 4 === 0 ? `pod/prod/api-${i % 7}` : `user${i % 13}@example.com` } : {}),
        ...(i % 2 === 0 ? { connectionId: `hoop:gw:conn/c${i % 3}`, endAt: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T11:${minute}:00.000Z` } : {}),
        ...(i % 6 !== 5 ? { command: commands[i % commands.length]! } : {}),
      });
    }
    const w = createInventoryWriter(store, 's1');
    for (const record of activities) w.write({ type: 'activity', record });
    await w.flush();
    const w2 = createInventoryWriter(store, 's2');
    w2.write({ type: 'activity', record: { identityId: 'aws:111111111111:user/svc-000', at: '2027-01-01T00:00:00.000Z', source: 'gateway', actor: 'other-scan' } });
    await w2.flush();

    const records = await loadInventory(store, 's1');
    expect(records.activities).toHaveLength(12_345);
    expect(records.activityDigest).toBeUndefined();
    const digested = await loadInventory(store, 's1', { activities: 'digest' });
    expect(digested.activities).toEqual([]);
    // The stored order (identity, time) is the order both read in.
    expect(digested.activityDigest).toEqual(digestActivities(records.activities));
    expect(identityUse(digested.activityDigest!, 'aws:111111111111:user/svc-000').gatewayActors.has('other-scan')).toBe(false);
    expect((await loadInventory(store, 'none', { activities: 'digest' })).activityDigest).toEqual({ identities: new Map(), credentials: new Map() });
  });
});
