/**
 * The emulator's object endpoints: reading one object, and the writes `sprawl apply` makes
 * (RoleBinding and ClusterRoleBinding create / replace / delete, Secret and ServiceAccount
 * delete, the TokenRequest subresource `serviceaccounts/<name>/token`). They mutate the
 * cluster's in-memory estate, so the collector's next lists see the change. Validation and
 * errors follow the API server: 404 NotFound, 409 AlreadyExists / Conflict (a stale
 * `resourceVersion`, a failed delete precondition), 422 Invalid (a changed roleRef, a missing
 * subject namespace, a token shorter than 10 minutes), 400 BadRequest (name or namespace not
 * the URL's). Deleting a ServiceAccount also deletes its legacy token secrets, as the token
 * controller does. Issued tokens are JWT-shaped fakes (claims `jti`, `sub`, `exp`; the
 * signature is not a real one), accepted as bearer tokens while their account exists.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE } from './estate.ts';
import type { K8sBinding, K8sCluster, K8sMeta, K8sSecret, K8sServiceAccount, K8sSubject } from './estate.ts';
import { StatusError } from './status.ts';

export type K8sObjectResource = 'namespaces' | 'serviceaccounts' | 'secrets' | 'pods' | 'roles' | 'rolebindings' | 'clusterroles' | 'clusterrolebindings';

/** A request for one object (`name`), or a create on a collection (`name` undefined). */
export interface K8sObjectRoute {
  resource: K8sObjectResource;
  namespace?: string;
  name?: string;
  /** `token`: the TokenRequest subresource of a service account. */
  sub?: 'token';
}

/** A token the emulator issued through the TokenRequest API. */
export interface K8sIssuedToken {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  /** The account's uid the token is bound to. */
  uid: string;
  jti: string;
  /** The JWT (a sandbox fake: never a real credential). */
  token: string;
  audiences: string[];
  issuedAt: string;
  expiresAt: string;
}

export interface ClusterWriteState {
  /** The next `resourceVersion` of the cluster. */
  nextRv(): string;
  tokens: K8sIssuedToken[];
  nowMs(): number;
}

export interface WriteResult {
  status: number;
  body: object;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const DEFAULT_TOKEN_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const MAX_TOKEN_SECONDS = 2 ** 32;

interface Kind {
  kind: string;
  apiVersion: string;
  group: string;
}

const KINDS: Record<K8sObjectResource, Kind> = {
  namespaces: { kind: 'Namespace', apiVersion: 'v1', group: '' },
  serviceaccounts: { kind: 'ServiceAccount', apiVersion: 'v1', group: '' },
  secrets: { kind: 'Secret', apiVersion: 'v1', group: '' },
  pods: { kind: 'Pod', apiVersion: 'v1', group: '' },
  roles: { kind: 'Role', apiVersion: `${RBAC_GROUP}/v1`, group: RBAC_GROUP },
  rolebindings: { kind: 'RoleBinding', apiVersion: `${RBAC_GROUP}/v1`, group: RBAC_GROUP },
  clusterroles: { kind: 'ClusterRole', apiVersion: `${RBAC_GROUP}/v1`, group: RBAC_GROUP },
  clusterrolebindings: { kind: 'ClusterRoleBinding', apiVersion: `${RBAC_GROUP}/v1`, group: RBAC_GROUP },
};

const qualified = (resource: K8sObjectResource): string => (KINDS[resource].group ? `${resource}.${KINDS[resource].group}` : resource);

type Stored = { metadata: K8sMeta };

/** The cluster's objects of a resource (the live lists the write routes change). */
export function storedObjects(cluster: K8sCluster, resource: K8sObjectResource): Stored[] {
  switch (resource) {
    case 'namespaces': return cluster.namespaces;
    case 'serviceaccounts': return cluster.serviceAccounts;
    case 'secrets': return cluster.secrets;
    case 'pods': return cluster.pods;
    case 'roles': return cluster.roles;
    case 'rolebindings': return cluster.roleBindings;
    case 'clusterroles': return cluster.clusterRoles;
    case 'clusterrolebindings': return cluster.clusterRoleBindings;
  }
}

const notFound = (resource: K8sObjectResource, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${qualified(resource)} "${name}" not found`, {}, { name, ...(KINDS[resource].group ? { group: KINDS[resource].group } : {}), kind: resource });

function find(cluster: K8sCluster, resource: K8sObjectResource, namespace: string | undefined, name: string): Stored | undefined {
  return storedObjects(cluster, resource).find((o) => o.metadata.name === name && o.metadata.namespace === namespace);
}

function mustFind(cluster: K8sCluster, resource: K8sObjectResource, namespace: string | undefined, name: string): Stored {
  const found = find(cluster, resource, namespace, name);
  if (!found) throw notFound(resource, name);
  return found;
}

const withKind = (resource: K8sObjectResource, o: object): object => ({ kind: KINDS[resource].kind, apiVersion: KINDS[resource].apiVersion, ...o });

/** GET of one object. */
export function readObject(cluster: K8sCluster, route: K8sObjectRoute & { name: string }): object {
  if (route.namespace !== undefined && !cluster.namespaces.some((n) => n.metadata.name === route.namespace) && route.resource !== 'namespaces') throw notFound(route.resource, route.name);
  return withKind(route.resource, mustFind(cluster, route.resource, route.namespace, route.name));
}

function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new StatusError(400, 'BadRequest', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
}

const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strMap = (v: unknown): Record<string, string> | undefined => {
  const r = record(v);
  const entries = Object.entries(r).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length ? Object.fromEntries(entries) : undefined;
};

function invalid(resource: K8sObjectResource, name: string, causes: { field: string; message: string }[]): StatusError {
  const k = KINDS[resource];
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new StatusError(422, 'Invalid', `${k.kind}${k.group ? `.${k.group}` : ''} "${name}" is invalid: ${text}`, {}, {
    name,
    ...(k.group ? { group: k.group } : {}),
    kind: k.kind,
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

function checkTypeMeta(resource: K8sObjectResource, body: Record<string, unknown>): void {
  const k = KINDS[resource];
  const kind = str(body.kind);
  const apiVersion = str(body.apiVersion);
  if ((kind !== undefined && kind !== k.kind) || (apiVersion !== undefined && apiVersion !== k.apiVersion)) {
    throw new StatusError(400, 'BadRequest', `the API version in the data (${apiVersion ?? ''}) does not match the expected API version (${k.apiVersion})`);
  }
}

/** A binding from a request body: validated like the API server, subjects defaulted (User/Group apiGroup). */
function bindingFromBody(resource: 'rolebindings' | 'clusterrolebindings', body: Record<string, unknown>, name: string): Pick<K8sBinding, 'roleRef' | 'subjects'> & { labels?: Record<string, string>; annotations?: Record<string, string> } {
  const causes: { field: string; message: string }[] = [];
  const ref = record(body.roleRef);
  const refKind = str(ref.kind);
  const refName = str(ref.name);
  const refGroup = str(ref.apiGroup);
  if (refGroup !== RBAC_GROUP) causes.push({ field: 'roleRef.apiGroup', message: `Unsupported value: "${refGroup ?? ''}": supported values: "${RBAC_GROUP}"` });
  const kinds = resource === 'clusterrolebindings' ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (refKind === undefined || !kinds.includes(refKind)) causes.push({ field: 'roleRef.kind', message: `Unsupported value: "${refKind ?? ''}": supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` });
  if (refName === undefined) causes.push({ field: 'roleRef.name', message: 'Required value' });
  const subjects: K8sSubject[] = [];
  const raw = body.subjects;
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) causes.push({ field: 'subjects', message: 'Invalid value: must be a list' });
  (Array.isArray(raw) ? (raw as unknown[]) : []).forEach((s, i) => {
    const r = record(s);
    const kind = str(r.kind);
    const sname = str(r.name);
    const ns = str(r.namespace);
    if (kind !== 'ServiceAccount' && kind !== 'User' && kind !== 'Group') {
      causes.push({ field: `subjects[${i}].kind`, message: `Unsupported value: "${kind ?? ''}": supported values: "ServiceAccount", "User", "Group"` });
      return;
    }
    if (sname === undefined) causes.push({ field: `subjects[${i}].name`, message: 'Required value' });
    if (kind === 'ServiceAccount' && ns === undefined && resource === 'clusterrolebindings') causes.push({ field: `subjects[${i}].namespace`, message: 'Required value' });
    const apiGroup = str(r.apiGroup) ?? (kind === 'ServiceAccount' ? undefined : RBAC_GROUP);
    subjects.push({ kind, name: sname ?? '', ...(ns !== undefined ? { namespace: ns } : {}), ...(apiGroup !== undefined ? { apiGroup } : {}) });
  });
  if (causes.length) throw invalid(resource, name, causes);
  const meta = record(body.metadata);
  const labels = strMap(meta.labels);
  const annotations = strMap(meta.annotations);
  return {
    roleRef: { apiGroup: RBAC_GROUP, kind: refKind as 'Role' | 'ClusterRole', name: refName ?? '' },
    ...(subjects.length ? { subjects } : {}),
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

function checkNamespace(cluster: K8sCluster, namespace: string | undefined): void {
  if (namespace !== undefined && !cluster.namespaces.some((n) => n.metadata.name === namespace)) throw notFound('namespaces', namespace);
}

function createBinding(cluster: K8sCluster, state: ClusterWriteState, route: K8sObjectRoute, body: Record<string, unknown>): WriteResult {
  const resource = route.resource as 'rolebindings' | 'clusterrolebindings';
  checkTypeMeta(resource, body);
  const meta = record(body.metadata);
  const name = str(meta.name);
  if (name === undefined) throw invalid(resource, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  const ns = str(meta.namespace);
  if (resource === 'rolebindings' && ns !== undefined && ns !== route.namespace) throw new StatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  checkNamespace(cluster, route.namespace);
  const parsed = bindingFromBody(resource, body, name);
  if (find(cluster, resource, route.namespace, name)) {
    throw new StatusError(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, {}, { name, group: RBAC_GROUP, kind: resource });
  }
  const binding: K8sBinding = {
    metadata: {
      name,
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      uid: randomUUID(),
      creationTimestamp: iso(state.nowMs()),
      resourceVersion: state.nextRv(),
      ...(parsed.labels ? { labels: parsed.labels } : {}),
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    },
    roleRef: parsed.roleRef,
    ...(parsed.subjects ? { subjects: parsed.subjects } : {}),
  };
  (resource === 'rolebindings' ? cluster.roleBindings : cluster.clusterRoleBindings).push(binding);
  return { status: 201, body: withKind(resource, binding) };
}

function replaceBinding(cluster: K8sCluster, state: ClusterWriteState, route: K8sObjectRoute & { name: string }, body: Record<string, unknown>): WriteResult {
  const resource = route.resource as 'rolebindings' | 'clusterrolebindings';
  checkTypeMeta(resource, body);
  const meta = record(body.metadata);
  const name = str(meta.name);
  if (name !== route.name) throw new StatusError(400, 'BadRequest', `the name of the object (${name ?? ''}) does not match the name on the URL (${route.name})`);
  const ns = str(meta.namespace);
  if (resource === 'rolebindings' && ns !== undefined && ns !== route.namespace) throw new StatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  const rv = str(meta.resourceVersion);
  const existing = find(cluster, resource, route.namespace, route.name) as K8sBinding | undefined;
  if (!existing) {
    if (rv !== undefined) throw notFound(resource, route.name);
    return createBinding(cluster, state, route, body); // RBAC objects allow create on update
  }
  const parsed = bindingFromBody(resource, body, route.name);
  if (rv === undefined) throw invalid(resource, route.name, [{ field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
  if (rv !== existing.metadata.resourceVersion) {
    throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`, {}, { name: route.name, group: RBAC_GROUP, kind: resource });
  }
  const ref = existing.roleRef;
  if (parsed.roleRef.kind !== ref.kind || parsed.roleRef.name !== ref.name) {
    throw invalid(resource, route.name, [{ field: 'roleRef', message: `Invalid value: {"apiGroup":"${RBAC_GROUP}","kind":"${parsed.roleRef.kind}","name":"${parsed.roleRef.name}"}: cannot change roleRef` }]);
  }
  const before = JSON.stringify([existing.subjects ?? [], existing.metadata.labels ?? {}, existing.metadata.annotations ?? {}]);
  const after = JSON.stringify([parsed.subjects ?? [], parsed.labels ?? {}, parsed.annotations ?? {}]);
  if (before !== after) {
    const { labels: _l, annotations: _a, ...keep } = existing.metadata;
    existing.metadata = { ...keep, resourceVersion: state.nextRv(), ...(parsed.labels ? { labels: parsed.labels } : {}), ...(parsed.annotations ? { annotations: parsed.annotations } : {}) };
    if (parsed.subjects) existing.subjects = parsed.subjects;
    else delete existing.subjects;
  }
  return { status: 200, body: withKind(resource, existing) };
}

/** DeleteOptions.preconditions: uid and resourceVersion must match the stored object. */
function checkPreconditions(resource: K8sObjectResource, stored: Stored, body: Record<string, unknown>): void {
  const pre = record(body.preconditions);
  const uid = str(pre.uid);
  const rv = str(pre.resourceVersion);
  const fail = (what: string, want: string, have: string): StatusError =>
    new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${stored.metadata.name}": Precondition failed: ${what} in precondition: ${want}, ${what} in object meta: ${have}`, {}, { name: stored.metadata.name, kind: resource });
  if (uid !== undefined && uid !== stored.metadata.uid) throw fail('UID', uid, stored.metadata.uid);
  if (rv !== undefined && rv !== stored.metadata.resourceVersion) throw fail('ResourceVersion', rv, stored.metadata.resourceVersion);
}

const DELETABLE: ReadonlySet<K8sObjectResource> = new Set(['secrets', 'serviceaccounts', 'rolebindings', 'clusterrolebindings']);

function deleteObject(cluster: K8sCluster, route: K8sObjectRoute & { name: string }, body: Record<string, unknown>): WriteResult {
  const { resource } = route;
  const stored = mustFind(cluster, resource, route.namespace, route.name);
  checkPreconditions(resource, stored, body);
  const list = storedObjects(cluster, resource);
  list.splice(list.indexOf(stored), 1);
  if (resource === 'serviceaccounts') {
    // The token controller deletes the account's legacy token secrets; its bound tokens stop working.
    const ns = route.namespace;
    cluster.secrets = cluster.secrets.filter((s) => !(s.type === SA_TOKEN_TYPE && s.metadata.namespace === ns && s.metadata.annotations?.[SA_NAME_ANNOTATION] === route.name));
    return { status: 200, body: withKind(resource, stored) };
  }
  if (resource === 'secrets') {
    const secret = stored as K8sSecret;
    const owner = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
    const sa: K8sServiceAccount | undefined = owner !== undefined ? cluster.serviceAccounts.find((x) => x.metadata.namespace === route.namespace && x.metadata.name === owner) : undefined;
    if (sa?.secrets) {
      const rest = sa.secrets.filter((s) => s.name !== route.name);
      if (rest.length) sa.secrets = rest;
      else delete sa.secrets;
    }
  }
  const group = KINDS[resource].group;
  return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: route.name, ...(group ? { group } : {}), kind: resource, uid: stored.metadata.uid } } };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const b64url = (o: object): string => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');

function requestToken(cluster: K8sCluster, state: ClusterWriteState, route: K8sObjectRoute & { name: string }, body: Record<string, unknown>): WriteResult {
  const namespace = route.namespace ?? 'default';
  const sa = mustFind(cluster, 'serviceaccounts', namespace, route.name);
  const kind = str(body.kind);
  if (kind !== undefined && kind !== 'TokenRequest') throw new StatusError(400, 'BadRequest', `the API version in the data (${str(body.apiVersion) ?? ''}) does not match the expected API version (authentication.k8s.io/v1)`);
  const spec = record(body.spec);
  const raw = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? 3600 : spec.expirationSeconds;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new StatusError(400, 'BadRequest', 'spec.expirationSeconds: must be an integer');
  const seconds = raw;
  const bad = (message: string): StatusError =>
    new StatusError(422, 'Invalid', `TokenRequest.authentication.k8s.io "${route.name}" is invalid: spec.expirationSeconds: Invalid value: ${seconds}: ${message}`, {}, { name: route.name, group: 'authentication.k8s.io', kind: 'TokenRequest' });
  if (seconds < 600) throw bad('may not specify a duration less than 10 minutes');
  if (seconds > MAX_TOKEN_SECONDS) throw bad('may not specify a duration larger than 2^32 seconds');
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as unknown[]).filter((a): a is string => typeof a === 'string') : [DEFAULT_TOKEN_AUDIENCE];
  const nowMs = state.nowMs();
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + seconds;
  const jti = randomUUID();
  const claims = {
    aud: audiences,
    exp,
    iat,
    iss: DEFAULT_TOKEN_AUDIENCE,
    jti,
    'kubernetes.io': { namespace, serviceaccount: { name: route.name, uid: sa.metadata.uid } },
    nbf: iat,
    sub: `system:serviceaccount:${namespace}:${route.name}`,
  };
  const token = `${b64url({ alg: 'RS256', kid: randomBytes(8).toString('hex') })}.${b64url(claims)}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = iso(exp * 1000);
  state.tokens.push({ cluster: cluster.name, namespace, serviceAccount: route.name, uid: sa.metadata.uid, jti, token, audiences, issuedAt: iso(iat * 1000), expiresAt });
  return {
    status: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: route.name, namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: null },
      status: { token, expirationTimestamp: expiresAt },
    },
  };
}

/** A write request (POST, PUT, DELETE) on the cluster; throws StatusError for what the API server refuses. */
export function writeObject(cluster: K8sCluster, state: ClusterWriteState, method: string, route: K8sObjectRoute, raw: string): WriteResult {
  const { resource, name } = route;
  const notAllowed = (): StatusError => new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = parseBody(raw);
  if (route.sub === 'token') {
    if (method !== 'POST' || name === undefined) throw notAllowed();
    return requestToken(cluster, state, { ...route, name }, body);
  }
  const binding = resource === 'rolebindings' || resource === 'clusterrolebindings';
  if (name === undefined) {
    if (method === 'POST' && binding && (resource === 'clusterrolebindings' || route.namespace !== undefined)) return createBinding(cluster, state, route, body);
    throw notAllowed();
  }
  if (method === 'PUT' && binding) return replaceBinding(cluster, state, { ...route, name }, body);
  if (method === 'DELETE' && DELETABLE.has(resource)) return deleteObject(cluster, { ...route, name }, body);
  throw notAllowed();
}

/** Whether `token` is a bound token the emulator issued for an account that still exists, unexpired. */
export function acceptsIssuedToken(cluster: K8sCluster, state: ClusterWriteState, token: string): boolean {
  const t = state.tokens.find((x) => x.token === token && x.cluster === cluster.name);
  if (!t || Date.parse(t.expiresAt) <= state.nowMs()) return false;
  return cluster.serviceAccounts.some((s) => s.metadata.namespace === t.namespace && s.metadata.name === t.serviceAccount && s.metadata.uid === t.uid);
}

/** The highest resourceVersion in the cluster (writes continue from it). */
export function maxResourceVersion(cluster: K8sCluster): number {
  let max = 0;
  for (const r of ['namespaces', 'serviceaccounts', 'secrets', 'pods', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] as const) {
    for (const o of storedObjects(cluster, r)) max = Math.max(max, Number(o.metadata.resourceVersion) || 0);
  }
  return max;
}
