/**
 * Building sprawl records from Kubernetes objects, pure: service accounts (Identity), legacy
 * token secrets (Credential: the secret's name only, never its data), running pods (Activity),
 * and bindings (Grant, see rbac.ts for the permissions encoding).
 */
import type { Activity, Credential, Grant, Identity } from '../../model/index.ts';
import { credentialId } from '../../model/index.ts';
import { ESCALATION_PREFIX, escalationPaths, flattenRules, privilegeOf } from './rbac.ts';
import type { PolicyRule } from './rbac.ts';

/** `k8s:<cluster>:ns/<namespace>/sa/<name>` */
export function k8sIdentityId(cluster: string, namespace: string, name: string): string {
  return `k8s:${cluster}:ns/${namespace}/sa/${name}`;
}

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const LEGACY_TOKEN_LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';

export interface Meta {
  name?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  creationTimestamp?: Date | string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

export function toIso(t: Date | string | undefined | null): string | undefined {
  if (t === undefined || t === null) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export interface AccountInput {
  cluster: string;
  metadata: Meta;
  managed: boolean;
  ownerKeys: readonly string[];
  /** Scan time when a running pod uses the account (see index.ts on why not the pod start). */
  lastUsedAt?: string;
  runningPods: number;
  /** Whether a running pod mounts the account's token; undefined when no pod runs as it. */
  automount?: boolean;
  lastPodStartAt?: string;
}

export function buildAccount(a: AccountInput): Identity {
  const ns = a.metadata.namespace ?? 'default';
  const name = a.metadata.name ?? '';
  const labels: Record<string, string> = { ...(a.metadata.labels ?? {}), namespace: ns, pods: String(a.runningPods) };
  if (a.automount !== undefined) labels.automount = String(a.automount);
  if (a.lastPodStartAt !== undefined) labels.lastPodStartAt = a.lastPodStartAt;
  const identity: Identity = {
    id: k8sIdentityId(a.cluster, ns, name),
    provider: 'kubernetes',
    kind: 'k8s-service-account',
    scope: a.cluster,
    name: `${ns}/${name}`,
    labels,
    disabled: false,
    managed: a.managed,
    machineReason: 'Kubernetes service account',
  };
  if (a.metadata.uid) identity.nativeId = a.metadata.uid;
  const created = toIso(a.metadata.creationTimestamp);
  if (created !== undefined) identity.createdAt = created;
  const owner = ownerOf(a.metadata, a.ownerKeys);
  if (owner !== undefined) identity.owner = owner;
  if (a.lastUsedAt !== undefined) identity.lastUsedAt = a.lastUsedAt;
  return identity;
}

/** The first owner key found in labels, then annotations. */
export function ownerOf(m: Meta, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = m.labels?.[k] ?? m.annotations?.[k];
    if (v) return v;
  }
  return undefined;
}

/**
 * A legacy token secret as a credential: publicId `<namespace>/<secret name>`. `lastUsedAt`
 * from the API server's `kubernetes.io/legacy-token-last-used` label (1.29+; a date), inactive
 * when `kubernetes.io/legacy-token-invalid-since` is set. The secret's data is never read.
 */
export function buildTokenSecret(identityId: string, m: Meta): Credential {
  const publicId = `${m.namespace ?? 'default'}/${m.name ?? ''}`;
  const c: Credential = { id: credentialId(identityId, publicId), identityId, kind: 'k8s-token-secret', publicId, active: m.labels?.[LEGACY_TOKEN_INVALID_SINCE_LABEL] === undefined };
  const created = toIso(m.creationTimestamp);
  if (created !== undefined) c.createdAt = created;
  const lastUsed = toIso(m.labels?.[LEGACY_TOKEN_LAST_USED_LABEL]);
  if (lastUsed !== undefined) c.lastUsedAt = lastUsed;
  return c;
}

export function podActivity(identityId: string, namespace: string, pod: string, at: string): Activity {
  return { identityId, at, source: 'provider', actor: `pod/${namespace}/${pod}`, verb: 'runs-as' };
}

export interface GrantInput {
  identityId: string;
  /** Namespace of a RoleBinding, undefined for a ClusterRoleBinding. */
  namespace?: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  rules: readonly PolicyRule[];
  bindingName: string;
  /** The subject was a group (`system:serviceaccounts[:<ns>]`), not the account itself. */
  viaGroup?: string;
}

export function buildGrant(g: GrantInput): Grant {
  const bindingKind = g.namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding';
  const permissions = [...flattenRules(g.rules), ...escalationPaths(g.rules).map((p) => `${ESCALATION_PREFIX}${p}`)];
  return {
    identityId: g.identityId,
    scope: g.namespace ?? 'cluster',
    role: g.roleKind === 'ClusterRole' ? `ClusterRole/${g.roleName}` : `Role/${g.namespace ?? ''}/${g.roleName}`,
    permissions,
    privilege: privilegeOf(g.roleName, g.roleKind, g.rules),
    via: g.viaGroup !== undefined ? 'group' : 'binding',
    viaName: `${bindingKind}/${g.namespace !== undefined ? `${g.namespace}/` : ''}${g.bindingName}${g.viaGroup !== undefined ? ` (group ${g.viaGroup})` : ''}`,
  };
}
