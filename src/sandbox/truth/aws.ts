/**
 * Ground truth for AWS identities (`aws:<account>:user/<name>`, `aws:<account>:role/<name>`), from
 * the generator's choices: key dates and statuses, the policy labels of src/sandbox/aws/policies.ts
 * (what each document grants, judged by hand), trust policies, and the gateway's sessions.
 *
 * In scope, as a person would list the account's non-human identities: machine users (`nature`),
 * and roles except AWS SSO's reserved roles (they are people's permission sets, not machines).
 * Service-linked roles are provider-managed: hygiene rules never report them.
 */
import type { AwsAccessKey, AwsAccount, AwsRole, AwsUser, PolicyDocument, PolicyStatement } from '../estate.ts';
import { CUSTOMER_POLICY_TEMPLATES, awsManagedPolicyByArn } from '../aws/policies.ts';
import type { PolicyGrants } from '../aws/policies.ts';
import type { Mark, TruthContext } from './types.ts';

const DAY_MS = 86_400_000;

/** Whole days from `iso` to now, as the rules count ages and idle times. */
const wholeDays = (iso: string, now: Date): number => Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS);
const latest = (times: readonly (string | undefined)[]): string | undefined =>
  times.filter((t): t is string => t !== undefined).sort((a, b) => Date.parse(b) - Date.parse(a))[0];

const userId = (a: AwsAccount, u: AwsUser): string => `aws:${a.id}:user/${u.name}`;
const roleId = (a: AwsAccount, r: AwsRole): string => `aws:${a.id}:role/${r.name}`;
const inScopeRole = (r: AwsRole): boolean => r.kind !== 'sso';
const managedRole = (r: AwsRole): boolean => r.kind === 'service-linked';
const machineUsers = (a: AwsAccount): AwsUser[] => a.users.filter((u) => u.nature === 'machine');
const activeKeys = (u: AwsUser): AwsAccessKey[] => u.accessKeys.filter((k) => k.status === 'Active');

export function awsTruth(ctx: TruthContext, mark: Mark): void {
  const sessions = gatewayUse(ctx);
  const access = principalAccess(ctx);
  for (const account of ctx.estate.aws.accounts) {
    keyAge(ctx, account, mark);
    unused(ctx, account, sessions, mark);
    multipleActive(account, mark);
    expiry(account, mark);
    admin(account, access, mark);
    escalation(account, access, mark);
  }
}

// ------------------------------------------------------------------------------ credentials

/** credential.key-age: an active access key of a machine user more than keyRotationDays old. */
function keyAge(ctx: TruthContext, account: AwsAccount, mark: Mark): void {
  const threshold = ctx.policy.keyRotationDays;
  for (const u of machineUsers(account)) {
    for (const k of activeKeys(u)) {
      const age = wholeDays(k.createdAt, ctx.now);
      if (age > threshold) mark('credential.key-age', userId(account, u), `access key ${k.id} ${age} days old`);
    }
  }
}

/** credential.multiple-active: a machine user with more than one active access key. */
function multipleActive(account: AwsAccount, mark: Mark): void {
  for (const u of machineUsers(account)) {
    const keys = activeKeys(u);
    if (keys.length > 1) mark('credential.multiple-active', userId(account, u), `${keys.length} active access keys (${keys.map((k) => k.id).join(', ')})`);
  }
}

/**
 * credential.expiry: never for AWS. IAM access keys carry no expiry date and cannot be given one,
 * so neither "expired but present" nor "made without an expiry" applies (key age is key-age's).
 */
function expiry(_account: AwsAccount, _mark: Mark): void {}

/** Gateway sessions, as last-use times: per identity id, and per access key id when the connection holds that key. */
interface GatewayUse {
  byIdentity: Map<string, string>;
  byKey: Map<string, string>;
}

/**
 * Sessions on the gateway's connections to AWS machine users. A connection that holds the user's
 * first key (hoop truth `holdsKey`, whatever linked it, see hoop/estate.ts) uses that key; the
 * others name only the identity.
 */
function gatewayUse(ctx: TruthContext): GatewayUse {
  const keyOf = new Map<string, string>();
  for (const a of ctx.estate.aws.accounts) for (const u of machineUsers(a)) if (u.accessKeys[0]) keyOf.set(userId(a, u), u.accessKeys[0].id);
  const conn = new Map<string, { identityId: string; keyId?: string }>();
  for (const t of ctx.estate.hoop.truth) {
    if (t.identityId === undefined || !t.identityId.startsWith('aws:')) continue;
    const keyId = t.holdsKey === true ? keyOf.get(t.identityId) : undefined;
    conn.set(t.name, { identityId: t.identityId, ...(keyId !== undefined ? { keyId } : {}) });
  }
  const use: GatewayUse = { byIdentity: new Map(), byKey: new Map() };
  const note = (m: Map<string, string>, k: string, at: string): void => {
    const prev = m.get(k);
    if (prev === undefined || Date.parse(at) > Date.parse(prev)) m.set(k, at);
  };
  for (const s of ctx.estate.hoop.sessions()) {
    const c = conn.get(s.connection);
    if (!c) continue;
    note(use.byIdentity, c.identityId, s.start_date);
    if (c.keyId !== undefined) note(use.byKey, c.keyId, s.start_date);
  }
  return use;
}

/**
 * credential.unused: an active key whose last use (IAM's last-used date, or a gateway session on a
 * connection holding that key) is more than unusedDays ago, or never used and created more than
 * unusedDays ago. An identity without an active key (a role, a user whose keys are all inactive)
 * is judged as a whole: its password, all its keys, all its gateway sessions, a role's last use.
 * Service-linked roles are never reported.
 */
function unused(ctx: TruthContext, account: AwsAccount, use: GatewayUse, mark: Mark): void {
  const threshold = ctx.policy.unusedDays;
  const judge = (id: string, what: string, lastUsed: string | undefined, createdAt: string): void => {
    if (lastUsed !== undefined) {
      const idle = wholeDays(lastUsed, ctx.now);
      if (idle > threshold) mark('credential.unused', id, `${what} last used ${idle} days ago`);
    } else {
      const age = wholeDays(createdAt, ctx.now);
      if (age > threshold) mark('credential.unused', id, `${what} never used, created ${age} days ago`);
    }
  };
  for (const u of machineUsers(account)) {
    const id = userId(account, u);
    const keys = activeKeys(u);
    for (const k of keys) judge(id, `access key ${k.id}`, latest([k.lastUsed?.at, use.byKey.get(k.id)]), k.createdAt);
    if (keys.length === 0) {
      const last = latest([u.password?.lastUsedAt, ...u.accessKeys.map((k) => k.lastUsed?.at), use.byIdentity.get(id)]);
      judge(id, `user ${u.name} (no active key)`, last, u.createdAt);
    }
  }
  for (const r of account.roles) {
    if (!inScopeRole(r) || managedRole(r)) continue;
    judge(roleId(account, r), `role ${r.name}`, r.lastUsed?.at, r.createdAt);
  }
}

// ------------------------------------------------------------------------------- privileges

/** A principal's access as the union of its policies' labels, Denies applied. */
interface Access {
  admin: boolean;
  escalations: string[];
  /** Roles it may call sts:AssumeRole on (ARN patterns; `*` for any). */
  assumes: string[];
  /** Roles only. */
  trust?: PolicyDocument;
  /** Why, for the marks: the policies the verdict comes from. */
  adminVia: string[];
  escalationVia: string[];
}

const wildcard = (pattern: string, value: string, ignoreCase: boolean): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'i' : '').test(value);

/** The actions an escalation method needs: `iam:PassRole+ec2:RunInstances` -> both, `sts:AssumeRole on *` -> sts:AssumeRole. */
const actionsOf = (method: string): string[] => method.replace(/ on \*$/, '').split('+');

/** The policies of a principal with their labels: its own (attached, inline) and its groups'. */
function labelledPolicies(account: AwsAccount, p: { attached: string[]; inline: { name: string; grants?: PolicyGrants }[]; groups?: string[] }): { name: string; grants: PolicyGrants }[] {
  const byArn = (arn: string): { name: string; grants: PolicyGrants } => {
    const managed = awsManagedPolicyByArn(arn);
    if (managed) return { name: managed.name, grants: managed.grants ?? {} };
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    return { name, grants: CUSTOMER_POLICY_TEMPLATES.find((t) => t.name === name)?.grants ?? {} };
  };
  const own = [...p.attached.map(byArn), ...p.inline.map((i) => ({ name: `${i.name} (inline)`, grants: i.grants ?? {} }))];
  const groups = (p.groups ?? []).flatMap((g) => {
    const group = account.groups.find((x) => x.name === g);
    if (!group) return [];
    return [...group.attached.map(byArn), ...group.inline.map((i) => ({ name: i.name, grants: i.grants ?? {} }))].map((x) => ({ name: `${x.name} (group ${g})`, grants: x.grants }));
  });
  return [...own, ...groups];
}

/**
 * Combines the labels of all of a principal's policies: a Deny anywhere takes the actions it names
 * away from every Allow (admin needs IAM's permissions management; a method needs all its actions).
 * No generated principal holds a permissions boundary. Escalation methods that need actions from
 * two policies: the only iam:PassRole the generator grants (ci-deploy, to deploy-* roles) comes
 * with CloudFormation in the same document, so no method spans two policies.
 */
function combine(policies: readonly { name: string; grants: PolicyGrants }[]): Access {
  const denies = policies.flatMap((p) => p.grants.denies ?? []);
  const denied = (action: string): boolean => denies.some((d) => wildcard(d, action, true));
  const adminVia = policies.filter((p) => p.grants.admin === true).map((p) => p.name);
  // Administrator access is the power to change any permission: an IAM Deny takes it away.
  const admin = adminVia.length > 0 && !denied('iam:PutUserPolicy') && !denied('iam:AttachRolePolicy') && !denied('iam:CreatePolicyVersion');
  const escalations = new Set<string>();
  const escalationVia = new Set<string>();
  for (const p of policies) {
    for (const m of p.grants.escalations ?? []) {
      if (actionsOf(m).some(denied)) continue;
      escalations.add(m);
      escalationVia.add(p.name);
    }
  }
  const assumes = denied('sts:AssumeRole') ? [] : [...new Set(policies.flatMap((p) => [...(p.grants.assumes ?? []), ...((p.grants.escalations ?? []).includes('sts:AssumeRole on *') ? ['*'] : [])]))];
  return { admin, escalations: [...escalations].sort(), assumes, adminVia: adminVia.sort(), escalationVia: [...escalationVia].sort() };
}

/** Every principal of the estate by ARN (machine users and in-scope roles, service-linked ones too). */
function principalAccess(ctx: TruthContext): Map<string, Access> {
  const out = new Map<string, Access>();
  for (const a of ctx.estate.aws.accounts) {
    for (const u of machineUsers(a)) out.set(u.arn, combine(labelledPolicies(a, u)));
    for (const r of a.roles) if (inScopeRole(r)) out.set(r.arn, { ...combine(labelledPolicies(a, r)), trust: r.trust });
  }
  return out;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Whether a role's trust policy lets `caller` (an ARN) call sts:AssumeRole: an Allow naming it or
 * its account's root (conditions such as an external id still count: a caller can meet them).
 * Service, federated and SAML principals cannot be reached with sts:AssumeRole.
 */
function trusts(trust: PolicyDocument, caller: string): boolean {
  const account = caller.split(':')[4] ?? '';
  return list<PolicyStatement>(trust.Statement).some((s) => {
    if (s.Effect !== 'Allow' || !list(s.Action).some((a) => wildcard(a, 'sts:AssumeRole', true))) return false;
    const aws = s.Principal === '*' ? ['*'] : s.Principal ? list(s.Principal['AWS']) : [];
    return aws.some((p) => p === '*' || p === account || p === `arn:aws:iam::${account}:root` || wildcard(p, caller, false));
  });
}

/** The privileged roles (admin or escalating) `start` can reach through sts:AssumeRole, as chains of ARNs. */
function chainsFrom(start: string, access: Map<string, Access>): string[][] {
  const found: string[][] = [];
  const seen = new Set([start]);
  let frontier = [[start]];
  while (frontier.length > 0) {
    const next: string[][] = [];
    for (const path of frontier) {
      const from = access.get(path[path.length - 1] as string);
      if (!from) continue;
      for (const [arn, role] of access) {
        if (seen.has(arn) || role.trust === undefined) continue;
        if (!from.assumes.some((p) => wildcard(p, arn, false)) || !trusts(role.trust, path[path.length - 1] as string)) continue;
        seen.add(arn);
        const chain = [...path, arn];
        if (role.admin || role.escalations.length > 0) found.push(chain);
        next.push(chain);
      }
    }
    frontier = next;
  }
  return found;
}

const principals = (account: AwsAccount): { id: string; arn: string }[] => [
  ...machineUsers(account).map((u) => ({ id: userId(account, u), arn: u.arn })),
  ...account.roles.filter((r) => inScopeRole(r) && !managedRole(r)).map((r) => ({ id: roleId(account, r), arn: r.arn })),
];

/** identity.admin: a machine user or role whose policies together give administrator access. */
function admin(account: AwsAccount, access: Map<string, Access>, mark: Mark): void {
  for (const p of principals(account)) {
    const a = access.get(p.arn);
    if (a?.admin) mark('identity.admin', p.id, `administrator through ${a.adminVia.join(', ')}`);
  }
}

/**
 * identity.privilege-escalation: not an administrator, but holds an escalation method or can
 * assume (transitively) a role that is an administrator or can escalate.
 */
function escalation(account: AwsAccount, access: Map<string, Access>, mark: Mark): void {
  const short = (arn: string): string => arn.split(':').slice(5).join(':');
  for (const p of principals(account)) {
    const a = access.get(p.arn);
    if (!a || a.admin) continue;
    if (a.escalations.length > 0) {
      mark('identity.privilege-escalation', p.id, `${a.escalations.join(', ')} through ${a.escalationVia.join(', ')}`);
      continue;
    }
    const chain = chainsFrom(p.arn, access)[0];
    if (chain) mark('identity.privilege-escalation', p.id, `role chain ${chain.map(short).join(' -> ')}`);
  }
}
