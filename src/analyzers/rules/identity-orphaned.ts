import type { ComplianceRef, Finding, GatewayUser, Identity } from '../../model/index.ts';
import { identityLabel, identitySubject } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import type { InventoryIndex } from '../inventory-index.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import type { CorrelationSettings } from './correlation.ts';

const CIS_5_1: ComplianceRef = { framework: 'CIS', control: 'Controls v8 5.1', title: 'Establish and maintain an inventory of accounts' };
const NIST_AC_2: ComplianceRef = { framework: 'NIST800-53', control: 'AC-2', title: 'Account management' };

export type OrphanReason = 'no-owner' | 'owner-inactive-in-gateway' | 'owner-not-in-people-list';

/**
 * `identity.orphaned`: nobody answers for the identity.
 *
 * - no owner at all (identity.owner empty: no owner tag, label or owner rule matched);
 * - the owner is an email of a gateway user none of whose accounts is `active` (inactive,
 *   disabled, invited...: someone who left or never joined);
 * - when a people list is configured, the owner is an email not on it.
 *
 * Owners that are not emails (a team name) count as resolved: they are not checked against the
 * gateway or the people list. Medium; high when the identity holds any admin grant. Managed and
 * disabled identities never fire.
 */
export function orphanedRuleWith(settings: Pick<CorrelationSettings, 'people'>): Rule {
  const rule: Rule = {
    id: 'identity.orphaned',
    title: 'Identity without an active owner',
    severity: 'medium',
    rationale:
      'An identity nobody owns is never reviewed, rotated or removed, and nobody notices when it is misused. ' +
      'Identities owned by people who left are the usual way access outlives its purpose.',
    remediation:
      'Find the team that runs the workload (its activity and gateway sessions show who uses it) and record it ' +
      'as the owner (owner tag or label); if nobody claims it, disable it, wait one review cycle, and delete it.',
    references: [CIS_5_1, REF.cisControls_6_2, REF.soc2_cc6_2, REF.iso_a_5_18, NIST_AC_2],
    evaluate: (ctx) => evaluateOrphaned(rule, ctx, settings.people),
  };
  return rule;
}

export const orphanedRule: Rule = orphanedRuleWith({});

interface Orphan {
  why: OrphanReason;
  owner: string | null;
  text: string;
  gatewayStatus: string | null;
}

/** Statuses of the gateway's users with this email (any gateway, any case). */
function gatewayStatuses(users: readonly GatewayUser[], email: string): string[] {
  return users.filter((u) => u.email?.trim().toLowerCase() === email).map((u) => u.status.toLowerCase());
}

export function orphanOf(identity: Identity, users: readonly GatewayUser[], people: ReadonlySet<string> | undefined): Orphan | undefined {
  const owner = identity.owner?.trim() ?? '';
  if (owner === '') return { why: 'no-owner', owner: null, text: 'has no owner', gatewayStatus: null };
  if (!owner.includes('@')) return undefined;
  const email = owner.toLowerCase();
  const statuses = gatewayStatuses(users, email);
  if (statuses.length > 0 && !statuses.includes('active')) {
    const status = [...new Set(statuses)].sort().join('/');
    return { why: 'owner-inactive-in-gateway', owner, text: `is owned by ${owner}, whose gateway account is ${status}`, gatewayStatus: status };
  }
  if (people !== undefined && !people.has(email)) {
    return { why: 'owner-not-in-people-list', owner, text: `is owned by ${owner}, who is not on the people list`, gatewayStatus: statuses[0] ?? null };
  }
  return undefined;
}

function isAdmin(inventory: InventoryIndex, identityId: string): boolean {
  return (inventory.grantsByIdentity.get(identityId) ?? []).some((g) => g.privilege === 'admin');
}

function evaluateOrphaned(rule: Rule, { inventory }: RuleContext, people: ReadonlySet<string> | undefined): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed || identity.disabled) continue;
    const orphan = orphanOf(identity, inventory.gatewayUsers, people);
    if (!orphan) continue;
    const admin = isAdmin(inventory, identity.id);
    findings.push(
      makeFinding(rule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        severity: admin ? 'high' : 'medium',
        message: `${identityLabel(identity.kind)} ${identity.name} ${orphan.text}${admin ? ' and has administrator rights' : ''}`,
        evidence: { owner: orphan.owner, why: orphan.why, gatewayUserStatus: orphan.gatewayStatus, adminPrivileged: admin },
      }),
    );
  }
  return findings;
}
