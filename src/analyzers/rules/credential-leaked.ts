import type { Finding, Leak } from '../../model/index.ts';
import { byExposure, credentialLabel, identityLabel, identitySubject, isUsable, leakPlace } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * `credential.leaked`: an inventory credential whose secret was found committed to a repository
 * (linked by the public part the secret carries: the AWS key id, the GCP private_key_id).
 *
 * - critical while the credential can still authenticate (active, not expired);
 * - low when it is deactivated or expired (it cannot authenticate; delete it so nobody switches it back on).
 * - A secret in a repository whose credential is not in the inventory is not this rule's business:
 *   it is listed with the leaks (it may be long deleted, or belong to an estate not scanned).
 */
export const leakedRule: Rule = {
  id: 'credential.leaked',
  title: 'Credential committed to a repository',
  severity: 'critical',
  rationale:
    'A secret in a repository is readable by everyone who can clone it, now and in every copy, fork and ' +
    'backup of its history: removing it in a later commit does not take it back.',
  remediation:
    'Revoke the credential now and create a new one (or move the workload behind the gateway so it holds no ' +
    'secret); then check the provider\'s logs for use since the first commit that contained it. Removing the ' +
    'file or rewriting history does not make the old secret safe.',
  references: [REF.cisControls_16_12, REF.soc2_cc6_1, REF.iso_a_5_17, REF.iso_a_8_4, REF.nist_ia_5_7],
  evaluate: evaluateLeaked,
};



function evaluateLeaked({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const credential of inventory.credentials) {
    const leaks = inventory.leaksByCredential.get(credential.id);
    if (!leaks || leaks.length === 0) continue;
    const identity = inventory.identityById.get(credential.identityId);
    if (!identity) continue;
    const sorted = [...leaks].sort(byExposure);
    const first = sorted[0] as Leak;
    const places = [...new Set(sorted.map(leakPlace))];
    const live = isUsable(credential, now);
    findings.push(
      makeFinding(leakedRule, {
        subjectType: 'credential',
        subjectId: credential.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: live ? 'critical' : 'low',
        message:
          `${credentialLabel(credential.kind)} ${credential.publicId} of ${identityLabel(identity.kind)} ${identity.name} ` +
          `(${live ? 'active' : 'inactive'}) is committed in ${places.length === 1 ? places[0] : `${places.length} places, first ${places[0]}`}`,
        evidence: {
          publicId: credential.publicId,
          active: live,
          locations: places.length,
          firstLocation: places[0] ?? null,
          firstCommit: first.location.commit ?? null,
          firstCommitAuthor: first.location.author ?? null,
          firstCommitTime: first.location.time ?? null,
          detectionRule: first.rule,
          secretFingerprint: first.fingerprint,
          preview: first.preview,
        },
      }),
    );
  }
  return findings;
}
