import { latestIso, type ComplianceRef, type Finding, type Identity, type IdentityKind } from '../../model/index.ts';
import { identityLabel, identitySubject } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import type { InventoryIndex } from '../inventory-index.ts';
import { REF } from '../references.ts';
import { daysSince, latestTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';

const NIST_AC_2: ComplianceRef = { framework: 'NIST800-53', control: 'AC-2', title: 'Account management' };
const CIS_6_1: ComplianceRef = { framework: 'CIS', control: 'Controls v8 6.1', title: 'Establish an access granting process' };

/**
 * `identity.ungoverned`: an identity in use that no gateway connection acts as, in an estate
 * that has a gateway (at least one connection in the inventory; without any, the rule is silent).
 *
 * "In use": its own last use, a credential's provider last-used date or a provider activity
 * (gateway sessions do not count: they need a connection) within `policy.unusedDays`
 * (not more than that many days ago). Low; medium with any admin grant. Managed and disabled
 * identities never fire.
 *
 * Only identities a gateway connection can act as: those that authenticate with a secret the
 * connection can be given (AWS IAM users' access keys, GCP service-account keys or federation,
 * Azure application service principals' client secrets and certificates, Kubernetes
 * service-account tokens, GitHub fine-grained tokens). Identities that cannot be put behind a
 * connection are never reported, as the remediation (move their use to a connection) cannot be
 * followed: AWS roles (no secret of their own; assumed by the services and principals their trust
 * policy names, a Lambda or an EC2 instance cannot go through the gateway), Azure managed
 * identities (tokens only from the Azure resource's metadata endpoint), GitHub deploy keys (SSH
 * keys git uses against GitHub itself, a single repository) and GitHub App installations (tokens
 * minted by the app's own backend from its private key).
 */
export const ungovernedRule: Rule = {
  id: 'identity.ungoverned',
  title: 'Identity in use outside the gateway',
  severity: 'low',
  rationale:
    'Access that does not go through the gateway has no per-person authentication, approval or session ' +
    'log: the identity\'s keys are held by whoever runs the workload, and their use cannot be tied to a person.',
  remediation:
    'Create a gateway connection that holds the identity\'s credential (tag it with the identity so sprawl ' +
    'links it), move people and jobs to it, then rotate the credential so only the gateway holds it.',
  references: [CIS_6_1, REF.cisControls_6_8, REF.soc2_cc6_1, REF.iso_a_5_15, NIST_AC_2, REF.nist_ac_6],
  evaluate: evaluateUngoverned,
};

/** Kinds of identity a gateway connection can act as (see the rule's comment). */
export const GATEWAY_FRONTABLE_KINDS: ReadonlySet<IdentityKind> = new Set<IdentityKind>([
  'aws-iam-user',
  'gcp-service-account',
  'azure-service-principal',
  'k8s-service-account',
  'github-fine-grained-pat',
]);

/** Last provider-side use of the identity: its own date, its credentials', its provider activities. */
function lastProviderUse(inventory: InventoryIndex, identity: Identity): string | undefined {
  const credentials = inventory.credentialsByIdentity.get(identity.id) ?? [];
  return latestIso(latestTime([identity.lastUsedAt, ...credentials.map((c) => c.lastUsedAt)]), inventory.activity.identities.get(identity.id)?.provider.last);
}

function evaluateUngoverned({ inventory, policy, now }: RuleContext): Finding[] {
  if (inventory.connections.length === 0) return [];
  const governed = new Set(inventory.connections.map((c) => c.identityId).filter((id): id is string => id !== undefined));
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed || identity.disabled || !GATEWAY_FRONTABLE_KINDS.has(identity.kind) || governed.has(identity.id)) continue;
    const lastUse = lastProviderUse(inventory, identity);
    const days = daysSince(lastUse, now);
    if (days === undefined || days > policy.unusedDays) continue;
    const admin = (inventory.grantsByIdentity.get(identity.id) ?? []).some((g) => g.privilege === 'admin');
    findings.push(
      makeFinding(ungovernedRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: admin ? 'medium' : 'low',
        message:
          `${identityLabel(identity.kind)} ${identity.name}${admin ? ' (administrator rights)' : ''} was used ${days} days ago ` +
          'and no gateway connection acts as it',
        evidence: { lastUsedAt: lastUse ?? null, idleDays: days, windowDays: policy.unusedDays, gatewayConnections: inventory.connections.length, adminPrivileged: admin },
      }),
    );
  }
  return findings;
}
