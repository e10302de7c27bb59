import type { Finding } from '../../model/index.ts';
import { lastCredentialUse, lastIdentityUse } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { daysSince, latestTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';
import { accountName, k8sAccounts, subjectOfIdentity } from './k8s-common.ts';

/**
 * `k8s.sa-unused` (medium): a service account with no running pod, no other recorded use within
 * `policy.unusedDays` (gateway sessions, its legacy tokens' last use), and created more than
 * `policy.unusedDays` ago. Kubernetes reports no last use of an account, so `credential.unused`
 * treats a missing date as unknown; the absence of any
 * running pod is the evidence here, and the finding says so. `default` accounts (which exist in
 * every namespace and cannot be deleted) and managed accounts are skipped.
 */
export const k8sSaUnusedRule: Rule = {
  id: 'k8s.sa-unused',
  title: 'Service account without running workloads',
  severity: 'medium',
  rationale:
    'An account no pod runs as still holds its RBAC bindings and any legacy token secret. If nothing uses it, ' +
    'it is access with no owner watching it.',
  remediation:
    'Check CronJobs and external consumers of its tokens (audit log: user.username system:serviceaccount:<ns>:<name>), ' +
    'then delete its bindings and token secrets, and the account.',
  references: [REF.cisControls_5_3, REF.soc2_cc6_2, REF.iso_a_5_18, REF.nist_ac_2_3],
  evaluate: ({ inventory, policy, now }: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const identity of k8sAccounts(inventory)) {
      if (accountName(identity) === 'default' || Number(identity.labels.pods ?? 0) > 0) continue;
      // A legacy token's use (its legacy-token-last-used label, a session holding it) is the account's use too.
      const tokens = inventory.credentialsByIdentity.get(identity.id) ?? [];
      const lastUse = latestTime([lastIdentityUse(inventory, identity), ...tokens.map((c) => lastCredentialUse(inventory, c))]);
      const idle = daysSince(lastUse, now);
      if (idle !== undefined && idle <= policy.unusedDays) continue;
      const age = daysSince(identity.createdAt, now);
      if (age === undefined || age <= policy.unusedDays) continue;
      findings.push(
        makeFinding(k8sSaUnusedRule, {
          subjectType: 'identity',
          subjectId: identity.id,
          identityId: identity.id,
          subject: subjectOfIdentity(identity),
          message: `No running pod uses service account ${identity.name} in ${identity.scope}, created ${age} days ago (threshold ${policy.unusedDays} days)`,
          evidence: { createdAt: identity.createdAt ?? null, ageDays: age, lastUsedAt: lastUse ?? null, runningPods: 0, thresholdDays: policy.unusedDays },
        }),
      );
    }
    return findings;
  },
};
