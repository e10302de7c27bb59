import type { Finding } from '../../model/index.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/** Leak rule ids of GitHub secret scanning alerts (the collector reads open alerts only). */
export const SECRET_SCANNING_PREFIX = 'github-secret-scanning:';

/** `github/repo` -> the organization, the subject's scope. */
const orgOf = (repo: string | undefined): string => (repo ?? '').split('/')[0] || 'unknown';

/**
 * `github.secret-alert-open` (high): a GitHub secret scanning alert still open (a Leak of rule
 * `github-secret-scanning:<secret_type>`; the collector only reads open alerts). The subject is
 * the leak; no inventory identity is implied.
 */
export const githubSecretAlertOpenRule: Rule = {
  id: 'github.secret-alert-open',
  title: 'Open secret scanning alert',
  severity: 'high',
  rationale:
    'GitHub found a secret committed to a repository and nobody has closed the alert: the secret is readable by ' +
    'everyone who can read the repository\'s history, and until it is revoked it probably still works.',
  remediation:
    'Revoke or rotate the secret with its issuer, check the issuer\'s logs for use since the commit, then resolve ' +
    'the alert as revoked. Removing the file does not make the secret safe.',
  references: [REF.cisControls_16_12, REF.soc2_cc6_1, REF.iso_a_5_17, REF.iso_a_8_4, REF.nist_ia_5_7],
  evaluate: evaluateSecretAlertOpen,
};

function evaluateSecretAlertOpen({ inventory }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const leak of inventory.leaks) {
    if (!leak.rule.startsWith(SECRET_SCANNING_PREFIX)) continue;
    const secretType = leak.rule.slice(SECRET_SCANNING_PREFIX.length);
    const org = orgOf(leak.location.repo);
    const where = `${leak.location.repo ?? org}${leak.location.path ? `:${leak.location.path}:${leak.location.line}` : ''}`;
    findings.push(
      makeFinding(githubSecretAlertOpenRule, {
        subjectType: 'leak',
        subjectId: leak.id,
        identityId: leak.credentialId ?? `github:${org}:secret-scanning`,
        subject: { provider: 'github', scope: org, name: leak.location.repo ?? org },
        message: `${leak.preview} is open in ${where}`,
        evidence: { secretType, repo: leak.location.repo ?? null, path: leak.location.path || null, line: leak.location.line || null, fingerprint: leak.fingerprint },
      }),
    );
  }
  return findings;
}
