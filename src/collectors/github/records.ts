/**
 * GitHub API objects to inventory records. Pure functions, no I/O. Never copies a secret: deploy
 * keys are reduced to their SSH fingerprint, secret scanning alerts to a hash of where they are
 * (the alert's `secret` field is never read).
 */
import { createHash } from 'node:crypto';
import type { Credential, Grant, Identity, Leak, PrivilegeClass } from '../../model/index.ts';
import { credentialId } from '../../model/index.ts';

export const githubDeployKeyIdentityId = (org: string, repo: string, keyId: number | string): string => `github:${org}:deploy-key/${repo}/${keyId}`;
export const githubAppIdentityId = (org: string, installationId: number | string): string => `github:${org}:app/${installationId}`;
export const githubPatIdentityId = (org: string, tokenId: number | string): string => `github:${org}:pat/${tokenId}`;

/** ISO-8601 with milliseconds (the store's form), or undefined for absent/invalid dates. */
export function toIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** OpenSSH's fingerprint of a public key line: `SHA256:` + unpadded base64 of the key blob's SHA-256. */
export function sshKeyFingerprint(keyLine: string): string | undefined {
  const blob = keyLine.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  return 'SHA256:' + createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
}

/** Permissions that administer (repository settings, the organization, its members). */
const ADMIN_PERMISSIONS: ReadonlySet<string> = new Set(['administration', 'organization_administration', 'members']);

/** Privilege of one `permission: level` pair of an app installation or a fine-grained token. */
export function privilegeOfPermission(permission: string, level: string): PrivilegeClass {
  if ((level === 'write' || level === 'admin') && ADMIN_PERMISSIONS.has(permission)) return 'admin';
  if (level === 'write' || level === 'admin') return 'write';
  return 'read';
}

export interface DeployKeyInput {
  id: number;
  key: string;
  title: string;
  read_only: boolean;
  created_at: string;
  added_by?: string | null;
  last_used?: string | null;
  enabled?: boolean;
}

export interface RepoInput {
  name: string;
  full_name: string;
  archived?: boolean;
}

export function deployKeyRecords(org: string, repo: RepoInput, k: DeployKeyInput): { identity: Identity; credential: Credential; grant: Grant } {
  const id = githubDeployKeyIdentityId(org, repo.name, k.id);
  const access = k.read_only ? 'read' : 'write';
  const labels: Record<string, string> = { repo: repo.full_name, access };
  if (k.added_by) labels.added_by = k.added_by;
  if (repo.archived) labels.archived = 'true';
  const createdAt = toIso(k.created_at);
  const identity: Identity = {
    id,
    provider: 'github',
    kind: 'github-deploy-key',
    scope: org,
    name: `${repo.name}/${k.title}`,
    nativeId: String(k.id),
    labels,
    disabled: k.enabled === false,
    managed: false,
    machineReason: 'deploy key',
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(k.added_by ? { owner: k.added_by } : {}),
  };
  const publicId = sshKeyFingerprint(k.key) ?? `deploy-key-${k.id}`;
  const lastUsedAt = toIso(k.last_used);
  const credential: Credential = {
    id: credentialId(id, publicId),
    identityId: id,
    kind: 'github-deploy-key',
    publicId,
    active: k.enabled !== false,
    displayName: k.title,
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
  };
  const grant: Grant = { identityId: id, scope: repo.full_name, role: 'deploy-key', permissions: [k.read_only ? 'contents:read' : 'contents:write'], privilege: k.read_only ? 'read' : 'write', via: 'attached' };
  return { identity, credential, grant };
}

export interface InstallationInput {
  id: number;
  app_id?: number | null;
  app_slug?: string | null;
  repository_selection?: string;
  permissions?: Record<string, string | undefined>;
  created_at?: string;
  suspended_at?: string | null;
}

/** Grants of a set of permissions, one per `permission: level` (ordered by name). */
function permissionGrants(identityId: string, scope: string, role: string, permissions: Record<string, string | undefined>): Grant[] {
  return Object.entries(permissions)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([permission, level]) => ({ identityId, scope, role: `${role}:${permission}`, permissions: [`${permission}:${level}`], privilege: privilegeOfPermission(permission, level), via: 'attached' as const }));
}

/** Scope text of an installation's or a token's repositories. */
export function repositoryScope(org: string, selection: string | undefined, selectedCount?: number): string {
  if (selection === 'all') return `${org} (all repositories)`;
  if (selection === 'none') return `${org} (no repositories)`;
  return selectedCount === undefined ? `${org} (selected repositories)` : `${org} (${selectedCount} selected repositories)`;
}

export function installationRecords(org: string, i: InstallationInput, selectedCount?: number): { identity: Identity; grants: Grant[] } {
  const id = githubAppIdentityId(org, i.id);
  const slug = i.app_slug ?? `app-${i.app_id ?? i.id}`;
  const createdAt = toIso(i.created_at);
  const labels: Record<string, string> = { repository_selection: i.repository_selection ?? 'unknown', app_slug: slug };
  if (i.app_id != null) labels.app_id = String(i.app_id);
  if (i.suspended_at) labels.suspended_at = toIso(i.suspended_at) ?? i.suspended_at;
  const identity: Identity = {
    id,
    provider: 'github',
    kind: 'github-app-installation',
    scope: org,
    name: slug,
    nativeId: String(i.id),
    labels,
    disabled: Boolean(i.suspended_at),
    managed: false,
    machineReason: 'GitHub App installation',
    ...(createdAt !== undefined ? { createdAt } : {}),
  };
  return { identity, grants: permissionGrants(id, repositoryScope(org, i.repository_selection, selectedCount), 'app', i.permissions ?? {}) };
}

export interface PatGrantInput {
  id: number;
  owner: { login: string };
  token_id: number;
  token_name: string;
  token_expired: boolean;
  token_expires_at: string | null;
  token_last_used_at: string | null;
  access_granted_at?: string;
  repository_selection?: string;
  permissions?: { organization?: Record<string, string | undefined>; repository?: Record<string, string | undefined> };
}

export function patRecords(org: string, p: PatGrantInput): { identity: Identity; credential: Credential; grants: Grant[] } {
  const id = githubPatIdentityId(org, p.token_id);
  const grantedAt = toIso(p.access_granted_at);
  const identity: Identity = {
    id,
    provider: 'github',
    kind: 'github-fine-grained-pat',
    scope: org,
    name: p.token_name,
    nativeId: String(p.id),
    owner: p.owner.login,
    labels: { owner: p.owner.login, repository_selection: p.repository_selection ?? 'unknown', grant_id: String(p.id) },
    disabled: false,
    managed: false,
    machineReason: 'fine-grained personal access token',
    ...(grantedAt !== undefined ? { createdAt: grantedAt } : {}),
  };
  const publicId = String(p.token_id);
  const expiresAt = toIso(p.token_expires_at);
  const lastUsedAt = toIso(p.token_last_used_at);
  const credential: Credential = {
    id: credentialId(id, publicId),
    identityId: id,
    kind: 'github-pat',
    publicId,
    active: !p.token_expired,
    displayName: p.token_name,
    // GitHub does not say when the token was created; the grant is the first time it reached the org.
    ...(grantedAt !== undefined ? { createdAt: grantedAt } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
  };
  const grants = [
    ...permissionGrants(id, org, 'pat', p.permissions?.organization ?? {}),
    ...permissionGrants(id, repositoryScope(org, p.repository_selection === 'subset' ? 'selected' : p.repository_selection), 'pat', p.permissions?.repository ?? {}),
  ];
  return { identity, credential, grants };
}

export interface AlertInput {
  number: number;
  state?: string;
  secret_type?: string;
  secret_type_display_name?: string;
  created_at?: string;
  repository?: { name?: string; full_name?: string };
}

export interface AlertLocation {
  path: string;
  line: number;
  commit?: string;
}

/** The leak rule id of a secret scanning alert. */
export const SECRET_SCANNING_RULE_PREFIX = 'github-secret-scanning:';

/**
 * A secret scanning alert as a Leak. Only `state: open` alerts are requested, so every Leak of
 * this rule is still open. The fingerprint hashes the alert's place (`org/repo#number`), never the secret.
 */
export function alertLeak(org: string, a: AlertInput, location?: AlertLocation): Leak {
  const repoName = a.repository?.name ?? 'unknown';
  const repo = a.repository?.full_name ?? `${org}/${repoName}`;
  const fingerprint = createHash('sha256').update(`${org}/${repoName}#${a.number}`).digest('hex');
  const path = location?.path ?? '';
  const line = location?.line ?? 0;
  const time = toIso(a.created_at);
  return {
    id: 'l_' + createHash('sha256').update([repo, fingerprint, path, line, location?.commit ?? ''].join('\u0000')).digest('hex').slice(0, 24),
    rule: `${SECRET_SCANNING_RULE_PREFIX}${a.secret_type ?? 'unknown'}`,
    severity: a.state === 'open' ? 'high' : 'low',
    location: {
      repo,
      path,
      line,
      ...(location?.commit !== undefined ? { commit: location.commit } : {}),
      ...(time !== undefined ? { time } : {}),
    },
    fingerprint,
    preview: `${a.secret_type_display_name ?? a.secret_type ?? 'secret'} (alert #${a.number})`,
  };
}

/** An Actions secret: its name and dates only (GitHub never returns values). */
export interface ActionsSecretInfo {
  org: string;
  /** `org`, `repo` or `environment`. */
  level: 'org' | 'repo' | 'environment';
  /** Repository full name (repo and environment levels). */
  repo?: string;
  environment?: string;
  name: string;
  createdAt?: string;
  updatedAt?: string;
  visibility?: string;
}
