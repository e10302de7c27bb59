/**
 * The GitHub part of the sandbox estate: 1-3 organizations with repositories (some archived),
 * deploy keys (read-only or write, with and without a reported last use), app installations,
 * fine-grained PAT grants and pending requests, Actions secrets (organization, repository and
 * environment level: names and dates only, GitHub never returns values) and secret scanning
 * alerts (one organization has secret scanning disabled). `generateGithubEstate` is pure: the
 * same options give the same estate. No secret value is ever generated: alerts carry a
 * placeholder the emulator returns as GitHub would return the secret, and deploy keys are
 * public keys.
 */
import { createHash } from 'node:crypto';
import { createRng, daysAgo, isoSeconds } from '../random.ts';
import type { Rng } from '../random.ts';

export interface GithubEstateOptions {
  seed: string | number;
  /** Approximate number of identities (deploy keys, installations, PAT grants) over all organizations. */
  size: number;
  nowMs: number;
}

export type GithubPermissionLevel = 'read' | 'write' | 'admin';

export interface GithubDeployKey {
  id: number;
  title: string;
  /** OpenSSH public key line (`ssh-ed25519 AAAA...`): public, not a secret. */
  key: string;
  readOnly: boolean;
  createdAt: string;
  /** Absent: the API does not report the field (older GHES); null: reported, never used. */
  lastUsed?: string | null;
  addedBy: string;
  verified: boolean;
}

export interface GithubSecret {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Organization secrets only. */
  visibility?: 'all' | 'private' | 'selected';
}

export interface GithubEnvironment {
  name: string;
  secrets: GithubSecret[];
}

export interface GithubRepo {
  id: number;
  name: string;
  private: boolean;
  archived: boolean;
  createdAt: string;
  defaultBranch: string;
  deployKeys: GithubDeployKey[];
  secrets: GithubSecret[];
  environments: GithubEnvironment[];
}

export interface GithubInstallation {
  id: number;
  appId: number;
  appSlug: string;
  repositorySelection: 'all' | 'selected';
  /** Repository names when the selection is `selected`. */
  selectedRepos: string[];
  permissions: Record<string, GithubPermissionLevel>;
  events: string[];
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
}

export interface GithubPatPermissions {
  organization: Record<string, GithubPermissionLevel>;
  repository: Record<string, GithubPermissionLevel>;
}

export interface GithubPatGrant {
  id: number;
  ownerLogin: string;
  ownerId: number;
  tokenId: number;
  tokenName: string;
  tokenExpired: boolean;
  tokenExpiresAt: string | null;
  tokenLastUsedAt: string | null;
  accessGrantedAt: string;
  repositorySelection: 'all' | 'subset' | 'none';
  permissions: GithubPatPermissions;
}

export interface GithubPatRequest {
  id: number;
  ownerLogin: string;
  ownerId: number;
  tokenId: number;
  tokenName: string;
  tokenExpired: boolean;
  tokenExpiresAt: string | null;
  tokenLastUsedAt: string | null;
  createdAt: string;
  reason: string;
  repositorySelection: 'all' | 'subset' | 'none';
  permissions: GithubPatPermissions;
}

export interface GithubAlert {
  number: number;
  repo: string;
  state: 'open' | 'resolved';
  resolution: 'false_positive' | 'wont_fix' | 'revoked' | 'used_in_tests' | null;
  secretType: string;
  secretTypeDisplayName: string;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  path: string;
  line: number;
  validity: 'active' | 'inactive' | 'unknown';
}

export interface GithubOrg {
  login: string;
  id: number;
  /** False: the secret scanning alert API answers 404 for this organization. */
  secretScanning: boolean;
  repos: GithubRepo[];
  installations: GithubInstallation[];
  patGrants: GithubPatGrant[];
  patRequests: GithubPatRequest[];
  secrets: GithubSecret[];
  alerts: GithubAlert[];
}

export interface GithubEstate {
  /** The sandbox's own GitHub App (installed read-only in every organization): app auth. */
  app: { id: number; slug: string };
  orgs: GithubOrg[];
}

/** The placeholder the emulator returns in an alert's `secret` field: never a real-looking secret. */
export const REDACTED_ALERT_SECRET = '<redacted by the sprawl sandbox>';

export const SANDBOX_APP = { id: 424242, slug: 'sprawl-inventory' } as const;

const ORG_NAMES = ['acme', 'acme-labs', 'globex', 'initech', 'umbrella'] as const;
const REPO_WORDS = ['api', 'web', 'infra', 'billing', 'auth', 'mobile', 'data', 'docs', 'ops', 'search', 'payments', 'gateway', 'worker', 'ui', 'cli'];
const KEY_TITLES = ['ci deploy', 'argo-cd', 'flux', 'jenkins', 'backup mirror', 'release bot', 'staging server', 'legacy deployer'];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const ENVIRONMENTS = ['production', 'staging', 'preview'];
const SECRET_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'NPM_TOKEN', 'DOCKERHUB_TOKEN', 'SLACK_WEBHOOK', 'GCP_SA_KEY', 'DEPLOY_SSH_KEY', 'SONAR_TOKEN', 'DATABASE_URL'];

interface AppTemplate {
  slug: string;
  appId: number;
  permissions: Record<string, GithubPermissionLevel>;
  events: string[];
}

const APPS: readonly AppTemplate[] = [
  { slug: 'renovate', appId: 2740, permissions: { contents: 'write', pull_requests: 'write', issues: 'write', metadata: 'read', workflows: 'write' }, events: ['push', 'pull_request'] },
  { slug: 'terraform-cloud', appId: 7031, permissions: { contents: 'read', metadata: 'read', statuses: 'write', administration: 'write' }, events: ['push'] },
  { slug: 'acme-deployer', appId: 90210, permissions: { contents: 'write', deployments: 'write', metadata: 'read', organization_administration: 'write' }, events: ['deployment'] },
  { slug: 'codecov', appId: 254, permissions: { checks: 'write', metadata: 'read', pull_requests: 'read', statuses: 'write' }, events: ['pull_request'] },
  { slug: 'dependabot-preview', appId: 2141, permissions: { contents: 'read', metadata: 'read', vulnerability_alerts: 'read' }, events: [] },
  { slug: 'slack', appId: 7100, permissions: { issues: 'read', metadata: 'read', members: 'read' }, events: ['issues'] },
];

interface AlertType {
  type: string;
  display: string;
  path: string;
}

const ALERT_TYPES: readonly AlertType[] = [
  { type: 'aws_access_key_id', display: 'Amazon AWS Access Key ID', path: 'deploy/.env' },
  { type: 'github_personal_access_token', display: 'GitHub Personal Access Token', path: 'scripts/release.sh' },
  { type: 'slack_incoming_webhook_url', display: 'Slack Incoming Webhook URL', path: 'config/notify.yml' },
  { type: 'google_cloud_private_key_id', display: 'Google Cloud Private Key ID', path: 'infra/sa.json' },
  { type: 'stripe_api_key', display: 'Stripe API Key', path: 'src/payments/config.ts' },
];

const DAY_MS = 86_400_000;

/** An ed25519 public key line from 32 seeded bytes (a public key: nothing secret about it). */
function sshPublicKey(rng: Rng, comment: string): string {
  const raw = Buffer.from(Array.from({ length: 32 }, () => rng.int(0, 255)));
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + raw.length);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(raw.length, 4 + type.length);
  raw.copy(blob, 8 + type.length);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** OpenSSH's fingerprint of a public key line: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function sshFingerprint(keyLine: string): string {
  const blob = keyLine.trim().split(/\s+/)[1] ?? '';
  return 'SHA256:' + createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
}

function secrets(rng: Rng, nowMs: number, count: number, org: boolean): GithubSecret[] {
  const names = new Set<string>();
  while (names.size < Math.min(count, SECRET_NAMES.length)) names.add(rng.pick(SECRET_NAMES));
  return [...names].sort().map((name) => {
    const created = rng.weighted<number>([
      [rng.int(400, 1500), 2],
      [rng.int(5, 120), 3],
    ]);
    const updated = rng.chance(0.5) ? created : rng.int(1, created);
    return {
      name,
      createdAt: daysAgo(nowMs, created),
      updatedAt: daysAgo(nowMs, updated),
      ...(org ? { visibility: rng.pick(['all', 'private', 'selected'] as const) } : {}),
    };
  });
}

function deployKey(rng: Rng, nowMs: number, id: number, repo: string): GithubDeployKey {
  const age = rng.weighted<number>([
    [rng.int(1, 60), 2],
    [rng.int(90, 400), 3],
    [rng.int(400, 1500), 2],
  ]);
  const use = rng.weighted<'recent' | 'stale' | 'never' | 'unreported'>([
    ['recent', 4],
    ['stale', 2],
    ['never', 1],
    ['unreported', 2],
  ]);
  const key: GithubDeployKey = {
    id,
    title: `${rng.pick(KEY_TITLES)} ${repo}`,
    key: sshPublicKey(rng, `deploy@${repo}`),
    readOnly: rng.chance(0.6),
    createdAt: daysAgo(nowMs, age),
    addedBy: rng.pick(PEOPLE),
    verified: true,
  };
  if (use === 'recent') key.lastUsed = daysAgo(nowMs, rng.int(0, Math.min(age, 10)));
  else if (use === 'stale') key.lastUsed = daysAgo(nowMs, age < 60 ? age : rng.int(60, age));
  else if (use === 'never') key.lastUsed = null;
  return key;
}

function patPermissions(rng: Rng): GithubPatPermissions {
  const repository: Record<string, GithubPermissionLevel> = { metadata: 'read' };
  repository.contents = rng.pick(['read', 'write'] as const);
  if (rng.chance(0.3)) repository.administration = rng.pick(['read', 'write'] as const);
  if (rng.chance(0.4)) repository.pull_requests = 'write';
  const organization: Record<string, GithubPermissionLevel> = {};
  if (rng.chance(0.25)) organization.members = rng.pick(['read', 'write'] as const);
  return { organization, repository };
}

function tokenExpiry(rng: Rng, nowMs: number): { expiresAt: string | null; expired: boolean } {
  const kind = rng.weighted<'none' | 'far' | 'normal' | 'expired'>([
    ['none', 2],
    ['far', 1],
    ['normal', 4],
    ['expired', 1],
  ]);
  if (kind === 'none') return { expiresAt: null, expired: false };
  if (kind === 'far') return { expiresAt: isoSeconds(nowMs + rng.int(500, 1000) * DAY_MS), expired: false };
  if (kind === 'expired') return { expiresAt: daysAgo(nowMs, rng.int(1, 60)), expired: true };
  return { expiresAt: isoSeconds(nowMs + rng.int(5, 90) * DAY_MS), expired: false };
}

function generateOrg(rng: Rng, opts: GithubEstateOptions, login: string, index: number, perOrg: number, secretScanning: boolean): GithubOrg {
  const { nowMs } = opts;
  const orgId = 1_000 + index * 1_000 + rng.int(1, 999);
  let nextId = (index + 1) * 1_000_000;
  const id = (): number => nextId++;

  // About half the identities are deploy keys (~1.2 per repository), the rest installations and PAT grants.
  const repoCount = Math.max(2, Math.round(perOrg / 2.4));
  const names = new Set<string>();
  for (let i = 0; names.size < repoCount; i++) names.add(i < REPO_WORDS.length ? (REPO_WORDS[i] as string) : `${rng.pick(REPO_WORDS)}-${i}`);
  const repos: GithubRepo[] = [...names].map((name, i) => {
    const r = rng.fork(`repo/${name}`);
    const keys = r.weighted<number>([
      [0, 2],
      [1, 4],
      [2, 2],
      [3, 1],
    ]);
    const envs = r.chance(0.4) ? ENVIRONMENTS.slice(0, r.int(1, 2)) : [];
    return {
      id: id(),
      name,
      private: r.chance(0.8),
      archived: i > 0 && r.chance(0.15),
      createdAt: daysAgo(nowMs, r.int(200, 2000)),
      defaultBranch: 'main',
      deployKeys: Array.from({ length: keys }, () => deployKey(r, nowMs, id(), name)),
      secrets: secrets(r, nowMs, r.int(0, 3), false),
      environments: envs.map((env) => ({ name: env, secrets: secrets(r.fork(env), nowMs, r.int(1, 2), false) })),
    };
  });

  const apps = [SANDBOX_APP_TEMPLATE, ...APPS.filter(() => rng.chance(0.7))];
  const installations: GithubInstallation[] = apps.map((app, i) => {
    const selected = app.slug !== SANDBOX_APP.slug && rng.chance(0.4);
    const created = rng.int(30, 900);
    return {
      id: 5_000_000 + index * 1_000 + i,
      appId: app.appId,
      appSlug: app.slug,
      repositorySelection: selected ? 'selected' : 'all',
      selectedRepos: selected ? repos.filter(() => rng.chance(0.5)).map((r) => r.name) : [],
      permissions: { ...app.permissions },
      events: [...app.events],
      createdAt: daysAgo(nowMs, created),
      updatedAt: daysAgo(nowMs, rng.int(0, created)),
      suspendedAt: app.slug !== SANDBOX_APP.slug && rng.chance(0.1) ? daysAgo(nowMs, rng.int(1, 30)) : null,
    };
  });

  const patCount = Math.max(1, Math.round(perOrg / 5));
  const patGrants: GithubPatGrant[] = Array.from({ length: patCount }, (_, i) => {
    const p = rng.fork(`pat/${i}`);
    const drawn = tokenExpiry(p, nowMs);
    // The first organization's second grant is always of a token that has expired (GitHub still lists it).
    const { expiresAt, expired } = index === 0 && i === 1 ? { expiresAt: daysAgo(nowMs, p.fork('expired').int(1, 60)), expired: true } : drawn;
    const granted = p.int(10, 500);
    const use = p.weighted<'recent' | 'stale' | 'never'>([
      ['recent', 4],
      ['stale', 2],
      ['never', 1],
    ]);
    const owner = p.pick(PEOPLE);
    const tokenName = `${p.pick(['ci', 'release', 'migration', 'backup', 'metrics'])}-${owner}-${i}`;
    const lastUsed = use === 'recent' ? daysAgo(nowMs, p.int(0, 5)) : use === 'stale' ? daysAgo(nowMs, p.int(60, Math.max(61, granted))) : null;
    return {
      id: id(),
      ownerLogin: owner,
      ownerId: 100 + PEOPLE.indexOf(owner),
      tokenId: id(),
      tokenName,
      tokenExpired: expired,
      tokenExpiresAt: expiresAt,
      // An expired token was last used before it expired.
      tokenLastUsedAt: expired && expiresAt !== null && lastUsed !== null && lastUsed >= expiresAt ? isoSeconds(Date.parse(expiresAt) - DAY_MS) : lastUsed,
      accessGrantedAt: daysAgo(nowMs, granted),
      repositorySelection: p.pick(['all', 'subset'] as const),
      permissions: patPermissions(p),
    };
  });

  const patRequests: GithubPatRequest[] = Array.from({ length: rng.int(0, 2) }, (_, i) => {
    const p = rng.fork(`pat-request/${i}`);
    const owner = p.pick(PEOPLE);
    const { expiresAt } = tokenExpiry(p, nowMs);
    return {
      id: id(),
      ownerLogin: owner,
      ownerId: 100 + PEOPLE.indexOf(owner),
      tokenId: id(),
      tokenName: `request-${owner}-${i}`,
      tokenExpired: false,
      tokenExpiresAt: expiresAt,
      tokenLastUsedAt: null,
      createdAt: daysAgo(nowMs, p.int(0, 20)),
      reason: 'needed for the release pipeline',
      repositorySelection: 'subset',
      permissions: patPermissions(p),
    };
  });

  const alerts: GithubAlert[] = [];
  for (let n = 1, count = rng.int(2, 5); n <= count; n++) {
    const a = rng.fork(`alert/${n}`);
    const type = a.pick(ALERT_TYPES);
    // The first organization's first alert is always still open.
    const open = a.chance(0.6) || (index === 0 && n === 1);
    const created = a.int(1, 300);
    const resolvedAt = open ? null : daysAgo(nowMs, a.int(0, created));
    alerts.push({
      number: n,
      repo: a.pick(repos).name,
      state: open ? 'open' : 'resolved',
      resolution: open ? null : a.pick(['revoked', 'false_positive', 'used_in_tests', 'wont_fix'] as const),
      secretType: type.type,
      secretTypeDisplayName: type.display,
      createdAt: daysAgo(nowMs, created),
      updatedAt: resolvedAt ?? daysAgo(nowMs, a.int(0, created)),
      resolvedAt,
      path: type.path,
      line: a.int(1, 80),
      validity: a.pick(['active', 'inactive', 'unknown'] as const),
    });
  }

  return { login, id: orgId, secretScanning, repos, installations, patGrants, patRequests, secrets: secrets(rng.fork('org-secrets'), nowMs, rng.int(2, 5), true), alerts };
}

const SANDBOX_APP_TEMPLATE: AppTemplate = {
  slug: SANDBOX_APP.slug,
  appId: SANDBOX_APP.id,
  permissions: { metadata: 'read', administration: 'read', secrets: 'read', secret_scanning_alerts: 'read', organization_personal_access_tokens: 'read', members: 'read' },
  events: [],
};

/** The GitHub estate: deterministic for the same options. */
export function generateGithubEstate(opts: GithubEstateOptions): GithubEstate {
  const rng = createRng(`github/${String(opts.seed)}`);
  const size = Math.max(1, Math.floor(opts.size));
  const orgCount = size < 12 ? 1 : size < 40 ? 2 : 3;
  const perOrg = Math.max(4, Math.round(size / orgCount));
  const orgs = Array.from({ length: orgCount }, (_, i) => {
    const login = ORG_NAMES[i] as string;
    // The last organization of several has no GitHub Advanced Security: no secret scanning.
    const scanning = orgCount === 1 || i < orgCount - 1;
    return generateOrg(rng.fork(`org/${login}`), opts, login, i, perOrg, scanning);
  });
  return { app: { ...SANDBOX_APP }, orgs };
}

/** Counts of an estate, for summaries and tests. */
export function countGithub(estate: GithubEstate): { orgs: number; repos: number; deployKeys: number; installations: number; patGrants: number; alerts: number; secrets: number } {
  let repos = 0;
  let deployKeys = 0;
  let installations = 0;
  let patGrants = 0;
  let alerts = 0;
  let secretCount = 0;
  for (const o of estate.orgs) {
    repos += o.repos.length;
    installations += o.installations.length;
    patGrants += o.patGrants.length;
    alerts += o.alerts.length;
    secretCount += o.secrets.length;
    for (const r of o.repos) {
      deployKeys += r.deployKeys.length;
      secretCount += r.secrets.length + r.environments.reduce((n, e) => n + e.secrets.length, 0);
    }
  }
  return { orgs: estate.orgs.length, repos, deployKeys, installations, patGrants, alerts, secrets: secretCount };
}
