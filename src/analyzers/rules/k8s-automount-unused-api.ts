import type { Finding } from '../../model/index.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { directGrants, k8sAccounts, subjectOfIdentity } from './k8s-common.ts';

/**
 * `k8s.automount-unused-api` (low): running pods auto-mount the token of an account that has no
 * RBAC binding of its own (label `automount: 'true'`, no direct grant), so the workload does not
 * call the API and the mounted token is only something to steal.
 */
export const k8sAutomountUnusedApiRule: Rule = {
  id: 'k8s.automount-unused-api',
  title: 'Token auto-mounted for a workload that does not use the API',
  severity: 'low',
  rationale:
    'Every pod gets its service account token mounted unless told otherwise. A workload that never calls the ' +
    'API server gains nothing from it, while anyone who compromises the pod gets a valid cluster credential.',
  remediation:
    'Set `automountServiceAccountToken: false` on the service account (or on the pod spec) and restart the pods.',
  references: [REF.cisK8s_5_1_6, REF.soc2_cc6_3, REF.iso_a_5_17, REF.nist_ac_6],
  evaluate: ({ inventory }: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const identity of k8sAccounts(inventory)) {
      if (identity.labels.automount !== 'true' || directGrants(inventory, identity).length > 0) continue;
      findings.push(
        makeFinding(k8sAutomountUnusedApiRule, {
          subjectType: 'identity',
          subjectId: identity.id,
          identityId: identity.id,
          subject: subjectOfIdentity(identity),
          message: `Pods of service account ${identity.name} in ${identity.scope} auto-mount its token, but it has no RBAC binding`,
          evidence: { runningPods: Number(identity.labels.pods ?? 0) },
        }),
      );
    }
    return findings;
  },
};
