/**
 * Building sprawl records from GCP API data: service accounts and service agents (Identity),
 * keys (Credential), IAM bindings (Grant, with a privilege class per role) and Policy Analyzer
 * activities (last use). Pure functions.
 */
import type { Activity, Credential, Grant, Identity, PrivilegeClass } from '../../model/index.ts';
import { credentialId } from '../../model/index.ts';

/** `gcp:<projectId>:sa/<email>` */
export function gcpIdentityId(projectId: string, email: string): string {
  return `gcp:${projectId}:sa/${email.toLowerCase()}`;
}

export type DefaultAccount = 'compute' | 'appengine';

/** The Compute Engine (`<number>-compute@developer...`) or App Engine (`<project>@appspot...`) default account. */
export function defaultAccountOf(email: string): DefaultAccount | undefined {
  if (/^\d+-compute@developer\.gserviceaccount\.com$/i.test(email)) return 'compute';
  if (/^[a-z][a-z0-9-]*@appspot\.gserviceaccount\.com$/i.test(email)) return 'appengine';
  return undefined;
}

/**
 * A Google-managed service agent: `service-<number>@gcp-sa-*.iam.gserviceaccount.com` and the
 * older `service-<number>@<service>.iam.gserviceaccount.com`, `<number>@cloudservices...`,
 * `<number>@cloudbuild.gserviceaccount.com`. They never appear in serviceAccounts.list.
 */
export function serviceAgentOf(email: string): string | undefined {
  const m = /^service-\d+@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/i.exec(email) ?? /^\d+@(cloudservices|cloudbuild)\.gserviceaccount\.com$/i.exec(email);
  return m ? (m[1] as string).toLowerCase() : undefined;
}

/** The project a service-account email belongs to, when its domain names it. */
export function projectOfEmail(email: string, projectByNumber: ReadonlyMap<string, string>): string | undefined {
  const lower = email.toLowerCase();
  const user = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(lower);
  if (user && !user[1]?.startsWith('gcp-sa-')) return user[1];
  const appspot = /^([a-z][a-z0-9-]*)@appspot\.gserviceaccount\.com$/.exec(lower);
  if (appspot) return appspot[1];
  const compute = /^(\d+)-compute@developer\.gserviceaccount\.com$/.exec(lower);
  if (compute) return projectByNumber.get(compute[1] as string);
  return undefined;
}

const ADMIN_ROLES: ReadonlySet<string> = new Set([
  'roles/owner',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.securityAdmin',
  'roles/iam.roleAdmin',
  'roles/iam.organizationRoleAdmin',
  'roles/iam.workloadIdentityPoolAdmin',
  'roles/resourcemanager.projectIamAdmin',
  'roles/resourcemanager.folderAdmin',
  'roles/resourcemanager.folderIamAdmin',
  'roles/resourcemanager.organizationAdmin',
]);

const READ_ROLES: ReadonlySet<string> = new Set(['roles/viewer', 'roles/browser', 'roles/iam.securityReviewer']);

/**
 * Privilege class of a role: admin for Owner and the roles that change IAM or mint credentials
 * of other identities; read for Viewer, Browser and `*viewer`/`*reader`/`*lister` roles; write
 * for everything else (Editor, `*.admin` of one service, writers, unknown and custom roles).
 */
export function privilegeOfRole(role: string): PrivilegeClass {
  if (ADMIN_ROLES.has(role)) return 'admin';
  if (READ_ROLES.has(role)) return 'read';
  const name = role.slice(role.lastIndexOf('/') + 1).split('.').pop() ?? '';
  if (/(viewer|reader|lister|browser)$/i.test(name)) return 'read';
  return 'write';
}

/** `owner: platform` / `owner=platform` in a description names the owner. */
export function ownerFromText(text: string | null | undefined): string | undefined {
  const m = /\bowner\s*[:=]\s*([\w.@-]+)/i.exec(text ?? '');
  return m?.[1];
}

export interface AccountInput {
  projectId: string;
  email: string;
  uniqueId?: string;
  displayName?: string;
  description?: string;
  disabled: boolean;
  lastUsedAt?: string;
}

const DEFAULT_REASON: Record<DefaultAccount, string> = {
  compute: 'Compute Engine default service account',
  appengine: 'App Engine default service account',
};

export function buildAccount(a: AccountInput): Identity {
  const kind = defaultAccountOf(a.email);
  const labels: Record<string, string> = {};
  if (kind) labels.default = kind;
  if (a.displayName) labels.displayName = a.displayName;
  const identity: Identity = {
    id: gcpIdentityId(a.projectId, a.email),
    provider: 'gcp',
    kind: 'gcp-service-account',
    scope: a.projectId,
    name: a.email,
    labels,
    disabled: a.disabled,
    managed: false,
    machineReason: kind ? DEFAULT_REASON[kind] : 'service account',
  };
  if (a.uniqueId) identity.nativeId = a.uniqueId;
  const owner = ownerFromText(a.description);
  if (owner !== undefined) identity.owner = owner;
  if (a.lastUsedAt !== undefined) identity.lastUsedAt = a.lastUsedAt;
  return identity;
}

/** A Google-managed service agent seen in the IAM policy of `projectId`. */
export function buildAgent(projectId: string, email: string, service: string): Identity {
  return {
    id: gcpIdentityId(projectId, email),
    provider: 'gcp',
    kind: 'gcp-service-account',
    scope: projectId,
    name: email,
    labels: { agent: service },
    disabled: false,
    managed: true,
    machineReason: `Google-managed service agent (${service})`,
  };
}

export const NO_EXPIRY_YEAR = '9999';

export interface KeyInput {
  /** `projects/P/serviceAccounts/E/keys/<keyId>` */
  name?: string | null;
  validAfterTime?: string | null;
  validBeforeTime?: string | null;
  keyType?: string | null;
  disabled?: boolean | null;
}

export const keyIdOf = (name: string | null | undefined): string | undefined => (name ? name.slice(name.lastIndexOf('/') + 1) || undefined : undefined);

export function toIso(t: string | null | undefined): string | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function buildKey(identityId: string, k: KeyInput, lastUsedAt: string | undefined): Credential | undefined {
  const keyId = keyIdOf(k.name);
  if (!keyId) return undefined;
  const c: Credential = { id: credentialId(identityId, keyId), identityId, kind: 'gcp-sa-key', publicId: keyId, active: k.disabled !== true };
  const created = toIso(k.validAfterTime);
  if (created !== undefined) c.createdAt = created;
  if (k.validBeforeTime && !k.validBeforeTime.startsWith(NO_EXPIRY_YEAR)) {
    const expires = toIso(k.validBeforeTime);
    if (expires !== undefined) c.expiresAt = expires;
  }
  if (k.keyType === 'SYSTEM_MANAGED') c.managed = true;
  if (lastUsedAt !== undefined) c.lastUsedAt = lastUsedAt;
  return c;
}

export interface BindingInput {
  role?: string | null;
  members?: string[] | null;
  condition?: { title?: string | null; expression?: string | null } | null;
}

/** Service-account emails among a binding's members (`deleted:` and other principals left out). */
export function serviceAccountMembers(b: BindingInput): string[] {
  return (b.members ?? []).filter((m) => m.startsWith('serviceAccount:')).map((m) => m.slice('serviceAccount:'.length).toLowerCase());
}

/**
 * A condition that can never be met again: a `request.time < timestamp("T")` bound, alone or
 * and-ed with other clauses, with T already past (IAM keeps such a binding, but it grants nothing).
 */
export function conditionLapsed(expression: string | null | undefined, now: Date): boolean {
  if (!expression || expression.includes('||')) return false;
  return expression.split('&&').some((clause) => {
    const m = /^\s*\(?\s*request\.time\s*(<=?)\s*timestamp\(\s*["']([^"']+)["']\s*\)\s*\)?\s*$/.exec(clause);
    const t = m ? Date.parse(m[2] as string) : Number.NaN;
    return !Number.isNaN(t) && (m?.[1] === '<' ? t <= now.getTime() : t < now.getTime());
  });
}

/** The grant of a binding to one member; none when the binding has no role or its condition has lapsed at `now`. */
export function buildGrant(identityId: string, scope: string, b: BindingInput, now?: Date): Grant | undefined {
  if (!b.role) return undefined;
  if (now !== undefined && conditionLapsed(b.condition?.expression, now)) return undefined;
  const g: Grant = { identityId, scope, role: b.role, permissions: [], privilege: privilegeOfRole(b.role), via: 'binding' };
  if (b.condition) g.viaName = b.condition.title || b.condition.expression || 'condition';
  return g;
}

/** Key of a grant, to drop duplicates (one role bound twice to the same member). */
export const grantKey = (g: Grant): string => `${g.identityId}\u0000${g.scope}\u0000${g.role}\u0000${g.viaName ?? ''}`;

export function accountActivity(identityId: string, at: string): Activity {
  return { identityId, at, source: 'provider', verb: 'serviceAccountLastAuthentication' };
}

export function keyActivity(c: Credential): Activity | undefined {
  return c.lastUsedAt === undefined ? undefined : { identityId: c.identityId, credentialId: c.id, at: c.lastUsedAt, source: 'provider', verb: 'serviceAccountKeyLastAuthentication' };
}

/** `//iam.googleapis.com/projects/P/serviceAccounts/<email or unique id>[/keys/<keyId>]` */
export function parseActivityResource(name: string | null | undefined): { account: string; keyId?: string } | undefined {
  const m = /\/serviceAccounts\/([^/]+)(?:\/keys\/([^/]+))?$/.exec(name ?? '');
  if (!m) return undefined;
  return m[2] !== undefined ? { account: decodeURIComponent(m[1] as string).toLowerCase(), keyId: m[2] } : { account: decodeURIComponent(m[1] as string).toLowerCase() };
}
