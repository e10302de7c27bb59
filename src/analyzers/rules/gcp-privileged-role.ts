import type { Finding, Grant } from '../../model/index.ts';
import { identitySubject, usableLongLivedCredentials } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/** Basic roles that grant (nearly) everything on the resource and below it. */
export const GCP_PRIMITIVE_ROLES: ReadonlySet<string> = new Set(['roles/owner', 'roles/editor']);

/** Roles that let the holder change IAM or act as other service accounts (privilege escalation). */
export const GCP_ESCALATION_ROLES: ReadonlySet<string> = new Set([
  'roles/iam.serviceAccountAdmin',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.serviceAccountTokenCreator',
  'roles/resourcemanager.projectIamAdmin',
]);

/** A project or anything above it (folder, organization): where a role covers every resource. */
export const isHierarchyScope = (scope: string): boolean => /^(projects|folders|organizations)\/[^/]+$/.test(scope);

const isPrivileged = (g: Grant): boolean => g.via === 'binding' && isHierarchyScope(g.scope) && (GCP_PRIMITIVE_ROLES.has(g.role) || GCP_ESCALATION_ROLES.has(g.role));

const describe = (g: Grant): string => `${g.role} on ${g.scope}${g.viaName ? ` (condition ${g.viaName})` : ''}`;

/**
 * `gcp.privileged-role`: a service account (not a Google-managed agent) bound to a basic role
 * (Owner, Editor) or to an IAM-admin / impersonation role (Service Account Admin, Key Admin,
 * Token Creator, Project IAM Admin) on a project, folder or organization. Conditional bindings
 * count (the condition is shown): they are usually time- or resource-bound, not a fix. A binding
 * whose time bound has passed grants nothing: the collector drops it (records.ts, conditionLapsed).
 *
 * - high; critical when one of the roles is Owner and the account is enabled with a usable
 *   user-managed key (a key file that can leak carries ownership of the whole project).
 */
export const gcpPrivilegedRoleRule: Rule = {
  id: 'gcp.privileged-role',
  title: 'Service account with a basic or IAM-admin role',
  severity: 'high',
  rationale:
    'Owner and Editor grant write access to nearly every resource of the project (Owner also to its IAM policy); ' +
    'the IAM-admin and token-creator roles let the holder grant itself more or impersonate other service accounts. ' +
    'A workload never needs them, and whoever obtains the account\'s key or token inherits all of it.',
  remediation:
    'Replace the binding with predefined roles scoped to what the workload uses (the IAM recommender and the ' +
    'Policy Analyzer show the permissions actually exercised), bind them on the resources rather than the project, ' +
    'and delete the account\'s user-managed keys: attach the account to the workload or use workload identity federation.',
  references: [REF.cisGcp_1_5, REF.cisGcp_1_6, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: evaluatePrivilegedRole,
};

function evaluatePrivilegedRole({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.kind !== 'gcp-service-account' || identity.managed) continue;
    const grants = (inventory.grantsByIdentity.get(identity.id) ?? []).filter(isPrivileged);
    if (grants.length === 0) continue;
    const owner = grants.some((g) => g.role === 'roles/owner');
    const keys = identity.disabled ? [] : usableLongLivedCredentials(inventory, identity.id, now);
    const roles = [...new Set(grants.map((g) => g.role))].sort();
    const described = [...new Set(grants.map(describe))].sort();
    const keyText = keys.length === 0 ? '' : ` and ${keys.length === 1 ? 'an active user-managed key' : `${keys.length} active user-managed keys`}`;
    findings.push(
      makeFinding(gcpPrivilegedRoleRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: owner && keys.length > 0 ? 'critical' : 'high',
        message: `Service account ${identity.name} holds ${described.join(', ')}${keyText}`,
        evidence: {
          roles: roles.join(', '),
          bindings: described.join('; '),
          scopes: [...new Set(grants.map((g) => g.scope))].sort().join(', '),
          conditional: grants.some((g) => g.viaName !== undefined),
          activeUserManagedKeys: keys.length,
          keyIds: keys.length > 0 ? keys.map((k) => k.publicId).sort().join(', ') : null,
          disabled: identity.disabled,
        },
      }),
    );
  }
  return findings;
}
