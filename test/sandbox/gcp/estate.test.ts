import { describe, expect, it } from 'vitest';
import { GCP_NO_EXPIRY, countGcp, generateGcpEstate, isServiceAgentEmail } from '../../../src/sandbox/gcp/index.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');

describe('generateGcpEstate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateGcpEstate({ seed: 'x', size: 120, nowMs: NOW });
    expect(generateGcpEstate({ seed: 'x', size: 120, nowMs: NOW })).toEqual(a);
    expect(generateGcpEstate({ seed: 'y', size: 120, nowMs: NOW })).not.toEqual(a);
  });

  it('builds an organization, folders and projects with ids in GCP shapes', () => {
    const e = generateGcpEstate({ seed: 'shapes', size: 200, nowMs: NOW });
    expect(e.organization.id).toMatch(/^\d{12}$/);
    expect(e.folders.length).toBeGreaterThanOrEqual(1);
    expect(e.folders.length).toBeLessThanOrEqual(2);
    const parents = new Set([`organizations/${e.organization.id}`, ...e.folders.map((f) => `folders/${f.id}`)]);
    for (const p of e.projects) {
      expect(p.projectId).toMatch(/^acme-[a-z]+-\d{4}$/);
      expect(p.projectNumber).toMatch(/^\d{12}$/);
      expect(parents.has(p.parent)).toBe(true);
      for (const sa of p.serviceAccounts) {
        expect(sa.uniqueId).toMatch(/^1\d{20}$/);
        if (sa.kind === 'user') expect(sa.email).toMatch(new RegExp(`^[a-z][a-z0-9-]{4,28}[a-z0-9]@${p.projectId}\\.iam\\.gserviceaccount\\.com$`));
        if (sa.kind === 'compute-default') expect(sa.email).toBe(`${p.projectNumber}-compute@developer.gserviceaccount.com`);
        if (sa.kind === 'appengine-default') expect(sa.email).toBe(`${p.projectId}@appspot.gserviceaccount.com`);
        for (const k of sa.keys) {
          expect(k.id).toMatch(/^[0-9a-f]{40}$/);
          expect(Date.parse(k.validAfter)).toBeLessThan(NOW);
          if (k.lastAuthenticatedAt) expect(Date.parse(k.lastAuthenticatedAt)).toBeGreaterThanOrEqual(Date.parse(k.validAfter));
        }
      }
    }
    expect(new Set(e.projects.map((p) => p.projectId)).size).toBe(e.projects.length);
  });

  it('covers the cases the collector and rules must handle', () => {
    const e = generateGcpEstate({ seed: 'coverage', size: 300, nowMs: NOW });
    const accounts = e.projects.flatMap((p) => p.serviceAccounts);
    const keys = accounts.flatMap((sa) => sa.keys);
    const userKeys = keys.filter((k) => k.type === 'USER_MANAGED');
    const bindings = e.projects.flatMap((p) => p.policy.bindings);
    const members = bindings.flatMap((b) => b.members);
    const age = (iso: string) => (NOW - Date.parse(iso)) / 86_400_000;
    expect(accounts.some((sa) => sa.disabled)).toBe(true);
    expect(accounts.some((sa) => sa.kind === 'compute-default')).toBe(true);
    expect(accounts.some((sa) => sa.kind === 'appengine-default')).toBe(true);
    expect(accounts.some((sa) => sa.lastAuthenticatedAt === undefined)).toBe(true);
    expect(accounts.some((sa) => sa.lastAuthenticatedAt !== undefined && age(sa.lastAuthenticatedAt) < 3)).toBe(true);
    expect(accounts.some((sa) => sa.lastAuthenticatedAt !== undefined && age(sa.lastAuthenticatedAt) > 90)).toBe(true);
    expect(userKeys.some((k) => age(k.validAfter) > 90)).toBe(true);
    expect(userKeys.some((k) => age(k.validAfter) < 90)).toBe(true);
    expect(userKeys.some((k) => k.validBefore === GCP_NO_EXPIRY)).toBe(true);
    expect(userKeys.some((k) => k.validBefore !== GCP_NO_EXPIRY)).toBe(true);
    expect(userKeys.some((k) => k.disabled)).toBe(true);
    expect(keys.some((k) => k.type === 'SYSTEM_MANAGED')).toBe(true);
    for (const role of ['roles/owner', 'roles/editor', 'roles/viewer', 'roles/storage.admin', 'roles/iam.serviceAccountTokenCreator', 'roles/iam.serviceAccountKeyAdmin', 'roles/resourcemanager.projectIamAdmin']) {
      expect(bindings.some((b) => b.role === role && b.members.some((m) => m.startsWith('serviceAccount:'))), role).toBe(true);
    }
    expect(bindings.some((b) => b.condition?.title && b.condition.expression)).toBe(true);
    expect(members.some((m) => m.startsWith('user:'))).toBe(true);
    expect(members.some((m) => m.startsWith('deleted:serviceAccount:'))).toBe(true);
    expect(members.some((m) => m.startsWith('serviceAccount:') && /@gcp-sa-[a-z-]+\.iam\.gserviceaccount\.com$/.test(m) && isServiceAgentEmail(m.slice(15)))).toBe(true);
    expect([e.organization.policy, ...e.folders.map((f) => f.policy)].every((p) => p.bindings.some((b) => b.members.some((m) => m.startsWith('serviceAccount:'))))).toBe(true);
  });

  it.each([1, 10, 60, 500])('lists about %i service accounts', (size) => {
    const n = countGcp(generateGcpEstate({ seed: 'size', size, nowMs: NOW })).serviceAccounts;
    expect(n).toBeGreaterThanOrEqual(Math.min(size, 2));
    expect(n).toBeLessThanOrEqual(Math.max(size * 1.1, 6));
  });

  it('stays lean at 30,000 service accounts', () => {
    const before = process.memoryUsage().heapUsed;
    const started = Date.now();
    const e = generateGcpEstate({ seed: 'big', size: 30_000, nowMs: NOW });
    const c = countGcp(e);
    expect(c.serviceAccounts).toBeGreaterThan(27_000);
    expect(c.serviceAccounts).toBeLessThan(33_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(400 * 1024 * 1024);
  });
});
