import type { Finding } from '../../model/index.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { ESCALATION, directGrants, grantLabel, k8sAccounts, subjectOfIdentity } from './k8s-common.ts';

/**
 * `k8s.secrets-read-cluster` (high): a service account that can get, list or watch secrets in
 * every namespace (a ClusterRoleBinding whose rules cover secrets: `escalation:secrets-read` on a
 * grant of scope `cluster`). Accounts that are cluster admins are left to `k8s.cluster-admin`.
 */
export const k8sSecretsReadClusterRule: Rule = {
  id: 'k8s.secrets-read-cluster',
  title: 'Service account can read secrets cluster-wide',
  severity: 'high',
  rationale:
    'Reading every secret of the cluster reads every other service account token, registry credential and ' +
    'database password stored there: it is one step from cluster-admin.',
  remediation:
    'Bind the role with a RoleBinding in the namespaces the workload needs, restrict it with resourceNames, ' +
    'or move the secrets it reads to an external secret store accessed with its own identity.',
  references: [REF.cisK8s_5_1_2, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: ({ inventory }: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const identity of k8sAccounts(inventory)) {
      const grants = directGrants(inventory, identity);
      if (grants.some((g) => g.privilege === 'admin')) continue;
      const readers = grants.filter((g) => g.scope === 'cluster' && g.permissions.includes(`${ESCALATION}secrets-read`));
      if (readers.length === 0) continue;
      findings.push(
        makeFinding(k8sSecretsReadClusterRule, {
          subjectType: 'identity',
          subjectId: identity.id,
          identityId: identity.id,
          subject: subjectOfIdentity(identity),
          message: `Service account ${identity.name} in ${identity.scope} can read secrets in every namespace through ${readers.map(grantLabel).join('; ')}`,
          evidence: { roles: readers.map((g) => g.role).join(', '), bindings: readers.map((g) => g.viaName ?? '').join(', ') },
        }),
      );
    }
    return findings;
  },
};
