/**
 * Judging a principal's effective access: privilege class, admin, and escalation methods.
 *
 * Admin: every IAM "Permissions management" action of the catalog (attach/put policies, create
 * policy versions, create access keys, update trust policies, …) is allowed on every resource.
 * With that, the principal can grant itself anything, so `*`, `*:*`, `iam:*` and NotAction
 * lists that leave IAM in are all admin; PowerUserAccess (NotAction iam:*) is not.
 * Grants behind constraining conditions or partial Denies still count; `conditional` says so.
 *
 * Escalation: a method of {@link ESCALATION_METHODS} whose every action is allowed and whose
 * target action reaches a resource that may be privileged: a wildcard pattern, the principal
 * itself for self-modifying methods, or an ARN `opts.privileged` says is admin. A single
 * specific role/user ARN not known to be privileged is not an escalation.
 */
import { grantsOf } from './evaluate.ts';
import { ESCALATION_METHODS } from './escalations.ts';
import type { EscalationMethod } from './escalations.ts';
import { CATALOG } from './catalog.ts';
import { isBroad, matches, matchesResource } from './match.ts';
import { scopesOverlap } from './scope.ts';
import type { Classification, Escalation, Grant, PrincipalAccess } from './types.ts';

export interface ClassifyOptions {
  /** ARN of the principal itself (for self-targeting methods such as iam:PutUserPolicy). */
  self?: string;
  /** True for ARNs of roles/users/groups/policies known to be admin or able to escalate. */
  privileged?: (arn: string) => boolean;
}

const PERMISSIONS_MANAGEMENT = CATALOG.filter((a) => a.service === 'iam' && a.level === 'Permissions management').map((a) => a.key);

/** Grants whose conditions or partial Denies make the access conditional. */
const isConditional = (g: Grant, ignoreKeys: readonly string[] = []): boolean =>
  g.partiallyDenied || g.constrainingKeys.some((k) => !ignoreKeys.includes(k));

/** An excluded resource pattern that may name IAM resources (`arn:aws:iam::…`, `*`, `arn:*:*…`). */
const mayBeIam = (pattern: string): boolean => {
  const service = pattern.split(':')[2];
  return service === undefined || service === 'iam' || /[*?]/.test(service);
};

function adminOf(access: PrincipalAccess): { admin: boolean; conditional: boolean } {
  let conditional = false;
  for (const key of PERMISSIONS_MANAGEMENT) {
    const onAll = grantsOf(access, key).filter((g) => g.resources.include.includes('*'));
    if (onAll.length === 0) return { admin: false, conditional: false };
    // NotResource of non-IAM resources (an S3 bucket) does not limit IAM; of IAM resources it does.
    const full = onAll.filter((g) => !g.resources.exclude.some(mayBeIam));
    if (full.length === 0 && !onAll.some((g) => g.partiallyDenied)) return { admin: false, conditional: false };
    if (full.every((g) => isConditional(g))) conditional = true;
  }
  return { admin: true, conditional };
}

/** Whether an `iam:PassedToService` condition lets the role be passed to the service. */
function passableTo(g: Grant, service: string | undefined): boolean {
  if (service === undefined) return true;
  return g.conditions
    .filter((c) => c.key === 'iam:passedtoservice')
    .every((c) => {
      const hit = c.values.some((v) => matchesResource(v, service));
      if (c.operator === 'stringequals' || c.operator === 'stringlike') return hit;
      if (c.operator === 'stringnotequals' || c.operator === 'stringnotlike') return !hit;
      return true;
    });
}

/** Services whose resources a target action acts on, when not its own (sts:AssumeRole acts on IAM roles). */
const TARGET_SERVICES: Readonly<Record<string, readonly string[]>> = { sts: ['iam'], ssm: ['ssm', 'ec2'], 'ec2-instance-connect': ['ec2'] };

/** Whether a resource pattern can name a resource of the action at all (`arn:aws:s3:::bucket/*` never names an IAM role). */
function mayName(pattern: string, action: string): boolean {
  const service = pattern.split(':')[2];
  if (service === undefined) return true;
  const own = action.slice(0, action.indexOf(':')).toLowerCase();
  return (TARGET_SERVICES[own] ?? [own]).some((s) => matches(service, s));
}

/**
 * Whether a resource pattern names every role (`*`, `arn:aws:iam::*:role/*`), not a family of
 * names (`role/deploy-*`, `arn:aws:iam::*:role/audit`: role chains judge the roles those match).
 */
function namesEveryRole(pattern: string): boolean {
  const [, partition = 'aws', , , account = '111122223333'] = pattern.split(':');
  const arn = (name: string): string => `arn:${/[*?]/.test(partition) ? 'aws' : partition}:iam::${/[*?]/.test(account) ? '111122223333' : account}:role/${name}`;
  return matchesResource(pattern, arn('\u0001')) && matchesResource(pattern, arn('p/\u0002\u0003'));
}

function methodOf(access: PrincipalAccess, m: EscalationMethod, opts: ClassifyOptions): Escalation | undefined {
  if (m.needsBoundary === true && !access.hasBoundary) return undefined;
  const reaches = (pattern: string): boolean =>
    mayName(pattern, m.target) &&
    ((m.broadOnly === true ? namesEveryRole(pattern) : isBroad(pattern)) ||
      (m.self === true && opts.self !== undefined && matchesResource(pattern, opts.self)) ||
      (m.broadOnly !== true && opts.privileged?.(pattern) === true));
  const ignore = m.passedTo === undefined ? [] : ['iam:passedtoservice'];
  const targets = grantsOf(access, m.target).filter((g) => passableTo(g, m.passedTo) && g.resources.include.some(reaches));
  if (targets.length === 0) return undefined;
  let conditional = targets.every((g) => isConditional(g, ignore));
  for (const other of m.others) {
    const grants = grantsOf(access, other).filter((g) => m.sameResource !== true || targets.some((t) => scopesOverlap(t.resources, g.resources)));
    if (grants.length === 0) return undefined;
    if (grants.every((g) => isConditional(g))) conditional = true;
  }
  const resources = [...new Set(targets.flatMap((g) => g.resources.include.filter(reaches)))];
  return { method: m.method, actions: [m.target, ...m.others], resources, conditional };
}

/** The escalation methods the access allows. */
export function escalationsOf(access: PrincipalAccess, opts: ClassifyOptions = {}): Escalation[] {
  return ESCALATION_METHODS.map((m) => methodOf(access, m, opts)).filter((e): e is Escalation => e !== undefined);
}

const WRITE_LEVELS = new Set(['Write', 'Permissions management', 'Tagging']);

/** Privilege class (admin, write, read), admin flag and escalation methods of a principal's access. */
export function classify(access: PrincipalAccess, opts: ClassifyOptions = {}): Classification & { conditional: boolean } {
  const { admin, conditional } = adminOf(access);
  const escalations = escalationsOf(access, opts);
  const writes = [...access.actions.values()].some((a) => WRITE_LEVELS.has(a.level));
  return { privilege: admin ? 'admin' : writes ? 'write' : 'read', admin, conditional, escalations };
}
