/** Building sprawl records (Identity, Credential, Grant, Activity) from IAM data. Pure functions. */
import type { Activity, Credential, Grant, Identity } from '../../model/index.ts';
import { awsIdentityId, credentialId } from '../../model/index.ts';
import type { PolicyAnalysis } from './policy.ts';
import { decodePolicyDocument } from './policy.ts';

export const SERVICE_LINKED_PATH = '/aws-service-role/';
export const SSO_RESERVED_PATH = '/aws-reserved/sso.amazonaws.com/';

export const toIso = (d: Date | string | undefined): string | undefined => {
  if (d === undefined) return undefined;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

export const latest = (...times: (string | undefined)[]): string | undefined =>
  times.reduce<string | undefined>((best, t) => (t !== undefined && (best === undefined || Date.parse(t) > Date.parse(best)) ? t : best), undefined);

export function tagsToLabels(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) labels[t.Key] = t.Value ?? '';
  return labels;
}

export function ownerFrom(labels: Record<string, string>, tagKeys: readonly string[]): string | undefined {
  for (const k of tagKeys) {
    const v = labels[k]?.trim();
    if (v) return v;
  }
  return undefined;
}

export interface IdentityInput {
  accountId: string;
  kind: 'user' | 'role';
  name: string;
  arn?: string;
  createdAt?: string;
  labels: Record<string, string>;
  ownerTagKeys: readonly string[];
  managed: boolean;
  lastUsedAt?: string;
  machineReason: string;
}

export function buildIdentity(i: IdentityInput): Identity {
  const identity: Identity = {
    id: awsIdentityId(i.accountId, i.kind, i.name),
    provider: 'aws',
    kind: i.kind === 'user' ? 'aws-iam-user' : 'aws-iam-role',
    scope: i.accountId,
    name: i.name,
    labels: i.labels,
    disabled: false,
    managed: i.managed,
    machineReason: i.machineReason,
  };
  if (i.arn !== undefined) identity.nativeId = i.arn;
  if (i.createdAt !== undefined) identity.createdAt = i.createdAt;
  const owner = ownerFrom(i.labels, i.ownerTagKeys);
  if (owner !== undefined) identity.owner = owner;
  if (i.lastUsedAt !== undefined) identity.lastUsedAt = i.lastUsedAt;
  return identity;
}

export interface KeyInput {
  id: string;
  active: boolean;
  createdAt?: string;
  lastUsedAt?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

export function buildCredential(identityId: string, k: KeyInput): Credential {
  const c: Credential = { id: credentialId(identityId, k.id), identityId, kind: 'aws-access-key', publicId: k.id, active: k.active };
  if (k.createdAt !== undefined) c.createdAt = k.createdAt;
  if (k.lastUsedAt !== undefined) c.lastUsedAt = k.lastUsedAt;
  if (k.lastUsedService !== undefined) c.lastUsedService = k.lastUsedService;
  if (k.lastUsedRegion !== undefined) c.lastUsedRegion = k.lastUsedRegion;
  return c;
}

export function buildGrant(identityId: string, accountId: string, role: string, analysis: PolicyAnalysis, via: Grant['via'], viaName?: string): Grant {
  const g: Grant = { identityId, scope: accountId, role, permissions: analysis.permissions, privilege: analysis.privilege, via };
  if (viaName !== undefined) g.viaName = viaName;
  return g;
}

export function keyActivity(c: Credential): Activity | undefined {
  if (c.lastUsedAt === undefined) return undefined;
  const a: Activity = { identityId: c.identityId, credentialId: c.id, at: c.lastUsedAt, source: 'provider' };
  if (c.lastUsedService !== undefined) a.verb = c.lastUsedService;
  if (c.lastUsedRegion !== undefined) a.target = c.lastUsedRegion;
  return a;
}

/** Why a role counts as non-human: who its trust policy lets in. */
export function roleReason(path: string | undefined, trustDocument: string | undefined): string {
  if (path?.startsWith(SERVICE_LINKED_PATH)) return 'service-linked role';
  const principals: string[] = [];
  try {
    const doc = trustDocument ? decodePolicyDocument(trustDocument) : undefined;
    const raw = typeof doc === 'object' && doc !== null ? (doc as { Statement?: unknown }).Statement : undefined;
    const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    for (const s of list) {
      const p = typeof s === 'object' && s !== null ? (s as { Principal?: unknown }).Principal : undefined;
      if (p === '*') principals.push('*');
      else if (typeof p === 'object' && p !== null) {
        for (const [type, v] of Object.entries(p as Record<string, unknown>)) {
          for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') principals.push(`${type.toLowerCase()} ${x}`);
        }
      }
    }
  } catch {
    // An unreadable trust policy still leaves a role.
  }
  if (principals.length === 0) return 'IAM role';
  const shown = principals.slice(0, 3).join(', ');
  return `IAM role trusted by ${shown}${principals.length > 3 ? ` and ${principals.length - 3} more` : ''}`;
}
