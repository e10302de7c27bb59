import type { Finding, Grant } from '../../model/index.ts';
import { identityLabel, identitySubject, usableLongLivedCredentials } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * `identity.admin`: an identity with at least one grant of privilege class `admin` (the
 * collector classifies: AdministratorAccess, a policy allowing `*` on `*`, roles/owner, ...).
 *
 * - high; critical when the identity is enabled and holds a usable long-lived credential
 *   (a key that can leak carries the whole estate with it).
 * - Managed identities are skipped (they cannot be changed); so are GCP, Azure and Kubernetes
 *   identities, whose own privileged-role rules say it with their own benchmark's references.
 * - When an `effective` grant judges the principal as a whole, it decides (a Deny elsewhere or a
 *   permissions boundary can take administrator access away from an `Allow *` policy).
 */
export const adminRule: Rule = {
  id: 'identity.admin',
  title: 'Non-human identity with administrator rights',
  severity: 'high',
  rationale:
    'A machine identity rarely needs full administrator rights. Whoever obtains its credentials can change ' +
    'everything, including audit trails and other identities; with a long-lived key that is one leak away.',
  remediation:
    'Replace the administrator grant with a policy scoped to the actions and resources the workload uses ' +
    '(the provider\'s access analysis or the gateway session log show them). Remove long-lived keys of ' +
    'privileged identities: use short-lived credentials or put access behind the gateway.',
  references: [REF.cisAws_1_16, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: evaluateAdmin,
};

/** "AdministratorAccess (attached)", "admins-star (group admins)". */
export function describeGrant(grant: Grant): string {
  const via = grant.viaName ? `${grant.via} ${grant.viaName}` : grant.via;
  return `${grant.role} (${via})`;
}

/**
 * Providers with a rule of their own for privileged roles, citing their own benchmark
 * (`gcp.privileged-role`, `azure.privileged-role`, `k8s.cluster-admin`): one finding per problem.
 */
const OWN_RULE: ReadonlySet<string> = new Set(['gcp', 'azure', 'kubernetes']);

function evaluateAdmin({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed || OWN_RULE.has(identity.provider)) continue;
    const all = inventory.grantsByIdentity.get(identity.id) ?? [];
    // When the collector judged the principal as a whole (Denies, boundaries applied), that verdict
    // decides: a policy granting `*` next to a Deny elsewhere is not administrator access.
    const effective = all.find((g) => g.via === 'effective');
    if (effective && effective.privilege !== 'admin') continue;
    const adminGrants = all.filter((g) => g.privilege === 'admin' && g.via !== 'effective');
    if (adminGrants.length === 0 && !effective) continue;
    if (adminGrants.length === 0 && effective) adminGrants.push(effective);
    const grants = [...new Set(adminGrants.map(describeGrant))].sort();
    const keys = identity.disabled ? [] : usableLongLivedCredentials(inventory, identity.id, now);
    const keyIds = keys.map((k) => k.publicId).sort();
    const keyText = keys.length === 0 ? '' : ` and ${keys.length === 1 ? 'an active long-lived credential' : `${keys.length} active long-lived credentials`} (${keyIds.join(', ')})`;
    findings.push(
      makeFinding(adminRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: keys.length > 0 ? 'critical' : 'high',
        message: `${identityLabel(identity.kind)} ${identity.name} has administrator rights through ${grants.join(', ')}${keyText}`,
        evidence: {
          policies: [...new Set(adminGrants.map((g) => g.role))].sort().join(', '),
          grantedVia: grants.join('; '),
          adminGrants: adminGrants.length,
          activeLongLivedCredentials: keys.length,
          credentialIds: keyIds.length > 0 ? keyIds.join(', ') : null,
        },
      }),
    );
  }
  return findings;
}
