import type { Finding, Grant } from '../../model/index.ts';
import { identityLabel, identitySubject, isUsable } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { broadScope, isAzurePrincipal } from './azure-common.ts';

/** Built-in roles that control a whole subscription. */
export const PRIVILEGED_AZURE_ROLES: ReadonlySet<string> = new Set(['Owner', 'Contributor', 'User Access Administrator']);
/** Of those, the ones that can grant access (and so take over everything else). */
const ACCESS_ADMIN_ROLES: ReadonlySet<string> = new Set(['Owner', 'User Access Administrator']);

/**
 * `azure.privileged-role`: a service principal or managed identity holding Owner, Contributor or
 * User Access Administrator (or any role the collector classed admin: a custom role with `*` or
 * role-assignment writes) at subscription, management group or root scope. One finding per grant.
 *
 * - high; critical when the role can grant access (Owner, User Access Administrator, admin class)
 *   and the principal is enabled with an unexpired client secret (a copyable password for the
 *   subscription).
 * - Managed (Microsoft first-party) principals are skipped; resource-group scopes are left to
 *   `identity.admin` and least-privilege reviews.
 */
export const azurePrivilegedRoleRule: Rule = {
  id: 'azure.privileged-role',
  title: 'Azure service principal with a privileged role on a subscription or management group',
  severity: 'high',
  rationale:
    'Owner, Contributor and User Access Administrator at subscription or management group scope let a workload ' +
    'change or delete every resource below it, and Owner / User Access Administrator let it grant itself anything. ' +
    'A client secret of such a principal is a password for the whole subscription.',
  remediation:
    'Replace the assignment with a narrower built-in or custom role at the resource group or resource the workload ' +
    'uses. Prefer a managed identity or workload identity federation to client secrets for privileged principals, ' +
    'and use Privileged Identity Management for just-in-time elevation.',
  references: [REF.cisAzure_1_23, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6, REF.nist_ac_6_5],
  evaluate: evaluatePrivilegedRole,
};

export const azureGrantSubjectId = (g: Grant): string => `${g.identityId}/grant/${g.viaName ?? `${g.role}@${g.scope}`}`;

function evaluatePrivilegedRole({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const grant of inventory.grants) {
    const identity = inventory.identityById.get(grant.identityId);
    if (!isAzurePrincipal(identity) || identity.managed) continue;
    const where = broadScope(grant.scope);
    if (where === undefined) continue;
    if (!PRIVILEGED_AZURE_ROLES.has(grant.role) && grant.privilege !== 'admin') continue;
    const grantsAccess = ACCESS_ADMIN_ROLES.has(grant.role) || grant.privilege === 'admin';
    const secrets = identity.disabled ? [] : (inventory.credentialsByIdentity.get(identity.id) ?? []).filter((c) => c.kind === 'azure-client-secret' && isUsable(c, now));
    const critical = grantsAccess && secrets.length > 0;
    const secretText = secrets.length > 0 ? ` and ${secrets.length === 1 ? 'an active client secret' : `${secrets.length} active client secrets`}` : '';
    findings.push(
      makeFinding(azurePrivilegedRoleRule, {
        subjectType: 'grant',
        subjectId: azureGrantSubjectId(grant),
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: critical ? 'critical' : 'high',
        message: `${identityLabel(identity.kind)} ${identity.name} holds ${grant.role} on ${where} ${grant.scope}${secretText}`,
        evidence: {
          role: grant.role,
          scope: grant.scope,
          scopeLevel: where,
          privilege: grant.privilege,
          assignment: grant.viaName ?? null,
          activeClientSecrets: secrets.length,
          disabled: identity.disabled,
        },
      }),
    );
  }
  return findings;
}
