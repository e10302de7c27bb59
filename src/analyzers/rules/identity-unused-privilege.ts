import { identityUse, type Finding } from '../../model/index.ts';
import { identityLabel, identitySubject } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

/** Sessions with a known command needed before their reads say something about the identity. */
export const MIN_JUDGED_SESSIONS = 3;

/**
 * `identity.unused-privilege`: granted far beyond use. The identity holds write or admin access,
 * but every gateway session of it whose command is known only read (SELECT, `aws ... describe`,
 * `kubectl get`, ...), over at least three such sessions. Its grants can shrink to read-only, or
 * its connection can be made read-only in the gateway.
 *
 * - medium for admin, low for write. Sessions whose command is unknown (no text, scripts, shells)
 *   count neither way; any known write keeps the rule silent. Managed identities are skipped.
 */
export const unusedPrivilegeRule: Rule = {
  id: 'identity.unused-privilege',
  title: 'Privileges far beyond what the identity is used for',
  severity: 'low',
  rationale:
    'An identity whose every observed use only reads does not need write or administrator rights; the ' +
    'unused rights are pure exposure if its credential leaks or its gateway connection is misused.',
  remediation:
    'Replace its grants with read-only ones matching the observed use (the gateway sessions show which), ' +
    'or restrict its gateway connection to read-only access; watch for failures, then remove the old grants.',
  references: [REF.cisControls_6_8, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: evaluateUnusedPrivilege,
};

function evaluateUnusedPrivilege({ inventory }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed || identity.disabled) continue;
    const grants = inventory.grantsByIdentity.get(identity.id) ?? [];
    const effective = grants.find((g) => g.via === 'effective');
    const privilege = effective ? effective.privilege : grants.some((g) => g.privilege === 'admin') ? 'admin' : grants.some((g) => g.privilege === 'write') ? 'write' : 'read';
    if (privilege === 'read') continue;
    const use = identityUse(inventory.activity, identity.id);
    const { judged, writes, samples } = use.commands;
    if (judged < MIN_JUDGED_SESSIONS || writes > 0) continue;
    findings.push(
      makeFinding(unusedPrivilegeRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: privilege === 'admin' ? 'medium' : 'low',
        message: `${identityLabel(identity.kind)} ${identity.name} holds ${privilege} access, but its ${judged} gateway sessions with a known command only read`,
        evidence: { privilege, sessionsJudged: judged, sessionsTotal: use.gateway.count, sampleCommands: samples.join(' | ') },
      }),
    );
  }
  return findings;
}
