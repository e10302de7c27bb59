/**
 * Exemptions: accepted risks from the config's `analysis.exemptions`. A finding whose identity
 * matches an exemption's `identity` (id, or glob with `*`) and whose rule matches its `rule`
 * (id or `*`) is left out while the exemption is valid. Once it expires the finding stays, and
 * the expired exemption is itself reported (`exemption.expired`, low) so it is renewed or dropped.
 */
import type { Exemption } from '../config/analysis-schema.ts';
import type { Finding } from '../model/index.ts';
import { makeFinding } from './finding.ts';
import { REF } from './references.ts';
import type { Rule } from './types.ts';

/** A finding set aside by an exemption. */
export interface ExemptedFinding {
  finding: Finding;
  exemption: Exemption;
}

export interface ExemptionOutcome {
  /** The findings no valid exemption covers (expired exemptions do not exempt). */
  findings: Finding[];
  /** Findings left out, with the exemption that covers them. */
  exempted: ExemptedFinding[];
  /** `exemption.expired` findings: one per expired exemption and identity it matched. Not in `findings`. */
  expired: Finding[];
}

/**
 * The rule behind `exemption.expired` findings (not an analyzer rule: applyExemptions makes
 * them). Subject: the exemption, as `exemption:<identity id>:<rule>:<expires>` with
 * subjectType `identity` (the model has no exemption subject type); identityId: the identity
 * the exemption matched.
 */
export const expiredExemptionRule: Rule = {
  id: 'exemption.expired',
  title: 'Exemption expired',
  severity: 'low',
  rationale:
    'An accepted risk is accepted for a time: when the exemption expires, the finding it covered is back and ' +
    'the acceptance must be reviewed again.',
  remediation: 'Fix the finding, or have the approver renew the exemption with a new expiry date (or remove it from the config).',
  references: [REF.soc2_cc6_1, REF.soc2_cc6_2, REF.iso_a_5_18, { framework: 'NIST800-53', control: 'AC-2', title: 'Account management' }],
  evaluate: () => [],
};

/** Escapes a glob's regex characters; `*` matches any run of characters (including `/` and `:`). */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function matchesIdentity(pattern: string, identityId: string): boolean {
  return pattern.includes('*') ? globToRegExp(pattern).test(identityId) : pattern === identityId;
}

export function matchesRule(pattern: string, ruleId: string): boolean {
  return pattern === '*' || pattern === ruleId;
}

/** End of validity: a date alone (`2025-12-31`) is valid through that whole UTC day. */
export function expiryTime(expires: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expires)) return Date.parse(`${expires}T00:00:00.000Z`) + 86_400_000;
  return Date.parse(expires);
}

export function isExpired(exemption: Exemption, now: Date): boolean {
  const end = expiryTime(exemption.expires);
  return Number.isNaN(end) || now.getTime() >= end;
}

function expiredFinding(exemption: Exemption, finding: Finding): Finding {
  return makeFinding(expiredExemptionRule, {
    subjectType: 'identity',
    subjectId: `exemption:${finding.identityId}:${exemption.rule}:${exemption.expires}`,
    identityId: finding.identityId,
    subject: { provider: finding.provider, scope: finding.scope, name: finding.identityId },
    message:
      `Exemption of ${finding.identityId} from ${exemption.rule === '*' ? 'every rule' : exemption.rule} ("${exemption.reason}", ` +
      `approved by ${exemption.approver}) expired on ${exemption.expires}`,
    evidence: {
      identityPattern: exemption.identity,
      rule: exemption.rule,
      reason: exemption.reason,
      approver: exemption.approver,
      expires: exemption.expires,
    },
  });
}

/** Splits findings into kept and exempted, and reports exemptions that expired (see the module comment). */
export function applyExemptions(findings: readonly Finding[], exemptions: readonly Exemption[], now: Date): ExemptionOutcome {
  const outcome: ExemptionOutcome = { findings: [], exempted: [], expired: [] };
  const expiredIds = new Set<string>();
  for (const finding of findings) {
    const matching = exemptions.filter((e) => matchesRule(e.rule, finding.ruleId) && matchesIdentity(e.identity, finding.identityId));
    const valid = matching.find((e) => !isExpired(e, now));
    if (valid) {
      outcome.exempted.push({ finding, exemption: valid });
      continue;
    }
    outcome.findings.push(finding);
    for (const e of matching) {
      const f = expiredFinding(e, finding);
      if (expiredIds.has(f.id)) continue;
      expiredIds.add(f.id);
      outcome.expired.push(f);
    }
  }
  return outcome;
}
