/**
 * Ground truth of the GCP identities (`gcp:<projectId>:sa/<email>`): service accounts of every
 * project (user-created and the Compute Engine / App Engine defaults) with their keys, IAM
 * bindings on projects, folders and the organization, last authentications, and the gateway
 * sessions of their hoop connections. Google-managed service agents are provider-managed: no
 * hygiene rule reports them, so they get no marks.
 */
import { GCP_NO_EXPIRY } from '../gcp/estate.ts';
import type { GcpBinding, GcpKey, GcpProject, GcpServiceAccount } from '../gcp/estate.ts';
import type { Estate } from '../estate.ts';
import type { Mark, TruthContext } from './types.ts';

const DAY = 86_400_000;

interface Account {
  id: string;
  project: GcpProject;
  sa: GcpServiceAccount;
}

/** Whole days from `iso` to now (floored), as the policy thresholds count them. */
const daysSince = (iso: string, now: Date): number => Math.floor((now.getTime() - Date.parse(iso)) / DAY);

const accountId = (projectId: string, email: string): string => `gcp:${projectId}:sa/${email.toLowerCase()}`;

function accounts(estate: Estate): Account[] {
  return estate.gcp.projects.flatMap((project) => project.serviceAccounts.map((sa) => ({ id: accountId(project.projectId, sa.email), project, sa })));
}

const userKeys = (sa: GcpServiceAccount): GcpKey[] => sa.keys.filter((k) => k.type === 'USER_MANAGED');
const hasExpiry = (k: GcpKey): boolean => k.validBefore !== GCP_NO_EXPIRY;
const expired = (k: GcpKey, now: Date): boolean => hasExpiry(k) && Date.parse(k.validBefore) <= now.getTime();
/** A key that can authenticate today: user-managed (system-managed keys are never handed out), enabled, unexpired. */
const usable = (k: GcpKey, now: Date): boolean => k.type === 'USER_MANAGED' && !k.disabled && !expired(k, now);

const latest = (...times: (number | undefined)[]): number | undefined => times.reduce<number | undefined>((a, t) => (t === undefined ? a : a === undefined || t > a ? t : a), undefined);
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/**
 * Latest gateway session per identity, and per key for connections that hold the account's first
 * user-managed key file (hoop truth `holdsKey`, whatever linked them; see gatewayCandidates): a
 * key the gateway uses is used. Sessions of other connections name only the identity.
 */
interface GatewayUse {
  identity: Map<string, number>;
  key: Map<string, number>;
}

function gatewayUse(estate: Estate): GatewayUse {
  const byName = new Map(estate.hoop.truth.filter((t) => t.identityId?.startsWith('gcp:')).map((t) => [t.name, t]));
  const keyOf = new Map<string, string>();
  for (const a of accounts(estate)) {
    const first = userKeys(a.sa)[0];
    if (first) keyOf.set(a.id, first.id);
  }
  const use: GatewayUse = { identity: new Map(), key: new Map() };
  const bump = (map: Map<string, number>, k: string, t: number): void => {
    if ((map.get(k) ?? -Infinity) < t) map.set(k, t);
  };
  for (const s of estate.hoop.sessions()) {
    const t = byName.get(s.connection);
    if (t?.identityId === undefined) continue;
    const at = Date.parse(s.start_date);
    bump(use.identity, t.identityId, at);
    const key = t.holdsKey === true ? keyOf.get(t.identityId) : undefined;
    if (key !== undefined) bump(use.key, `${t.identityId}#${key}`, at);
  }
  return use;
}

/** Every binding of the estate as (identity id, scope, binding): project policies and the folders' and organization's. */
function bindings(estate: Estate): { id: string; scope: string; binding: GcpBinding }[] {
  const home = new Map(accounts(estate).map((a) => [a.sa.email.toLowerCase(), a.id]));
  const out: { id: string; scope: string; binding: GcpBinding }[] = [];
  const policies = [
    ...estate.gcp.projects.map((p) => ({ scope: `projects/${p.projectId}`, policy: p.policy })),
    ...estate.gcp.folders.map((f) => ({ scope: `folders/${f.id}`, policy: f.policy })),
    { scope: `organizations/${estate.gcp.organization.id}`, policy: estate.gcp.organization.policy },
  ];
  for (const { scope, policy } of policies) {
    for (const binding of policy.bindings) {
      for (const member of binding.members) {
        if (!member.startsWith('serviceAccount:')) continue; // people, groups, `deleted:` members
        const id = home.get(member.slice('serviceAccount:'.length).toLowerCase());
        if (id !== undefined) out.push({ id, scope, binding });
      }
    }
  }
  return out;
}

/**
 * A binding whose condition can never be met again: a `request.time < timestamp(T)` bound (the
 * generator's `temporary-access` condition) with T in the past. IAM ignores it: it grants nothing.
 */
function lapsed(b: GcpBinding, now: Date): boolean {
  const m = /^request\.time < timestamp\("([^"]+)"\)$/.exec(b.condition?.expression ?? '');
  return m !== null && Date.parse(m[1] as string) <= now.getTime();
}

function keyAge(ctx: TruthContext, mark: Mark): void {
  for (const { id, sa } of accounts(ctx.estate)) {
    if (sa.disabled) continue;
    for (const k of userKeys(sa)) {
      const age = daysSince(k.validAfter, ctx.now);
      if (usable(k, ctx.now) && age > ctx.policy.keyRotationDays) mark('credential.key-age', id, `key ${k.id} ${age} days old`);
    }
  }
}

function unused(ctx: TruthContext, mark: Mark, gateway: GatewayUse): void {
  const { now } = ctx;
  const threshold = ctx.policy.unusedDays;
  for (const { id, sa } of accounts(ctx.estate)) {
    if (sa.disabled) continue;
    const keys = userKeys(sa);
    const live = keys.filter((k) => usable(k, now));
    for (const k of live) {
      const last = latest(ms(k.lastAuthenticatedAt), gateway.key.get(`${id}#${k.id}`));
      if (last !== undefined) {
        const idle = daysSince(new Date(last).toISOString(), now);
        if (idle > threshold) mark('credential.unused', id, `key ${k.id} last used ${idle} days ago`);
      } else if (daysSince(k.validAfter, now) > threshold) {
        mark('credential.unused', id, `key ${k.id} never used, created ${daysSince(k.validAfter, now)} days ago`);
      }
    }
    if (live.length > 0) continue;
    // No usable key: the account itself. GCP reports no creation time for service accounts, so
    // one never used has no age to judge.
    const last = latest(ms(sa.lastAuthenticatedAt), gateway.identity.get(id), ...keys.map((k) => latest(ms(k.lastAuthenticatedAt), gateway.key.get(`${id}#${k.id}`))));
    if (last === undefined) continue;
    const idle = daysSince(new Date(last).toISOString(), now);
    if (idle > threshold) mark('credential.unused', id, `account without usable key last used ${idle} days ago`);
  }
}

function multipleActive(ctx: TruthContext, mark: Mark): void {
  for (const { id, sa } of accounts(ctx.estate)) {
    const live = userKeys(sa).filter((k) => usable(k, ctx.now));
    if (!sa.disabled && live.length >= 2) mark('credential.multiple-active', id, `${live.length} enabled unexpired user-managed keys`);
  }
}

function expiry(ctx: TruthContext, mark: Mark): void {
  for (const { id, sa } of accounts(ctx.estate)) {
    if (sa.disabled) continue;
    for (const k of userKeys(sa)) {
      if (expired(k, ctx.now)) mark('credential.expiry', id, `key ${k.id} expired ${k.validBefore}, still listed`);
      else if (!hasExpiry(k) && !k.disabled) mark('credential.expiry', id, `enabled key ${k.id} has no expiry`);
    }
  }
}

const PRIVILEGED = new Set([
  'roles/owner',
  'roles/editor',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.serviceAccountTokenCreator',
  'roles/resourcemanager.projectIamAdmin',
]);

function privilegedRole(ctx: TruthContext, mark: Mark): void {
  for (const { id, scope, binding } of bindings(ctx.estate)) {
    if (PRIVILEGED.has(binding.role) && !lapsed(binding, ctx.now)) mark('gcp.privileged-role', id, `${binding.role} on ${scope}${binding.condition ? ` (condition ${binding.condition.title})` : ''}`);
  }
}

function defaultSaEditor(ctx: TruthContext, mark: Mark, gateway: GatewayUse): void {
  const { now } = ctx;
  const editors = new Set(bindings(ctx.estate).filter((b) => b.binding.role === 'roles/editor' && !lapsed(b.binding, now)).map((b) => b.id));
  for (const { id, sa } of accounts(ctx.estate)) {
    if (sa.kind === 'user' || sa.disabled || !editors.has(id)) continue;
    const keys = userKeys(sa).filter((k) => usable(k, now));
    const last = latest(ms(sa.lastAuthenticatedAt), gateway.identity.get(id), ...sa.keys.map((k) => ms(k.lastAuthenticatedAt)));
    const idle = last === undefined ? undefined : daysSince(new Date(last).toISOString(), now);
    if (keys.length > 0) mark('gcp.default-sa-editor', id, `${sa.kind} account with roles/editor and usable key ${keys[0]?.id}`);
    else if (idle !== undefined && idle <= ctx.policy.unusedDays) mark('gcp.default-sa-editor', id, `${sa.kind} account with roles/editor used ${idle} days ago`);
  }
}

export function gcpTruth(ctx: TruthContext, mark: Mark): void {
  const gateway = gatewayUse(ctx.estate);
  keyAge(ctx, mark);
  unused(ctx, mark, gateway);
  multipleActive(ctx, mark);
  expiry(ctx, mark);
  privilegedRole(ctx, mark);
  defaultSaEditor(ctx, mark, gateway);
  // identity.admin and identity.privilege-escalation: never for GCP. identity.admin leaves GCP to
  // gcp.privileged-role (one finding per problem), and the escalation roles (token creator, key
  // admin, service account admin, project IAM admin) are administrator roles there, reported by
  // gcp.privileged-role too.
}
