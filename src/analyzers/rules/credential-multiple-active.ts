import type { Credential, Finding } from '../../model/index.ts';
import { credentialLabel, identityLabel, identitySubject, isLongLived, isUsable } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/**
 * `credential.multiple-active`: an identity holding more than one usable long-lived credential of
 * the same kind (two active AWS access keys, several GCP user-managed keys). One of them is usually
 * a forgotten copy from an unfinished rotation, and every extra key is one more thing to leak.
 *
 * - low; medium from three keys on.
 * - Managed and disabled identities are skipped; inactive, expired and provider-managed keys do not count.
 */
export const multipleActiveRule: Rule = {
  id: 'credential.multiple-active',
  title: 'More than one active long-lived credential',
  severity: 'low',
  rationale:
    'A workload needs one key. A second active key is usually left over from a rotation that was never ' +
    'finished, or a copy handed to a second consumer nobody tracks: it doubles what can leak.',
  remediation:
    'Find which key is still in use (last-used date, gateway sessions), move every consumer to it, then ' +
    'deactivate and delete the others.',
  references: [REF.cisAws_1_13, REF.soc2_cc6_1, REF.iso_a_5_17, REF.nist_ia_5_1],
  evaluate: evaluateMultipleActive,
};

function evaluateMultipleActive({ inventory, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed || identity.disabled) continue;
    const usable = (inventory.credentialsByIdentity.get(identity.id) ?? []).filter((c) => isUsable(c, now) && isLongLived(c.kind));
    const byKind = new Map<Credential['kind'], Credential[]>();
    for (const c of usable) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
    for (const [kind, creds] of byKind) {
      if (creds.length < 2) continue;
      const ids = creds.map((c) => c.publicId).sort();
      findings.push(
        makeFinding(multipleActiveRule, {
          subjectType: 'identity',
          // one finding per identity and kind
          subjectId: `${identity.id}#${kind}`,
          identityId: identity.id,
          subject: identitySubject(identity),
          severity: creds.length >= 3 ? 'medium' : 'low',
          message: `${identityLabel(identity.kind)} ${identity.name} has ${creds.length} active ${credentialLabel(kind)}s (${ids.join(', ')})`,
          evidence: { credentialKind: kind, activeCredentials: creds.length, publicIds: ids.join(', ') },
        }),
      );
    }
  }
  return findings;
}
