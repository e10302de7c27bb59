/**
 * The GCP part of the sandbox estate: an organization, folders, projects with their service
 * accounts (user-created, the Compute Engine and App Engine defaults), user-managed and
 * system-managed keys, IAM policies on projects, folders and the organization (Google-managed
 * service agents and people among the members), and the Policy Analyzer's last-authentication
 * times. `generateGcpEstate` is pure: the same options give the same estate. Plain data, lean
 * enough for ~30,000 service accounts.
 */
import { HEX, createRng, daysAgo, isoSeconds } from '../random.ts';
import type { Rng } from '../random.ts';

export interface GcpEstateOptions {
  seed: string | number;
  /** Approximate number of service accounts the IAM API lists (agents not counted). */
  size: number;
  nowMs: number;
}

export interface GcpCondition {
  title: string;
  expression: string;
  description?: string;
}

export interface GcpBinding {
  role: string;
  /** `serviceAccount:<email>`, `user:<email>`, `group:<email>`, `domain:<domain>`. */
  members: string[];
  condition?: GcpCondition;
}

export interface GcpPolicy {
  etag: string;
  bindings: GcpBinding[];
}

export type GcpKeyType = 'USER_MANAGED' | 'SYSTEM_MANAGED';

export interface GcpKey {
  /** 40 hex characters: the `private_key_id` of a key file. */
  id: string;
  type: GcpKeyType;
  validAfter: string;
  /** `9999-12-31T23:59:59Z` for user-managed keys without expiry. */
  validBefore: string;
  disabled: boolean;
  origin: 'GOOGLE_PROVIDED' | 'USER_PROVIDED';
  algorithm: 'KEY_ALG_RSA_2048' | 'KEY_ALG_RSA_1024';
  /** Policy Analyzer's last authentication with this key; absent: never (in the observation period). */
  lastAuthenticatedAt?: string;
}

export type GcpServiceAccountKind = 'user' | 'compute-default' | 'appengine-default';

export interface GcpServiceAccount {
  email: string;
  /** 21 digits. */
  uniqueId: string;
  kind: GcpServiceAccountKind;
  displayName: string;
  description: string;
  disabled: boolean;
  keys: GcpKey[];
  /** Policy Analyzer's last authentication of the account; absent: never. */
  lastAuthenticatedAt?: string;
}

export interface GcpProject {
  projectId: string;
  /** 12 digits. */
  projectNumber: string;
  displayName: string;
  /** `folders/<id>` or `organizations/<id>`. */
  parent: string;
  createTime: string;
  serviceAccounts: GcpServiceAccount[];
  policy: GcpPolicy;
}

export interface GcpFolder {
  id: string;
  displayName: string;
  parent: string;
  policy: GcpPolicy;
}

export interface GcpOrganization {
  id: string;
  domain: string;
  displayName: string;
  policy: GcpPolicy;
}

export interface GcpEstate {
  organization: GcpOrganization;
  folders: GcpFolder[];
  projects: GcpProject[];
}

export const GCP_NO_EXPIRY = '9999-12-31T23:59:59Z';

/** Google-managed service agents' domains, by the service that owns them. */
const AGENT_SERVICES = ['gcp-sa-pubsub', 'gcp-sa-cloudbuild', 'gcp-sa-artifactregistry', 'gcp-sa-secretmanager', 'gcp-sa-logging', 'gcp-sa-monitoring-notification', 'container-engine-robot', 'compute-system', 'serverless-robot-prod'] as const;
const AGENT_ROLES: Record<string, string> = {
  'gcp-sa-pubsub': 'roles/pubsub.serviceAgent',
  'gcp-sa-cloudbuild': 'roles/cloudbuild.serviceAgent',
  'gcp-sa-artifactregistry': 'roles/artifactregistry.serviceAgent',
  'gcp-sa-secretmanager': 'roles/secretmanager.serviceAgent',
  'gcp-sa-logging': 'roles/logging.serviceAgent',
  'gcp-sa-monitoring-notification': 'roles/monitoring.notificationServiceAgent',
  'container-engine-robot': 'roles/container.serviceAgent',
  'compute-system': 'roles/compute.serviceAgent',
  'serverless-robot-prod': 'roles/run.serviceAgent',
};

const ENVS = ['prod', 'staging', 'dev', 'data', 'shared', 'sandbox', 'ml', 'ops'] as const;
const WORKLOADS = ['ci-deployer', 'terraform', 'api', 'worker', 'etl', 'backup', 'scheduler', 'exporter', 'gke-nodes', 'cloud-run', 'dataflow', 'airflow', 'monitoring', 'billing-export', 'log-sink', 'dns-updater', 'cert-manager', 'github-actions', 'looker', 'bigquery-loader', 'legacy-cron', 'partner-sftp'] as const;
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'] as const;
const TEAMS = ['platform', 'data', 'payments', 'sre', 'security', 'growth'] as const;

interface RoleChoice {
  role: string;
  weight: number;
}

/** Roles a user-created service account may hold on its project (weights). */
const SA_ROLES: readonly RoleChoice[] = [
  { role: 'roles/owner', weight: 2 },
  { role: 'roles/editor', weight: 6 },
  { role: 'roles/viewer', weight: 10 },
  { role: 'roles/storage.admin', weight: 6 },
  { role: 'roles/storage.objectViewer', weight: 8 },
  { role: 'roles/bigquery.dataEditor', weight: 5 },
  { role: 'roles/logging.logWriter', weight: 8 },
  { role: 'roles/monitoring.metricWriter', weight: 6 },
  { role: 'roles/iam.serviceAccountTokenCreator', weight: 2 },
  { role: 'roles/iam.serviceAccountKeyAdmin', weight: 1 },
  { role: 'roles/iam.serviceAccountUser', weight: 3 },
  { role: 'roles/resourcemanager.projectIamAdmin', weight: 1 },
  { role: 'roles/cloudsql.client', weight: 4 },
  { role: 'roles/secretmanager.secretAccessor', weight: 4 },
];

const DAY = 86_400_000;

/** The Google Cloud Console's project id shape: `<org>-<env>-<4 digits>`. */
function projectIdFor(rng: Rng, used: Set<string>, env: string): string {
  for (;;) {
    const id = `acme-${env}-${rng.int(1000, 9999)}`;
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

function digits(rng: Rng, n: number, first = '123456789'): string {
  return rng.chars(1, first) + rng.chars(n - 1, '0123456789');
}

function etag(rng: Rng): string {
  return `BwY${rng.chars(9, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}=`;
}

/** A last-authentication time: never, within days, within weeks, or long ago. */
function lastAuth(rng: Rng, nowMs: number, profile: 'busy' | 'mixed' | 'idle'): string | undefined {
  const weights: ReadonlyArray<readonly [string, number]> =
    profile === 'busy' ? [['recent', 8], ['weeks', 1], ['old', 1], ['never', 0]] : profile === 'idle' ? [['recent', 1], ['weeks', 1], ['old', 3], ['never', 5]] : [['recent', 5], ['weeks', 2], ['old', 2], ['never', 2]];
  const pick = rng.weighted(weights);
  if (pick === 'never') return undefined;
  const days = pick === 'recent' ? rng.next() * 3 : pick === 'weeks' ? 7 + rng.next() * 30 : 60 + rng.next() * 300;
  // The analyzer observes at day granularity; keep times before now.
  return daysAgo(nowMs, Math.max(days, 0.01));
}

function systemKeys(rng: Rng, nowMs: number): GcpKey[] {
  const n = rng.chance(0.3) ? 2 : 1;
  const keys: GcpKey[] = [];
  for (let i = 0; i < n; i++) {
    const after = nowMs - rng.int(1, 14) * DAY - rng.int(0, 86_399) * 1000;
    keys.push({ id: rng.chars(40, HEX), type: 'SYSTEM_MANAGED', validAfter: isoSeconds(after), validBefore: isoSeconds(after + 730 * DAY), disabled: false, origin: 'GOOGLE_PROVIDED', algorithm: 'KEY_ALG_RSA_2048' });
  }
  return keys;
}

function userKeys(rng: Rng, nowMs: number, count: number, saUsed: boolean): GcpKey[] {
  const keys: GcpKey[] = [];
  for (let i = 0; i < count; i++) {
    const ageDays = rng.weighted<number>([
      [rng.int(1, 60), 4],
      [rng.int(61, 90), 1],
      [rng.int(91, 365), 4],
      [rng.int(366, 1500), 3],
    ]);
    const after = nowMs - ageDays * DAY - rng.int(0, 86_399) * 1000;
    const expiring = rng.chance(0.15);
    const validBefore = expiring ? isoSeconds(after + rng.int(30, 400) * DAY) : GCP_NO_EXPIRY;
    const disabled = rng.chance(0.12);
    const key: GcpKey = {
      id: rng.chars(40, HEX),
      type: 'USER_MANAGED',
      validAfter: isoSeconds(after),
      validBefore,
      disabled,
      origin: rng.chance(0.05) ? 'USER_PROVIDED' : 'GOOGLE_PROVIDED',
      algorithm: rng.chance(0.03) ? 'KEY_ALG_RSA_1024' : 'KEY_ALG_RSA_2048',
    };
    const used = saUsed && !disabled ? lastAuth(rng, nowMs, rng.chance(0.5) ? 'busy' : 'mixed') : undefined;
    // A key is never used before it was created.
    if (used !== undefined && Date.parse(used) > after) key.lastAuthenticatedAt = used;
    keys.push(key);
  }
  return keys;
}

function userAccount(rng: Rng, nowMs: number, projectId: string, name: string): GcpServiceAccount {
  const team = rng.pick(TEAMS);
  const profile = rng.weighted<'busy' | 'mixed' | 'idle'>([
    ['busy', 4],
    ['mixed', 4],
    ['idle', 2],
  ]);
  const last = lastAuth(rng, nowMs, profile);
  const keyCount = rng.weighted<number>([
    [0, 5],
    [1, 4],
    [2, 2],
    [3, 1],
  ]);
  const description = rng.weighted<string>([
    [`owner: ${team}`, 4],
    [`Used by the ${team} team's ${name} workload`, 3],
    ['', 3],
  ]);
  const sa: GcpServiceAccount = {
    email: `${name}@${projectId}.iam.gserviceaccount.com`,
    uniqueId: digits(rng, 21, '1'),
    kind: 'user',
    displayName: rng.chance(0.8) ? name.replace(/-/g, ' ') : '',
    description,
    disabled: rng.chance(0.06),
    keys: [...userKeys(rng, nowMs, keyCount, last !== undefined), ...systemKeys(rng, nowMs)],
  };
  if (last !== undefined) sa.lastAuthenticatedAt = last;
  return sa;
}

function accountNames(rng: Rng, count: number): string[] {
  const names: string[] = [];
  const used = new Set<string>();
  for (let i = 0; names.length < count; i++) {
    const base = rng.pick(WORKLOADS);
    const name = used.has(base) ? `${base}-${i}` : base;
    // Account ids are 6 to 30 characters.
    const id = name.length < 6 ? `${name}-sa` : name.slice(0, 30).replace(/-$/, 'x');
    if (used.has(id)) continue;
    used.add(id);
    names.push(id);
  }
  return names;
}

function person(rng: Rng, domain: string): string {
  return `user:${rng.pick(PEOPLE)}@${domain}`;
}

/** Adds members to `role` (and optional condition), merging with an existing binding of the same role and condition. */
function bind(bindings: GcpBinding[], role: string, member: string, condition?: GcpCondition): void {
  const existing = bindings.find((b) => b.role === role && b.condition?.title === condition?.title && b.condition?.expression === condition?.expression);
  if (existing) {
    if (!existing.members.includes(member)) existing.members.push(member);
    return;
  }
  bindings.push({ role, members: [member], ...(condition ? { condition } : {}) });
}

function expiryCondition(rng: Rng, nowMs: number): GcpCondition {
  return rng.chance(0.5)
    ? { title: 'temporary-access', expression: `request.time < timestamp("${isoSeconds(nowMs + rng.int(-30, 90) * DAY)}")`, description: 'Granted for a migration' }
    : { title: 'only-ci-buckets', expression: 'resource.name.startsWith("projects/_/buckets/ci-")' };
}

function projectPolicy(rng: Rng, nowMs: number, project: Omit<GcpProject, 'policy'>, domain: string): GcpPolicy {
  const bindings: GcpBinding[] = [];
  bind(bindings, 'roles/owner', person(rng, domain));
  if (rng.chance(0.5)) bind(bindings, 'roles/editor', person(rng, domain));
  bind(bindings, 'roles/viewer', `group:engineering@${domain}`);
  if (rng.chance(0.3)) bind(bindings, 'roles/iam.serviceAccountTokenCreator', person(rng, domain));
  for (const sa of project.serviceAccounts) {
    const member = `serviceAccount:${sa.email}`;
    if (sa.kind === 'compute-default') {
      // The default compute account gets Editor unless the org constraint removed it.
      if (rng.chance(0.7)) bind(bindings, 'roles/editor', member);
      continue;
    }
    if (sa.kind === 'appengine-default') {
      if (rng.chance(0.8)) bind(bindings, 'roles/editor', member);
      continue;
    }
    const n = rng.int(0, 3);
    for (let i = 0; i < n; i++) {
      const role = rng.weighted(SA_ROLES.map((r) => [r.role, r.weight] as const));
      bind(bindings, role, member, rng.chance(0.08) ? expiryCondition(rng, nowMs) : undefined);
    }
  }
  // Google-managed service agents of the services the project uses.
  const services = AGENT_SERVICES.filter(() => rng.chance(0.4));
  for (const service of services) bind(bindings, AGENT_ROLES[service] ?? 'roles/editor', `serviceAccount:service-${project.projectNumber}@${service}.iam.gserviceaccount.com`);
  bind(bindings, 'roles/editor', `serviceAccount:${project.projectNumber}@cloudservices.gserviceaccount.com`);
  // A binding left behind by a deleted account (IAM keeps it with a `deleted:` prefix).
  if (rng.chance(0.2)) bind(bindings, 'roles/storage.objectViewer', `deleted:serviceAccount:old-job@${project.projectId}.iam.gserviceaccount.com?uid=${digits(rng, 21, '1')}`);
  return { etag: etag(rng), bindings };
}

/** Service accounts of some projects granted at folder or organization level. */
function hierarchyPolicy(rng: Rng, nowMs: number, projects: readonly GcpProject[], domain: string, admins: boolean): GcpPolicy {
  const bindings: GcpBinding[] = [];
  bind(bindings, admins ? 'roles/resourcemanager.organizationAdmin' : 'roles/resourcemanager.folderAdmin', person(rng, domain));
  bind(bindings, 'roles/browser', `domain:${domain}`);
  const candidates = projects.flatMap((p) => p.serviceAccounts.filter((sa) => sa.kind === 'user'));
  const n = Math.min(candidates.length, rng.int(2, 5));
  for (let i = 0; i < n; i++) {
    const sa = rng.pick(candidates);
    const role = rng.weighted<string>([
      ['roles/viewer', 4],
      ['roles/editor', 2],
      ['roles/owner', 1],
      ['roles/iam.securityReviewer', 2],
      ['roles/resourcemanager.projectIamAdmin', 1],
      ['roles/logging.viewer', 2],
    ]);
    bind(bindings, role, `serviceAccount:${sa.email}`, rng.chance(0.15) ? expiryCondition(rng, nowMs) : undefined);
  }
  return { etag: etag(rng), bindings };
}

export function generateGcpEstate(opts: GcpEstateOptions): GcpEstate {
  const root = createRng(`${opts.seed}:gcp`);
  const { nowMs } = opts;
  const size = Math.max(1, Math.floor(opts.size));
  const orgRng = root.fork('org');
  const domain = 'acme.example';
  const orgId = digits(orgRng, 12);
  const folderCount = size >= 40 ? 2 : 1;
  const folderSpecs = [
    { id: digits(orgRng, 12), displayName: 'production', parent: `organizations/${orgId}` },
    { id: digits(orgRng, 12), displayName: 'non-production', parent: `organizations/${orgId}` },
  ].slice(0, folderCount);
  const projectCount = Math.min(400, Math.max(2, Math.ceil(size / 25)));
  const perProject = Math.max(1, Math.round(size / projectCount));
  const usedIds = new Set<string>();
  const usedNumbers = new Set<string>();
  const projects: GcpProject[] = [];
  for (let p = 0; p < projectCount; p++) {
    const rng = root.fork(`project:${p}`);
    const env = p === 0 ? 'prod' : (ENVS[p % ENVS.length] as string);
    const projectId = projectIdFor(rng, usedIds, env);
    let projectNumber = digits(rng, 12);
    while (usedNumbers.has(projectNumber)) projectNumber = digits(rng, 12);
    usedNumbers.add(projectNumber);
    // One project sits directly under the organization; the rest split across folders.
    const parent = p === projectCount - 1 && projectCount > 2 ? `organizations/${orgId}` : `folders/${(folderSpecs[p % folderSpecs.length] as { id: string }).id}`;
    const accounts: GcpServiceAccount[] = [];
    const hasCompute = p === 0 || rng.chance(0.8);
    const hasAppEngine = p === 0 || rng.chance(0.3);
    if (hasCompute) {
      const sa = userAccount(rng, nowMs, projectId, 'compute');
      accounts.push({ ...sa, email: `${projectNumber}-compute@developer.gserviceaccount.com`, kind: 'compute-default', displayName: 'Compute Engine default service account', description: '' });
    }
    if (hasAppEngine) {
      const sa = userAccount(rng, nowMs, projectId, 'appengine');
      accounts.push({ ...sa, email: `${projectId}@appspot.gserviceaccount.com`, kind: 'appengine-default', displayName: 'App Engine default service account', description: '' });
    }
    const userCount = Math.max(0, perProject - accounts.length);
    for (const name of accountNames(rng, userCount)) accounts.push(userAccount(rng, nowMs, projectId, name));
    const base = {
      projectId,
      projectNumber,
      displayName: projectId.replace(/-\d+$/, ''),
      parent,
      createTime: daysAgo(nowMs, rng.int(100, 2000)),
      serviceAccounts: accounts,
    };
    projects.push({ ...base, policy: projectPolicy(rng, nowMs, base, domain) });
  }
  const folders: GcpFolder[] = folderSpecs.map((f, i) => ({
    ...f,
    policy: hierarchyPolicy(orgRng.fork(`folder:${i}`), nowMs, projects.filter((p) => p.parent === `folders/${f.id}`), domain, false),
  }));
  const organization: GcpOrganization = { id: orgId, domain, displayName: domain, policy: hierarchyPolicy(orgRng.fork('policy'), nowMs, projects, domain, true) };
  return { organization, folders, projects };
}

/** Email of a Google-managed service agent (`service-<n>@gcp-sa-*.iam...`, `<n>@cloudservices...`). */
export function isServiceAgentEmail(email: string): boolean {
  return /^service-\d+@/.test(email) || /^\d+@cloudservices\.gserviceaccount\.com$/.test(email) || /^\d+@cloudbuild\.gserviceaccount\.com$/.test(email);
}

/** Counts for tests and benchmarks. */
export function countGcp(estate: GcpEstate): { projects: number; serviceAccounts: number; userKeys: number; systemKeys: number; agents: number } {
  let serviceAccounts = 0;
  let userKeys = 0;
  let systemKeys = 0;
  let agents = 0;
  for (const p of estate.projects) {
    serviceAccounts += p.serviceAccounts.length;
    for (const sa of p.serviceAccounts) {
      for (const k of sa.keys) {
        if (k.type === 'USER_MANAGED') userKeys++;
        else systemKeys++;
      }
    }
    const seen = new Set<string>();
    for (const b of p.policy.bindings) for (const m of b.members) if (m.startsWith('serviceAccount:') && isServiceAgentEmail(m.slice(15))) seen.add(m);
    agents += seen.size;
  }
  return { projects: estate.projects.length, serviceAccounts, userKeys, systemKeys, agents };
}
