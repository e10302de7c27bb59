/**
 * Provider-neutral facts the rules and the verdict share: which credentials are usable and
 * long-lived, when a credential or an identity was last used, how to name a subject.
 */
import type { Credential, CredentialKind, Identity, IdentityKind, Leak, Provider } from '../model/index.ts';
import { latestIso, parseIdentityId } from '../model/index.ts';
import type { InventoryIndex } from './inventory-index.ts';
import { parseTime } from './time.ts';

/**
 * Credential kinds that stay valid until someone rotates or deletes them (a key that can leak).
 * Every kind the model knows today is long-lived; short-lived kinds (STS sessions, workload
 * identity tokens) must not be added here.
 */
const LONG_LIVED: ReadonlySet<CredentialKind> = new Set<CredentialKind>([
  'aws-access-key',
  'gcp-sa-key',
  'azure-client-secret',
  'azure-certificate',
  'github-deploy-key',
  'github-pat',
  'k8s-token-secret',
]);

const CREDENTIAL_LABEL: Record<CredentialKind, string> = {
  'aws-access-key': 'Access key',
  'gcp-sa-key': 'Service account key',
  'azure-client-secret': 'Client secret',
  'azure-certificate': 'Certificate',
  'github-deploy-key': 'Deploy key',
  'github-pat': 'Personal access token',
  'k8s-token-secret': 'Token secret',
};

const IDENTITY_LABEL: Record<IdentityKind, string> = {
  'aws-iam-user': 'IAM user',
  'aws-iam-role': 'IAM role',
  'gcp-service-account': 'Service account',
  'azure-service-principal': 'Service principal',
  'azure-managed-identity': 'Managed identity',
  'github-app-installation': 'GitHub App installation',
  'github-deploy-key': 'Deploy key',
  'github-fine-grained-pat': 'Fine-grained token',
  'k8s-service-account': 'Service account',
};

/**
 * Identity kinds whose provider reports the identity's own last use (IAM RoleLastUsed, user
 * PasswordLastUsed, GCP activity analysis, Entra sign-in logs). For other kinds a missing
 * lastUsedAt means "unknown", not "never used", so the unused rule does not call them unused
 * on creation date alone.
 */
const REPORTS_IDENTITY_LAST_USE: ReadonlySet<IdentityKind> = new Set<IdentityKind>([
  'aws-iam-user',
  'aws-iam-role',
  'gcp-service-account',
  'azure-service-principal',
]);

/**
 * Credential kinds whose provider reliably reports last use, so that no last-used date means
 * "never used". GitHub deploy keys do not (`last_used` is missing on GitHub Enterprise Server and
 * on keys GitHub has no record for): a missing date is "unknown", and the unused rule should only
 * judge them on a reported date. Fine-grained PATs report `token_last_used_at` (null: never).
 */
const UNREPORTED_CREDENTIAL_LAST_USE: ReadonlySet<CredentialKind> = new Set<CredentialKind>(['github-deploy-key']);

export function reportsCredentialLastUse(kind: CredentialKind): boolean {
  return !UNREPORTED_CREDENTIAL_LAST_USE.has(kind);
}

export function isLongLived(kind: CredentialKind): boolean {
  return LONG_LIVED.has(kind);
}

export function credentialLabel(kind: CredentialKind): string {
  return CREDENTIAL_LABEL[kind];
}

export function identityLabel(kind: IdentityKind): string {
  return IDENTITY_LABEL[kind];
}

export function reportsIdentityLastUse(kind: IdentityKind): boolean {
  return REPORTS_IDENTITY_LAST_USE.has(kind);
}

/**
 * Active, not past its expiry and held by someone: a credential that can authenticate today.
 * Provider-managed credentials (GCP system-managed keys) are never handed out, so they cannot
 * leak, be rotated or be revoked by the owner: no rule or verdict counts them as usable.
 */
export function isUsable(credential: Credential, now: Date): boolean {
  if (!credential.active || credential.managed === true) return false;
  const expires = parseTime(credential.expiresAt);
  return expires === undefined || expires > now.getTime();
}

/** Usable long-lived credentials of an identity (the keys that can leak; provider-managed ones excluded by isUsable). */
export function usableLongLivedCredentials(index: InventoryIndex, identityId: string, now: Date): Credential[] {
  return (index.credentialsByIdentity.get(identityId) ?? []).filter((c) => isUsable(c, now) && isLongLived(c.kind));
}

/** Last use of a credential: the provider's last-used date or any activity naming it. */
export function lastCredentialUse(index: InventoryIndex, credential: Credential): string | undefined {
  return latestIso(credential.lastUsedAt, index.activity.credentials.get(credential.id));
}

/** Last use of an identity: its own last-used date or any activity of it (any credential). */
export function lastIdentityUse(index: InventoryIndex, identity: Identity): string | undefined {
  return latestIso(identity.lastUsedAt, index.activity.identities.get(identity.id)?.last);
}

const URN_PROVIDER: Record<string, Provider> = {
  aws: 'aws',
  gcp: 'gcp',
  azure: 'azure',
  github: 'github',
  k8s: 'kubernetes',
  kubernetes: 'kubernetes',
};

export interface Subject {
  provider: Provider;
  scope: string;
  name: string;
}

/** Provider, scope and display name of an identity, as a finding's subject. */
export function identitySubject(identity: Identity): Subject {
  return { provider: identity.provider, scope: identity.scope, name: identity.name };
}

/**
 * Provider, scope and display name of an identity; falls back to the URN when a credential's
 * identity is missing from the inventory (a partial scan). Undefined when neither says.
 */
export function subjectOf(index: InventoryIndex, identityId: string): Subject | undefined {
  const identity = index.identityById.get(identityId);
  if (identity) return identitySubject(identity);
  const parsed = parseIdentityId(identityId);
  const provider = parsed ? URN_PROVIDER[parsed.provider] : undefined;
  if (!parsed || !provider) return undefined;
  const name = parsed.path.slice(parsed.path.lastIndexOf('/') + 1) || parsed.path;
  return { provider, scope: parsed.scope, name };
}

/** Where a leak is: "acme/api:config/prod.env:12 (commit 1a2b3c4)". */
export function leakPlace(leak: Leak): string {
  const l = leak.location;
  return `${l.repo ? `${l.repo}:` : ''}${l.path}:${l.line}${l.commit ? ` (commit ${l.commit.slice(0, 7)})` : ''}`;
}

/** Earliest commit time first, then by place: the first exposure of a secret leads. */
export function byExposure(a: Leak, b: Leak): number {
  const ta = a.location.time ?? '\uffff';
  const tb = b.location.time ?? '\uffff';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const wa = leakPlace(a);
  const wb = leakPlace(b);
  return wa < wb ? -1 : wa > wb ? 1 : 0;
}
