import type { Finding } from '../../model/index.ts';
import { isUsable, subjectOf } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { isAzureSecret, secretLabel } from './azure-common.ts';

const DAY_MS = 86_400_000;

/**
 * `azure.secret-expiring` (info): an unexpired client secret or certificate that expires within
 * `policy.expiryWarningDays` (30 by default), on an enabled, unmanaged principal: rotate it
 * before whatever uses it breaks.
 */
export const azureSecretExpiringRule: Rule = {
  id: 'azure.secret-expiring',
  title: 'Azure client secret or certificate expiring soon',
  severity: 'info',
  rationale: 'A secret that expires unnoticed breaks the workload using it, and rushed rotations tend to create long-lived replacements.',
  remediation: 'Add a new secret (within the lifetime policy), roll it out to every consumer, then remove the old one before it expires.',
  references: [REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5],
  evaluate: evaluateExpiring,
};

function evaluateExpiring({ inventory, policy, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const c of inventory.credentials) {
    if (!isAzureSecret(c) || !isUsable(c, now) || c.expiresAt === undefined) continue;
    const left = (Date.parse(c.expiresAt) - now.getTime()) / DAY_MS;
    if (!(left <= policy.expiryWarningDays)) continue;
    const identity = inventory.identityById.get(c.identityId);
    if (identity?.managed || identity?.disabled) continue;
    const subject = subjectOf(inventory, c.identityId);
    if (!subject) continue;
    const days = Math.ceil(left);
    findings.push(
      makeFinding(azureSecretExpiringRule, {
        subjectType: 'credential',
        subjectId: c.id,
        identityId: c.identityId,
        subject,
        message: `${secretLabel(c)} of ${subject.name} expires in ${days} day${days === 1 ? '' : 's'} (${c.expiresAt})`,
        evidence: { publicId: c.publicId, credentialKind: c.kind, displayName: c.displayName ?? null, expiresAt: c.expiresAt, daysLeft: days, warningDays: policy.expiryWarningDays },
      }),
    );
  }
  return findings;
}
