/**
 * Reading IAM policy documents: decoding (URL-encoded JSON as IAM returns them), the actions they
 * allow, and a privilege class: admin, write or read.
 */
import type { PrivilegeClass } from '../../model/index.ts';

export const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** Decodes a policy document as IAM returns it (URL-encoded JSON); plain JSON is accepted too. */
export function decodePolicyDocument(encoded: string): unknown {
  const text = encoded.trimStart().startsWith('{') ? encoded : decodeURIComponent(encoded);
  return JSON.parse(text) as unknown;
}

interface Statement {
  effect: string;
  actions: string[];
  notActions: string[] | undefined;
  resources: string[];
  notResources: string[] | undefined;
}

const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function statementsOf(doc: unknown): Statement[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const raw = (doc as { Statement?: unknown }).Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list
    .filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null)
    .map((s) => ({
      effect: typeof s.Effect === 'string' ? s.Effect : '',
      actions: strings(s.Action),
      notActions: 'NotAction' in s ? strings(s.NotAction) : undefined,
      resources: strings(s.Resource),
      notResources: 'NotResource' in s ? strings(s.NotResource) : undefined,
    }));
}

/** Verbs (action name prefixes, lower case) that only read. */
const READ_VERBS = ['get', 'list', 'describe', 'head', 'view', 'lookup', 'search', 'batchget', 'batchdescribe', 'query', 'scan', 'select', 'read', 'simulate', 'filter'];
/** Read-only actions whose verb does not say so. */
const READ_ACTIONS = new Set(['iam:generatecredentialreport', 'iam:generateservicelastaccesseddetails', 'iam:generateorganizationsaccessreport', 'ecr:batchchecklayeravailability']);

/** True when the action (possibly with wildcards) can only read: `s3:Get*`, `ec2:DescribeInstances`. */
export function isReadOnlyAction(action: string): boolean {
  const a = action.trim().toLowerCase();
  if (READ_ACTIONS.has(a)) return true;
  const colon = a.indexOf(':');
  if (colon <= 0) return false;
  const verb = a.slice(colon + 1);
  if (verb === '' || verb.startsWith('*') || verb.startsWith('?')) return false;
  return READ_VERBS.some((v) => verb.startsWith(v));
}

const isAllActions = (a: string): boolean => a.trim() === '*' || a.trim() === '*:*';
/** A NotAction entry that takes away all of IAM (or everything). */
const excludesIam = (a: string): boolean => isAllActions(a) || a.trim().toLowerCase() === 'iam:*';

export interface PolicyAnalysis {
  /** Actions allowed, in document order without duplicates; NotAction entries as `!action`. */
  permissions: string[];
  privilege: PrivilegeClass;
}

/**
 * Privilege class of a policy: admin for AdministratorAccess, or any Allow of every action
 * (`*`, `*:*`) or of NotAction on every resource (`*`, or NotResource) unless the NotAction takes
 * away all of IAM (PowerUserAccess: it cannot grant itself more); write when any allowed
 * action is not read-only; read otherwise. Deny statements do not lower the class.
 */
export function analyzePolicy(doc: unknown, opts: { arn?: string } = {}): PolicyAnalysis {
  const permissions = new Set<string>();
  let privilege: PrivilegeClass = opts.arn === ADMINISTRATOR_ACCESS_ARN ? 'admin' : 'read';
  const raise = (to: PrivilegeClass): void => {
    if (to === 'admin' || (to === 'write' && privilege === 'read')) privilege = to;
  };
  for (const s of statementsOf(doc)) {
    if (s.effect !== 'Allow') continue;
    const everyResource = s.notResources !== undefined || s.resources.some((r) => r.trim() === '*');
    if (s.notActions !== undefined) {
      for (const a of s.notActions) permissions.add('!' + a);
      // Everything but IAM (PowerUserAccess's shape) cannot grant itself more: write, not admin.
      raise(everyResource && !s.notActions.some(excludesIam) ? 'admin' : 'write');
      continue;
    }
    for (const a of s.actions) {
      permissions.add(a);
      if (isAllActions(a)) raise(everyResource ? 'admin' : 'write');
      else if (!isReadOnlyAction(a)) raise('write');
    }
  }
  return { permissions: [...permissions], privilege };
}

/** A guess by name when a policy's document could not be read. */
export function privilegeByName(nameOrArn: string): PrivilegeClass {
  if (nameOrArn === ADMINISTRATOR_ACCESS_ARN || /(^|\/)AdministratorAccess$/.test(nameOrArn)) return 'admin';
  return /ReadOnly|SecurityAudit|ViewOnly/i.test(nameOrArn) ? 'read' : 'write';
}
