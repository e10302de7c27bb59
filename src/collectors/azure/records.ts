/**
 * Building sprawl records from Graph and ARM data: identities (service principals, managed
 * identities), credentials (client secrets, certificates), grants (role assignments with their
 * privilege class) and sign-in activity. Pure functions; secret hints are never read.
 */
import type { Activity, Credential, Grant, Identity, PrivilegeClass } from '../../model/index.ts';
import { credentialId } from '../../model/index.ts';

/** Microsoft's own tenant: `appOwnerOrganizationId` of first-party apps (and of managed identities). */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

export interface GraphPasswordCredential {
  keyId?: string | null;
  displayName?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

export interface GraphKeyCredential extends GraphPasswordCredential {
  type?: string | null;
  usage?: string | null;
}

export interface GraphOwner {
  '@odata.type'?: string;
  id?: string;
  userPrincipalName?: string | null;
}

export interface GraphServicePrincipal {
  id: string;
  appId?: string | null;
  displayName?: string | null;
  servicePrincipalType?: string | null;
  accountEnabled?: boolean | null;
  appOwnerOrganizationId?: string | null;
  tags?: string[] | null;
  alternativeNames?: string[] | null;
  passwordCredentials?: GraphPasswordCredential[] | null;
  keyCredentials?: GraphKeyCredential[] | null;
  owners?: GraphOwner[];
}

export interface GraphApplication {
  id: string;
  appId?: string | null;
  displayName?: string | null;
  createdDateTime?: string | null;
  passwordCredentials?: GraphPasswordCredential[] | null;
  keyCredentials?: GraphKeyCredential[] | null;
  owners?: GraphOwner[];
}

interface SignInActivityDetail {
  lastSignInDateTime?: string | null;
}

export interface GraphSignInActivity {
  appId?: string | null;
  lastSignInActivity?: SignInActivityDetail | null;
  delegatedClientSignInActivity?: SignInActivityDetail | null;
  delegatedResourceSignInActivity?: SignInActivityDetail | null;
  applicationAuthenticationClientSignInActivity?: SignInActivityDetail | null;
  applicationAuthenticationResourceSignInActivity?: SignInActivityDetail | null;
}

export interface GraphCredentialSignIn {
  keyId?: string | null;
  appId?: string | null;
  signInActivity?: SignInActivityDetail | null;
}

export const azureIdentityId = (tenantId: string, objectId: string): string => `azure:${tenantId}:sp/${objectId}`;

export const toIso = (d: Date | string | null | undefined): string | undefined => {
  if (d === undefined || d === null) return undefined;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

export const latest = (...times: (string | undefined)[]): string | undefined =>
  times.reduce<string | undefined>((best, t) => (t !== undefined && (best === undefined || Date.parse(t) > Date.parse(best)) ? t : best), undefined);

/** Graph tags are plain strings: `key:value` / `key=value` become a label, anything else `tag: 'true'`. */
export function tagsToLabels(tags: readonly string[] | null | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const tag of tags ?? []) {
    const m = /^([^:=]+)[:=](.*)$/.exec(tag);
    if (m) labels[(m[1] as string).trim()] = (m[2] as string).trim();
    else labels[tag] = 'true';
  }
  return labels;
}

export function ownerFrom(labels: Record<string, string>, tagKeys: readonly string[]): string | undefined {
  for (const k of tagKeys) {
    const v = labels[k]?.trim();
    if (v && v !== 'true') return v;
  }
  return undefined;
}

const firstUserOwner = (owners: readonly GraphOwner[] | undefined): string | undefined =>
  owners?.find((o) => typeof o.userPrincipalName === 'string' && o.userPrincipalName !== '' && (o['@odata.type'] === undefined || o['@odata.type'] === '#microsoft.graph.user'))?.userPrincipalName ?? undefined;

export const isFirstParty = (sp: GraphServicePrincipal): boolean => sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID && sp.servicePrincipalType !== 'ManagedIdentity';

export interface IdentityInput {
  tenantId: string;
  sp: GraphServicePrincipal;
  app: GraphApplication | undefined;
  ownerTagKeys: readonly string[];
  managed: boolean;
  lastUsedAt?: string;
}

function machineReason(sp: GraphServicePrincipal, tenantId: string, resourceId: string | undefined, explicit: boolean): string {
  if (sp.servicePrincipalType === 'ManagedIdentity') {
    return explicit ? 'user-assigned managed identity' : `system-assigned managed identity of ${resourceId ?? 'an Azure resource'}`;
  }
  if (sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID) return 'Microsoft first-party service principal';
  if (sp.appOwnerOrganizationId && sp.appOwnerOrganizationId !== tenantId) return `service principal of a multi-tenant application from tenant ${sp.appOwnerOrganizationId}`;
  return 'service principal of an application registration';
}

export function buildIdentity(i: IdentityInput): Identity {
  const { sp, app } = i;
  const mi = sp.servicePrincipalType === 'ManagedIdentity';
  const resourceId = sp.alternativeNames?.find((n) => n.startsWith('/subscriptions/'));
  const explicit = sp.alternativeNames?.includes('isExplicit=True') ?? false;
  const labels = tagsToLabels(sp.tags);
  if (sp.appId) labels['azure:appId'] = sp.appId;
  if (sp.servicePrincipalType) labels['azure:servicePrincipalType'] = sp.servicePrincipalType;
  if (mi) labels['azure:managedIdentityType'] = explicit ? 'user-assigned' : 'system-assigned';
  if (resourceId !== undefined) labels['azure:resourceId'] = resourceId;
  if (sp.appOwnerOrganizationId && sp.appOwnerOrganizationId !== i.tenantId && !mi) labels['azure:appOwnerOrganizationId'] = sp.appOwnerOrganizationId;
  const identity: Identity = {
    id: azureIdentityId(i.tenantId, sp.id),
    provider: 'azure',
    kind: mi ? 'azure-managed-identity' : 'azure-service-principal',
    scope: i.tenantId,
    name: sp.displayName || sp.appId || sp.id,
    nativeId: sp.id,
    labels,
    disabled: sp.accountEnabled === false,
    managed: i.managed,
    machineReason: machineReason(sp, i.tenantId, resourceId, explicit),
  };
  const createdAt = toIso(app?.createdDateTime);
  if (createdAt !== undefined) identity.createdAt = createdAt;
  const owner = firstUserOwner(sp.owners) ?? firstUserOwner(app?.owners) ?? ownerFrom(labels, i.ownerTagKeys);
  if (owner !== undefined) identity.owner = owner;
  if (i.lastUsedAt !== undefined) identity.lastUsedAt = i.lastUsedAt;
  return identity;
}

/** Client secrets and certificates of the application and of the service principal itself (deduplicated by keyId). */
export function buildCredentials(identityId: string, sources: readonly (GraphServicePrincipal | GraphApplication | undefined)[], now: Date, lastUsedByKey: ReadonlyMap<string, string>): Credential[] {
  const out = new Map<string, Credential>();
  const add = (c: GraphPasswordCredential, kind: Credential['kind']): void => {
    if (!c.keyId || out.has(c.keyId)) return;
    const expiresAt = toIso(c.endDateTime);
    const cred: Credential = {
      id: credentialId(identityId, c.keyId),
      identityId,
      kind,
      publicId: c.keyId,
      active: expiresAt === undefined || Date.parse(expiresAt) > now.getTime(),
    };
    const createdAt = toIso(c.startDateTime);
    if (createdAt !== undefined) cred.createdAt = createdAt;
    if (expiresAt !== undefined) cred.expiresAt = expiresAt;
    if (c.displayName) cred.displayName = c.displayName;
    const used = lastUsedByKey.get(c.keyId.toLowerCase());
    if (used !== undefined) cred.lastUsedAt = used;
    out.set(c.keyId, cred);
  };
  for (const s of sources) {
    if (!s) continue;
    for (const p of s.passwordCredentials ?? []) add(p, 'azure-client-secret');
    for (const k of s.keyCredentials ?? []) add(k, 'azure-certificate');
  }
  return [...out.values()];
}

const ACTIVITY_KINDS = [
  ['applicationAuthenticationClientSignInActivity', 'sign-in: app as client'],
  ['applicationAuthenticationResourceSignInActivity', 'sign-in: app as resource'],
  ['delegatedClientSignInActivity', 'sign-in: delegated client'],
  ['delegatedResourceSignInActivity', 'sign-in: delegated resource'],
] as const;

/** The latest sign-in of any kind, and one Activity per kind that has a date. */
export function signInRecords(identityId: string, s: GraphSignInActivity | undefined): { lastUsedAt?: string; activities: Activity[] } {
  if (!s) return { activities: [] };
  const activities: Activity[] = [];
  for (const [key, verb] of ACTIVITY_KINDS) {
    const at = toIso(s[key]?.lastSignInDateTime);
    if (at !== undefined) activities.push({ identityId, at, source: 'provider', verb });
  }
  const lastUsedAt = latest(toIso(s.lastSignInActivity?.lastSignInDateTime), ...activities.map((a) => a.at));
  return { ...(lastUsedAt !== undefined ? { lastUsedAt } : {}), activities };
}

export function credentialActivity(c: Credential): Activity | undefined {
  return c.lastUsedAt === undefined ? undefined : { identityId: c.identityId, credentialId: c.id, at: c.lastUsedAt, source: 'provider', verb: 'sign-in' };
}

export interface RolePermission {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

const patternCache = new Map<string, RegExp>();
function matches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

/** Whether the permissions allow `action` (an action pattern matches and no notAction excludes it). */
export function allowsAction(permissions: readonly RolePermission[], action: string): boolean {
  return permissions.some((p) => (p.actions ?? []).some((a) => matches(a, action)) && !(p.notActions ?? []).some((n) => matches(n, action)));
}

/** Read-only operations: `.../read`, and data actions that only get or read (`getSecret/action`). */
export function isReadOnlyOperation(op: string): boolean {
  return /(^|\/)read$/i.test(op) || /\/(get|read)[^/]*\/action$/i.test(op);
}

const ESCALATION_ACTIONS = ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleDefinitions/write', 'Microsoft.Authorization/elevateAccess/Action'];

/**
 * Privilege class of a role: admin when it can grant access (Owner, User Access Administrator,
 * RBAC Administrator, any role allowing role assignment writes, e.g. a custom role with `*`);
 * write when any allowed action or data action changes something; read otherwise.
 */
export function classifyRole(roleName: string, permissions: readonly RolePermission[]): PrivilegeClass {
  if (roleName === 'Owner' || roleName === 'User Access Administrator') return 'admin';
  if (ESCALATION_ACTIONS.some((a) => allowsAction(permissions, a))) return 'admin';
  const writes = permissions.some((p) => [...(p.actions ?? []), ...(p.dataActions ?? [])].some((a) => !isReadOnlyOperation(a)));
  return writes ? 'write' : 'read';
}

/** Built-in roles by definition GUID, for assignments whose definition could not be read. */
export const KNOWN_ROLES: Readonly<Record<string, { roleName: string; privilege: PrivilegeClass }>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': { roleName: 'Owner', privilege: 'admin' },
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': { roleName: 'User Access Administrator', privilege: 'admin' },
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': { roleName: 'Role Based Access Control Administrator', privilege: 'admin' },
  'b24988ac-6180-42a0-ab88-20f7382dd24c': { roleName: 'Contributor', privilege: 'write' },
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': { roleName: 'Reader', privilege: 'read' },
};

export interface RoleInfo {
  roleName: string;
  privilege: PrivilegeClass;
  permissions: string[];
}

export function roleInfo(roleName: string, permissions: readonly RolePermission[]): RoleInfo {
  return { roleName, privilege: classifyRole(roleName, permissions), permissions: [...new Set(permissions.flatMap((p) => [...(p.actions ?? []), ...(p.dataActions ?? [])]))] };
}

export function buildGrant(identityId: string, scope: string, role: RoleInfo, assignmentName: string | undefined): Grant {
  const g: Grant = { identityId, scope, role: role.roleName, permissions: role.permissions, privilege: role.privilege, via: 'binding' };
  if (assignmentName !== undefined) g.viaName = assignmentName;
  return g;
}

/** The GUID at the end of a role definition id. */
export const roleDefinitionGuid = (id: string | undefined): string | undefined => id?.split('/').pop()?.toLowerCase() || undefined;
