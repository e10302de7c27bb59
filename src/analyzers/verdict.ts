/**
 * Per identity, what should happen (ARCHITECTURE.md, "Verdict"), as a first-match decision table:
 *
 * | # | when                                                                   | verdict |
 * |---|------------------------------------------------------------------------|---------|
 * | 1 | provider-managed identity                                              | keep    |
 * | 2 | identity disabled                                                      | keep    |
 * | 3 | every usable credential unused (and no recent identity use), or an     | revoke  |
 * |   | identity without usable credential found unused                        |         |
 * | 4 | administrator rights and a usable long-lived credential                | migrate |
 * | 5 | a credential committed to a repository                                 | rotate  |
 * | 6 | any credential past the rotation threshold                             | rotate  |
 * | 7 | otherwise                                                              | keep    |
 *
 * Migrate ranks above rotate: moving a privileged workload behind the gateway removes the key
 * from the workload, which settles its rotation too.
 */
import type { Credential, Finding, Identity, Verdict, VerdictKind } from '../model/index.ts';
import { isLongLived, isUsable, lastIdentityUse } from './facts.ts';
import { keyAgeRule } from './rules/credential-key-age.ts';
import { unusedRule } from './rules/credential-unused.ts';
import { adminRule } from './rules/identity-admin.ts';
import { leakedRule } from './rules/credential-leaked.ts';
import { daysSince } from './time.ts';
import type { RuleContext } from './types.ts';

/** What the table looks at for one identity. */
export interface VerdictFacts {
  identity: Identity;
  unusedDays: number;
  usableCredentials: Credential[];
  /** Unused findings on the identity's credentials. */
  unusedCredentials: Finding[];
  /** Unused finding on the identity itself (no usable credential). */
  unusedIdentity: Finding | undefined;
  keyAge: Finding[];
  admin: Finding | undefined;
  /** Credentials of the identity found committed to a repository. */
  leaked: Finding[];
  /** Identity's own use (last-used date, activities) within `unusedDays`. */
  recentIdentityUse: boolean;
  /** Every finding about the identity. */
  all: Finding[];
}

interface Row {
  verdict: VerdictKind;
  when(f: VerdictFacts): boolean;
  /** The findings that justify this verdict. */
  findings(f: VerdictFacts): Finding[];
  /** The headline reason; the justifying findings' messages follow it. */
  reason(f: VerdictFacts): string;
}

function allCredentialsUnused(f: VerdictFacts): boolean {
  if (f.unusedIdentity) return true;
  if (f.usableCredentials.length === 0 || f.recentIdentityUse) return false;
  const unused = new Set(f.unusedCredentials.map((x) => x.subjectId));
  return f.usableCredentials.every((c) => unused.has(c.id));
}

function hasLongLivedKey(f: VerdictFacts): boolean {
  return f.usableCredentials.some((c) => isLongLived(c.kind));
}

export const VERDICT_TABLE: readonly Row[] = [
  {
    verdict: 'keep',
    when: (f) => f.identity.managed,
    findings: () => [],
    reason: () => 'Provider-managed identity: it cannot be revoked or changed',
  },
  {
    verdict: 'keep',
    when: (f) => f.identity.disabled,
    findings: () => [],
    reason: () => 'Identity is disabled: it cannot authenticate',
  },
  {
    verdict: 'revoke',
    when: allCredentialsUnused,
    findings: (f) => (f.unusedIdentity ? [f.unusedIdentity] : f.unusedCredentials),
    reason: (f) =>
      f.unusedIdentity
        ? `Identity not used for more than ${f.unusedDays} days`
        : `No credential used for more than ${f.unusedDays} days and no recent use of the identity`,
  },
  {
    verdict: 'migrate',
    when: (f) => f.admin !== undefined && hasLongLivedKey(f),
    findings: (f) => [...(f.admin ? [f.admin] : []), ...f.leaked, ...f.keyAge],
    reason: () => 'Administrator rights with a long-lived credential: move access behind the access gateway',
  },
  {
    verdict: 'rotate',
    when: (f) => f.leaked.length > 0,
    findings: (f) => [...f.leaked, ...f.keyAge],
    reason: () => 'Credential committed to a repository: replace it and revoke the exposed one',
  },
  {
    verdict: 'rotate',
    when: (f) => f.keyAge.length > 0,
    findings: (f) => f.keyAge,
    reason: () => 'Credential older than the rotation threshold',
  },
  {
    verdict: 'keep',
    when: () => true,
    findings: (f) => f.all,
    reason: (f) => (f.all.length === 0 ? 'No findings' : 'No finding calls for revocation, rotation or migration; review the open findings'),
  },
];

export function verdictFacts(ctx: RuleContext, identity: Identity, findings: readonly Finding[]): VerdictFacts {
  const { inventory, policy, now } = ctx;
  const byRule = (ruleId: string) => findings.filter((x) => x.ruleId === ruleId);
  const unused = byRule(unusedRule.id);
  const idle = daysSince(lastIdentityUse(inventory, identity), now);
  return {
    identity,
    unusedDays: policy.unusedDays,
    usableCredentials: (inventory.credentialsByIdentity.get(identity.id) ?? []).filter((c) => isUsable(c, now)),
    unusedCredentials: unused.filter((x) => x.subjectType === 'credential'),
    unusedIdentity: unused.find((x) => x.subjectType === 'identity'),
    keyAge: byRule(keyAgeRule.id),
    admin: byRule(adminRule.id)[0],
    leaked: byRule(leakedRule.id),
    recentIdentityUse: idle !== undefined && idle <= policy.unusedDays,
    all: [...findings],
  };
}

export function decideVerdict(facts: VerdictFacts): Verdict {
  const row = VERDICT_TABLE.find((r) => r.when(facts));
  if (!row) throw new Error('verdict table has no fallback row');
  const supporting = row.findings(facts);
  return {
    identityId: facts.identity.id,
    verdict: row.verdict,
    reasons: [row.reason(facts), ...supporting.map((x) => x.message)],
    findingIds: supporting.map((x) => x.id),
  };
}

/** One verdict per identity of the inventory, in identity id order. */
export function decideVerdicts(ctx: RuleContext, findings: readonly Finding[]): Verdict[] {
  const byIdentity = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byIdentity.get(f.identityId);
    if (list) list.push(f);
    else byIdentity.set(f.identityId, [f]);
  }
  return [...ctx.inventory.identities]
    .sort((a, b) => compareStrings(a.id, b.id))
    .map((identity) => decideVerdict(verdictFacts(ctx, identity, byIdentity.get(identity.id) ?? [])));
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
