import { describe, expect, it } from 'vitest';
import { TAG_VALUE_RE, decodeSprawlTag, encodeSprawlTag } from '../../../src/providers/hoop/tags.ts';
import { generateHoopEstate } from '../../../src/sandbox/hoop/index.ts';
import { IDENTITIES, NOW } from './fixtures.ts';

describe('generateHoopEstate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateHoopEstate({ seed: 's1', nowMs: NOW, identities: IDENTITIES });
    const b = generateHoopEstate({ seed: 's1', nowMs: NOW, identities: IDENTITIES });
    const c = generateHoopEstate({ seed: 's2', nowMs: NOW, identities: IDENTITIES });
    const view = (e: typeof a) => JSON.stringify({ u: e.users, c: e.connections, t: e.truth, m: e.machineIdentities, k: e.apiKeys, a: e.auditLogs, s: [...e.sessions()] });
    expect(view(a)).toBe(view(b));
    expect(view(a)).not.toBe(view(c));
  });

  it('covers every link method, inactive users, machines and API keys', () => {
    const e = generateHoopEstate({ seed: 'cover', nowMs: NOW, identities: IDENTITIES });
    expect(new Set(e.truth.map((t) => t.link))).toEqual(new Set(['sprawl-tag', 'cloud-principal', 'credential', 'federation', 'config', 'none']));
    expect(e.users.some((u) => u.status === 'inactive')).toBe(true);
    expect(e.machineIdentities.length).toBeGreaterThan(0);
    expect(e.apiKeys.some((k) => k.status === 'revoked')).toBe(true);
    for (const c of e.connections) {
      expect(c.name).toMatch(/^[a-zA-Z0-9_]+(?:[-.]?[a-zA-Z0-9_]+){2,253}$/);
      for (const v of Object.values(c.connection_tags)) expect(v).toMatch(TAG_VALUE_RE);
      for (const v of Object.values(c.secret)) expect(v).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
    const sessions = [...e.sessions()];
    expect(sessions).toHaveLength(e.sessionCount);
    expect(new Set(sessions.map((s) => s.identity_type))).toEqual(new Set(['user', 'machine']));
    expect(sessions.filter((s) => s.script?.data.includes(e.planted.secret))).toHaveLength(1);
  });

  it.each([
    ['aws:111122223333:user/ci-deployer'],
    ['gcp:data-prod:sa/loader@data-prod.iam.gserviceaccount.com'],
    ['k8s:prod-eu:payments/worker'],
  ])('encodes %s as a valid tag value that decodes back', (id) => {
    const v = encodeSprawlTag(id);
    expect(v).toMatch(TAG_VALUE_RE);
    expect(v).not.toContain('.');
    expect(decodeSprawlTag(v)).toBe(id);
  });

  it('generates a million sessions lazily, newest first, found by time range', () => {
    const t0 = performance.now();
    const e = generateHoopEstate({ seed: 'big', nowMs: NOW, identities: IDENTITIES, sessionCount: 1_000_000 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(e.sessionCount).toBe(1_000_000);
    const last = e.sessionAt(999_999);
    expect(e.indexOf(last.id)).toBe(999_999);
    expect(Date.parse(last.start_date)).toBeGreaterThanOrEqual(NOW - e.spanMs - 1000);
    let prev = Infinity;
    for (let i = 0; i < 1_000_000; i += 997) {
      const t = e.sessionStartMs(i);
      expect(t).toBeLessThanOrEqual(prev);
      prev = t;
    }
    const start = NOW - 3 * 86_400_000;
    const end = NOW - 2 * 86_400_000;
    const [lo, hi] = e.indexRange(start, end);
    expect(hi - lo).toBeGreaterThan(10_000);
    expect(e.sessionStartMs(lo)).toBeLessThanOrEqual(end);
    expect(e.sessionStartMs(lo - 1)).toBeGreaterThan(end);
    expect(e.sessionStartMs(hi - 1)).toBeGreaterThanOrEqual(start);
    expect(e.sessionStartMs(hi)).toBeLessThan(start);
    const first = e.sessions().next();
    expect(first.done ? undefined : first.value.id).toBe(e.sessionAt(0).id);
  });
});
