import { describe, expect, it } from 'vitest';
import { countAllIdentities, generateEstate } from '../../src/sandbox/estate.ts';
import type { Estate } from '../../src/sandbox/estate.ts';

const NOW = '2025-06-01T00:00:00Z';
const DAY = 86_400_000;

const users = (e: Estate) => e.aws.accounts.flatMap((a) => a.users);
const roles = (e: Estate) => e.aws.accounts.flatMap((a) => a.roles);
const keys = (e: Estate) => users(e).flatMap((u) => u.accessKeys);
const ageDays = (iso: string): number => (Date.parse(NOW) - Date.parse(iso)) / DAY;

describe('generateEstate', () => {
  it('is deterministic in seed, size and now', () => {
    const a = generateEstate({ seed: 'acme', size: 300, now: NOW });
    const b = generateEstate({ seed: 'acme', size: 300, now: NOW });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = generateEstate({ seed: 'other', size: 300, now: NOW });
    expect(c.aws.accounts[0]?.id).not.toBe(a.aws.accounts[0]?.id);
    const d = generateEstate({ seed: 'acme', size: 300, now: '2025-07-01T00:00:00Z' });
    expect(d.now).toBe('2025-07-01T00:00:00Z');
    expect(d.aws.accounts[0]?.users[1]?.name).toBe(a.aws.accounts[0]?.users[1]?.name);
  });

  it.each([12, 60, 1_000, 10_000])('scales to about %i non-human identities across the clouds', (size) => {
    const e = generateEstate({ seed: 3, size, now: NOW });
    const n = countAllIdentities(e);
    expect(n.total).toBeGreaterThanOrEqual(size * 0.8);
    // small estates carry a fixed floor: every cluster has its kube-system controller accounts
    expect(n.total).toBeLessThanOrEqual(size < 1000 ? size * 1.5 + 120 : size * 1.2);
    // most of it AWS, the rest shared by the other providers
    expect(n.aws).toBeGreaterThan(n.gcp);
    for (const provider of ['gcp', 'azure', 'github', 'kubernetes'] as const) expect(n[provider], provider).toBeGreaterThan(0);
    expect(e.aws.accounts.length).toBeGreaterThanOrEqual(2);
  });

  it('scales to 100,000 identities (its speed is measured in bench/, not here)', () => {
    const n = countAllIdentities(generateEstate({ seed: 1, size: 100_000, now: NOW }));
    expect(n.total).toBeGreaterThan(90_000);
    expect(n.total).toBeLessThan(110_000);
  });

  it('uses well-formed ids, unique within the estate and per account', () => {
    const e = generateEstate({ seed: 9, size: 2_000, now: NOW });
    const accountIds = e.aws.accounts.map((a) => a.id);
    expect(new Set(accountIds).size).toBe(accountIds.length);
    for (const id of accountIds) expect(id).toMatch(/^[1-9]\d{11}$/);
    for (const a of e.aws.accounts) {
      expect(new Set(a.users.map((u) => u.name)).size).toBe(a.users.length);
      expect(new Set(a.roles.map((r) => r.name)).size).toBe(a.roles.length);
      for (const u of a.users) {
        expect(u.arn).toBe(`arn:aws:iam::${a.id}:user${u.path}${u.name}`);
        expect(u.accessKeys.length).toBeLessThanOrEqual(2);
      }
    }
    const ks = keys(e).map((k) => k.id);
    for (const id of ks) expect(id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(new Set(ks).size).toBe(ks.length);
  });

  it('has a realistic mix for the analyzers', () => {
    const e = generateEstate({ seed: 5, size: 3_000, now: NOW });
    const all = keys(e);
    const fresh = all.filter((k) => ageDays(k.createdAt) < 90).length;
    const old = all.filter((k) => ageDays(k.createdAt) > 90).length;
    const years = all.filter((k) => ageDays(k.createdAt) > 730).length;
    expect(fresh).toBeGreaterThan(all.length * 0.1);
    expect(old).toBeGreaterThan(all.length * 0.5);
    expect(years).toBeGreaterThan(0);
    expect(all.filter((k) => !k.lastUsed).length).toBeGreaterThan(all.length * 0.05);
    expect(all.filter((k) => k.status === 'Inactive').length).toBeGreaterThan(0);
    for (const k of all) if (k.lastUsed) expect(Date.parse(k.lastUsed.at)).toBeGreaterThanOrEqual(Date.parse(k.createdAt));

    const us = users(e);
    const humans = us.filter((u) => u.nature === 'human');
    expect(humans.length).toBeGreaterThan(0);
    expect(humans.every((u) => u.password !== undefined || u.tags.some((t) => t.key === 'sprawl:type'))).toBe(true);
    expect(humans.some((u) => /^[a-z]+\.[a-z]+\d*$/.test(u.name))).toBe(true);
    const machines = us.filter((u) => u.nature === 'machine');
    expect(machines.some((u) => u.attached.includes('arn:aws:iam::aws:policy/AdministratorAccess'))).toBe(true);
    expect(machines.some((u) => u.attached.length === 0 && u.groups.length === 0 && u.inline.length === 0)).toBe(true);
    expect(machines.some((u) => u.tags.length === 0)).toBe(true);
    expect(machines.some((u) => u.tags.some((t) => t.key === 'owner'))).toBe(true);
    expect(machines.some((u) => u.password === undefined)).toBe(true);
    // Twin keys created in the same second exist (the credential report cannot tell them apart).
    expect(machines.some((u) => u.accessKeys.length === 2 && u.accessKeys[0]?.createdAt === u.accessKeys[1]?.createdAt)).toBe(true);

    const rs = roles(e);
    expect(rs.some((r) => r.path.startsWith('/aws-service-role/') && r.kind === 'service-linked')).toBe(true);
    expect(rs.some((r) => r.path.startsWith('/aws-reserved/sso.amazonaws.com/'))).toBe(true);
    expect(rs.some((r) => r.lastUsed === undefined)).toBe(true);
    for (const a of e.aws.accounts) expect(a.roles.some((r) => r.name === e.aws.auditRoleName)).toBe(true);
    expect(e.aws.accounts[0]?.users.some((u) => u.accessKeys.some((k) => k.id === e.aws.scanner.accessKeyId))).toBe(true);
  });

  it('rejects a size below one', () => {
    expect(() => generateEstate({ size: 0 })).toThrow(RangeError);
  });
});
