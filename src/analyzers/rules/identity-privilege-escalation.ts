import type { Finding, Identity } from '../../model/index.ts';
import { identityLabel, identitySubject } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

const ESCALATION = 'escalation:';
const PATH = 'path:';

/**
 * The Kubernetes paths the collector names on grants that are escalation methods of this rule.
 * The others are not reported here: `secrets-read` cluster-wide is `k8s.secrets-read-cluster`'s
 * finding (one finding per problem), and reading secrets, exec into or creating pods inside a
 * namespace are what every deployer (`edit`) holds, not a way to change one's own permissions.
 */
const K8S_METHODS: ReadonlySet<string> = new Set(['escalate', 'bind', 'impersonate', 'token-create']);

/** Whether a grant permission is an escalation method or a role chain this rule reports for the identity. */
function reported(identity: Identity, permission: string): boolean {
  if (permission.startsWith(PATH)) return true;
  if (!permission.startsWith(ESCALATION)) return false;
  return identity.provider !== 'kubernetes' || K8S_METHODS.has(permission.slice(ESCALATION.length));
}

/**
 * `identity.privilege-escalation`: an identity that is not an administrator but holds a way to
 * become one: a privilege-escalation method (AWS: iam:PassRole with a compute service,
 * iam:CreatePolicyVersion, iam:Attach*Policy, iam:CreateAccessKey on others, ...; Kubernetes:
 * escalate, bind, impersonate, token creation: K8S_METHODS) or a chain of roles it can assume that
 * ends in an administrator or an escalating role. Read from the grants the collectors mark with
 * `escalation:<method>` and `path:<a -> b>` permissions.
 *
 * - high; medium when every method depends on conditions an attacker may not meet.
 * - Administrators are `identity.admin`'s business; managed identities are skipped.
 */
export const escalationRule: Rule = {
  id: 'identity.privilege-escalation',
  title: 'Non-human identity that can escalate its own privileges',
  severity: 'high',
  rationale:
    'Permissions that let an identity change its own permissions, hand a privileged role to a workload it ' +
    'controls, or assume a more privileged role make it an administrator in all but name: whoever holds ' +
    'its credential can take the account.',
  remediation:
    'Remove the escalation permissions (scope iam:PassRole to the one role the workload needs, drop the ' +
    'iam:*Policy* and key-management actions, restrict the roles it may assume, or tighten their trust ' +
    'policies), or add a permissions boundary that denies them.',
  references: [REF.cisAws_1_16, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: evaluateEscalation,
};

function evaluateEscalation({ inventory }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed) continue;
    const grants = inventory.grantsByIdentity.get(identity.id) ?? [];
    const effective = grants.find((g) => g.via === 'effective');
    if ((effective ?? grants.find((g) => g.privilege === 'admin'))?.privilege === 'admin') continue;
    const marked = grants.filter((g) => g.permissions.some((p) => reported(identity, p)));
    if (marked.length === 0) continue;
    const methods = [...new Set(marked.flatMap((g) => g.permissions.filter((p) => p.startsWith(ESCALATION) && reported(identity, p)).map((p) => p.slice(ESCALATION.length))))].sort();
    const paths = [...new Set(marked.flatMap((g) => g.permissions.filter((p) => p.startsWith(PATH)).map((p) => p.slice(PATH.length))))].sort();
    const conditional = marked.every((g) => g.viaName === 'conditional');
    const how = [...(methods.length ? [`${methods.join(', ')}`] : []), ...(paths.length ? [`role chain ${paths[0]}${paths.length > 1 ? ` (+${paths.length - 1})` : ''}`] : [])].join('; ');
    findings.push(
      makeFinding(escalationRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: conditional ? 'medium' : 'high',
        message: `${identityLabel(identity.kind)} ${identity.name} can escalate its privileges: ${how}`,
        evidence: {
          methods: methods.length ? methods.join(', ') : null,
          roleChains: paths.length ? paths.slice(0, 5).join('; ') : null,
          conditional,
        },
      }),
    );
  }
  return findings;
}
