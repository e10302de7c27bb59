/**
 * Ground truth of the GitHub identities: deploy keys (`github:<org>:deploy-key/<repo>/<key id>`),
 * app installations (`github:<org>:app/<installation id>`), fine-grained PAT grants
 * (`github:<org>:pat/<token id>`) and, for open secret scanning alerts (which name no identity),
 * `github:<org>:secret-scanning`. Computed from the generated organizations only.
 */
import type { GithubDeployKey, GithubInstallation, GithubOrg, GithubPatGrant, GithubPermissionLevel } from '../github/estate.ts';
import type { Mark, TruthContext } from './types.ts';

const DAY_MS = 86_400_000;

const deployKeyId = (org: GithubOrg, repo: string, key: GithubDeployKey): string => `github:${org.login}:deploy-key/${repo}/${key.id}`;
const appId = (org: GithubOrg, i: GithubInstallation): string => `github:${org.login}:app/${i.id}`;
const patId = (org: GithubOrg, p: GithubPatGrant): string => `github:${org.login}:pat/${p.tokenId}`;

/** Whole days from `iso` to the analysis clock. */
const daysOld = (ctx: TruthContext, iso: string): number => Math.floor((ctx.now.getTime() - Date.parse(iso)) / DAY_MS);

/** GitHub permissions that administer: repository settings, the organization, its members. */
const ADMIN_PERMISSIONS = new Set(['administration', 'organization_administration', 'members']);
const writes = (level: GithubPermissionLevel): boolean => level === 'write' || level === 'admin';

/** Permissions at admin level (`administration: write`, ...) of a permission set. */
function adminPermissions(perms: Record<string, GithubPermissionLevel>): string[] {
  return Object.entries(perms)
    .filter(([p, level]) => ADMIN_PERMISSIONS.has(p) && writes(level))
    .map(([p, level]) => `${p}:${level}`);
}

/** A token that can authenticate today: not expired. */
const patUsable = (ctx: TruthContext, p: GithubPatGrant): boolean => !p.tokenExpired && (p.tokenExpiresAt === null || Date.parse(p.tokenExpiresAt) > ctx.now.getTime());

function forEachDeployKey(ctx: TruthContext, fn: (id: string, key: GithubDeployKey, repo: string, org: GithubOrg) => void): void {
  for (const org of ctx.estate.github.orgs) for (const repo of org.repos) for (const key of repo.deployKeys) fn(deployKeyId(org, repo.name, key), key, repo.name, org);
}

function forEachPat(ctx: TruthContext, fn: (id: string, p: GithubPatGrant, org: GithubOrg) => void): void {
  for (const org of ctx.estate.github.orgs) for (const p of org.patGrants) fn(patId(org, p), p, org);
}

/** credential.key-age: a deploy key, or a usable token (age from the grant: GitHub gives no creation date), past the rotation threshold. */
function keyAge(ctx: TruthContext, mark: Mark): void {
  const limit = ctx.policy.keyRotationDays;
  forEachDeployKey(ctx, (id, key) => {
    const age = daysOld(ctx, key.createdAt);
    if (age > limit) mark('credential.key-age', id, `deploy key ${key.id} ${age} days old`);
  });
  forEachPat(ctx, (id, p) => {
    const age = daysOld(ctx, p.accessGrantedAt);
    if (patUsable(ctx, p) && age > limit) mark('credential.key-age', id, `token ${p.tokenName} granted ${age} days ago`);
  });
}

/**
 * credential.unused: a deploy key whose reported last use is past the threshold (GitHub's null or
 * missing `last_used` is "unknown": GitHub has no record of older uses); a token last used past the
 * threshold, or never used and granted past it; an expired token (no usable credential left) whose
 * last use is past the threshold. App installations report no use.
 */
function unused(ctx: TruthContext, mark: Mark): void {
  const limit = ctx.policy.unusedDays;
  forEachDeployKey(ctx, (id, key) => {
    if (typeof key.lastUsed === 'string' && daysOld(ctx, key.lastUsed) > limit) mark('credential.unused', id, `deploy key ${key.id} last used ${daysOld(ctx, key.lastUsed)} days ago`);
  });
  forEachPat(ctx, (id, p) => {
    if (p.tokenLastUsedAt !== null) {
      const idle = daysOld(ctx, p.tokenLastUsedAt);
      if (idle > limit) mark('credential.unused', id, `token ${p.tokenName} last used ${idle} days ago${patUsable(ctx, p) ? '' : ' (expired)'}`);
    } else if (patUsable(ctx, p) && daysOld(ctx, p.accessGrantedAt) > limit) {
      mark('credential.unused', id, `token ${p.tokenName} never used, granted ${daysOld(ctx, p.accessGrantedAt)} days ago`);
    }
  });
}

/** credential.expiry: a token past its expiry still granted to the organization (no expiry at all is github.token-no-expiry's). */
function expiry(ctx: TruthContext, mark: Mark): void {
  forEachPat(ctx, (id, p) => {
    if (p.tokenExpiresAt !== null && Date.parse(p.tokenExpiresAt) <= ctx.now.getTime()) mark('credential.expiry', id, `token ${p.tokenName} expired ${p.tokenExpiresAt}`);
  });
}

/** identity.admin: an installation (suspended or not) or a token with write on administration, organization_administration or members. */
function admin(ctx: TruthContext, mark: Mark): void {
  for (const org of ctx.estate.github.orgs) {
    for (const i of org.installations) {
      const perms = adminPermissions(i.permissions);
      if (perms.length > 0) mark('identity.admin', appId(org, i), `app ${i.appSlug} holds ${perms.join(', ')}`);
    }
  }
  forEachPat(ctx, (id, p) => {
    const perms = [...adminPermissions(p.permissions.organization), ...adminPermissions(p.permissions.repository)];
    if (perms.length > 0) mark('identity.admin', id, `token ${p.tokenName} holds ${perms.join(', ')}`);
  });
}

/** github.app-write-all: an active installation on all repositories with any write or admin permission. */
function appWriteAll(ctx: TruthContext, mark: Mark): void {
  for (const org of ctx.estate.github.orgs) {
    for (const i of org.installations) {
      const written = Object.entries(i.permissions).filter(([, level]) => writes(level));
      if (i.suspendedAt === null && i.repositorySelection === 'all' && written.length > 0) mark('github.app-write-all', appId(org, i), `app ${i.appSlug} on all repositories with ${written.map(([p]) => p).join(', ')} write`);
    }
  }
}

/** github.secret-alert-open: an open alert in an organization with secret scanning. */
function secretAlertOpen(ctx: TruthContext, mark: Mark): void {
  for (const org of ctx.estate.github.orgs) {
    const open = org.secretScanning ? org.alerts.filter((a) => a.state === 'open') : [];
    if (open.length > 0) mark('github.secret-alert-open', `github:${org.login}:secret-scanning`, `${open.length} open alerts (#${open.map((a) => a.number).join(', #')})`);
  }
}

/** github.deploy-key-write: a deploy key that is not read-only. */
function deployKeyWrite(ctx: TruthContext, mark: Mark): void {
  forEachDeployKey(ctx, (id, key, repo) => {
    if (!key.readOnly) mark('github.deploy-key-write', id, `deploy key ${key.id} can write to ${repo}`);
  });
}

/** github.token-no-expiry: a usable token without an expiry, or expiring beyond the maximum lifetime. */
function tokenNoExpiry(ctx: TruthContext, mark: Mark): void {
  const limitMs = ctx.now.getTime() + ctx.policy.maxSecretLifetimeDays * DAY_MS;
  forEachPat(ctx, (id, p) => {
    if (!patUsable(ctx, p)) return;
    if (p.tokenExpiresAt === null) mark('github.token-no-expiry', id, `token ${p.tokenName} never expires`);
    else if (Date.parse(p.tokenExpiresAt) > limitMs) mark('github.token-no-expiry', id, `token ${p.tokenName} expires ${p.tokenExpiresAt}`);
  });
}

export function githubTruth(ctx: TruthContext, mark: Mark): void {
  keyAge(ctx, mark);
  unused(ctx, mark);
  expiry(ctx, mark);
  admin(ctx, mark);
  appWriteAll(ctx, mark);
  secretAlertOpen(ctx, mark);
  deployKeyWrite(ctx, mark);
  tokenNoExpiry(ctx, mark);
}
