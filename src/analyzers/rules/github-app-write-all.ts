import type { Finding } from '../../model/index.ts';
import { identitySubject } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * `github.app-write-all` (high): an active (not suspended) GitHub App installation with write or
 * admin permissions on every repository of the organization (`repository_selection: all`).
 * Installations limited to selected repositories, read-only ones and suspended ones do not fire.
 */
export const githubAppWriteAllRule: Rule = {
  id: 'github.app-write-all',
  title: 'GitHub App with write access to all repositories',
  severity: 'high',
  rationale:
    'An installation acts on its own, with tokens minted from a private key held by the app\'s vendor or operator. ' +
    'Write (or admin) access to every repository means one compromised app or key can change any code, workflow ' +
    'or setting of the organization, including repositories created later.',
  remediation:
    'Restrict the installation to the repositories it serves (Settings > GitHub Apps > Configure > Only select ' +
    'repositories), and ask the vendor to drop write and administration permissions it does not need.',
  references: [REF.cisControls_6_8, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: evaluateAppWriteAll,
};

function evaluateAppWriteAll({ inventory }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.kind !== 'github-app-installation' || identity.disabled || identity.labels.repository_selection !== 'all') continue;
    const grants = (inventory.grantsByIdentity.get(identity.id) ?? []).filter((g) => g.privilege === 'write' || g.privilege === 'admin');
    if (grants.length === 0) continue;
    const permissions = [...new Set(grants.flatMap((g) => g.permissions))].sort();
    const admin = grants.some((g) => g.privilege === 'admin');
    findings.push(
      makeFinding(githubAppWriteAllRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        message: `GitHub App ${identity.name} holds ${permissions.join(', ')} on all repositories of ${identity.scope}`,
        evidence: { app: identity.name, repositorySelection: 'all', permissions: permissions.join(', '), admin },
      }),
    );
  }
  return findings;
}
