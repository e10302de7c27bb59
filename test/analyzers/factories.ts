import { policySchema } from '../../src/config/schema.ts';
import type { PolicyConfig } from '../../src/config/schema.ts';
import type { Activity, Credential, Grant, Identity, Inventory, Leak } from '../../src/model/index.ts';
import { awsIdentityId, credentialId } from '../../src/model/index.ts';
import { indexInventory } from '../../src/analyzers/inventory-index.ts';
import type { RuleContext } from '../../src/analyzers/types.ts';

/** Fixed clock of every analyzer test. */
export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const ACCOUNT = '111122223333';

export const DEFAULT_POLICY: PolicyConfig = policySchema.parse({});

/** ISO time `days` days (and an hour, so floors are unambiguous) before NOW. */
export function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * 86_400_000 - 3_600_000).toISOString();
}

export function user(name: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id: awsIdentityId(ACCOUNT, 'user', name),
    provider: 'aws',
    kind: 'aws-iam-user',
    scope: ACCOUNT,
    name,
    createdAt: daysAgo(400),
    labels: {},
    disabled: false,
    managed: false,
    ...overrides,
  };
}

export function role(name: string, overrides: Partial<Identity> = {}): Identity {
  return user(name, { id: awsIdentityId(ACCOUNT, 'role', name), kind: 'aws-iam-role', ...overrides });
}

/** A fake access key (AKIAFAKE...), active, created 10 days ago and used yesterday unless overridden. */
export function key(owner: Identity, suffix: string, overrides: Partial<Credential> = {}): Credential {
  const publicId = `AKIAFAKE${suffix.toUpperCase().padStart(12, '0')}`;
  return {
    id: credentialId(owner.id, publicId),
    identityId: owner.id,
    kind: 'aws-access-key',
    publicId,
    createdAt: daysAgo(10),
    lastUsedAt: daysAgo(1),
    active: true,
    ...overrides,
  };
}

export function grant(owner: Identity, roleName: string, overrides: Partial<Grant> = {}): Grant {
  return {
    identityId: owner.id,
    scope: owner.scope,
    role: roleName,
    permissions: [],
    privilege: 'read',
    via: 'attached',
    ...overrides,
  };
}

export function activity(owner: Identity, at: string, overrides: Partial<Activity> = {}): Activity {
  return { identityId: owner.id, at, source: 'gateway', ...overrides };
}

export function inventory(parts: Partial<Inventory> = {}): Inventory {
  return { identities: [], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [], ...parts };
}

export function context(inv: Inventory, policy: Partial<PolicyConfig> = {}): RuleContext {
  return { inventory: indexInventory(inv), policy: { ...DEFAULT_POLICY, ...policy }, now: NOW };
}

/** A committed secret found in a repository; `publicId` links it to an inventory credential. */
export function leak(id: string, overrides: Partial<Leak> = {}): Leak {
  return {
    id,
    rule: 'aws-access-key-id',
    severity: 'critical',
    location: { repo: 'acme/api', path: 'config/prod.env', line: 3, column: 19, commit: 'c0ffee0000000000000000000000000000000001', author: 'Dev <dev@example.com>', time: daysAgo(30) },
    fingerprint: `fp-${id}`,
    preview: 'AKIA…0001',
    ...overrides,
  };
}
