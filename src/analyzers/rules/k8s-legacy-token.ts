import type { Finding } from '../../model/index.ts';
import { isUsable } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import { subjectOfIdentity } from './k8s-common.ts';

/**
 * `k8s.legacy-token` (medium): an active legacy token secret (`kubernetes.io/service-account-token`)
 * of a non-managed service account. One finding per secret.
 */
export const k8sLegacyTokenRule: Rule = {
  id: 'k8s.legacy-token',
  title: 'Legacy service account token secret',
  severity: 'medium',
  rationale:
    'A legacy token secret never expires and is readable by anyone who can read secrets in its namespace. ' +
    'Projected tokens (TokenRequest) are short-lived, audience-bound and rotated by the kubelet.',
  remediation:
    'Switch the consumers to projected service account tokens (or `kubectl create token` for a short-lived one), ' +
    'then delete the secret. Kubernetes 1.29+ labels legacy tokens with their last use (kubernetes.io/legacy-token-last-used).',
  references: [REF.cisK8s_5_1_6, REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5],
  evaluate: ({ inventory, now }: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const credential of inventory.credentials) {
      if (credential.kind !== 'k8s-token-secret' || !isUsable(credential, now)) continue;
      const identity = inventory.identityById.get(credential.identityId);
      if (!identity || identity.managed || identity.disabled) continue;
      findings.push(
        makeFinding(k8sLegacyTokenRule, {
          subjectType: 'credential',
          subjectId: credential.id,
          identityId: identity.id,
          subject: subjectOfIdentity(identity),
          message: `Service account ${identity.name} in ${identity.scope} has a non-expiring legacy token secret ${credential.publicId}`,
          evidence: { secret: credential.publicId, createdAt: credential.createdAt ?? null, lastUsedAt: credential.lastUsedAt ?? null },
        }),
      );
    }
    return findings;
  },
};
