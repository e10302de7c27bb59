import type { Finding } from '../../model/index.ts';
import { isUsable, subjectOf } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { daysBetween, isAzureSecret, secretLabel } from './azure-common.ts';

/**
 * `azure.secret-lifetime` (medium): an unexpired client secret or certificate whose lifetime
 * (end minus start) exceeds `policy.maxSecretLifetimeDays` (365 by default; the Entra portal's
 * longest choice is 24 months, the API allows any end date, e.g. 99 years).
 * Managed principals and inactive credentials are skipped.
 */
export const azureSecretLifetimeRule: Rule = {
  id: 'azure.secret-lifetime',
  title: 'Azure client secret valid for too long',
  severity: 'medium',
  rationale:
    'A secret valid for years stays useful to whoever copies it long after the people and pipelines that used it have changed. ' +
    'A bounded lifetime forces rotation and limits the damage of a leak.',
  remediation:
    'Add a new secret with an end date within the policy, roll it out, and remove the long-lived one. Enforce the maximum ' +
    'with an Entra application management policy (passwordCredentials maxLifetime), or move to workload identity federation.',
  references: [REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5],
  evaluate: evaluateLifetime,
};

function evaluateLifetime({ inventory, policy, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const max = policy.maxSecretLifetimeDays;
  for (const c of inventory.credentials) {
    if (!isAzureSecret(c) || !isUsable(c, now)) continue;
    const lifetime = daysBetween(c.createdAt, c.expiresAt);
    if (lifetime === undefined || lifetime <= max) continue;
    if (inventory.identityById.get(c.identityId)?.managed) continue;
    const subject = subjectOf(inventory, c.identityId);
    if (!subject) continue;
    const years = Math.round((lifetime / 365) * 10) / 10;
    findings.push(
      makeFinding(azureSecretLifetimeRule, {
        subjectType: 'credential',
        subjectId: c.id,
        identityId: c.identityId,
        subject,
        message: `${secretLabel(c)} of ${subject.name} is valid for ${lifetime} days (${years} years; policy ${max} days)`,
        evidence: { publicId: c.publicId, credentialKind: c.kind, displayName: c.displayName ?? null, createdAt: c.createdAt ?? null, expiresAt: c.expiresAt ?? null, lifetimeDays: lifetime, maxLifetimeDays: max },
      }),
    );
  }
  return findings;
}
