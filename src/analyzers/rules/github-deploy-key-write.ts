import type { Finding } from '../../model/index.ts';
import { identitySubject, isUsable } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * `github.deploy-key-write` (medium): a deploy key with write access (`read_only: false`) that can
 * still authenticate. A disabled key, or one whose credential is inactive, does not fire.
 */
export const githubDeployKeyWriteRule: Rule = {
  id: 'github.deploy-key-write',
  title: 'Deploy key with write access',
  severity: 'medium',
  rationale:
    'A deploy key is an SSH private key stored outside GitHub (a CI server, a deploy host), tied to no person and ' +
    'bypassing SSO. With write access, whoever copies it can push to the repository, including to branches that ' +
    'deploy, without a pull request if branch protection does not cover deploy keys.',
  remediation:
    'Recreate the key read-only if the consumer only pulls; for pushes, use a GitHub App installation token (short-lived, ' +
    'scoped) instead, and require pull requests on protected branches so no key pushes to them directly.',
  references: [REF.cisControls_6_8, REF.soc2_cc6_3, REF.iso_a_8_2, REF.iso_a_8_4, REF.nist_ac_6],
  evaluate: evaluateDeployKeyWrite,
};

function evaluateDeployKeyWrite({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.kind !== 'github-deploy-key' || identity.disabled || identity.labels.access !== 'write') continue;
    const keys = (inventory.credentialsByIdentity.get(identity.id) ?? []).filter((c) => isUsable(c, now));
    if ((inventory.credentialsByIdentity.get(identity.id) ?? []).length > 0 && keys.length === 0) continue;
    const repo = identity.labels.repo ?? identity.scope;
    findings.push(
      makeFinding(githubDeployKeyWriteRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        message: `Deploy key ${identity.name} can push to ${repo}`,
        evidence: {
          repo,
          access: 'write',
          fingerprint: keys[0]?.publicId ?? null,
          createdAt: identity.createdAt ?? null,
          lastUsedAt: keys[0]?.lastUsedAt ?? null,
          addedBy: identity.labels.added_by ?? null,
          archived: identity.labels.archived === 'true',
        },
      }),
    );
  }
  return findings;
}
