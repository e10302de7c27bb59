/**
 * The seeded estate the sandbox emulators serve. `generateEstate({ seed, size, now })` is pure:
 * the same inputs give the same estate. `size` is the approximate number of non-human identities
 * (machine users and roles, SSO roles and people not counted). Plain data, meant to grow other
 * providers next to `aws`.
 */
import { BASE32, HEX, UPPER_ALNUM, createRng, daysAgo, isoSeconds } from './random.ts';
import type { Rng } from './random.ts';
import {
  CUSTOMER_POLICY_TEMPLATES,
  INLINE_POLICY_TEMPLATES,
  SERVICE_LINKED_ROLES,
  accountTrust,
  awsManagedPolicy,
  githubOidcTrust,
  inlineTemplate,
  samlTrust,
  serviceTrust,
} from './aws/policies.ts';
import type { PolicyDocument, PolicyGrants } from './aws/policies.ts';
import { generateAzureEstate } from './azure/estate.ts';
import type { AzureEstate } from './azure/estate.ts';
import { generateGcpEstate } from './gcp/estate.ts';
import type { GcpEstate } from './gcp/estate.ts';
import { countGithub, generateGithubEstate } from './github/estate.ts';
import type { GithubEstate } from './github/estate.ts';
import { countK8s, generateK8sEstate } from './kubernetes/estate.ts';
import type { K8sEstate } from './kubernetes/estate.ts';
import { generateHoopEstate } from './hoop/estate.ts';
import type { HoopEstate, HoopIdentityInput } from './hoop/estate.ts';

export type { PolicyDocument, PolicyStatement } from './aws/policies.ts';

export interface EstateOptions {
  seed?: string | number;
  /** Approximate number of non-human identities across the clouds (see CLOUD_SHARE), 1 to 100,000. Default 60. */
  size?: number;
  /** The estate's clock: every age is relative to it. Default: the current time. */
  now?: Date | string;
  /** Gateway sessions in all (e.g. 10 per identity for a load test). Default: 10 per gateway connection. */
  gatewaySessions?: number;
}

export interface Estate {
  seed: string | number;
  size: number;
  /** ISO-8601 time the estate was generated for. */
  now: string;
  aws: AwsEstate;
  gcp: GcpEstate;
  azure: AzureEstate;
  github: GithubEstate;
  kubernetes: K8sEstate;
  /** The access gateway: connections to some of the identities above, and their sessions. */
  hoop: HoopEstate;
}

/** How `size` is shared between the clouds: most estates are AWS-heavy. */
export const CLOUD_SHARE = { aws: 0.4, gcp: 0.15, azure: 0.15, github: 0.15, kubernetes: 0.15 } as const;

export interface AwsEstate {
  /** The management/security account; the sandbox's base credentials belong to it. */
  managementAccountId: string;
  /** The user whose access key the sandbox's base credentials use. */
  scanner: { accountId: string; userName: string; accessKeyId: string };
  /** Role in every account that the scanner assumes (requires `externalId`). */
  auditRoleName: string;
  externalId: string;
  accounts: AwsAccount[];
}

export interface AwsTag {
  key: string;
  value: string;
}

export interface InlinePolicy {
  name: string;
  document: PolicyDocument;
  /** Ground truth for tests: what the document grants (the emulators ignore it). */
  grants?: PolicyGrants;
}

export interface AwsAccessKey {
  /** `AKIA` + 16 characters of [A-Z2-7]. */
  id: string;
  status: 'Active' | 'Inactive';
  createdAt: string;
  /** Absent: never used (IAM reports N/A). */
  lastUsed?: { at: string; service: string; region: string };
}

export interface AwsUser {
  name: string;
  /** `AIDA...` */
  id: string;
  path: string;
  arn: string;
  createdAt: string;
  /** Ground truth for tests: what a person would call this user (the collector must agree). */
  nature: 'machine' | 'human';
  tags: AwsTag[];
  /** Console password (login profile); absent when the user has none. */
  password?: { changedAt: string; lastUsedAt?: string };
  mfa: boolean;
  groups: string[];
  /** ARNs of attached managed policies (AWS-managed or local). */
  attached: string[];
  inline: InlinePolicy[];
  /** 0 to 2, oldest first (the credential report's key slots 1 and 2). */
  accessKeys: AwsAccessKey[];
}

export type AwsRoleKind = 'service-linked' | 'sso' | 'workload' | 'cross-account' | 'audit' | 'org-access' | 'ci-oidc';

export interface AwsRole {
  name: string;
  /** `AROA...` */
  id: string;
  path: string;
  arn: string;
  createdAt: string;
  kind: AwsRoleKind;
  description?: string;
  trust: PolicyDocument;
  maxSessionDuration: number;
  /** Absent: never used. */
  lastUsed?: { at: string; region: string };
  attached: string[];
  inline: InlinePolicy[];
  tags: AwsTag[];
}

export interface AwsGroup {
  name: string;
  /** `AGPA...` */
  id: string;
  path: string;
  arn: string;
  createdAt: string;
  attached: string[];
  inline: InlinePolicy[];
}

export interface AwsLocalPolicy {
  name: string;
  /** `ANPA...` */
  id: string;
  path: string;
  arn: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  defaultVersionId: string;
  versions: { id: string; document: PolicyDocument; createdAt: string }[];
}

export interface AwsAccount {
  /** 12 digits. */
  id: string;
  name: string;
  createdAt: string;
  root: { mfa: boolean; passwordLastUsedAt?: string; accessKeys: AwsAccessKey[] };
  users: AwsUser[];
  groups: AwsGroup[];
  roles: AwsRole[];
  policies: AwsLocalPolicy[];
}

// ---------------------------------------------------------------------------------------------

const SERVICES = [
  'billing', 'payments', 'orders', 'search', 'catalog', 'inventory', 'checkout', 'auth', 'reports', 'analytics', 'mailer', 'notifications',
  'ledger', 'pricing', 'shipping', 'recommendations', 'media', 'uploads', 'backup', 'etl', 'metrics', 'audit', 'gateway', 'scheduler',
  'invoices', 'fraud', 'support', 'crm', 'cdn', 'registry', 'exports', 'imports', 'sync', 'webhooks', 'profiles', 'sessions', 'ml', 'warehouse',
] as const;
const ENVS = ['prod', 'staging', 'dev', 'qa'] as const;
const VENDORS = ['datadog', 'snyk', 'wiz', 'newrelic', 'pagerduty', 'sentry', 'segment', 'fivetran', 'looker', 'okta', 'splunk', 'cloudflare'] as const;
const LEGACY = ['jenkins', 'backup-agent', 'nightly-export', 'report-generator', 'legacy-sftp', 'partner-upload', 'mobile-uploader', 'crawler', 'nagios'] as const;
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'nina', 'oscar', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yuki', 'zoe', 'li', 'omar', 'priya', 'sofia', 'mateo', 'chen', 'amara'] as const;
const LAST = ['smith', 'jones', 'garcia', 'miller', 'davis', 'martin', 'lee', 'walker', 'hall', 'young', 'king', 'wright', 'lopez', 'hill', 'scott', 'green', 'adams', 'baker', 'nelson', 'carter', 'kim', 'patel', 'nguyen', 'rossi'] as const;
const TEAMS = ['platform', 'payments', 'data', 'security', 'growth', 'infra', 'mobile', 'search', 'sre', 'analytics'] as const;
const KEY_SERVICES = ['s3', 'sts', 'ec2', 'iam', 'lambda', 'dynamodb', 'sqs', 'cloudformation', 'ecr', 'logs', 'secretsmanager', 'sns'] as const;
const REGIONS = ['us-east-1', 'us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'] as const;
const ACCOUNT_NAMES = ['security', 'prod', 'staging', 'dev', 'data', 'shared-services', 'sandbox', 'logging', 'network', 'payments-prod', 'payments-dev', 'ml'] as const;

const AUDIT_ROLE = 'SprawlAuditRole';
const SCANNER_USER = 'sprawl-scanner';

const managedArn = (name: string): string => awsManagedPolicy(name).arn;

function clampSize(size: number | undefined): number {
  const n = Math.round(size ?? 60);
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`size must be a positive number, got ${String(size)}`);
  return Math.min(n, 100_000);
}

function accountCount(size: number): number {
  if (size <= 30) return 2;
  return Math.min(40, Math.max(3, Math.round(Math.sqrt(size) / 3)));
}

/** Generates the estate. Deterministic in (seed, size, now). */
export function generateEstate(opts: EstateOptions = {}): Estate {
  const seed = opts.seed ?? 1;
  const size = clampSize(opts.size);
  const nowMs = Math.floor(new Date(opts.now ?? Date.now()).getTime() / 1000) * 1000;
  if (Number.isNaN(nowMs)) throw new RangeError(`invalid now: ${String(opts.now)}`);
  const rng = createRng(`sprawl-estate:${String(seed)}`);
  const awsSize = Math.max(6, Math.round(size * CLOUD_SHARE.aws));
  const gcpSize = Math.max(3, Math.round(size * CLOUD_SHARE.gcp));
  const azureSize = Math.max(3, Math.round(size * CLOUD_SHARE.azure));
  const githubSize = Math.max(3, Math.round(size * CLOUD_SHARE.github));
  const k8sSize = Math.max(3, size - awsSize - gcpSize - azureSize - githubSize);

  const nAccounts = accountCount(awsSize);
  const ids = new Set<string>();
  const accountIds: string[] = [];
  while (accountIds.length < nAccounts) {
    const id = String(rng.int(1, 9)) + rng.chars(11, '0123456789');
    if (!ids.has(id)) {
      ids.add(id);
      accountIds.push(id);
    }
  }
  const managementAccountId = accountIds[0] as string;
  const externalId = `sprawl-${rng.chars(12, HEX)}`;
  const scannerKeyId = 'AKIA' + rng.chars(16, BASE32);

  // Split the size across accounts with some variation (weights 0.5..1.5).
  const weights = accountIds.map(() => 0.5 + rng.next());
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const accounts: AwsAccount[] = accountIds.map((id, i) => {
    const quota = Math.max(4, Math.round((awsSize * (weights[i] as number)) / totalWeight));
    const name = i < ACCOUNT_NAMES.length ? (ACCOUNT_NAMES[i] as string) : `workload-${String(i).padStart(2, '0')}`;
    return generateAccount(rng.fork(`account:${id}`), {
      id,
      name,
      quota,
      nowMs,
      managementAccountId,
      externalId,
      scannerKeyId: i === 0 ? scannerKeyId : undefined,
    });
  });

  const partial: Omit<Estate, 'hoop'> = {
    seed,
    size,
    now: isoSeconds(nowMs),
    aws: {
      managementAccountId,
      scanner: { accountId: managementAccountId, userName: SCANNER_USER, accessKeyId: scannerKeyId },
      auditRoleName: AUDIT_ROLE,
      externalId,
      accounts,
    },
    gcp: generateGcpEstate({ seed, size: gcpSize, nowMs }),
    azure: generateAzureEstate({ seed, size: azureSize, nowMs }),
    github: generateGithubEstate({ seed, size: githubSize, nowMs }),
    kubernetes: generateK8sEstate({ seed, size: k8sSize, nowMs }),
  };
  const sessions = opts.gatewaySessions !== undefined ? { sessionCount: opts.gatewaySessions } : {};
  return { ...partial, hoop: generateHoopEstate({ seed, nowMs, identities: gatewayCandidates(partial), ...sessions }) };
}

/**
 * The identities the gateway may hold a connection for, with what links them: AWS machine users
 * (their ARNs and key ids), GCP service accounts (emails and user-managed key ids), and Kubernetes
 * application service accounts (their token secrets).
 */
function gatewayCandidates(estate: Omit<Estate, 'hoop'>): HoopIdentityInput[] {
  const aws = estate.aws.accounts.flatMap((a) =>
    a.users
      .filter((u) => u.nature === 'machine')
      .map((u) => ({ id: `aws:${a.id}:user/${u.name}`, kind: 'aws-iam-user', publicIds: u.accessKeys.map((k) => k.id), principal: u.arn })),
  );
  const gcp = estate.gcp.projects.flatMap((p) =>
    p.serviceAccounts.map((sa) => ({
      id: `gcp:${p.projectId}:sa/${sa.email.toLowerCase()}`,
      kind: 'gcp-service-account',
      publicIds: sa.keys.filter((k) => k.type === 'USER_MANAGED').map((k) => k.id),
      principal: sa.email,
    })),
  );
  const k8s = estate.kubernetes.clusters.flatMap((c) =>
    c.serviceAccounts
      .filter((sa) => !['kube-system', 'kube-public', 'kube-node-lease'].includes(sa.metadata.namespace ?? ''))
      .map((sa) => {
        const ns = sa.metadata.namespace ?? 'default';
        return { id: `k8s:${c.name}:ns/${ns}/sa/${sa.metadata.name}`, kind: 'k8s-service-account', publicIds: (sa.secrets ?? []).map((s) => `${ns}/${s.name}`) };
      }),
  );
  return [...aws, ...gcp, ...k8s];
}

interface AccountSpec {
  id: string;
  name: string;
  quota: number;
  nowMs: number;
  managementAccountId: string;
  externalId: string;
  /** Set for the management account: its scanner user gets this key. */
  scannerKeyId: string | undefined;
}

/** Unique names within one account: the second `svc-billing` becomes `svc-billing-2`. */
function nameRegistry(): (base: string) => string {
  const seen = new Map<string, number>();
  return (base) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  };
}

function generateAccount(rng: Rng, spec: AccountSpec): AwsAccount {
  const { id, nowMs } = spec;
  const accountAgeDays = rng.int(800, 3000);
  const policies = CUSTOMER_POLICY_TEMPLATES.map((t): AwsLocalPolicy => {
    const created = daysAgo(nowMs, rng.int(200, accountAgeDays));
    const updated = t.previous ? daysAgo(nowMs, rng.int(10, 199)) : created;
    const versions = t.previous
      ? [
          { id: 'v1', document: t.previous, createdAt: created },
          { id: 'v2', document: t.document, createdAt: updated },
        ]
      : [{ id: 'v1', document: t.document, createdAt: created }];
    return {
      name: t.name,
      id: 'ANPA' + rng.chars(17, UPPER_ALNUM),
      path: '/',
      arn: `arn:aws:iam::${id}:policy/${t.name}`,
      description: t.description,
      createdAt: created,
      updatedAt: updated,
      defaultVersionId: versions[versions.length - 1]?.id ?? 'v1',
      versions,
    };
  });
  const localArn = (name: string): string => `arn:aws:iam::${id}:policy/${name}`;

  const group = (name: string, attached: string[], inline: InlinePolicy[] = []): AwsGroup => ({
    name,
    id: 'AGPA' + rng.chars(17, UPPER_ALNUM),
    path: '/',
    arn: `arn:aws:iam::${id}:group/${name}`,
    createdAt: daysAgo(nowMs, rng.int(300, accountAgeDays)),
    attached,
    inline,
  });
  const groups: AwsGroup[] = [
    group('Admins', [managedArn('AdministratorAccess')]),
    group('Developers', [managedArn('PowerUserAccess')]),
    group('ReadOnly', [managedArn('ReadOnlyAccess')]),
    group('Auditors', [managedArn('SecurityAudit')]),
    group('Deployers', [localArn('ci-deploy')], [inlineTemplate('assume-deploy-roles')]),
    group('DataWriters', [localArn('s3-backup-writer'), managedArn('AmazonS3ReadOnlyAccess')]),
  ];

  const userName = nameRegistry();
  const roleName = nameRegistry();
  const users: AwsUser[] = [];
  const roles: AwsRole[] = [];

  // Fixed roles: the audit role the scanner assumes, the organizations access role, service-linked roles.
  roles.push(
    makeRole(rng, spec, {
      name: roleName(AUDIT_ROLE),
      kind: 'audit',
      trust: accountTrust(spec.managementAccountId, spec.externalId),
      attached: [managedArn('SecurityAudit'), managedArn('IAMReadOnlyAccess')],
      lastUsedDays: rng.int(0, 2),
      tags: [{ key: 'owner', value: 'security' }],
    }),
  );
  if (id !== spec.managementAccountId) {
    roles.push(
      makeRole(rng, spec, {
        name: roleName('OrganizationAccountAccessRole'),
        kind: 'org-access',
        trust: accountTrust(spec.managementAccountId),
        attached: [managedArn('AdministratorAccess')],
        lastUsedDays: rng.chance(0.3) ? undefined : rng.int(0, 400),
      }),
    );
  }
  const fixed = roles.length;
  const slCount = Math.min(SERVICE_LINKED_ROLES.length, Math.max(1, Math.floor(spec.quota * 0.1)));
  for (const sl of SERVICE_LINKED_ROLES.slice(0, slCount)) {
    roles.push(
      makeRole(rng, spec, {
        name: roleName(sl.role),
        kind: 'service-linked',
        path: `/aws-service-role/${sl.service}/`,
        trust: serviceTrust(sl.service),
        attached: [awsManagedPolicy(sl.policy).arn],
        lastUsedDays: rng.chance(0.3) ? undefined : rng.int(0, 30),
        description: `Service-linked role for ${sl.service}`,
      }),
    );
  }
  const ssoCount = rng.int(1, 3);
  const ssoSets = ['AdministratorAccess', 'ReadOnlyAccess', 'PowerUserAccess'];
  const samlProvider = `AWSSSO_${rng.chars(16, HEX)}_DO_NOT_DELETE`;
  for (let i = 0; i < ssoCount; i++) {
    const set = ssoSets[i] as string;
    roles.push(
      makeRole(rng, spec, {
        name: roleName(`AWSReservedSSO_${set}_${rng.chars(16, HEX)}`),
        kind: 'sso',
        path: `/aws-reserved/sso.amazonaws.com/${rng.pick(REGIONS)}/`,
        trust: samlTrust(id, samlProvider),
        attached: [managedArn(set)],
        lastUsedDays: rng.int(0, 20),
      }),
    );
  }

  let machineBudget = Math.max(3, spec.quota - fixed - slCount);
  if (spec.scannerKeyId) {
    users.push(scannerUser(rng, spec));
    machineBudget = Math.max(3, machineBudget - 1);
  }
  const nUsers = Math.ceil(machineBudget * 0.55);
  const nRoles = machineBudget - nUsers;

  for (let i = 0; i < nUsers; i++) users.push(machineUser(rng, spec, userName, policies));
  const nHumans = Math.max(2, Math.round(nUsers * 0.12));
  for (let i = 0; i < nHumans; i++) users.push(humanUser(rng, spec, userName));
  for (let i = 0; i < nRoles; i++) roles.push(workloadRole(rng, spec, roleName));
  plantGuardrail(users);
  plantRoleChain(spec.id, users, roles);

  const rootUsedDays = rng.int(0, 600);
  return {
    id,
    name: spec.name,
    createdAt: daysAgo(nowMs, accountAgeDays),
    root: {
      mfa: rng.chance(0.8),
      passwordLastUsedAt: rng.chance(0.2) ? undefined : daysAgo(nowMs, rootUsedDays),
      accessKeys: rng.chance(0.1) ? [accessKey(rng, nowMs, 'old', accountAgeDays)] : [],
    },
    users,
    groups,
    roles,
    policies,
  };
}

/**
 * An explicit Deny that takes administrator access away, chosen without a random draw: the
 * account's first machine user with AdministratorAccess attached directly also carries the
 * `deny-iam` guardrail. It keeps every non-IAM action (so it can still escalate: new Lambda code,
 * SSM commands, assuming any role), but can no longer change any permission.
 */
function plantGuardrail(users: AwsUser[]): void {
  const user = users.find((u) => u.nature === 'machine' && u.attached.includes(managedArn('AdministratorAccess')));
  if (user && !user.inline.some((p) => p.name === 'deny-iam')) user.inline.push(inlineTemplate('deny-iam'));
}

/**
 * A role-assumption chain, chosen without a random draw: the account's first administrator
 * workload role also trusts its own account (IAM policies then decide who may assume it), and the
 * account's first machine user that writes to S3 (the DataWriters group or AmazonS3FullAccess)
 * may assume that role. The user holds no escalation method of its own; through the role it holds
 * administrator access.
 */
function plantRoleChain(accountId: string, users: AwsUser[], roles: AwsRole[]): void {
  const adminPolicies = [managedArn('AdministratorAccess'), `arn:aws:iam::${accountId}:policy/legacy-full-access`];
  const role = roles.find((r) => r.kind === 'workload' && r.attached.some((a) => adminPolicies.includes(a)));
  const user = users.find((u) => u.nature === 'machine' && (u.groups.includes('DataWriters') || u.attached.includes(managedArn('AmazonS3FullAccess'))));
  if (!role || !user) return;
  const statements = Array.isArray(role.trust.Statement) ? role.trust.Statement : [role.trust.Statement];
  role.trust = { Version: '2012-10-17', Statement: [...statements, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] };
  user.inline.push({
    name: `assume-${role.name}`,
    document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role.arn } },
    grants: { assumes: [role.arn] },
  });
}

type KeyAge = 'fresh' | 'old' | 'ancient';

function accessKey(rng: Rng, nowMs: number, age: KeyAge, maxDays: number): AwsAccessKey {
  const days = age === 'fresh' ? rng.int(1, 89) : age === 'old' ? rng.int(91, 365) : rng.int(366, Math.max(400, Math.min(maxDays, 2200)));
  const createdAt = daysAgo(nowMs, days + rng.next());
  const usage = rng.weighted<'never' | 'recent' | 'weeks' | 'stale'>([
    ['never', 15],
    ['recent', 45],
    ['weeks', 25],
    ['stale', 15],
  ]);
  const key: AwsAccessKey = { id: 'AKIA' + rng.chars(16, BASE32), status: rng.chance(0.85) ? 'Active' : 'Inactive', createdAt };
  if (usage !== 'never') {
    const usedDays = usage === 'recent' ? rng.next() * 7 : usage === 'weeks' ? 7 + rng.next() * 38 : 46 + rng.next() * 600;
    key.lastUsed = {
      at: daysAgo(nowMs, Math.min(usedDays, days)),
      service: rng.pick(KEY_SERVICES),
      region: rng.pick(REGIONS),
    };
  }
  return key;
}

function accessKeys(rng: Rng, nowMs: number, count: number): AwsAccessKey[] {
  const keys: AwsAccessKey[] = [];
  for (let i = 0; i < count; i++) {
    keys.push(accessKey(rng, nowMs, rng.weighted<KeyAge>([['fresh', 25], ['old', 40], ['ancient', 35]]), 2200));
  }
  keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  // A few users got both keys in the same second (a script created them together): the credential
  // report cannot tell which slot is which, so the collector must ask GetAccessKeyLastUsed.
  if (keys.length === 2 && rng.chance(0.04)) (keys[1] as AwsAccessKey).createdAt = (keys[0] as AwsAccessKey).createdAt;
  return keys;
}

function userCreatedAt(rng: Rng, nowMs: number, keys: AwsAccessKey[]): string {
  const oldest = keys[0] ? Date.parse(keys[0].createdAt) : nowMs - rng.int(1, 900) * 86_400_000;
  return isoSeconds(oldest - rng.int(0, 200) * 86_400_000 - rng.int(0, 86_399) * 1000);
}

function ownerTags(rng: Rng, pOwner: number): AwsTag[] {
  const tags: AwsTag[] = [];
  if (rng.chance(pOwner)) {
    tags.push(rng.chance(0.6) ? { key: 'owner', value: `${rng.pick(TEAMS)}-team` } : { key: 'owner', value: `${rng.pick(FIRST)}.${rng.pick(LAST)}@example.com` });
  }
  if (rng.chance(0.3)) tags.push({ key: 'team', value: rng.pick(TEAMS) });
  if (rng.chance(0.25)) tags.push({ key: 'env', value: rng.pick(ENVS) });
  return tags;
}

type MachineArchetype = 'pattern' | 'tagged' | 'passwordless';

function machineName(rng: Rng, archetype: MachineArchetype): string {
  const svc = rng.pick(SERVICES);
  const env = rng.pick(ENVS);
  if (archetype === 'pattern') {
    return rng.weighted<() => string>([
      [() => `svc-${svc}`, 20],
      [() => `ci-${svc}`, 8],
      [() => `${svc}-deployer`, 10],
      [() => `terraform-${env}`, 4],
      [() => `github-actions-bot`, 4],
      [() => `${svc}-${env}-svc`, 12],
      [() => `deploy-${svc}-${env}`, 8],
      [() => `${svc}-bot`, 6],
      [() => `app-${svc}`, 8],
      [() => `build-${svc}`, 5],
      [() => `${svc}-automation`, 4],
      [() => `sa-${svc}-${env}`, 6],
    ])();
  }
  return rng.chance(0.5) ? `${rng.pick(VENDORS)}-integration` : rng.pick(LEGACY);
}

function machineUser(rng: Rng, spec: AccountSpec, uniqueName: (b: string) => string, policies: AwsLocalPolicy[]): AwsUser {
  const { id, nowMs } = spec;
  const archetype = rng.weighted<MachineArchetype>([
    ['pattern', 75],
    ['tagged', 10],
    ['passwordless', 15],
  ]);
  const base = machineName(rng, archetype);
  const name = uniqueName(base);
  const tags = ownerTags(rng, 0.55);
  const tagged = archetype === 'tagged' || rng.chance(0.05);
  if (tagged) tags.unshift({ key: 'sprawl:type', value: rng.pick(['machine', 'service', 'bot', 'ci']) });
  // Legacy machine users with a console password: only where a tag or the name says machine
  // (a numbered duplicate like `orders-deployer-2` no longer matches the name patterns).
  const hasPassword = (tagged || (archetype === 'pattern' && name === base)) && rng.chance(0.06);
  const keys = accessKeys(rng, nowMs, rng.weighted<number>([[0, 20], [1, 60], [2, 20]]));
  const createdAt = userCreatedAt(rng, nowMs, keys);

  const attached: string[] = [];
  const groups: string[] = [];
  const inline: InlinePolicy[] = [];
  const localArn = (n: string): string => policies.find((p) => p.name === n)?.arn ?? `arn:aws:iam::${id}:policy/${n}`;
  const profile = rng.weighted<string>([
    ['admin-direct', 7],
    ['admin-legacy', 4],
    ['admin-group', 5],
    ['admin-notaction', 2],
    ['admin-inline', 1],
    ['power', 4],
    ['deployer', 18],
    ['s3', 12],
    ['readonly', 12],
    ['data', 10],
    ['app', 15],
    ['none', 10],
  ]);
  switch (profile) {
    case 'admin-direct':
      attached.push(managedArn('AdministratorAccess'));
      break;
    case 'admin-legacy':
      attached.push(localArn('legacy-full-access'));
      break;
    case 'admin-group':
      groups.push('Admins');
      break;
    case 'admin-notaction':
      attached.push(localArn('break-glass-almost-all'));
      break;
    case 'admin-inline':
      inline.push(inlineTemplate('everything'));
      break;
    case 'power':
      groups.push('Developers');
      break;
    case 'deployer':
      groups.push('Deployers');
      if (rng.chance(0.3)) inline.push(inlineTemplate('ecr-push'));
      break;
    case 's3':
      attached.push(managedArn(rng.chance(0.6) ? 'AmazonS3FullAccess' : 'AmazonS3ReadOnlyAccess'));
      if (rng.chance(0.2)) attached.push(localArn('bucket-owner-star'));
      break;
    case 'readonly':
      if (rng.chance(0.5)) groups.push('ReadOnly');
      else attached.push(managedArn(rng.pick(['ReadOnlyAccess', 'SecurityAudit', 'IAMReadOnlyAccess'])), localArn('metrics-read'));
      break;
    case 'data':
      groups.push('DataWriters');
      if (rng.chance(0.4)) attached.push(managedArn('AmazonDynamoDBFullAccess'));
      break;
    case 'app':
      attached.push(localArn(rng.pick(['secrets-reader', 'dynamodb-app-table'])));
      inline.push(rng.pick(INLINE_POLICY_TEMPLATES.filter((t) => t.name !== 'everything')));
      break;
    default:
      break;
  }
  const path = rng.chance(0.15) ? '/service/' : '/';
  return {
    name,
    id: 'AIDA' + rng.chars(17, UPPER_ALNUM),
    path,
    arn: `arn:aws:iam::${id}:user${path}${name}`,
    createdAt,
    nature: 'machine',
    tags,
    password: hasPassword ? { changedAt: daysAgo(nowMs, rng.int(100, 1500)), lastUsedAt: rng.chance(0.5) ? daysAgo(nowMs, rng.int(30, 900)) : undefined } : undefined,
    mfa: false,
    groups,
    attached,
    inline,
    accessKeys: keys,
  };
}

function humanUser(rng: Rng, spec: AccountSpec, uniqueName: (b: string) => string): AwsUser {
  const { nowMs } = spec;
  const name = uniqueName(`${rng.pick(FIRST)}.${rng.pick(LAST)}`);
  const tags: AwsTag[] = [];
  const tagged = rng.chance(0.2);
  if (tagged) tags.push({ key: 'sprawl:type', value: rng.pick(['human', 'person', 'employee']) });
  if (rng.chance(0.4)) tags.push({ key: 'team', value: rng.pick(TEAMS) });
  // People have a console password; the few without one are tagged as people.
  const hasPassword = !tagged || rng.chance(0.7);
  const keys = accessKeys(rng, nowMs, rng.weighted<number>([[0, 65], [1, 30], [2, 5]]));
  return {
    name,
    id: 'AIDA' + rng.chars(17, UPPER_ALNUM),
    path: '/',
    arn: `arn:aws:iam::${spec.id}:user/${name}`,
    createdAt: userCreatedAt(rng, nowMs, keys),
    nature: 'human',
    tags,
    password: hasPassword ? { changedAt: daysAgo(nowMs, rng.int(1, 400)), lastUsedAt: rng.chance(0.9) ? daysAgo(nowMs, rng.next() * 60) : undefined } : undefined,
    mfa: rng.chance(0.8),
    groups: [rng.pick(['Admins', 'Developers', 'ReadOnly', 'Auditors'])],
    attached: [],
    inline: [],
    accessKeys: keys,
  };
}

function scannerUser(rng: Rng, spec: AccountSpec): AwsUser {
  const { nowMs } = spec;
  const createdAt = daysAgo(nowMs, rng.int(30, 80));
  return {
    name: SCANNER_USER,
    id: 'AIDA' + rng.chars(17, UPPER_ALNUM),
    path: '/',
    arn: `arn:aws:iam::${spec.id}:user/${SCANNER_USER}`,
    createdAt,
    nature: 'machine',
    tags: [
      { key: 'sprawl:type', value: 'machine' },
      { key: 'owner', value: 'security-team' },
    ],
    mfa: false,
    groups: [],
    attached: [managedArn('SecurityAudit')],
    inline: [
      {
        name: 'assume-audit-role',
        document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${AUDIT_ROLE}` } },
        grants: { assumes: [`arn:aws:iam::*:role/${AUDIT_ROLE}`] },
      },
    ],
    accessKeys: [
      {
        id: spec.scannerKeyId as string,
        status: 'Active',
        createdAt: daysAgo(nowMs, rng.int(1, 29)),
        lastUsed: { at: daysAgo(nowMs, rng.next() * 0.5), service: 'sts', region: 'us-east-1' },
      },
    ],
  };
}

interface RoleSpec {
  name: string;
  kind: AwsRoleKind;
  path?: string;
  trust: PolicyDocument;
  attached: string[];
  inline?: InlinePolicy[];
  /** Undefined: never used. */
  lastUsedDays: number | undefined;
  tags?: AwsTag[];
  description?: string;
}

function makeRole(rng: Rng, spec: AccountSpec, r: RoleSpec): AwsRole {
  const createdDays = Math.max(r.lastUsedDays ?? 0, 0) + rng.int(1, 900);
  const path = r.path ?? '/';
  return {
    name: r.name,
    id: 'AROA' + rng.chars(17, UPPER_ALNUM),
    path,
    arn: `arn:aws:iam::${spec.id}:role${path}${r.name}`,
    createdAt: daysAgo(spec.nowMs, createdDays + rng.next()),
    kind: r.kind,
    description: r.description,
    trust: r.trust,
    maxSessionDuration: r.kind === 'sso' ? 43200 : 3600,
    lastUsed: r.lastUsedDays === undefined ? undefined : { at: daysAgo(spec.nowMs, r.lastUsedDays + rng.next()), region: rng.pick(REGIONS) },
    attached: r.attached,
    inline: r.inline ?? [],
    tags: r.tags ?? [],
  };
}

function workloadRole(rng: Rng, spec: AccountSpec, uniqueName: (b: string) => string): AwsRole {
  const svc = rng.pick(SERVICES);
  const env = rng.pick(ENVS);
  const lastUsedDays = rng.weighted<number | undefined>([
    [undefined, 20],
    [rng.next() * 3, 45],
    [rng.int(4, 60), 20],
    [rng.int(61, 500), 15],
  ]);
  const tags = ownerTags(rng, 0.5);
  const kind = rng.weighted<string>([
    ['lambda', 30],
    ['ecs', 25],
    ['ec2', 10],
    ['github', 15],
    ['vendor', 8],
    ['admin', 4],
    ['glue', 8],
  ]);
  switch (kind) {
    case 'lambda':
      return makeRole(rng, spec, {
        name: uniqueName(`${svc}-${env}-lambda`),
        kind: 'workload',
        path: '/service-role/',
        trust: serviceTrust('lambda.amazonaws.com'),
        attached: [managedArn('AWSLambdaBasicExecutionRole'), ...(rng.chance(0.3) ? [`arn:aws:iam::${spec.id}:policy/dynamodb-app-table`] : [])],
        inline: rng.chance(0.4) ? [rng.pick(INLINE_POLICY_TEMPLATES.slice(0, 3))] : [],
        lastUsedDays,
        tags,
      });
    case 'ecs':
      return makeRole(rng, spec, {
        name: uniqueName(`${svc}-${env}-task`),
        kind: 'workload',
        trust: serviceTrust('ecs-tasks.amazonaws.com'),
        attached: [managedArn('AmazonECSTaskExecutionRolePolicy'), ...(rng.chance(0.25) ? [managedArn('AmazonS3FullAccess')] : [])],
        inline: rng.chance(0.5) ? [inlineTemplate('read-parameters')] : [],
        lastUsedDays,
        tags,
      });
    case 'ec2':
      return makeRole(rng, spec, {
        name: uniqueName(`${svc}-${env}-instance`),
        kind: 'workload',
        trust: serviceTrust('ec2.amazonaws.com'),
        attached: [managedArn('AmazonSSMReadOnlyAccess'), ...(rng.chance(0.3) ? [managedArn('AmazonEC2FullAccess')] : [])],
        lastUsedDays,
        tags,
      });
    case 'github':
      return makeRole(rng, spec, {
        name: uniqueName(`deploy-${svc}-${env}`),
        kind: 'ci-oidc',
        trust: githubOidcTrust(spec.id, `acme/${svc}`),
        attached: [`arn:aws:iam::${spec.id}:policy/ci-deploy`],
        lastUsedDays,
        tags,
      });
    case 'vendor': {
      const vendor = rng.pick(VENDORS);
      return makeRole(rng, spec, {
        name: uniqueName(`${vendor}-integration-role`),
        kind: 'cross-account',
        trust: accountTrust(String(rng.int(1, 9)) + rng.chars(11, '0123456789'), `${vendor}-${rng.chars(10, HEX)}`),
        attached: [managedArn(rng.chance(0.7) ? 'SecurityAudit' : 'ReadOnlyAccess')],
        lastUsedDays,
        tags: [{ key: 'vendor', value: vendor }, ...tags],
      });
    }
    case 'admin':
      return makeRole(rng, spec, {
        name: uniqueName(`${svc}-admin`),
        kind: 'workload',
        trust: serviceTrust('ec2.amazonaws.com'),
        attached: [rng.chance(0.5) ? managedArn('AdministratorAccess') : `arn:aws:iam::${spec.id}:policy/legacy-full-access`],
        lastUsedDays,
        tags,
      });
    default:
      return makeRole(rng, spec, {
        name: uniqueName(`${svc}-${env}-glue`),
        kind: 'workload',
        path: '/service-role/',
        trust: serviceTrust('glue.amazonaws.com'),
        attached: [`arn:aws:iam::${spec.id}:policy/s3-backup-writer`, `arn:aws:iam::${spec.id}:policy/metrics-read`],
        lastUsedDays,
        tags,
      });
  }
}

// ---------------------------------------------------------------------------------------------

/** Non-human identities in an estate, as the collector should find them (humans and SSO roles left out). */
/** Non-human identities of every provider: AWS machine users and roles, GCP service accounts, Azure principals, GitHub deploy keys, app installations and PATs, Kubernetes service accounts. */
export function countAllIdentities(estate: Estate): { aws: number; gcp: number; azure: number; github: number; kubernetes: number; total: number } {
  const a = countMachineIdentities(estate);
  const aws = a.users + a.roles;
  const gcp = estate.gcp.projects.reduce((n, p) => n + p.serviceAccounts.length, 0);
  const azure = estate.azure.servicePrincipals.length;
  const g = countGithub(estate.github);
  const github = g.deployKeys + g.installations + g.patGrants;
  const kubernetes = countK8s(estate.kubernetes).serviceAccounts;
  return { aws, gcp, azure, github, kubernetes, total: aws + gcp + azure + github + kubernetes };
}

export function countMachineIdentities(estate: Estate): { users: number; roles: number; serviceLinked: number } {
  let users = 0;
  let roles = 0;
  let serviceLinked = 0;
  for (const a of estate.aws.accounts) {
    for (const u of a.users) if (u.nature === 'machine') users++;
    for (const r of a.roles) {
      if (r.kind === 'sso') continue;
      roles++;
      if (r.kind === 'service-linked') serviceLinked++;
    }
  }
  return { users, roles, serviceLinked };
}
