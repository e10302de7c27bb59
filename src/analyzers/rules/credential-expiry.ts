import type { Credential, CredentialKind, Finding } from '../../model/index.ts';
import { credentialLabel, subjectOf } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { daysSince, parseTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * Kinds whose expiry (or lack of one) another rule already judges: Azure secrets
 * (`azure.secret-expired`, `azure.secret-lifetime`). GitHub tokens are not among them:
 * `github.token-no-expiry` judges a missing or too distant expiry only (`github-pat` is not in
 * CAN_EXPIRE), so an expired token still granted to the organization is reported here.
 */
const JUDGED_ELSEWHERE: ReadonlySet<CredentialKind> = new Set(['azure-client-secret', 'azure-certificate']);

/** Kinds that can carry an expiry, so that having none is a choice: GCP user-managed keys. */
const CAN_EXPIRE: ReadonlySet<CredentialKind> = new Set(['gcp-sa-key']);

/**
 * `credential.expiry`: a credential past its expiry that is still there (it can be re-enabled,
 * or its expiry extended, and it clutters every review), or a credential that could expire but
 * was made without an expiry (it stays valid until someone remembers to delete it).
 *
 * - low. Provider-managed credentials, managed and disabled identities are skipped.
 */
export const expiryRule: Rule = {
  id: 'credential.expiry',
  title: 'Credential expired but still present, or made without an expiry',
  severity: 'low',
  rationale:
    'An expired credential left in place can be brought back and hides among the live ones; a credential ' +
    'without an expiry outlives the reason it was made and the people who made it.',
  remediation:
    'Delete expired credentials. Create new ones with an expiry (for GCP, enforce it with the ' +
    'iam.serviceAccountKeyExpiryHours organization policy), or better, use short-lived credentials.',
  references: [REF.cisGcp_1_7, REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5],
  evaluate: evaluateExpiry,
};

function judge(c: Credential, now: Date): { expired: boolean; daysPast?: number } | undefined {
  if (c.managed || JUDGED_ELSEWHERE.has(c.kind)) return undefined;
  const expires = parseTime(c.expiresAt);
  if (expires !== undefined) return expires <= now.getTime() ? { expired: true, daysPast: daysSince(c.expiresAt, now) ?? 0 } : undefined;
  return CAN_EXPIRE.has(c.kind) && c.active ? { expired: false } : undefined;
}

function evaluateExpiry({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const credential of inventory.credentials) {
    const identity = inventory.identityById.get(credential.identityId);
    if (!identity || identity.managed || identity.disabled) continue;
    const verdict = judge(credential, now);
    if (!verdict) continue;
    const subject = subjectOf(inventory, credential.identityId);
    if (!subject) continue;
    const label = `${credentialLabel(credential.kind)} ${credential.publicId} of ${subject.name}`;
    findings.push(
      makeFinding(expiryRule, {
        subjectType: 'credential',
        subjectId: credential.id,
        identityId: credential.identityId,
        subject,
        message: verdict.expired ? `${label} expired ${verdict.daysPast ?? 0} days ago and is still present` : `${label} has no expiry`,
        evidence: { publicId: credential.publicId, credentialKind: credential.kind, expiresAt: credential.expiresAt ?? null, expired: verdict.expired, createdAt: credential.createdAt ?? null },
      }),
    );
  }
  return findings;
}
