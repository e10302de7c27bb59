/**
 * The Azure part of the sandbox estate: one Entra tenant (applications, service principals,
 * managed identities, users, sign-in activity) and its subscriptions under management groups
 * (role definitions and role assignments). `generateAzureEstate` is pure: same inputs, same
 * estate. Objects are kept close to the Graph / ARM shapes so the emulator serves them as is.
 * Secret values never exist here: Graph never returns them either.
 */
import { HEX, createRng, isoSeconds } from '../random.ts';
import type { Rng } from '../random.ts';
import { BUILT_IN_ROLES, BUILT_IN_ROLE_IDS, customAuditorRole, customDeployerRole } from './roles.ts';
import type { AzureRoleDefinition } from './roles.ts';

export type { AzurePermission, AzureRoleDefinition } from './roles.ts';

/** Microsoft's own tenant: `appOwnerOrganizationId` of first-party apps (and of managed identities). */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

export interface AzureEstateOptions {
  seed: string | number;
  /** Approximate number of service principals (applications' and managed identities), up to ~30,000. */
  size: number;
  /** The estate's clock in epoch milliseconds. */
  nowMs: number;
}

export interface AzurePasswordCredential {
  keyId: string;
  displayName: string | null;
  /** First three characters of the secret (Graph returns them); fake. */
  hint: string;
  startDateTime: string;
  endDateTime: string;
}

export interface AzureKeyCredential {
  keyId: string;
  displayName: string | null;
  type: 'AsymmetricX509Cert';
  usage: 'Verify' | 'Sign';
  startDateTime: string;
  endDateTime: string;
  /** Certificate thumbprint, base64. */
  customKeyIdentifier: string;
}

export interface AzureUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

export interface AzureGroup {
  id: string;
  displayName: string;
}

export interface AzureApplication {
  /** Object id of the application. */
  id: string;
  appId: string;
  displayName: string;
  createdDateTime: string;
  signInAudience: 'AzureADMyOrg' | 'AzureADMultipleOrgs';
  passwordCredentials: AzurePasswordCredential[];
  keyCredentials: AzureKeyCredential[];
  /** Object ids of owners (users, or service principals). */
  ownerIds: string[];
}

/** Ground truth for tests: what the service principal is. */
export type AzurePrincipalNature = 'application' | 'system-assigned' | 'user-assigned' | 'external' | 'first-party';

export interface AzureServicePrincipal {
  /** Object id of the service principal. */
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: 'Application' | 'ManagedIdentity';
  accountEnabled: boolean;
  appOwnerOrganizationId: string;
  tags: string[];
  /** Managed identities: `isExplicit=True|False` and the ARM resource id. */
  alternativeNames: string[];
  passwordCredentials: AzurePasswordCredential[];
  keyCredentials: AzureKeyCredential[];
  ownerIds: string[];
  nature: AzurePrincipalNature;
}

export interface AzureSignInActivity {
  /** Service principal object id. */
  servicePrincipalId: string;
  appId: string;
  /** Latest of the four kinds, or absent. */
  lastSignIn?: string;
  applicationClient?: string;
  applicationResource?: string;
  delegatedClient?: string;
  delegatedResource?: string;
}

export interface AzureCredentialSignIn {
  keyId: string;
  keyType: 'clientSecret' | 'certificate';
  appId: string;
  appObjectId: string;
  servicePrincipalObjectId: string;
  lastSignIn: string;
}

export interface AzureManagementGroup {
  /** Group name (the tenant root group is named after the tenant id). */
  name: string;
  displayName: string;
  /** Parent group name; absent for the tenant root group. */
  parent?: string;
}

export interface AzureSubscription {
  subscriptionId: string;
  displayName: string;
  state: 'Enabled';
  /** Management group the subscription sits in. */
  managementGroup: string;
  resourceGroups: string[];
}

export interface AzureRoleAssignment {
  /** Role assignment GUID. */
  name: string;
  /** `/subscriptions/..`, `/subscriptions/../resourceGroups/..`, `/providers/Microsoft.Management/managementGroups/..` */
  scope: string;
  roleDefinitionName: string;
  principalId: string;
  principalType: 'ServicePrincipal' | 'User' | 'Group';
  createdOn: string;
  /** ABAC condition and its version (assignments created through the API may carry one). */
  condition?: string;
  conditionVersion?: string;
  description?: string;
  /** Set by PUT: when it last changed. */
  updatedOn?: string;
}

export interface AzureEstate {
  tenantId: string;
  /** `<name>.onmicrosoft.com` */
  tenantDomain: string;
  /** The app the sandbox scans with (client id and a fake secret for the token endpoint). */
  scanner: { clientId: string; clientSecret: string; servicePrincipalId: string };
  managementGroups: AzureManagementGroup[];
  subscriptions: AzureSubscription[];
  users: AzureUser[];
  groups: AzureGroup[];
  applications: AzureApplication[];
  servicePrincipals: AzureServicePrincipal[];
  roleDefinitions: AzureRoleDefinition[];
  roleAssignments: AzureRoleAssignment[];
  signIns: AzureSignInActivity[];
  credentialSignIns: AzureCredentialSignIn[];
}

const DAY = 86_400_000;
const WORDS = ['billing', 'payments', 'orders', 'search', 'catalog', 'checkout', 'auth', 'reports', 'analytics', 'mailer', 'ledger', 'pricing', 'shipping', 'media', 'backup', 'etl', 'metrics', 'audit', 'gateway', 'scheduler', 'fraud', 'crm', 'sync', 'webhooks', 'ml', 'warehouse'] as const;
const KINDS = ['api', 'worker', 'deploy', 'ci', 'func', 'job', 'sync', 'terraform', 'github-actions', 'aks'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;
const TEAMS = ['platform', 'payments', 'data', 'security', 'growth', 'infra', 'sre'] as const;
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'nina', 'oscar', 'priya', 'sofia', 'mateo', 'chen'] as const;
const LAST = ['smith', 'jones', 'garcia', 'miller', 'lee', 'walker', 'king', 'lopez', 'patel', 'nguyen', 'rossi', 'kim'] as const;
const SUB_NAMES = ['Production', 'Staging', 'Development', 'Shared Services'] as const;
const RESOURCE_KINDS = [
  ['Microsoft.Web/sites', 'app'],
  ['Microsoft.Compute/virtualMachines', 'vm'],
  ['Microsoft.ContainerService/managedClusters', 'aks'],
  ['Microsoft.Logic/workflows', 'logic'],
  ['Microsoft.DataFactory/factories', 'adf'],
] as const;

/** Well-known Microsoft first-party apps (real app ids) present in every tenant. */
const FIRST_PARTY = [
  ['00000003-0000-0000-c000-000000000000', 'Microsoft Graph'],
  ['797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API'],
  ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'],
  ['c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal'],
  ['04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Microsoft Azure CLI'],
  ['6dae42f8-4368-4678-94ff-3960e28e3630', 'Azure Kubernetes Service AAD Server'],
] as const;

export function guid(rng: Rng): string {
  const h = rng.chars(32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const b64 = (rng: Rng, bytes: number): string => Buffer.from(rng.chars(bytes * 2, HEX), 'hex').toString('base64');

/** A password credential whose dates fall in one of the interesting buckets. */
function passwordCredential(rng: Rng, nowMs: number, bucket: SecretBucket, name: string | null): AzurePasswordCredential {
  let start: number;
  let end: number;
  switch (bucket) {
    case 'expired':
      end = nowMs - rng.int(1, 400) * DAY;
      start = end - 365 * DAY;
      break;
    case 'expiring':
      end = nowMs + rng.int(1, 29) * DAY + rng.int(0, 23) * 3_600_000;
      start = end - rng.pick([180, 365]) * DAY;
      break;
    case 'long':
      start = nowMs - rng.int(10, 700) * DAY;
      end = start + rng.pick([2, 99]) * 365 * DAY;
      break;
    case 'fresh':
      start = nowMs - rng.int(0, 10) * DAY;
      end = start + rng.pick([90, 180]) * DAY;
      break;
    default:
      start = nowMs - rng.int(10, 170) * DAY;
      end = start + rng.pick([180, 365]) * DAY;
  }
  return { keyId: guid(rng), displayName: name, hint: rng.chars(3, 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789~.'), startDateTime: isoSeconds(start), endDateTime: isoSeconds(end) };
}

type SecretBucket = 'normal' | 'expired' | 'expiring' | 'long' | 'fresh';

function certificate(rng: Rng, nowMs: number, expired: boolean): AzureKeyCredential {
  const start = expired ? nowMs - rng.int(400, 900) * DAY : nowMs - rng.int(5, 300) * DAY;
  const end = start + 365 * DAY;
  return { keyId: guid(rng), displayName: `CN=${rng.pick(WORDS)}-cert`, type: 'AsymmetricX509Cert', usage: 'Verify', startDateTime: isoSeconds(start), endDateTime: isoSeconds(end), customKeyIdentifier: b64(rng, 20) };
}

const latestOf = (...times: (string | undefined)[]): string | undefined =>
  times.filter((t): t is string => t !== undefined).reduce<string | undefined>((a, b) => (a === undefined || b > a ? b : a), undefined);

/** Generates the Azure estate. Deterministic in (seed, size, nowMs). */
export function generateAzureEstate(opts: AzureEstateOptions): AzureEstate {
  const size = Math.min(30_000, Math.max(1, Math.round(opts.size)));
  const nowMs = Math.floor(opts.nowMs / 1000) * 1000;
  const rng = createRng(`${String(opts.seed)}:azure`);
  const ids = rng.fork('ids');
  const tenantId = guid(ids);
  const tenantName = `${rng.pick(['contoso', 'fabrikam', 'northwind', 'tailspin'])}${rng.chars(4, '0123456789')}`;
  const tenantDomain = `${tenantName}.onmicrosoft.com`;
  const ago = (days: number): string => isoSeconds(nowMs - days * DAY);

  const managementGroups: AzureManagementGroup[] = [
    { name: tenantId, displayName: 'Tenant Root Group' },
    { name: 'platform', displayName: 'Platform', parent: tenantId },
    { name: 'landing-zones', displayName: 'Landing Zones', parent: tenantId },
  ];
  const nSubs = size <= 20 ? 2 : Math.min(4, 2 + Math.floor(Math.log10(size)));
  const subscriptions: AzureSubscription[] = [];
  for (let i = 0; i < nSubs; i++) {
    const rgs: string[] = [];
    const nRgs = 3 + Math.min(12, Math.floor(size / 200));
    for (let r = 0; r < nRgs; r++) rgs.push(`rg-${WORDS[(i * 7 + r) % WORDS.length] as string}-${r}`);
    subscriptions.push({ subscriptionId: guid(ids), displayName: SUB_NAMES[i] as string, state: 'Enabled', managementGroup: i === SUB_NAMES.length - 1 ? 'platform' : 'landing-zones', resourceGroups: rgs });
  }

  const users: AzureUser[] = [];
  const nUsers = Math.min(400, 8 + Math.floor(size / 20));
  for (let i = 0; i < nUsers; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    const suffix = i >= FIRST.length * LAST.length ? String(i) : '';
    users.push({ id: guid(ids), userPrincipalName: `${first}.${last}${suffix}@${tenantDomain}`, displayName: `${first[0]?.toUpperCase()}${first.slice(1)} ${last[0]?.toUpperCase()}${last.slice(1)}` });
  }
  const groups: AzureGroup[] = TEAMS.map((t) => ({ id: guid(ids), displayName: `team-${t}` }));

  const customDeployer = customDeployerRole(guid(ids), `/providers/Microsoft.Management/managementGroups/${tenantId}`);
  const customAuditor = customAuditorRole(guid(ids), `/subscriptions/${(subscriptions[0] as AzureSubscription).subscriptionId}`);
  const roleDefinitions: AzureRoleDefinition[] = [...BUILT_IN_ROLES.map((r) => structuredClone(r)), customDeployer, customAuditor];

  const applications: AzureApplication[] = [];
  const servicePrincipals: AzureServicePrincipal[] = [];
  const roleAssignments: AzureRoleAssignment[] = [];
  const signIns: AzureSignInActivity[] = [];
  const credentialSignIns: AzureCredentialSignIn[] = [];
  const gen = rng.fork('principals');

  const subScope = (s: AzureSubscription): string => `/subscriptions/${s.subscriptionId}`;
  const rgScope = (s: AzureSubscription, rg: string): string => `${subScope(s)}/resourceGroups/${rg}`;
  const mgScope = (name: string): string => `/providers/Microsoft.Management/managementGroups/${name}`;
  const assign = (principalId: string, principalType: AzureRoleAssignment['principalType'], roleDefinitionName: string, scope: string): void => {
    roleAssignments.push({ name: guid(gen), scope, roleDefinitionName, principalId, principalType, createdOn: ago(gen.int(1, 900)) });
  };

  // The scanner: an app with Reader on the tenant root group.
  const scannerApp: AzureApplication = {
    id: guid(gen),
    appId: guid(gen),
    displayName: 'sprawl-scanner',
    createdDateTime: ago(30),
    signInAudience: 'AzureADMyOrg',
    passwordCredentials: [passwordCredential(gen, nowMs, 'fresh', 'sprawl')],
    keyCredentials: [],
    ownerIds: [(users[0] as AzureUser).id],
  };
  const scannerSp: AzureServicePrincipal = {
    id: guid(gen),
    appId: scannerApp.appId,
    displayName: scannerApp.displayName,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appOwnerOrganizationId: tenantId,
    tags: ['WindowsAzureActiveDirectoryIntegratedApp', 'owner:security'],
    alternativeNames: [],
    passwordCredentials: [],
    keyCredentials: [],
    ownerIds: [],
    nature: 'application',
  };
  applications.push(scannerApp);
  servicePrincipals.push(scannerSp);
  assign(scannerSp.id, 'ServicePrincipal', BUILT_IN_ROLE_IDS.reader, mgScope(tenantId));
  signIns.push({ servicePrincipalId: scannerSp.id, appId: scannerSp.appId, applicationClient: ago(0.01), lastSignIn: ago(0.01) });

  // Microsoft first-party service principals: present in every tenant, never ours to manage.
  for (const [appId, displayName] of FIRST_PARTY) {
    const keyCredentials = displayName === 'Office 365 Exchange Online' ? [certificate(gen, nowMs, false)] : [];
    servicePrincipals.push({ id: guid(gen), appId, displayName, servicePrincipalType: 'Application', accountEnabled: true, appOwnerOrganizationId: MICROSOFT_TENANT_ID, tags: [], alternativeNames: [], passwordCredentials: [], keyCredentials, ownerIds: [], nature: 'first-party' });
  }
  const aksServer = servicePrincipals[servicePrincipals.length - 1] as AzureServicePrincipal;
  assign(aksServer.id, 'ServicePrincipal', BUILT_IN_ROLE_IDS.reader, subScope(subscriptions[0] as AzureSubscription));

  // People and groups also hold roles: the collector must leave them out.
  assign((users[0] as AzureUser).id, 'User', BUILT_IN_ROLE_IDS.owner, mgScope(tenantId));
  assign((users[1] as AzureUser).id, 'User', BUILT_IN_ROLE_IDS.contributor, subScope(subscriptions[1] as AzureSubscription));
  assign((groups[0] as AzureGroup).id, 'Group', BUILT_IN_ROLE_IDS.reader, mgScope('landing-zones'));

  const names = new Set<string>();
  const uniqueName = (base: string): string => {
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
    names.add(name);
    return name;
  };

  for (let i = 0; i < size; i++) {
    const r = gen.fork(String(i));
    const nature = r.weighted<AzurePrincipalNature>([
      ['application', 60],
      ['system-assigned', 18],
      ['user-assigned', 14],
      ['external', 8],
    ]);
    const sub = r.pick(subscriptions);
    const rg = r.pick(sub.resourceGroups);
    const env = r.pick(ENVS);
    const team = r.pick(TEAMS);
    const base = `${r.pick(WORDS)}-${r.pick(KINDS)}-${env}`;
    const spId = guid(r);
    let sp: AzureServicePrincipal;
    if (nature === 'application') {
      const displayName = uniqueName(`sp-${base}`);
      const secrets: AzurePasswordCredential[] = [];
      const nSecrets = r.weighted<number>([[0, 15], [1, 55], [2, 25], [3, 5]]);
      for (let s = 0; s < nSecrets; s++) {
        const bucket = r.weighted<SecretBucket>([['normal', 50], ['expired', 18], ['expiring', 10], ['long', 14], ['fresh', 8]]);
        secrets.push(passwordCredential(r, nowMs, bucket, r.chance(0.8) ? r.pick(['ci', 'terraform', 'github', 'rotation', 'temp', 'prod']) : null));
      }
      const certs = r.chance(0.2) ? [certificate(r, nowMs, r.chance(0.3))] : [];
      const owners = r.weighted<number>([[0, 35], [1, 50], [2, 15]]);
      const ownerIds: string[] = [];
      for (let o = 0; o < owners; o++) ownerIds.push(r.pick(users).id);
      const app: AzureApplication = { id: guid(r), appId: guid(r), displayName, createdDateTime: ago(r.int(5, 1500)), signInAudience: 'AzureADMyOrg', passwordCredentials: secrets, keyCredentials: certs, ownerIds: [...new Set(ownerIds)] };
      applications.push(app);
      const tags = ['WindowsAzureActiveDirectoryIntegratedApp'];
      if (r.chance(0.4)) tags.push(`owner:team-${team}`);
      sp = { id: spId, appId: app.appId, displayName, servicePrincipalType: 'Application', accountEnabled: !r.chance(0.06), appOwnerOrganizationId: tenantId, tags, alternativeNames: [], passwordCredentials: [], keyCredentials: [], ownerIds: [], nature };
    } else if (nature === 'external') {
      const displayName = uniqueName(`${r.pick(['Datadog', 'Snyk', 'Wiz', 'GitHub', 'Terraform Cloud', 'PagerDuty'])} ${r.pick(['Integration', 'Connector', 'App'])}`);
      sp = { id: spId, appId: guid(r), displayName, servicePrincipalType: 'Application', accountEnabled: true, appOwnerOrganizationId: guid(r), tags: ['WindowsAzureActiveDirectoryIntegratedApp'], alternativeNames: [], passwordCredentials: [], keyCredentials: [], ownerIds: r.chance(0.5) ? [r.pick(users).id] : [], nature };
    } else if (nature === 'system-assigned') {
      const [type, prefix] = r.pick(RESOURCE_KINDS);
      const displayName = uniqueName(`${prefix}-${base}`);
      sp = {
        id: spId,
        appId: guid(r),
        displayName,
        servicePrincipalType: 'ManagedIdentity',
        accountEnabled: true,
        appOwnerOrganizationId: MICROSOFT_TENANT_ID,
        tags: [],
        alternativeNames: ['isExplicit=False', `${rgScope(sub, rg)}/providers/${type}/${displayName}`],
        passwordCredentials: [],
        keyCredentials: [],
        ownerIds: [],
        nature,
      };
    } else {
      const displayName = uniqueName(`id-${base}`);
      sp = {
        id: spId,
        appId: guid(r),
        displayName,
        servicePrincipalType: 'ManagedIdentity',
        accountEnabled: true,
        appOwnerOrganizationId: MICROSOFT_TENANT_ID,
        tags: [],
        alternativeNames: ['isExplicit=True', `${rgScope(sub, rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${displayName}`],
        passwordCredentials: [],
        keyCredentials: [],
        ownerIds: [],
        nature,
      };
    }
    servicePrincipals.push(sp);

    // Sign-in activity: never, long ago, or recent.
    const usage = r.weighted<'never' | 'old' | 'recent'>(nature === 'application' ? [['never', 25], ['old', 25], ['recent', 50]] : [['never', 15], ['old', 15], ['recent', 70]]);
    if (usage !== 'never') {
      const client = ago(usage === 'old' ? r.int(60, 400) + r.next() : r.int(0, 30) + r.next());
      const resource = r.chance(0.3) ? ago(r.int(0, 500) + r.next()) : undefined;
      const delegated = nature === 'application' && r.chance(0.15) ? ago(r.int(0, 500) + r.next()) : undefined;
      const activity: AzureSignInActivity = { servicePrincipalId: sp.id, appId: sp.appId, applicationClient: client };
      if (resource !== undefined) activity.applicationResource = resource;
      if (delegated !== undefined) activity.delegatedClient = delegated;
      const last = latestOf(client, resource, delegated);
      if (last !== undefined) activity.lastSignIn = last;
      signIns.push(activity);
      // The credential it signed in with: a secret (or certificate) valid at that time.
      const app = nature === 'application' ? applications[applications.length - 1] : undefined;
      const at = Date.parse(client);
      const used = app ? [...app.passwordCredentials, ...app.keyCredentials].find((c) => Date.parse(c.startDateTime) <= at && Date.parse(c.endDateTime) > at) : undefined;
      if (app && used) {
        credentialSignIns.push({ keyId: used.keyId, keyType: 'type' in used ? 'certificate' : 'clientSecret', appId: app.appId, appObjectId: app.id, servicePrincipalObjectId: sp.id, lastSignIn: client });
      }
    }

    // Role assignments for about half of the principals.
    if (r.chance(0.5)) {
      const n = r.weighted<number>([[1, 75], [2, 25]]);
      for (let k = 0; k < n; k++) {
        const role = r.weighted<string>([
          [BUILT_IN_ROLE_IDS.reader, 26],
          [BUILT_IN_ROLE_IDS.contributor, 20],
          [BUILT_IN_ROLE_IDS.storageBlobDataContributor, 14],
          [BUILT_IN_ROLE_IDS.keyVaultSecretsUser, 14],
          [BUILT_IN_ROLE_IDS.owner, 6],
          [BUILT_IN_ROLE_IDS.userAccessAdministrator, 3],
          [BUILT_IN_ROLE_IDS.virtualMachineContributor, 6],
          [BUILT_IN_ROLE_IDS.monitoringReader, 5],
          [customDeployer.name, 4],
          [customAuditor.name, 2],
        ]);
        const where = role === customAuditor.name ? 'sub0' : r.weighted<'mg' | 'sub' | 'rg'>([['mg', 6], ['sub', 40], ['rg', 54]]);
        const scope =
          where === 'sub0'
            ? subScope(subscriptions[0] as AzureSubscription)
            : where === 'mg'
              ? mgScope(r.pick(['platform', 'landing-zones', tenantId]))
              : where === 'sub'
                ? subScope(sub)
                : rgScope(sub, rg);
        assign(sp.id, 'ServicePrincipal', role, scope);
      }
    }
  }

  return {
    tenantId,
    tenantDomain,
    scanner: { clientId: scannerApp.appId, clientSecret: `sandbox/${rng.chars(16, HEX)}/not-a-real-secret`, servicePrincipalId: scannerSp.id },
    managementGroups,
    subscriptions,
    users,
    groups,
    applications,
    servicePrincipals,
    roleDefinitions,
    roleAssignments,
    signIns,
    credentialSignIns,
  };
}

/** Management group names from the subscription's group up to the tenant root. */
export function managementGroupChain(estate: AzureEstate, subscription: AzureSubscription): string[] {
  const chain: string[] = [];
  let name: string | undefined = subscription.managementGroup;
  while (name !== undefined && !chain.includes(name)) {
    chain.push(name);
    name = estate.managementGroups.find((g) => g.name === name)?.parent;
  }
  return chain;
}
