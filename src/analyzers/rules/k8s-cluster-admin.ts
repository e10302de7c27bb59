import type { Finding } from '../../model/index.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { directGrants, grantLabel, isWildcardPermission, k8sAccounts, subjectOfIdentity } from './k8s-common.ts';

/**
 * `k8s.cluster-admin` (high; critical when the admin grant is cluster-wide): a service account
 * bound to cluster-admin or to rules with `*` verbs on `*` resources (privilege admin), or, at
 * high, to any wildcard rule (CIS 5.1.3). One finding per account.
 */
export const k8sClusterAdminRule: Rule = {
  id: 'k8s.cluster-admin',
  title: 'Service account with cluster-admin or wildcard RBAC',
  severity: 'high',
  rationale:
    'cluster-admin and wildcard rules give a workload every permission, including ones added by future API ' +
    'groups. Anyone who runs code in a pod of the account, or gets hold of its token, owns the cluster or namespace.',
  remediation:
    'Replace the binding with a Role or ClusterRole listing only the verbs and resources the workload uses ' +
    '(`kubectl auth can-i --list --as=system:serviceaccount:<ns>:<name>` and the audit log show them), then delete the wildcard binding.',
  references: [REF.cisK8s_5_1_1, REF.cisK8s_5_1_3, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: ({ inventory }: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const identity of k8sAccounts(inventory)) {
      const grants = directGrants(inventory, identity);
      const admin = grants.filter((g) => g.privilege === 'admin');
      const wildcard = grants.filter((g) => g.privilege !== 'admin' && g.permissions.some(isWildcardPermission));
      if (admin.length === 0 && wildcard.length === 0) continue;
      const clusterWide = admin.some((g) => g.scope === 'cluster');
      const shown = admin.length > 0 ? admin : wildcard;
      findings.push(
        makeFinding(k8sClusterAdminRule, {
          subjectType: 'identity',
          subjectId: identity.id,
          identityId: identity.id,
          subject: subjectOfIdentity(identity),
          severity: clusterWide ? 'critical' : 'high',
          message: `Service account ${identity.name} in ${identity.scope} is bound to ${admin.length > 0 ? 'admin (cluster-admin or * on *)' : 'wildcard'} rules: ${shown.map(grantLabel).join('; ')}`,
          evidence: {
            roles: shown.map((g) => g.role).join(', '),
            bindings: shown.map((g) => g.viaName ?? '').join(', '),
            scopes: [...new Set(shown.map((g) => g.scope))].sort().join(', '),
            clusterWide,
            wildcardOnly: admin.length === 0,
          },
        }),
      );
    }
    return findings;
  },
};
