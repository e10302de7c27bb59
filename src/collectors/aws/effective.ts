/**
 * Effective access of each principal, judged as IAM evaluates requests: all its policies together
 * (attached, inline, its groups'), an explicit Deny anywhere wins, NotAction and NotResource
 * expanded, conditions weighed, the permissions boundary applied; plus the privilege-escalation
 * methods it holds and the role chains it can climb. One `effective` Grant per principal carries
 * the verdict next to the per-policy grants:
 * - privilege: admin, write or read for the principal as a whole;
 * - permissions: `escalation:<method>` for each escalation method, `path:<a -> b -> c>` for each
 *   role chain that reaches an admin or escalating role;
 * - viaName `conditional` when any of it depends on conditions an attacker may not meet.
 */
import type { Grant } from '../../model/index.ts';
import { escalationPaths, evaluatePrincipal } from '../../providers/aws/iam/index.ts';
import type { ChainPrincipal, PolicyDocument } from '../../providers/aws/iam/index.ts';
import { decodePolicyDocument } from './policy.ts';

export interface PrincipalPolicies {
  arn: string;
  identityId: string;
  /** Policy documents as IAM returns them (URL-encoded JSON). */
  policies: (string | undefined)[];
  boundary?: string;
  /** Roles: the trust policy. */
  trust?: string;
}

/** Decodes each distinct document once and hands out the same object (the evaluator caches by object). */
function documentCache(onError: (what: string) => void): (encoded: string | undefined, what: string) => PolicyDocument | undefined {
  const cache = new Map<string, PolicyDocument | undefined>();
  return (encoded, what) => {
    if (encoded === undefined) return undefined;
    if (cache.has(encoded)) return cache.get(encoded);
    let doc: PolicyDocument | undefined;
    try {
      const parsed = decodePolicyDocument(encoded);
      doc = typeof parsed === 'object' && parsed !== null ? (parsed) : undefined;
    } catch {
      onError(what);
    }
    cache.set(encoded, doc);
    return doc;
  };
}

export const EFFECTIVE_ROLE = 'effective access';

export function effectiveGrants(accountId: string, principals: readonly PrincipalPolicies[], onError: (what: string) => void = () => {}): Grant[] {
  const doc = documentCache(onError);
  const chain = new Map<string, ChainPrincipal>();
  for (const p of principals) {
    const identityPolicies = p.policies.map((d, i) => doc(d, `${p.arn} policy ${i + 1}`)).filter((d): d is PolicyDocument => d !== undefined);
    const permissionsBoundary = doc(p.boundary, `${p.arn} permissions boundary`);
    const access = evaluatePrincipal({ identityPolicies, ...(permissionsBoundary ? { permissionsBoundary } : {}) });
    const trustPolicy = doc(p.trust, `${p.arn} trust policy`);
    chain.set(p.arn, { access, ...(trustPolicy ? { trustPolicy } : {}) });
  }
  const judged = escalationPaths(chain);
  return principals.map((p) => {
    const j = judged.get(p.arn);
    const escalations = j?.classification.escalations ?? [];
    const paths = (j?.paths ?? []).filter((x) => x.admin || x.escalations.length > 0);
    const conditional = escalations.some((e) => e.conditional) || paths.some((x) => x.conditional);
    const grant: Grant = {
      identityId: p.identityId,
      scope: accountId,
      role: EFFECTIVE_ROLE,
      permissions: [...new Set(escalations.map((e) => `escalation:${e.method}`)), ...paths.map((x) => `path:${x.display}`)],
      privilege: j?.classification.privilege ?? 'read',
      via: 'effective',
    };
    if (conditional) grant.viaName = 'conditional';
    return grant;
  });
}
