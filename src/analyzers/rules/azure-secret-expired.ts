import type { Finding } from '../../model/index.ts';
import { subjectOf } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { daysSince } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';
import { isAzureSecret, secretLabel } from './azure-common.ts';

/**
 * `azure.secret-expired`: a client secret or certificate past its end date that is still on the
 * application (Entra keeps expired credentials until someone removes them).
 *
 * - low; medium when the principal holds write or admin grants (clutter on a privileged app hides
 *   which secret is live and invites "extending" an old one).
 * - Managed principals are skipped.
 */
export const azureSecretExpiredRule: Rule = {
  id: 'azure.secret-expired',
  title: 'Expired Azure client secret or certificate still present',
  severity: 'low',
  rationale:
    'An expired secret no longer authenticates, but left on the application it hides which credentials are in use, ' +
    'shows rotation that is not done cleanly, and its consumers may be failing or have silently moved to another secret.',
  remediation:
    'Confirm nothing still presents the credential (sign-in logs), then remove it from the application ' +
    '(`az ad app credential delete --id <appId> --key-id <keyId>`). Automate rotation so old secrets are removed when new ones are added.',
  references: [REF.cisControls_6_2, REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5],
  evaluate: evaluateExpired,
};

function evaluateExpired({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const c of inventory.credentials) {
    if (!isAzureSecret(c) || c.expiresAt === undefined) continue;
    const days = daysSince(c.expiresAt, now);
    if (days === undefined || Date.parse(c.expiresAt) > now.getTime()) continue;
    const identity = inventory.identityById.get(c.identityId);
    if (identity?.managed) continue;
    const subject = subjectOf(inventory, c.identityId);
    if (!subject) continue;
    const privileged = (inventory.grantsByIdentity.get(c.identityId) ?? []).some((g) => g.privilege !== 'read');
    findings.push(
      makeFinding(azureSecretExpiredRule, {
        subjectType: 'credential',
        subjectId: c.id,
        identityId: c.identityId,
        subject,
        severity: privileged ? 'medium' : 'low',
        message: `${secretLabel(c)} of ${subject.name} expired ${days} days ago and is still on the application`,
        evidence: { publicId: c.publicId, credentialKind: c.kind, displayName: c.displayName ?? null, expiresAt: c.expiresAt, expiredDays: days, privilegedGrants: privileged },
      }),
    );
  }
  return findings;
}
