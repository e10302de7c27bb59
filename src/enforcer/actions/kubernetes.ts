/**
 * Kubernetes actions, through the collector's client (@kubernetes/client-node, the kubeconfig
 * context the collector scans the cluster through, the same retries):
 *
 * - `k8s.bindings.remove`: the service account is taken out of every RoleBinding and
 *   ClusterRoleBinding that names it directly (a `ServiceAccount` subject, or the
 *   `system:serviceaccount:<ns>:<name>` User): the binding is replaced with its other subjects
 *   (optimistic concurrency on `resourceVersion`; a conflict re-reads it), or deleted when the
 *   account was its only subject (preconditions: uid and resourceVersion). Each change is
 *   recorded in `before` (kind, namespace, name, roleRef, the full original subjects, labels,
 *   annotations, resourceVersion); undo re-adds the removed subjects, re-creating a binding that
 *   is gone. Group subjects (`system:serviceaccounts[:<ns>]`) are left alone: removing them would
 *   change every account of the namespace; they are listed in `after.notRemoved`. When a change
 *   fails midway, the ones already made are put back before the error is thrown.
 * - `k8s.token.delete`: the legacy token Secret `params.secret` (`<namespace>/<name>`) deleted,
 *   after checking it is a service-account token (of `params.serviceAccount`, when given); its
 *   data is never kept or reported.
 * - `k8s.sa.delete`: the ServiceAccount deleted (labels, annotations recorded).
 *
 * The minter asks the TokenRequest API for a bound token (`params.tokenTtlSeconds`, default 90
 * days; the API server may shorten it to its `--service-account-max-token-expiration`, and the
 * answer's expiry is the one reported). A bound token cannot be revoked on its own: `discard`
 * only logs a warning naming when it expires (deleting the account, or rotating the issuer's
 * signing key, are the only ways to end it sooner).
 */
import { createHash } from 'node:crypto';
import type { RbacV1Subject, V1ClusterRoleBinding, V1DeleteOptions, V1RoleBinding, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../../config/kubernetes-schema.ts';
import type { PlanAction } from '../../model/index.ts';
import { kubeClientsForCluster, kubeRetrySettings, listAllPages } from '../../providers/kubernetes/cluster.ts';
import { describeKubeError, withRetry } from '../../providers/kubernetes/client.ts';
import type { KubeClients, RetrySettings } from '../../providers/kubernetes/client.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Json, MintedCredential, Outcome } from './types.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const RBAC_PATH = `/apis/${RBAC_GROUP}/v1`;
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** Default lifetime of a minted token: 90 days. */
export const DEFAULT_TOKEN_TTL_SECONDS = 90 * 86_400;
/** Conflicting writes (409) re-read the object and try again this many times. */
const CONFLICT_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------
// Connection, parameters, errors

interface Cluster {
  name: string;
  clients: KubeClients;
  retry: RetrySettings;
  signal: AbortSignal | undefined;
}

function param(action: PlanAction, key: string): string {
  const v = action.params[key];
  if (typeof v !== 'string' || v === '') throw new Error(`${action.kind} ${action.target}: params.${key} is missing`);
  return v;
}

function connect(action: PlanAction, ctx: ActionContext): Cluster {
  const name = param(action, 'cluster');
  const kubernetes: KubernetesConfig | undefined = ctx.config.kubernetes;
  if (!kubernetes) throw new Error(`kubernetes ${name}: the config has no kubernetes section`);
  return { name, clients: kubeClientsForCluster(kubernetes, name, ctx.env), retry: kubeRetrySettings(kubernetes), signal: ctx.signal };
}

function call<T>(c: Cluster, fn: () => Promise<T>): Promise<T> {
  return withRetry(fn, c.retry, c.signal ? { signal: c.signal } : {});
}

const statusOf = (err: unknown): number | undefined => describeKubeError(err).status;

/** `kubernetes <cluster> <what>: <Operation> <reason> (HTTP n): <message>` */
function fail(c: Cluster, what: string, operation: string, err: unknown): Error {
  const { status, reason, message } = describeKubeError(err);
  return new Error(`kubernetes ${c.name} ${what}: ${operation} ${reason}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, { cause: err });
}

const iso = (t: Date | string | undefined): string | null => (t === undefined ? null : t instanceof Date ? t.toISOString() : t);
const strMap = (m: Record<string, string> | undefined): Json => (m ? { ...m } : null);

// ---------------------------------------------------------------------------------------------
// k8s.bindings.remove

type BindingKind = 'RoleBinding' | 'ClusterRoleBinding';
type Binding = V1RoleBinding | V1ClusterRoleBinding;

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

interface RecordedBinding {
  kind: BindingKind;
  namespace?: string;
  name: string;
  uid: string | null;
  resourceVersion: string | null;
  roleRef: { apiGroup: string; kind: string; name: string };
  /** Every subject of the binding before the change. */
  subjects: Subject[];
  /** The subjects taken out (the account itself). */
  removed: Subject[];
  labels: Json;
  annotations: Json;
  /** updated: replaced with the other subjects; deleted: the account was its only subject. */
  action: 'updated' | 'deleted';
}

interface Account {
  namespace: string;
  name: string;
}

const subjectJson = (s: Subject): Json => ({ kind: s.kind, name: s.name, ...(s.namespace !== undefined ? { namespace: s.namespace } : {}), ...(s.apiGroup !== undefined ? { apiGroup: s.apiGroup } : {}) });
const plainSubject = (s: RbacV1Subject): Subject => ({ kind: s.kind, name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}), ...(s.apiGroup ? { apiGroup: s.apiGroup } : {}) });

/** The account named directly: its ServiceAccount subject, or its `system:serviceaccount:` User. */
function namesAccount(s: Subject, bindingNamespace: string | undefined, a: Account): boolean {
  if (s.kind === 'ServiceAccount') return s.name === a.name && (s.namespace ?? bindingNamespace) === a.namespace;
  return s.kind === 'User' && s.name === `system:serviceaccount:${a.namespace}:${a.name}`;
}

/** The group subjects that include the account (left alone). */
function groupOf(s: Subject, a: Account): boolean {
  return s.kind === 'Group' && (s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${a.namespace}`);
}

const sameSubject = (x: Subject, y: Subject, bindingNamespace: string | undefined): boolean =>
  x.kind === y.kind && x.name === y.name && (x.kind !== 'ServiceAccount' || (x.namespace ?? bindingNamespace) === (y.namespace ?? bindingNamespace));

function bindingPath(kind: BindingKind, namespace: string | undefined, name?: string): string {
  const base = kind === 'RoleBinding' ? `${RBAC_PATH}/namespaces/${namespace ?? ''}/rolebindings` : `${RBAC_PATH}/clusterrolebindings`;
  return name === undefined ? base : `${base}/${name}`;
}

const bindingLabel = (kind: BindingKind, namespace: string | undefined, name: string): string => `${kind} ${namespace !== undefined ? `${namespace}/` : ''}${name}`;

function readBinding(c: Cluster, kind: BindingKind, namespace: string | undefined, name: string): Promise<Binding> {
  return call(c, () => (kind === 'RoleBinding' ? c.clients.rbac.readNamespacedRoleBinding({ name, namespace: namespace ?? '' }) : c.clients.rbac.readClusterRoleBinding({ name })));
}

function replaceBinding(c: Cluster, kind: BindingKind, binding: Binding, subjects: Subject[]): Promise<Binding> {
  const name = binding.metadata?.name ?? '';
  const body = { ...binding, apiVersion: `${RBAC_GROUP}/v1`, kind, subjects } as Binding;
  return call(c, () =>
    kind === 'RoleBinding'
      ? c.clients.rbac.replaceNamespacedRoleBinding({ name, namespace: binding.metadata?.namespace ?? '', body })
      : c.clients.rbac.replaceClusterRoleBinding({ name, body }),
  );
}

function deleteBinding(c: Cluster, kind: BindingKind, binding: Binding): Promise<unknown> {
  const name = binding.metadata?.name ?? '';
  const body: V1DeleteOptions = { preconditions: { ...(binding.metadata?.uid ? { uid: binding.metadata.uid } : {}), ...(binding.metadata?.resourceVersion ? { resourceVersion: binding.metadata.resourceVersion } : {}) } };
  return call(c, () => (kind === 'RoleBinding' ? c.clients.rbac.deleteNamespacedRoleBinding({ name, namespace: binding.metadata?.namespace ?? '', body }) : c.clients.rbac.deleteClusterRoleBinding({ name, body })));
}

function createBinding(c: Cluster, b: RecordedBinding, subjects: Subject[]): Promise<Binding> {
  const metadata = {
    name: b.name,
    ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
    ...(b.labels && typeof b.labels === 'object' && !Array.isArray(b.labels) ? { labels: b.labels as Record<string, string> } : {}),
    ...(b.annotations && typeof b.annotations === 'object' && !Array.isArray(b.annotations) ? { annotations: b.annotations as Record<string, string> } : {}),
  };
  const body = { apiVersion: `${RBAC_GROUP}/v1`, kind: b.kind, metadata, roleRef: b.roleRef, subjects };
  return call(c, () => (b.kind === 'RoleBinding' ? c.clients.rbac.createNamespacedRoleBinding({ namespace: b.namespace ?? '', body }) : c.clients.rbac.createClusterRoleBinding({ body })));
}

interface Change {
  recorded: RecordedBinding;
  request: Json;
  after: Json;
}

/**
 * Takes the account out of one binding (as listed); on a 409 Conflict re-reads it and tries
 * again. Undefined when, re-read, it no longer names the account (or is gone).
 */
async function unbindOne(c: Cluster, kind: BindingKind, listed: Binding, a: Account): Promise<Change | undefined> {
  let binding = listed;
  const namespace = kind === 'RoleBinding' ? (listed.metadata?.namespace ?? 'default') : undefined;
  const name = listed.metadata?.name ?? '';
  const label = bindingLabel(kind, namespace, name);
  for (let attempt = 1; ; attempt++) {
    const subjects = (binding.subjects ?? []).map(plainSubject);
    const removed = subjects.filter((s) => namesAccount(s, namespace, a));
    if (removed.length === 0) return undefined;
    const rest = subjects.filter((s) => !namesAccount(s, namespace, a));
    const recorded: RecordedBinding = {
      kind,
      ...(namespace !== undefined ? { namespace } : {}),
      name,
      uid: binding.metadata?.uid ?? null,
      resourceVersion: binding.metadata?.resourceVersion ?? null,
      roleRef: { apiGroup: binding.roleRef.apiGroup ?? RBAC_GROUP, kind: binding.roleRef.kind, name: binding.roleRef.name },
      subjects,
      removed,
      labels: strMap(binding.metadata?.labels),
      annotations: strMap(binding.metadata?.annotations),
      action: rest.length ? 'updated' : 'deleted',
    };
    const path = bindingPath(kind, namespace, name);
    try {
      if (rest.length) {
        const updated = await replaceBinding(c, kind, binding, rest);
        return { recorded, request: { method: 'PUT', path, subjects: rest.map(subjectJson) }, after: { kind, ...(namespace !== undefined ? { namespace } : {}), name, action: 'updated', resourceVersion: updated.metadata?.resourceVersion ?? null, subjects: rest.map(subjectJson) } };
      }
      await deleteBinding(c, kind, binding);
      return { recorded, request: { method: 'DELETE', path, preconditions: { uid: recorded.uid, resourceVersion: recorded.resourceVersion } }, after: { kind, ...(namespace !== undefined ? { namespace } : {}), name, action: 'deleted' } };
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return undefined; // deleted meanwhile: nothing to take the account out of
      if (status !== 409 || attempt >= CONFLICT_ATTEMPTS) throw fail(c, label, rest.length ? `Replace${kind}` : `Delete${kind}`, err);
    }
    try {
      binding = await readBinding(c, kind, namespace, name);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw fail(c, label, `Read${kind}`, err);
    }
  }
}

/** Puts one recorded binding back: the removed subjects re-added, or the binding re-created. */
async function rebindOne(c: Cluster, b: RecordedBinding): Promise<{ request: Json; after: Json; before: Json; changed: boolean }> {
  const label = bindingLabel(b.kind, b.namespace, b.name);
  const where = { kind: b.kind, ...(b.namespace !== undefined ? { namespace: b.namespace } : {}), name: b.name };
  for (let attempt = 1; ; attempt++) {
    let current: Binding | undefined;
    try {
      current = await readBinding(c, b.kind, b.namespace, b.name);
    } catch (err) {
      if (statusOf(err) !== 404) throw fail(c, label, `Read${b.kind}`, err);
    }
    if (!current) {
      // Gone: deleted by apply (all of its subjects come back), or by someone since (only the account comes back).
      const subjects = b.action === 'deleted' ? b.subjects : b.removed;
      try {
        const created = await createBinding(c, b, subjects);
        return {
          before: { ...where, exists: false },
          request: { method: 'POST', path: bindingPath(b.kind, b.namespace), name: b.name, roleRef: b.roleRef, subjects: subjects.map(subjectJson) },
          after: { ...where, action: 'recreated', resourceVersion: created.metadata?.resourceVersion ?? null, subjects: subjects.map(subjectJson) },
          changed: true,
        };
      } catch (err) {
        if (statusOf(err) !== 409 || attempt >= CONFLICT_ATTEMPTS) throw fail(c, label, `Create${b.kind}`, err);
        continue; // created meanwhile: read it again
      }
    }
    const ref = current.roleRef;
    if (ref.kind !== b.roleRef.kind || ref.name !== b.roleRef.name) {
      throw new Error(`kubernetes ${c.name} ${label}: it now binds ${ref.kind} ${ref.name}, not ${b.roleRef.kind} ${b.roleRef.name} as recorded: restore the subjects ${b.removed.map((s) => `${s.kind} ${s.name}`).join(', ')} by hand`);
    }
    const subjects = (current.subjects ?? []).map(plainSubject);
    const missing = b.removed.filter((r) => !subjects.some((s) => sameSubject(s, r, b.namespace)));
    const before = { ...where, exists: true, resourceVersion: current.metadata?.resourceVersion ?? null, subjects: subjects.map(subjectJson) };
    if (missing.length === 0) return { before, request: null, after: { ...where, action: 'unchanged' }, changed: false };
    const next = [...subjects, ...missing];
    try {
      const updated = await replaceBinding(c, b.kind, current, next);
      return {
        before,
        request: { method: 'PUT', path: bindingPath(b.kind, b.namespace, b.name), subjects: next.map(subjectJson) },
        after: { ...where, action: 'subjectsAdded', resourceVersion: updated.metadata?.resourceVersion ?? null, subjects: next.map(subjectJson) },
        changed: true,
      };
    } catch (err) {
      const status = statusOf(err);
      if ((status !== 409 && status !== 404) || attempt >= CONFLICT_ATTEMPTS) throw fail(c, label, `Replace${b.kind}`, err);
    }
  }
}

function account(action: PlanAction): Account {
  return { namespace: param(action, 'namespace'), name: param(action, 'serviceAccount') };
}

async function removeBindings(action: PlanAction, ctx: ActionContext): Promise<Outcome> {
  const c = connect(action, ctx);
  const a = account(action);
  const limit = ctx.config.kubernetes?.pageSize ?? 500;
  const page = (cont: string | undefined): { limit: number; _continue?: string } => ({ limit, ...(cont !== undefined ? { _continue: cont } : {}) });
  let roleBindings: V1RoleBinding[];
  let clusterRoleBindings: V1ClusterRoleBinding[];
  try {
    [roleBindings, clusterRoleBindings] = await Promise.all([
      listAllPages((fn) => call(c, fn), (cont) => c.clients.rbac.listRoleBindingForAllNamespaces(page(cont))),
      listAllPages((fn) => call(c, fn), (cont) => c.clients.rbac.listClusterRoleBinding(page(cont))),
    ]);
  } catch (err) {
    throw fail(c, `serviceaccount ${a.namespace}/${a.name}`, 'ListBindings', err);
  }
  const candidates: [BindingKind, Binding][] = [...roleBindings.map((b): [BindingKind, Binding] => ['RoleBinding', b]), ...clusterRoleBindings.map((b): [BindingKind, Binding] => ['ClusterRoleBinding', b])];
  const notRemoved: Json[] = [];
  const changes: Change[] = [];
  for (const [kind, b] of candidates) {
    const namespace = kind === 'RoleBinding' ? (b.metadata?.namespace ?? 'default') : undefined;
    for (const s of (b.subjects ?? []).map(plainSubject).filter((x) => groupOf(x, a))) {
      notRemoved.push({
        kind,
        ...(namespace !== undefined ? { namespace } : {}),
        name: b.metadata?.name ?? '',
        subject: subjectJson(s),
        reason: `the account is bound through group ${s.name}, which includes every service account${s.name === 'system:serviceaccounts' ? ' of the cluster' : ` of namespace ${a.namespace}`}: removing it would change their access too`,
      });
    }
    if (!(b.subjects ?? []).some((s) => namesAccount(plainSubject(s), namespace, a))) continue;
    try {
      const change = await unbindOne(c, kind, b, a);
      if (change) changes.push(change);
    } catch (err) {
      throw await compensate(c, changes, err);
    }
  }
  const target = { cluster: c.name, namespace: a.namespace, serviceAccount: a.name };
  return {
    status: changes.length ? 'done' : 'noop',
    before: { ...target, bindings: changes.map((ch) => recordedJson(ch.recorded)) },
    request: changes.map((ch) => ch.request),
    after: { ...target, bindings: changes.map((ch) => ch.after), notRemoved },
  };
}

/** A change failed midway: the ones already made are put back, and the error says so. */
async function compensate(c: Cluster, made: readonly Change[], err: unknown): Promise<Error> {
  const base = err instanceof Error ? err.message : String(err);
  if (made.length === 0) return err instanceof Error ? err : new Error(base);
  const failed: string[] = [];
  for (const ch of [...made].reverse()) {
    try {
      await rebindOne(c, ch.recorded);
    } catch (e) {
      failed.push(`${bindingLabel(ch.recorded.kind, ch.recorded.namespace, ch.recorded.name)} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const note = failed.length ? `; ${made.length - failed.length} of ${made.length} earlier changes put back, NOT put back: ${failed.join('; ')}` : `; the ${made.length} earlier changes were put back`;
  return new Error(base + note, { cause: err });
}

function recordedJson(b: RecordedBinding): Json {
  return {
    kind: b.kind,
    ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
    name: b.name,
    uid: b.uid,
    resourceVersion: b.resourceVersion,
    roleRef: { ...b.roleRef },
    subjects: b.subjects.map(subjectJson),
    removed: b.removed.map(subjectJson),
    labels: b.labels,
    annotations: b.annotations,
    action: b.action,
  };
}

// Reading `before` back (it went through the journal as JSON).

const obj = (v: Json | undefined): { [key: string]: Json } | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const text = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function subjectFrom(v: Json): Subject | undefined {
  const o = obj(v);
  const kind = text(o?.kind);
  const name = text(o?.name);
  if (kind === undefined || name === undefined) return undefined;
  const namespace = text(o?.namespace);
  const apiGroup = text(o?.apiGroup);
  return { kind, name, ...(namespace !== undefined ? { namespace } : {}), ...(apiGroup !== undefined ? { apiGroup } : {}) };
}

function recordedFrom(v: Json, what: string): RecordedBinding {
  const o = obj(v);
  const kind = text(o?.kind);
  const name = text(o?.name);
  const ref = obj(o?.roleRef);
  const subjects = Array.isArray(o?.subjects) ? o.subjects.map(subjectFrom) : undefined;
  const removed = Array.isArray(o?.removed) ? o.removed.map(subjectFrom) : undefined;
  const action = text(o?.action);
  if (
    (kind !== 'RoleBinding' && kind !== 'ClusterRoleBinding') ||
    name === undefined ||
    !ref ||
    text(ref.kind) === undefined ||
    text(ref.name) === undefined ||
    !subjects?.every((s) => s !== undefined) ||
    !removed?.every((s) => s !== undefined) ||
    (action !== 'updated' && action !== 'deleted') ||
    (kind === 'RoleBinding' && text(o?.namespace) === undefined)
  ) {
    throw new Error(`${what}: the recorded binding ${JSON.stringify(v)} is not one apply recorded`);
  }
  const namespace = text(o?.namespace);
  return {
    kind,
    ...(namespace !== undefined ? { namespace } : {}),
    name,
    uid: text(o?.uid) ?? null,
    resourceVersion: text(o?.resourceVersion) ?? null,
    roleRef: { apiGroup: text(ref.apiGroup) ?? RBAC_GROUP, kind: text(ref.kind) ?? '', name: text(ref.name) ?? '' },
    subjects: subjects,
    removed: removed,
    labels: o?.labels ?? null,
    annotations: o?.annotations ?? null,
    action,
  };
}

async function restoreBindings(action: PlanAction, applied: Outcome, ctx: ActionContext): Promise<Outcome> {
  const what = `${action.kind} ${action.target}`;
  const recorded = obj(applied.before)?.bindings;
  if (!Array.isArray(recorded)) throw new Error(`${what}: the applied outcome has no recorded bindings`);
  const bindings = recorded.map((b) => recordedFrom(b, what));
  const c = connect(action, ctx);
  const results: Awaited<ReturnType<typeof rebindOne>>[] = [];
  for (const b of bindings) results.push(await rebindOne(c, b));
  const target = { cluster: c.name, namespace: param(action, 'namespace'), serviceAccount: param(action, 'serviceAccount') };
  return {
    status: results.some((r) => r.changed) ? 'done' : 'noop',
    before: { ...target, bindings: results.map((r) => r.before) },
    request: results.filter((r) => r.changed).map((r) => r.request),
    after: { ...target, bindings: results.map((r) => r.after) },
  };
}

// ---------------------------------------------------------------------------------------------
// k8s.token.delete, k8s.sa.delete

function splitRef(action: PlanAction, value: string): { namespace: string; name: string } {
  const i = value.indexOf('/');
  if (i <= 0 || i === value.length - 1) throw new Error(`${action.kind} ${action.target}: params.secret must be <namespace>/<name>, not ${value}`);
  return { namespace: value.slice(0, i), name: value.slice(i + 1) };
}

const gone = (target: Json, reason: string): Outcome => ({ status: 'noop', before: null, request: null, after: { ...(obj(target) ?? {}), deleted: false, reason } });

async function deleteTokenSecret(action: PlanAction, ctx: ActionContext): Promise<Outcome> {
  const ref = splitRef(action, param(action, 'secret'));
  const c = connect(action, ctx);
  const label = `secret ${ref.namespace}/${ref.name}`;
  const target = { cluster: c.name, namespace: ref.namespace, secret: ref.name };
  let secret: V1Secret;
  try {
    secret = await call(c, () => c.clients.core.readNamespacedSecret(ref));
  } catch (err) {
    if (statusOf(err) === 404) return gone(target, 'the secret no longer exists');
    throw fail(c, label, 'ReadSecret', err);
  }
  // Only what undo or a person needs: never `data`.
  const owner = secret.metadata?.annotations?.[SA_NAME_ANNOTATION];
  if (secret.type !== SA_TOKEN_TYPE) throw new Error(`kubernetes ${c.name} ${label}: it is a ${secret.type ?? 'untyped'} secret, not a service-account token: not deleted`);
  const expected = action.params.serviceAccount;
  if (typeof expected === 'string' && owner !== expected) throw new Error(`kubernetes ${c.name} ${label}: it is a token of service account ${owner ?? '(none)'}, not ${expected}: not deleted`);
  const uid = secret.metadata?.uid;
  const before: Json = {
    ...target,
    uid: uid ?? null,
    type: secret.type,
    serviceAccount: owner ?? null,
    createdAt: iso(secret.metadata?.creationTimestamp),
    resourceVersion: secret.metadata?.resourceVersion ?? null,
    labels: strMap(secret.metadata?.labels),
  };
  const body: V1DeleteOptions = uid ? { preconditions: { uid } } : {};
  try {
    await call(c, () => c.clients.core.deleteNamespacedSecret({ ...ref, body }));
  } catch (err) {
    if (statusOf(err) === 404) return { ...gone(target, 'the secret was deleted meanwhile'), before };
    throw fail(c, label, 'DeleteSecret', err);
  }
  return { status: 'done', before, request: { method: 'DELETE', path: `/api/v1/namespaces/${ref.namespace}/secrets/${ref.name}`, preconditions: { uid: uid ?? null } }, after: { ...target, deleted: true } };
}

async function deleteServiceAccount(action: PlanAction, ctx: ActionContext): Promise<Outcome> {
  const a = account(action);
  const c = connect(action, ctx);
  const label = `serviceaccount ${a.namespace}/${a.name}`;
  const target = { cluster: c.name, namespace: a.namespace, serviceAccount: a.name };
  let sa: V1ServiceAccount;
  try {
    sa = await call(c, () => c.clients.core.readNamespacedServiceAccount({ name: a.name, namespace: a.namespace }));
  } catch (err) {
    if (statusOf(err) === 404) return gone(target, 'the service account no longer exists');
    throw fail(c, label, 'ReadServiceAccount', err);
  }
  const uid = sa.metadata?.uid;
  const before: Json = {
    ...target,
    uid: uid ?? null,
    createdAt: iso(sa.metadata?.creationTimestamp),
    resourceVersion: sa.metadata?.resourceVersion ?? null,
    labels: strMap(sa.metadata?.labels),
    annotations: strMap(sa.metadata?.annotations),
    automountServiceAccountToken: sa.automountServiceAccountToken ?? null,
    secrets: (sa.secrets ?? []).map((s) => s.name ?? ''),
    imagePullSecrets: (sa.imagePullSecrets ?? []).map((s) => s.name ?? ''),
  };
  const body: V1DeleteOptions = uid ? { preconditions: { uid } } : {};
  try {
    await call(c, () => c.clients.core.deleteNamespacedServiceAccount({ name: a.name, namespace: a.namespace, body }));
  } catch (err) {
    if (statusOf(err) === 404) return { ...gone(target, 'the service account was deleted meanwhile'), before };
    throw fail(c, label, 'DeleteServiceAccount', err);
  }
  return { status: 'done', before, request: { method: 'DELETE', path: `/api/v1/namespaces/${a.namespace}/serviceaccounts/${a.name}`, preconditions: { uid: uid ?? null } }, after: { ...target, deleted: true } };
}

export const kubernetesHandlers: ActionHandler[] = [
  { kinds: ['k8s.bindings.remove'], apply: removeBindings, undo: restoreBindings },
  { kinds: ['k8s.token.delete'], apply: deleteTokenSecret },
  { kinds: ['k8s.sa.delete'], apply: deleteServiceAccount },
];

// ---------------------------------------------------------------------------------------------
// Minter: bound tokens from the TokenRequest API

/** The `jti` claim of a JWT, when it has one (the token itself is never kept). */
export function tokenJti(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const jti = claims !== null && typeof claims === 'object' ? (claims as { jti?: unknown }).jti : undefined;
    return typeof jti === 'string' && jti !== '' ? jti : undefined;
  } catch {
    return undefined;
  }
}

/** The token's public id: its `jti`, else `sha256:` + the first 16 hex digits of its hash. */
export function tokenPublicId(token: string): string {
  return tokenJti(token) ?? `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

function ttlOf(action: PlanAction): number {
  const v = action.params.tokenTtlSeconds;
  if (v === undefined) return DEFAULT_TOKEN_TTL_SECONDS;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${action.kind} ${action.target}: params.tokenTtlSeconds must be a positive whole number of seconds`);
  return n;
}

/** The Kubernetes minter; it remembers the expiry of the tokens it made, for `discard`'s warning. */
export function createKubernetesMinter(): CredentialMinter {
  const expiries = new Map<string, string>();
  return {
    kinds: ['k8s-service-account'],
    async mint(action: PlanAction, ctx: ActionContext): Promise<MintedCredential> {
      const a = account(action);
      const expirationSeconds = ttlOf(action);
      const c = connect(action, ctx);
      let token: string | undefined;
      let expiresAt: string | undefined;
      try {
        const res = await call(c, () => c.clients.core.createNamespacedServiceAccountToken({ name: a.name, namespace: a.namespace, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } } }));
        token = res.status?.token;
        const exp = res.status?.expirationTimestamp;
        expiresAt = exp === undefined ? undefined : new Date(exp).toISOString();
      } catch (err) {
        throw fail(c, `serviceaccount ${a.namespace}/${a.name}`, 'CreateServiceAccountToken', err);
      }
      if (!token) throw new Error(`kubernetes ${c.name} serviceaccount ${a.namespace}/${a.name}: CreateServiceAccountToken answered without a token`);
      const publicId = tokenPublicId(token);
      if (expiresAt !== undefined) expiries.set(publicId, expiresAt);
      ctx.log.info('kubernetes token issued', { cluster: c.name, serviceAccount: `${a.namespace}/${a.name}`, publicId, expiresAt: expiresAt ?? null });
      return {
        publicId,
        secrets: { 'envvar:KUBERNETES_BEARER_TOKEN': token, 'envvar:KUBERNETES_CLUSTER_URL': c.clients.server },
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      };
    },
    discard(action: PlanAction, publicId: string, ctx: ActionContext): Promise<void> {
      const known = expiries.get(publicId);
      const expiry = known ?? `at most ${ttlOf(action)} seconds after it was issued`;
      ctx.log.warn('kubernetes bound tokens cannot be revoked one by one: the token stays valid until it expires (or the service account is deleted)', {
        cluster: typeof action.params.cluster === 'string' ? action.params.cluster : null,
        serviceAccount: `${String(action.params.namespace)}/${String(action.params.serviceAccount)}`,
        publicId,
        expiresAt: expiry,
      });
      return Promise.resolve();
    },
  };
}

export const kubernetesMinter: CredentialMinter = createKubernetesMinter();
