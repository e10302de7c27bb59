import type { Finding } from '../../model/index.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { accountName, directGrants, grantLabel, k8sAccounts, subjectOfIdentity } from './k8s-common.ts';

/**
 * `k8s.default-sa-bound` (medium): a namespace's `default` service account named by a binding
 * (group bindings every account gets, such as `system:serviceaccounts`, do not count). Every pod
 * that names no account runs as `default` and inherits the binding.
 */
export const k8sDefaultSaBoundRule: Rule = {
  id: 'k8s.default-sa-bound',
  title: 'Default service account has RBAC bindings',
  severity: 'medium',
  rationale:
    'Pods that do not name a service account run as the namespace\'s `default` account. Permissions bound to ' +
    'it silently reach every such pod, including ones deployed later by someone else.',
  remediation:
    'Create a dedicated service account for the workload that needs the permissions, bind the role to it, set ' +
    '`serviceAccountName` on its pods, and remove the binding from `default` (also set automountServiceAccountToken: false on it).',
  references: [REF.cisK8s_5_1_5, REF.soc2_cc6_3, REF.iso_a_5_18, REF.nist_ac_6],
  evaluate: ({ inventory }: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const identity of k8sAccounts(inventory)) {
      if (accountName(identity) !== 'default') continue;
      const grants = directGrants(inventory, identity);
      if (grants.length === 0) continue;
      findings.push(
        makeFinding(k8sDefaultSaBoundRule, {
          subjectType: 'identity',
          subjectId: identity.id,
          identityId: identity.id,
          subject: subjectOfIdentity(identity),
          message: `The default service account ${identity.name} in ${identity.scope} is bound to ${grants.map(grantLabel).join('; ')}`,
          evidence: { roles: grants.map((g) => g.role).join(', '), bindings: grants.map((g) => g.viaName ?? '').join(', '), runningPods: Number(identity.labels.pods ?? 0) },
        }),
      );
    }
    return findings;
  },
};
