/**
 * The Kubernetes part of the sandbox estate: 1-3 clusters, each with namespaces, service
 * accounts (kube-system controllers, `default` in every namespace, application accounts),
 * legacy token secrets (`kubernetes.io/service-account-token`, with a fake JWT as data.token),
 * pods (running and finished) with their service account and automount settings, Roles,
 * ClusterRoles (cluster-admin, the aggregated admin/edit/view and their labelled components,
 * custom roles that open escalation paths), RoleBindings and ClusterRoleBindings (service
 * accounts, plus User and Group subjects). Objects are shaped as the API server serves them
 * (metadata, spec, status), so the emulator only pages and filters them.
 * `generateK8sEstate` is pure: the same options give the same estate.
 *
 * The aggregated ClusterRoles (admin, edit, view) are served with empty `rules`, as if the
 * aggregation controller had not reconciled them yet: a collector must resolve them from their
 * `aggregationRule` label selectors.
 */
import { HEX, createRng, daysAgo } from '../random.ts';
import type { Rng } from '../random.ts';

export interface K8sEstateOptions {
  seed: string | number;
  /** Approximate number of application service accounts over all clusters (system ones not counted). */
  size: number;
  nowMs: number;
}

export interface K8sMeta {
  name: string;
  namespace?: string;
  uid: string;
  creationTimestamp: string;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sNamespace {
  metadata: K8sMeta;
  status: { phase: 'Active' };
}

export interface K8sServiceAccount {
  metadata: K8sMeta;
  automountServiceAccountToken?: boolean;
  secrets?: { name: string }[];
}

export interface K8sSecret {
  metadata: K8sMeta;
  type: string;
  /** base64 values; for token secrets `token` is a fake JWT (never a real credential). */
  data: Record<string, string>;
}

export type K8sPodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface K8sPod {
  metadata: K8sMeta;
  spec: {
    serviceAccountName: string;
    automountServiceAccountToken?: boolean;
    containers: { name: string; image: string }[];
  };
  status: { phase: K8sPodPhase; startTime: string };
}

export interface K8sPolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface K8sRole {
  metadata: K8sMeta;
  rules: K8sPolicyRule[];
}

export interface K8sClusterRole extends K8sRole {
  aggregationRule?: { clusterRoleSelectors: { matchLabels: Record<string, string> }[] };
}

export interface K8sSubject {
  kind: 'ServiceAccount' | 'User' | 'Group';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface K8sBinding {
  metadata: K8sMeta;
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Role' | 'ClusterRole'; name: string };
  subjects?: K8sSubject[];
}

export interface K8sCluster {
  name: string;
  /** The bearer token the cluster's emulator accepts. */
  token: string;
  namespaces: K8sNamespace[];
  serviceAccounts: K8sServiceAccount[];
  secrets: K8sSecret[];
  pods: K8sPod[];
  roles: K8sRole[];
  clusterRoles: K8sClusterRole[];
  roleBindings: K8sBinding[];
  clusterRoleBindings: K8sBinding[];
}

export interface K8sEstate {
  clusters: K8sCluster[];
}

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
/** Set by the API server (1.29+) on legacy token secrets when they authenticate (a date, `YYYY-MM-DD`). */
export const LEGACY_TOKEN_LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
const RBAC = 'rbac.authorization.k8s.io';

const CLUSTER_NAMES = ['prod-eu', 'staging', 'prod-us'] as const;
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;
const CONTROLLERS = ['attachdetach-controller', 'clusterrole-aggregation-controller', 'coredns', 'deployment-controller', 'generic-garbage-collector', 'kube-proxy', 'namespace-controller', 'replicaset-controller'];
const EXTRA_NAMESPACES = ['web', 'data', 'search', 'billing', 'auth'] as const;
const EXTRA_ACCOUNT_WORDS = ['api', 'worker', 'cron', 'sync', 'exporter', 'gateway', 'indexer', 'migrator'] as const;

/** Application accounts every cluster has, by namespace (the scenarios the rules and tests rely on). */
const APP_ACCOUNTS: Record<string, string[]> = {
  ci: ['ci-runner', 'deployer'],
  monitoring: ['prometheus', 'grafana'],
  argocd: ['argocd-application-controller', 'argocd-server'],
  payments: ['payments-api', 'payments-worker', 'payments-legacy'],
};

interface Builder {
  rng: Rng;
  cluster: K8sCluster;
  nowMs: number;
  rv: number;
}

function meta(b: Builder, name: string, namespace: string | undefined, ageDays: number, extra: Partial<K8sMeta> = {}): K8sMeta {
  b.rv += 1;
  const m: K8sMeta = {
    name,
    uid: uuid(b.rng),
    creationTimestamp: daysAgo(b.nowMs, ageDays),
    resourceVersion: String(b.rv),
    ...extra,
  };
  if (namespace !== undefined) m.namespace = namespace;
  return m;
}

function uuid(rng: Rng): string {
  const h = rng.chars(32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

/** A legacy service-account token: a JWT whose claims name the account; the signature is fake. */
export function fakeLegacyToken(rng: Rng, namespace: string, secretName: string, account: string, uid: string): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', kid: rng.chars(16, HEX) }));
  const claims = b64url(
    JSON.stringify({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': account,
      'kubernetes.io/serviceaccount/service-account.uid': uid,
      sub: `system:serviceaccount:${namespace}:${account}`,
    }),
  );
  return `${header}.${claims}.${b64url(`fake-signature-${rng.chars(24, HEX)}`)}`;
}

function addNamespace(b: Builder, name: string, ageDays: number): void {
  b.cluster.namespaces.push({ metadata: meta(b, name, undefined, ageDays, { labels: { 'kubernetes.io/metadata.name': name } }), status: { phase: 'Active' } });
}

function addAccount(b: Builder, namespace: string, name: string, ageDays: number, extra: Partial<K8sServiceAccount> = {}, labels?: Record<string, string>): K8sServiceAccount {
  const sa: K8sServiceAccount = { metadata: meta(b, name, namespace, ageDays, labels ? { labels } : {}), ...extra };
  b.cluster.serviceAccounts.push(sa);
  return sa;
}

function addTokenSecret(b: Builder, sa: K8sServiceAccount, ageDays: number, lastUsedDaysAgo?: number): K8sSecret {
  const ns = sa.metadata.namespace ?? 'default';
  const name = `${sa.metadata.name}-token-${b.rng.chars(5, 'bcdfghjklmnpqrstvwxz2456789')}`;
  const labels: Record<string, string> = {};
  if (lastUsedDaysAgo !== undefined) labels[LEGACY_TOKEN_LAST_USED_LABEL] = daysAgo(b.nowMs, lastUsedDaysAgo).slice(0, 10);
  const secret: K8sSecret = {
    metadata: meta(b, name, ns, ageDays, {
      annotations: { [SA_NAME_ANNOTATION]: sa.metadata.name, [SA_UID_ANNOTATION]: sa.metadata.uid },
      ...(lastUsedDaysAgo !== undefined ? { labels } : {}),
    }),
    type: SA_TOKEN_TYPE,
    data: {
      token: b64(fakeLegacyToken(b.rng, ns, name, sa.metadata.name, sa.metadata.uid)),
      'ca.crt': b64('-----BEGIN CERTIFICATE-----\nFAKE-SANDBOX-CA\n-----END CERTIFICATE-----\n'),
      namespace: b64(ns),
    },
  };
  sa.secrets = [...(sa.secrets ?? []), { name }];
  b.cluster.secrets.push(secret);
  return secret;
}

function addPod(b: Builder, sa: K8sServiceAccount, startedDaysAgo: number, opts: { phase?: K8sPodPhase; automount?: boolean } = {}): void {
  const ns = sa.metadata.namespace ?? 'default';
  const base = sa.metadata.name === 'default' ? 'app' : sa.metadata.name;
  const name = `${base}-${b.rng.chars(10, 'bcdfghjklmnpqrstvwxz2456789')}-${b.rng.chars(5, 'bcdfghjklmnpqrstvwxz2456789')}`;
  const spec: K8sPod['spec'] = { serviceAccountName: sa.metadata.name, containers: [{ name: base, image: `registry.example.com/${base}:1.${b.rng.int(0, 30)}` }] };
  if (opts.automount !== undefined) spec.automountServiceAccountToken = opts.automount;
  b.cluster.pods.push({
    metadata: meta(b, name, ns, startedDaysAgo, { labels: { app: base } }),
    spec,
    status: { phase: opts.phase ?? 'Running', startTime: daysAgo(b.nowMs, startedDaysAgo) },
  });
}

function clusterRole(b: Builder, name: string, rules: K8sPolicyRule[], extra: Partial<K8sClusterRole> = {}, labels?: Record<string, string>): void {
  b.cluster.clusterRoles.push({ metadata: meta(b, name, undefined, 700, labels ? { labels } : {}), rules, ...extra });
}

function role(b: Builder, namespace: string, name: string, rules: K8sPolicyRule[]): void {
  b.cluster.roles.push({ metadata: meta(b, name, namespace, 300), rules });
}

const saSubject = (namespace: string, name: string): K8sSubject => ({ kind: 'ServiceAccount', name, namespace });

function clusterBinding(b: Builder, name: string, roleName: string, subjects: K8sSubject[]): void {
  b.cluster.clusterRoleBindings.push({ metadata: meta(b, name, undefined, 400), roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName }, subjects });
}

function roleBinding(b: Builder, namespace: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: K8sSubject[]): void {
  b.cluster.roleBindings.push({ metadata: meta(b, name, namespace, 200), roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects });
}

const aggregateTo = (role: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' });
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/** The built-in and custom ClusterRoles every cluster has. */
function addClusterRoles(b: Builder): void {
  clusterRole(b, 'cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ], {}, { 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  for (const [name, selector] of [['admin', 'admin'], ['edit', 'edit'], ['view', 'view']] as const) {
    const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...(name === 'edit' ? aggregateTo('admin') : name === 'view' ? aggregateTo('edit') : {}) };
    clusterRole(b, name, [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregateTo(selector) }] } }, labels);
  }
  clusterRole(b, 'system:aggregate-to-view', [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'services', 'configmaps', 'deployments', 'jobs', 'serviceaccounts'], verbs: READ }], {}, aggregateTo('view'));
  clusterRole(b, 'system:aggregate-to-edit', [
    { apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach', 'services', 'configmaps', 'secrets'], verbs: WRITE },
    { apiGroups: [''], resources: ['secrets'], verbs: READ },
    { apiGroups: ['apps', 'batch'], resources: ['deployments', 'statefulsets', 'jobs', 'cronjobs'], verbs: WRITE },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  ], {}, aggregateTo('edit'));
  clusterRole(b, 'system:aggregate-to-admin', [{ apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: [...WRITE, ...READ] }], {}, aggregateTo('admin'));
  clusterRole(b, 'monitoring-crd-view', [{ apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors', 'prometheusrules'], verbs: READ }], {}, aggregateTo('view'));
  clusterRole(b, 'system:service-account-issuer-discovery', [{ nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] }]);
  clusterRole(b, 'system:controller:generic-controller', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'patch', 'update', 'delete'] }]);
  clusterRole(b, 'system:coredns', [{ apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] }]);
  clusterRole(b, 'argocd-application-controller', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
  clusterRole(b, 'prometheus', [
    { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: READ },
    { nonResourceURLs: ['/metrics'], verbs: ['get'] },
  ]);
  clusterRole(b, 'secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: READ }]);
  clusterRole(b, 'pod-exec', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]);
  clusterRole(b, 'impersonator', [{ apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] }]);
  clusterRole(b, 'rbac-manager', [{ apiGroups: [RBAC], resources: ['clusterroles', 'roles'], verbs: ['escalate', 'bind', 'get', 'list'] }]);
  clusterRole(b, 'token-minter', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }]);
}

/** Builds the scenarios every cluster has; `first` adds the high-risk ones only the first cluster carries. */
function addScenarios(b: Builder, first: boolean): void {
  const acct = (ns: string, name: string): K8sServiceAccount => {
    const sa = b.cluster.serviceAccounts.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
    if (!sa) throw new Error(`estate: no account ${ns}/${name}`);
    return sa;
  };
  // kube-system: controllers with cluster bindings and running system pods.
  clusterBinding(b, 'system:controller:generic-controller', 'system:controller:generic-controller', CONTROLLERS.filter((c) => c.endsWith('-controller') || c.endsWith('collector')).map((c) => saSubject('kube-system', c)));
  clusterBinding(b, 'system:coredns', 'system:coredns', [saSubject('kube-system', 'coredns')]);
  addPod(b, acct('kube-system', 'coredns'), 120);
  addPod(b, acct('kube-system', 'kube-proxy'), 120);
  addTokenSecret(b, acct('kube-system', 'clusterrole-aggregation-controller'), 900);
  // Everyone: the issuer discovery (a Group subject every account gets); people: Users and Groups.
  clusterBinding(b, 'system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [{ kind: 'Group', apiGroup: RBAC, name: 'system:serviceaccounts' }]);
  clusterBinding(b, 'platform-admins', 'cluster-admin', [{ kind: 'Group', apiGroup: RBAC, name: 'platform-admins' }, { kind: 'User', apiGroup: RBAC, name: 'alice@example.com' }]);

  // ci: a runner with a legacy token and a namespaced role (pods/exec, secrets), a deployer with edit.
  const runner = acct('ci', 'ci-runner');
  addTokenSecret(b, runner, 420, first ? 2 : undefined);
  addPod(b, runner, 1);
  role(b, 'ci', 'ci-runner', [
    { apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/log'], verbs: ['create', 'get', 'list', 'delete'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  ]);
  roleBinding(b, 'ci', 'ci-runner', 'Role', 'ci-runner', [saSubject('ci', 'ci-runner')]);
  const deployer = acct('ci', 'deployer');
  addTokenSecret(b, deployer, 300);
  roleBinding(b, 'ci', 'deployer-edit', 'ClusterRole', 'edit', [saSubject('ci', 'deployer')]);
  if (first) clusterBinding(b, 'deployer-cluster-admin', 'cluster-admin', [saSubject('ci', 'deployer')]);

  // monitoring: prometheus reads the cluster; grafana reads every secret.
  addPod(b, acct('monitoring', 'prometheus'), 40);
  clusterBinding(b, 'prometheus', 'prometheus', [saSubject('monitoring', 'prometheus')]);
  addPod(b, acct('monitoring', 'grafana'), 3, { automount: false });
  roleBinding(b, 'monitoring', 'grafana-view', 'ClusterRole', 'view', [saSubject('monitoring', 'grafana')]);
  if (first) clusterBinding(b, 'grafana-secrets', 'secret-reader', [saSubject('monitoring', 'grafana')]);

  // argocd: a wildcard controller; the server mints tokens and impersonates.
  addPod(b, acct('argocd', 'argocd-application-controller'), 10);
  clusterBinding(b, 'argocd-application-controller', 'argocd-application-controller', [saSubject('argocd', 'argocd-application-controller')]);
  addPod(b, acct('argocd', 'argocd-server'), 10);
  clusterBinding(b, 'argocd-server', 'impersonator', [saSubject('argocd', 'argocd-server')]);
  roleBinding(b, 'argocd', 'argocd-server-tokens', 'ClusterRole', 'token-minter', [saSubject('argocd', 'argocd-server')]);
  roleBinding(b, 'argocd', 'argocd-server-rbac', 'ClusterRole', 'rbac-manager', [saSubject('argocd', 'argocd-server')]);

  // payments: the default account bound to view and running pods; an API account that opts out of
  // automount (one pod opts back in); a worker with no RBAC that auto-mounts its token; a legacy
  // account with neither pods nor bindings (unused).
  roleBinding(b, 'payments', 'default-view', 'ClusterRole', 'view', [saSubject('payments', 'default')]);
  addPod(b, acct('payments', 'default'), 15);
  role(b, 'payments', 'payments-config-reader', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['payments-config'] }]);
  roleBinding(b, 'payments', 'payments-api', 'Role', 'payments-config-reader', [saSubject('payments', 'payments-api')]);
  addPod(b, acct('payments', 'payments-api'), 5);
  addPod(b, acct('payments', 'payments-api'), 2, { automount: true });
  addPod(b, acct('payments', 'payments-worker'), 20);
  addPod(b, acct('payments', 'payments-worker'), 60, { phase: 'Succeeded' });
  addTokenSecret(b, acct('payments', 'payments-legacy'), 500);
  roleBinding(b, 'payments', 'payments-exec', 'ClusterRole', 'pod-exec', [saSubject('ci', 'deployer'), { kind: 'User', apiGroup: RBAC, name: 'bob@example.com' }]);

  // An Opaque secret the token fieldSelector must leave out.
  b.cluster.secrets.push({ metadata: meta(b, 'payments-db', 'payments', 100), type: 'Opaque', data: { password: b64('not-a-real-password') } });
}

function generateCluster(rng: Rng, name: string, appAccounts: number, nowMs: number, first: boolean): K8sCluster {
  const cluster: K8sCluster = { name, token: `k8s-sandbox-${name}-${rng.chars(16, HEX)}`, namespaces: [], serviceAccounts: [], secrets: [], pods: [], roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] };
  const b: Builder = { rng, cluster, nowMs, rv: 1000 };
  const extraNs = EXTRA_NAMESPACES.slice(0, Math.min(EXTRA_NAMESPACES.length, 1 + Math.floor(appAccounts / 12)));
  const namespaces = [...SYSTEM_NAMESPACES, 'default', ...Object.keys(APP_ACCOUNTS), ...extraNs];
  for (const ns of namespaces) addNamespace(b, ns, ns.startsWith('kube-') || ns === 'default' ? 800 : rng.int(100, 700));
  for (const ns of namespaces) addAccount(b, ns, 'default', 800);
  for (const c of CONTROLLERS) addAccount(b, 'kube-system', c, 800);
  for (const [ns, names] of Object.entries(APP_ACCOUNTS)) {
    for (const n of names) {
      const age = n === 'payments-legacy' ? 500 : rng.int(60, 600);
      const extra: Partial<K8sServiceAccount> = n === 'payments-api' ? { automountServiceAccountToken: false } : {};
      addAccount(b, ns, n, age, extra, { 'app.kubernetes.io/name': n, team: ns === 'ci' || ns === 'argocd' ? 'platform' : ns });
    }
  }
  addClusterRoles(b);
  addScenarios(b, first);
  // Random extra application accounts.
  const fixed = Object.values(APP_ACCOUNTS).flat().length;
  for (let i = 0; i < Math.max(0, appAccounts - fixed); i++) {
    const ns = rng.pick(extraNs);
    const sa = addAccount(b, ns, `${ns}-${rng.pick(EXTRA_ACCOUNT_WORDS)}-${i}`, rng.int(5, 700), rng.chance(0.1) ? { automountServiceAccountToken: false } : {}, rng.chance(0.6) ? { owner: rng.pick(['web-team', 'data-team', 'sre']) } : undefined);
    if (rng.chance(0.7)) for (let p = rng.int(1, 3); p > 0; p--) addPod(b, sa, rng.int(0, 90), rng.chance(0.1) ? { phase: 'Succeeded' } : {});
    if (rng.chance(0.25)) addTokenSecret(b, sa, rng.int(1, 600), rng.chance(0.5) ? rng.int(0, 120) : undefined);
    const binding = rng.weighted<'none' | 'view' | 'edit' | 'secrets' | 'role'>([['none', 4], ['view', 3], ['edit', 1], ['secrets', 1], ['role', 1]]);
    if (binding === 'view' || binding === 'edit') roleBinding(b, ns, `${sa.metadata.name}-${binding}`, 'ClusterRole', binding, [saSubject(ns, sa.metadata.name)]);
    if (binding === 'secrets') roleBinding(b, ns, `${sa.metadata.name}-secrets`, 'ClusterRole', 'secret-reader', [saSubject(ns, sa.metadata.name)]);
    if (binding === 'role') {
      role(b, ns, `${sa.metadata.name}-role`, [{ apiGroups: [''], resources: ['configmaps', 'services'], verbs: READ }]);
      roleBinding(b, ns, `${sa.metadata.name}-role`, 'Role', `${sa.metadata.name}-role`, [saSubject(ns, sa.metadata.name)]);
    }
  }
  // The first cluster's deployer got a second legacy token in a rotation nobody finished (drawn
  // from a fork, after everything else, so the rest of the cluster stays the same).
  const deployer = first ? cluster.serviceAccounts.find((s) => s.metadata.namespace === 'ci' && s.metadata.name === 'deployer') : undefined;
  if (deployer) {
    const forked: Builder = { ...b, rng: rng.fork('deployer-second-token') };
    addTokenSecret(forked, deployer, 20);
    b.rv = forked.rv;
  }
  return cluster;
}

export function generateK8sEstate(opts: K8sEstateOptions): K8sEstate {
  const rng = createRng(`${opts.seed}/kubernetes`);
  const fixedPerCluster = Object.values(APP_ACCOUNTS).flat().length;
  const count = Math.min(3, Math.max(opts.size >= 40 ? 2 : 1, rng.int(1, 3)));
  const perCluster = Math.max(fixedPerCluster, Math.round(opts.size / count));
  const clusters = CLUSTER_NAMES.slice(0, count).map((name, i) => generateCluster(rng.fork(name), name, perCluster, opts.nowMs, i === 0));
  return { clusters };
}

/** Application and system service accounts of every cluster. */
export function countK8s(estate: K8sEstate): { clusters: number; serviceAccounts: number; tokenSecrets: number; runningPods: number } {
  let serviceAccounts = 0;
  let tokenSecrets = 0;
  let runningPods = 0;
  for (const c of estate.clusters) {
    serviceAccounts += c.serviceAccounts.length;
    tokenSecrets += c.secrets.filter((s) => s.type === SA_TOKEN_TYPE).length;
    runningPods += c.pods.filter((p) => p.status.phase === 'Running').length;
  }
  return { clusters: estate.clusters.length, serviceAccounts, tokenSecrets, runningPods };
}
