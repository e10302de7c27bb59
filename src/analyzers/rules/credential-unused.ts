import type { Credential, Finding, Identity } from '../../model/index.ts';
import type { InventoryIndex } from '../inventory-index.ts';
import { credentialLabel, identityLabel, identitySubject, isUsable, lastCredentialUse, lastIdentityUse, reportsCredentialLastUse, reportsIdentityLastUse, subjectOf } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { daysSince, latestTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * `credential.unused` (medium):
 *
 * - a usable (active, unexpired) credential whose last use (provider last-used date or any
 *   activity naming it) is more than `policy.unusedDays` ago, or that was never used and was
 *   created more than `policy.unusedDays` ago (a fresh key not yet used does not fire);
 * - an identity with no usable credential (e.g. an IAM role) whose last use (its own, its
 *   activities', its inactive credentials') is more than `policy.unusedDays` ago; "never used"
 *   counts only for kinds whose provider reports identity use (see facts.ts), so a missing date
 *   on a Kubernetes service account is "unknown", not "never".
 *
 * Managed and disabled identities never fire. No date at all: no finding (no evidence).
 */
export const unusedRule: Rule = {
  id: 'credential.unused',
  title: 'Unused credential or identity',
  severity: 'medium',
  rationale:
    'A credential or identity nobody uses still grants access. It is attack surface with no business value, ' +
    'and its owner is less likely to notice when someone else starts using it.',
  remediation:
    'Confirm with the owner that nothing depends on it, then deactivate the credential (or detach the identity\'s ' +
    'permissions), wait one review cycle, and delete it.',
  references: [REF.cisAws_1_12, REF.soc2_cc6_2, REF.iso_a_5_18, REF.nist_ac_2_3],
  evaluate: evaluateUnused,
};

function evaluateUnused(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const credential of ctx.inventory.credentials) {
    const finding = unusedCredential(ctx, credential);
    if (finding) findings.push(finding);
  }
  for (const identity of ctx.inventory.identities) {
    const finding = unusedIdentity(ctx, identity);
    if (finding) findings.push(finding);
  }
  return findings;
}

interface Staleness {
  days: number;
  neverUsed: boolean;
  lastUsedAt: string | undefined;
}

/** How long the subject has been idle, or undefined when it was used recently or nothing is known. */
function staleness(lastUsedAt: string | undefined, createdAt: string | undefined, neverMeansNever: boolean, ctx: RuleContext): Staleness | undefined {
  const threshold = ctx.policy.unusedDays;
  if (lastUsedAt !== undefined) {
    const days = daysSince(lastUsedAt, ctx.now);
    return days !== undefined && days > threshold ? { days, neverUsed: false, lastUsedAt } : undefined;
  }
  if (!neverMeansNever) return undefined;
  const age = daysSince(createdAt, ctx.now);
  return age !== undefined && age > threshold ? { days: age, neverUsed: true, lastUsedAt: undefined } : undefined;
}

function ignoredIdentity(identity: Identity | undefined): boolean {
  return identity !== undefined && (identity.managed || identity.disabled);
}

function unusedCredential(ctx: RuleContext, credential: Credential): Finding | undefined {
  const { inventory, policy, now } = ctx;
  if (!isUsable(credential, now)) return undefined;
  if (ignoredIdentity(inventory.identityById.get(credential.identityId))) return undefined;
  const stale = staleness(lastCredentialUse(inventory, credential), credential.createdAt, reportsCredentialLastUse(credential.kind), ctx);
  const subject = subjectOf(inventory, credential.identityId);
  if (!stale || !subject) return undefined;
  const label = `${credentialLabel(credential.kind)} ${credential.publicId} of ${subject.name}`;
  return makeFinding(unusedRule, {
    subjectType: 'credential',
    subjectId: credential.id,
    identityId: credential.identityId,
    subject,
    message: describe(label, stale, policy.unusedDays),
    evidence: {
      publicId: credential.publicId,
      credentialKind: credential.kind,
      createdAt: credential.createdAt ?? null,
      lastUsedAt: stale.lastUsedAt ?? null,
      lastUsedService: credential.lastUsedService ?? null,
      neverUsed: stale.neverUsed,
      idleDays: stale.days,
      thresholdDays: policy.unusedDays,
    },
  });
}

function hasUsableCredential(inventory: InventoryIndex, identity: Identity, now: Date): boolean {
  return (inventory.credentialsByIdentity.get(identity.id) ?? []).some((c) => isUsable(c, now));
}

function unusedIdentity(ctx: RuleContext, identity: Identity): Finding | undefined {
  const { inventory, policy, now } = ctx;
  if (ignoredIdentity(identity) || hasUsableCredential(inventory, identity, now)) return undefined;
  const credentials = inventory.credentialsByIdentity.get(identity.id) ?? [];
  const lastUse = latestTime([lastIdentityUse(inventory, identity), ...credentials.map((c) => lastCredentialUse(inventory, c))]);
  const stale = staleness(lastUse, identity.createdAt, reportsIdentityLastUse(identity.kind), ctx);
  if (!stale) return undefined;
  return makeFinding(unusedRule, {
    subjectType: 'identity',
    subjectId: identity.id,
    identityId: identity.id,
    subject: identitySubject(identity),
    message: describe(`${identityLabel(identity.kind)} ${identity.name}`, stale, policy.unusedDays),
    evidence: {
      identityKind: identity.kind,
      createdAt: identity.createdAt ?? null,
      lastUsedAt: stale.lastUsedAt ?? null,
      neverUsed: stale.neverUsed,
      idleDays: stale.days,
      thresholdDays: policy.unusedDays,
    },
  });
}

function describe(label: string, stale: Staleness, threshold: number): string {
  return stale.neverUsed
    ? `${label} has never been used since it was created ${stale.days} days ago (threshold ${threshold} days)`
    : `${label} has not been used for ${stale.days} days (threshold ${threshold} days)`;
}
