import type { Finding } from '../../model/index.ts';
import { credentialLabel, isLongLived, isUsable, subjectOf } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { daysSince } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';

/** A finding escalates from medium to high once the key is older than this many thresholds. */
export const KEY_AGE_HIGH_FACTOR = 4;

/**
 * `credential.key-age`: a usable (active, unexpired) long-lived credential older than
 * `policy.keyRotationDays`, age counted in whole days from `createdAt`.
 *
 * - medium; high when older than 4x the threshold (360 days by default: it has missed three
 *   rotations and is likely copied into places nobody remembers).
 * - Credentials without `createdAt` are skipped (no evidence); so are credentials of disabled
 *   identities (they cannot authenticate; the verdict keeps disabled identities), of managed
 *   identities (the platform's own: Kubernetes system-namespace accounts, ...; no hygiene rule
 *   reports them) and provider-managed ones (GCP system-managed keys, rotated by Google:
 *   `isUsable` is false).
 */
export const keyAgeRule: Rule = {
  id: 'credential.key-age',
  title: 'Long-lived credential not rotated',
  severity: 'medium',
  rationale:
    'A long-lived key that is never rotated stays valid wherever it was ever copied (CI variables, laptops, ' +
    'images, repositories). Regular rotation bounds how long a leaked key is useful to an attacker.',
  remediation:
    'Create a new key, roll it out to every consumer, confirm the old key is no longer used (last-used date), ' +
    'then deactivate and delete the old key. Better: move the workload to short-lived credentials ' +
    '(role assumption, workload identity) or behind the access gateway.',
  references: [REF.cisAws_1_14, REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5_1],
  evaluate: evaluateKeyAge,
};

function evaluateKeyAge({ inventory, policy, now }: RuleContext): Finding[] {
  const threshold = policy.keyRotationDays;
  const findings: Finding[] = [];
  for (const credential of inventory.credentials) {
    if (!isUsable(credential, now) || !isLongLived(credential.kind)) continue;
    const holder = inventory.identityById.get(credential.identityId);
    if (holder?.disabled === true || holder?.managed === true) continue;
    const age = daysSince(credential.createdAt, now);
    if (age === undefined || age <= threshold) continue;
    const subject = subjectOf(inventory, credential.identityId);
    if (!subject) continue;
    findings.push(
      makeFinding(keyAgeRule, {
        subjectType: 'credential',
        subjectId: credential.id,
        identityId: credential.identityId,
        subject,
        severity: age > KEY_AGE_HIGH_FACTOR * threshold ? 'high' : 'medium',
        message: `${credentialLabel(credential.kind)} ${credential.publicId} of ${subject.name} is ${age} days old (threshold ${threshold} days)`,
        evidence: {
          publicId: credential.publicId,
          credentialKind: credential.kind,
          createdAt: credential.createdAt ?? null,
          ageDays: age,
          thresholdDays: threshold,
          lastUsedAt: credential.lastUsedAt ?? null,
        },
      }),
    );
  }
  return findings;
}
