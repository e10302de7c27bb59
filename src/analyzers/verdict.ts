/**
 * Per identity, what should happen (ARCHITECTURE.md, "Verdict"), as a first-match decision table:
 *
 * | # | when                                                                   | verdict |
 * |---|------------------------------------------------------------------------|---------|
 * | 1 | provider-managed identity                                              | keep    |
 * | 2 | identity disabled                                                      | keep    |
 * | 3 | every finding set aside by a valid exemption                           | exempt  |
 * | 4 | every usable credential unused (and no recent identity use), or an     | revoke  |
 * |   | identity without usable credential found unused                        |         |
 * | 5 | administrator rights and a usable long-lived credential that no gateway | migrate |
 * |   | connection holds                                                       |         |
 * | 6 | a credential committed to a repository                                 | rotate  |
 * | 7 | a key still used directly, beside the gateway (gateway bypass)         | rotate  |
 * | 8 | any credential past the rotation threshold                             | rotate  |
 * | 9 | in use and not behind the gateway (ungoverned), or shared by several   | migrate |
 * |   | people, agents or workloads while a usable credential is outside the   |         |
 * |   | gateway (shared through the gateway alone, each session has its person)|         |
 * |10 | otherwise                                                              | keep    |
 *
 * Orphaned identities (no active owner) are revoked when unused (row 4); in use they are cited on
 * whatever row applies, since revoking what something still runs on would break it.
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
import type { ExemptedFinding } from './exemptions.ts';
import { daysSince } from './time.ts';
import type { RuleContext } from './types.ts';

/** What the table looks at for one identity. */
export interface VerdictFacts {
  identity: Identity;
  unusedDays: number;
  usableCredentials: Credential[];
  /** Of those, the ones a gateway connection holds (behind the gateway already). */
  gatewayHeld: ReadonlySet<string>;
  /** Unused findings on the identity's credentials. */
  unusedCredentials: Finding[];
  /** Unused finding on the identity itself (no usable credential). */
  unusedIdentity: Finding | undefined;
  keyAge: Finding[];
  admin: Finding | undefined;
  /** Credentials of the identity found committed to a repository. */
  leaked: Finding[];
  /** Correlation with the gateway: keys used beside it, in use without it, shared. */
  bypass: Finding[];
  ungoverned: Finding[];
  shared: Finding[];
  orphaned: Finding[];
  /** Findings an exemption set aside. */
  exempted: ExemptedFinding[];
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

/** A usable long-lived key outside the gateway: one a gateway connection holds is already migrated. */
function hasLongLivedKey(f: VerdictFacts): boolean {
  return f.usableCredentials.some((c) => isLongLived(c.kind) && !f.gatewayHeld.has(c.id));
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
    verdict: 'exempt',
    when: (f) => f.exempted.length > 0 && f.all.filter((x) => x.ruleId !== 'exemption.expired').length === 0,
    findings: () => [],
    reason: (f) => {
      const e = f.exempted[0]?.exemption;
      return e ? `Exempted until ${e.expires} by ${e.approver}: ${e.reason}` : 'Exempted';
    },
  },
  {
    verdict: 'revoke',
    when: allCredentialsUnused,
    findings: (f) => [...(f.unusedIdentity ? [f.unusedIdentity] : f.unusedCredentials), ...f.orphaned],
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
    when: (f) => f.bypass.length > 0,
    findings: (f) => [...f.bypass, ...f.keyAge],
    reason: () => 'A key is still used directly, beside the gateway: rotate it so only the gateway holds the new one',
  },
  {
    verdict: 'rotate',
    when: (f) => f.keyAge.length > 0,
    findings: (f) => f.keyAge,
    reason: () => 'Credential older than the rotation threshold',
  },
  {
    verdict: 'migrate',
    when: (f) => f.ungoverned.length > 0 || (f.shared.length > 0 && f.usableCredentials.some((c) => !f.gatewayHeld.has(c.id))),
    findings: (f) => [...f.ungoverned, ...f.shared, ...f.orphaned],
    reason: (f) =>
      f.shared.length > 0 ? 'Shared by several people, agents or workloads: give each its own access through the gateway' : 'In use and not behind the gateway: move its use behind the gateway',
  },
  {
    verdict: 'keep',
    when: () => true,
    findings: (f) => f.all,
    reason: (f) => (f.all.length === 0 ? 'No findings' : 'No finding calls for revocation, rotation or migration; review the open findings'),
  },
];

export function verdictFacts(ctx: RuleContext, identity: Identity, findings: readonly Finding[], exempted: readonly ExemptedFinding[] = []): VerdictFacts {
  const { inventory, policy, now } = ctx;
  const byRule = (ruleId: string) => findings.filter((x) => x.ruleId === ruleId);
  const unused = byRule(unusedRule.id);
  const idle = daysSince(lastIdentityUse(inventory, identity), now);
  return {
    identity,
    unusedDays: policy.unusedDays,
    usableCredentials: (inventory.credentialsByIdentity.get(identity.id) ?? []).filter((c) => isUsable(c, now)),
    gatewayHeld: inventory.gatewayHeldCredentials,
    unusedCredentials: unused.filter((x) => x.subjectType === 'credential'),
    unusedIdentity: unused.find((x) => x.subjectType === 'identity'),
    keyAge: byRule(keyAgeRule.id),
    // administrator rights, in whichever provider's words
    admin: [adminRule.id, 'gcp.privileged-role', 'azure.privileged-role', 'k8s.cluster-admin'].flatMap(byRule)[0],
    leaked: byRule(leakedRule.id),
    bypass: byRule('credential.gateway-bypass'),
    ungoverned: byRule('identity.ungoverned'),
    shared: byRule('identity.shared'),
    orphaned: byRule('identity.orphaned'),
    exempted: [...exempted],
    recentIdentityUse: idle !== undefined && idle <= policy.unusedDays,
    all: [...findings],
  };
}

export function decideVerdict(facts: VerdictFacts): Verdict {
  const row = VERDICT_TABLE.find((r) => r.when(facts));
  if (!row) throw new Error('verdict table has no fallback row');
  const supporting = row.verdict === 'exempt' ? facts.exempted.map((e) => e.finding) : row.findings(facts);
  const verdict: Verdict = {
    identityId: facts.identity.id,
    verdict: row.verdict,
    reasons: [row.reason(facts), ...supporting.map((x) => x.message)],
    findingIds: supporting.map((x) => x.id),
  };
  if (row.verdict === 'exempt') {
    // the earliest expiry among the exemptions applied: after it, the findings come back
    const expiries = facts.exempted.map((e) => e.exemption.expires).sort();
    if (expiries[0] !== undefined) verdict.expiresAt = expiries[0];
  }
  return verdict;
}

/** One verdict per identity of the inventory, in identity id order. */
export function decideVerdicts(ctx: RuleContext, findings: readonly Finding[], exempted: readonly ExemptedFinding[] = []): Verdict[] {
  const byIdentity = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byIdentity.get(f.identityId);
    if (list) list.push(f);
    else byIdentity.set(f.identityId, [f]);
  }
  const exemptedBy = new Map<string, ExemptedFinding[]>();
  for (const e of exempted) exemptedBy.set(e.finding.identityId, [...(exemptedBy.get(e.finding.identityId) ?? []), e]);
  return [...ctx.inventory.identities]
    .sort((a, b) => compareStrings(a.id, b.id))
    .map((identity) => decideVerdict(verdictFacts(ctx, identity, byIdentity.get(identity.id) ?? [], exemptedBy.get(identity.id) ?? [])));
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
