import { describe, expect, it } from 'vitest';
import type { ScanInfo, SourceOutcome } from '../../src/model/index.ts';
import { mergeOutcomes, RunError, shardStates } from '../../src/pipeline/run.ts';
import { formatShard, parseShard, shardOf, unitFilter } from '../../src/pipeline/shard.ts';

describe('parseShard', () => {
  it.each([
    { value: '1/1', shard: { index: 1, count: 1 } },
    { value: '3/16', shard: { index: 3, count: 16 } },
    { value: ' 16 / 16 ', shard: { index: 16, count: 16 } },
  ])('reads $value', ({ value, shard }) => {
    expect(parseShard(value)).toEqual(shard);
    expect(formatShard(shard)).toBe(value.replace(/\s/g, ''));
  });

  it.each([
    { value: '0/4', error: /number must be 1 to 4, got 0/ },
    { value: '5/4', error: /number must be 1 to 4, got 5/ },
    { value: '1/0', error: /must be 1 to 1024, got 0/ },
    { value: '1/5000', error: /must be 1 to 1024, got 5000/ },
    { value: '3', error: /expected I\/N/ },
    { value: '-1/4', error: /expected I\/N/ },
    { value: 'a/b', error: /expected I\/N/ },
  ])('refuses $value, saying why', ({ value, error }) => {
    const r = parseShard(value);
    expect(typeof r).toBe('string');
    expect(r).toMatch(error);
  });
});

describe('shardOf and unitFilter', () => {
  const units = [
    ...Array.from({ length: 40 }, (_, i) => `aws:${String(100000000000 + i * 7919)}`),
    ...Array.from({ length: 30 }, (_, i) => `gcp:project-${i}`),
    ...Array.from({ length: 20 }, (_, i) => `azure:0000000${i}-aaaa-bbbb-cccc-dddddddddddd`),
    'azure-tenant:11111111-2222-3333-4444-555555555555',
    'github:acme',
    'k8s:prod-eu',
    'repo:acme/payments',
  ];

  it.each([1, 2, 3, 16])('puts every unit in exactly one of %i shards', (count) => {
    const filters = Array.from({ length: count }, (_, i) => unitFilter({ index: i + 1, count }));
    for (const unit of units) expect(filters.filter((f) => f(unit)).length, unit).toBe(1);
  });

  it('is stable: the same unit, the same shard, on every call', () => {
    for (const unit of units) expect(shardOf(unit, 16)).toBe(shardOf(unit, 16));
    expect(shardOf('aws:123456789012', 16)).toBe(shardOf('aws:123456789012', 16));
  });

  it('spreads units over the shards (no shard of 4 gets none of 93 units)', () => {
    const sizes = [1, 2, 3, 4].map((index) => units.filter(unitFilter({ index, count: 4 })).length);
    for (const n of sizes) expect(n).toBeGreaterThan(5);
  });

  it('keeps every unit without a shard', () => {
    expect(units.every(unitFilter(undefined))).toBe(true);
  });
});

describe('mergeOutcomes', () => {
  const ok = (source: string, items: number): SourceOutcome => ({ source, status: 'ok', items });
  it.each([
    { name: 'distinct sources stay', input: [ok('aws:1', 3), ok('gcp:p', 2)], out: [ok('aws:1', 3), ok('gcp:p', 2)] },
    { name: 'a source two shards report counts once, items added', input: [ok('gcp:organizations/1', 3), ok('gcp:organizations/1', 4)], out: [ok('gcp:organizations/1', 7)] },
    {
      name: 'failed if any shard failed it, with its error',
      input: [ok('azure:tenant', 0), { source: 'azure:tenant', status: 'failed' as const, items: 0, error: 'HTTP 403' }],
      out: [{ source: 'azure:tenant', status: 'failed', items: 0, error: 'HTTP 403' }],
    },
  ])('$name', ({ input, out }) => {
    expect(mergeOutcomes(input)).toEqual(out);
  });
});

describe('shardStates', () => {
  let n = 0;
  const scan = (shard: string | undefined, status: ScanInfo['status']): ScanInfo => ({
    id: `s_${++n}`,
    startedAt: `2026-11-23T00:00:${String(n).padStart(2, '0')}.000Z`,
    status,
    sources: [],
    runId: 'r',
    ...(shard ? { shard } : {}),
  });

  it('takes the latest finished attempt of each shard and names what is missing', () => {
    const first = scan('1/3', 'failed');
    const retry = scan('1/3', 'complete');
    const partial = scan('2/3', 'partial');
    const { count, states } = shardStates([first, retry, partial, scan('2/3', 'running')], 'r');
    expect(count).toBe(3);
    expect(states[0]).toEqual({ shard: '1/3', scan: retry });
    expect(states[1]).toEqual({ shard: '2/3', scan: partial });
    expect(states[2]?.missing).toBe('no finished scan of shard 3/3 in run r: never started');
  });

  it.each([
    { name: 'still running (or killed)', last: 'running' as const, says: /still running, or killed \(scan s_\d+, started / },
    { name: 'failed', last: 'failed' as const, says: /: failed \(scan s_\d+\)$/ },
    { name: 'interrupted', last: 'interrupted' as const, says: /: interrupted \(scan s_\d+\)$/ },
  ])('says a shard is missing when its only attempt is $name', ({ last, says }) => {
    const { states } = shardStates([scan('1/2', 'complete'), scan('2/2', last)], 'r');
    expect(states[1]?.missing).toMatch(says);
    expect(states[1]?.scan).toBeUndefined();
  });

  it('with the expected number of shards and none in yet, names each one missing', () => {
    const { count, states } = shardStates([], 'r', 2);
    expect(count).toBe(2);
    expect(states.map((s) => s.missing)).toEqual(['no finished scan of shard 1/2 in run r: never started', 'no finished scan of shard 2/2 in run r: never started']);
  });

  it('refuses an expected number of shards that the shards disagree with', () => {
    expect(() => shardStates([scan('1/2', 'complete')], 'r', 3)).toThrow(/run r has shards of 2, not 3 \(--shards\)/);
  });

  it.each([
    { name: 'no shards', scans: [scan(undefined, 'complete')], error: /run r has no shards in the store/ },
    { name: 'shards that disagree on N', scans: [scan('1/2', 'complete'), scan('2/3', 'complete')], error: /disagree on how many shards there are \(1\/2, 2\/3\)/ },
  ])('refuses $name', ({ scans, error }) => {
    expect(() => shardStates(scans, 'r')).toThrow(RunError);
    expect(() => shardStates(scans, 'r')).toThrow(error);
  });
});
