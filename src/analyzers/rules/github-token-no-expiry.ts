import type { Finding } from '../../model/index.ts';
import { identitySubject, isUsable } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { parseTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';

const DAY_MS = 86_400_000;

/**
 * `github.token-no-expiry` (medium): a usable fine-grained personal access token with access to
 * the organization that never expires, or expires more than `policy.maxSecretLifetimeDays` from
 * now. Expired or revoked tokens do not fire.
 */
export const githubTokenNoExpiryRule: Rule = {
  id: 'github.token-no-expiry',
  title: 'Fine-grained token without a bounded expiry',
  severity: 'medium',
  rationale:
    'A personal access token acts as its owner wherever it is pasted: CI variables, scripts, laptops. A token that ' +
    'never expires (or only in years) stays valid after the job it was made for is gone, and after its owner leaves.',
  remediation:
    'Set the organization\'s maximum token lifetime (Settings > Personal access tokens), ask the owner to replace the ' +
    'token with one that expires within the policy, and prefer a GitHub App for automation.',
  references: [REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5],
  evaluate: evaluateTokenNoExpiry,
};

function evaluateTokenNoExpiry({ inventory, policy, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const limitMs = now.getTime() + policy.maxSecretLifetimeDays * DAY_MS;
  for (const credential of inventory.credentials) {
    if (credential.kind !== 'github-pat' || !isUsable(credential, now)) continue;
    const identity = inventory.identityById.get(credential.identityId);
    if (!identity || identity.disabled) continue;
    const expires = parseTime(credential.expiresAt);
    if (expires !== undefined && expires <= limitMs) continue;
    const daysLeft = expires === undefined ? null : Math.floor((expires - now.getTime()) / DAY_MS);
    findings.push(
      makeFinding(githubTokenNoExpiryRule, {
        subjectType: 'credential',
        subjectId: credential.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        message:
          expires === undefined
            ? `Fine-grained token ${identity.name} of ${identity.owner ?? 'unknown owner'} never expires`
            : `Fine-grained token ${identity.name} of ${identity.owner ?? 'unknown owner'} expires in ${daysLeft ?? 0} days (policy ${policy.maxSecretLifetimeDays} days)`,
        evidence: {
          tokenId: credential.publicId,
          owner: identity.owner ?? null,
          expiresAt: credential.expiresAt ?? null,
          daysLeft,
          maxLifetimeDays: policy.maxSecretLifetimeDays,
          lastUsedAt: credential.lastUsedAt ?? null,
        },
      }),
    );
  }
  return findings;
}
