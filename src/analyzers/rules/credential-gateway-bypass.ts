import { identityUse, sessionWindows, type ComplianceRef, type Credential, type Finding, type GatewayConnection, type Identity, type SessionWindow } from '../../model/index.ts';
import { ANALYSIS_DEFAULTS } from '../../config/analysis-schema.ts';
import { credentialLabel, identityLabel, identitySubject, isUsable } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { parseTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';
import type { CorrelationSettings } from './correlation.ts';

const NIST_AC_2: ComplianceRef = { framework: 'NIST800-53', control: 'AC-2', title: 'Account management' };
const CIS_6_1: ComplianceRef = { framework: 'CIS', control: 'Controls v8 6.1', title: 'Establish an access granting process' };

/**
 * `credential.gateway-bypass`: the identity has a gateway connection, yet one of its usable
 * credentials was used (provider-reported `lastUsedAt`) after the identity went behind the
 * gateway and outside every gateway session on its connections: someone still holds the key
 * and uses it directly.
 *
 * - "behind the gateway since": the earliest connection `createdAt` of the identity's
 *   connections, else the first gateway session on them; unknown → no finding;
 * - the use must be more than `gatewayClockSkewSeconds` after that time;
 * - a session covers a use when the use falls within [start − skew, (end ?? start) + skew];
 *   sessions on any connection linked to the identity count.
 *
 * High. No provider last-use date, inactive or expired credentials, managed identities: no finding.
 */
export function gatewayBypassRuleWith(settings: Pick<CorrelationSettings, 'gatewayClockSkewSeconds'>): Rule {
  const rule: Rule = {
    id: 'credential.gateway-bypass',
    title: 'Credential used outside the gateway',
    severity: 'high',
    rationale:
      'Putting an identity behind the gateway only helps if its keys stop circulating: a key used directly ' +
      'bypasses the gateway\'s authentication, review and session log, and whoever holds it keeps access when ' +
      'their gateway account is removed.',
    remediation:
      'Find who used the key (the provider\'s access logs around the last-used time and service), move that use ' +
      'behind the gateway, then rotate the key so only the gateway holds the new one.',
    references: [CIS_6_1, REF.cisControls_6_2, REF.soc2_cc6_1, REF.soc2_cc6_2, REF.iso_a_5_17, REF.iso_a_5_15, NIST_AC_2, REF.nist_ia_5],
    evaluate: (ctx) => evaluateBypass(rule, ctx, settings.gatewayClockSkewSeconds),
  };
  return rule;
}

export const gatewayBypassRule: Rule = gatewayBypassRuleWith(ANALYSIS_DEFAULTS);

type Window = SessionWindow;

/** When the identity went behind the gateway: earliest connection creation, else first session. */
function behindSince(connections: readonly GatewayConnection[], windows: readonly Window[]): number | undefined {
  const created = connections.map((c) => parseTime(c.createdAt)).filter((t): t is number => t !== undefined);
  if (created.length > 0) return Math.min(...created);
  return windows.length > 0 ? Math.min(...windows.map((w) => w.start)) : undefined;
}

/** Seconds between a time and the nearest session window (0 inside one). */
function gapSeconds(t: number, w: Window): number {
  return t < w.start ? (w.start - t) / 1000 : t > w.end ? (t - w.end) / 1000 : 0;
}

function evaluateBypass(rule: Rule, { inventory, now }: RuleContext, skewSeconds: number): Finding[] {
  const byIdentity = new Map<string, GatewayConnection[]>();
  for (const c of inventory.connections) {
    if (c.identityId === undefined) continue;
    byIdentity.set(c.identityId, [...(byIdentity.get(c.identityId) ?? []), c]);
  }
  const findings: Finding[] = [];
  for (const [identityId, connections] of byIdentity) {
    const identity = inventory.identityById.get(identityId);
    if (!identity || identity.managed) continue;
    const windows = sessionWindows(identityUse(inventory.activity, identityId), new Set(connections.map((c) => c.id)));
    const since = behindSince(connections, windows);
    if (since === undefined) continue;
    for (const credential of inventory.credentialsByIdentity.get(identityId) ?? []) {
      if (!isUsable(credential, now)) continue;
      const finding = bypass(rule, identity, credential, connections, windows, since, skewSeconds);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}

function bypass(
  rule: Rule,
  identity: Identity,
  credential: Credential,
  connections: readonly GatewayConnection[],
  windows: readonly Window[],
  since: number,
  skewSeconds: number,
): Finding | undefined {
  const used = parseTime(credential.lastUsedAt);
  if (used === undefined || used - since <= skewSeconds * 1000) return undefined;
  let nearest: Window | undefined;
  for (const w of windows) if (!nearest || gapSeconds(used, w) < gapSeconds(used, nearest)) nearest = w;
  const gap = nearest ? Math.round(gapSeconds(used, nearest)) : undefined;
  if (gap !== undefined && gap <= skewSeconds) return undefined;
  const names = connections.map((c) => c.name).sort();
  const sinceIso = new Date(since).toISOString();
  return makeFinding(rule, {
    subjectType: 'credential',
    subjectId: credential.id,
    identityId: identity.id,
    subject: identitySubject(identity),
    message:
      `${credentialLabel(credential.kind)} ${credential.publicId} of ${identityLabel(identity.kind)} ${identity.name} was used at ` +
      `${credential.lastUsedAt ?? ''}${credential.lastUsedService ? ` (${credential.lastUsedService})` : ''}, after the identity went behind ` +
      `gateway connection ${names.join(', ')}, with no gateway session ${gap === undefined ? 'on it' : `within ${skewSeconds} seconds`}`,
    evidence: {
      publicId: credential.publicId,
      lastUsedAt: credential.lastUsedAt ?? null,
      lastUsedService: credential.lastUsedService ?? null,
      connections: names.join(', '),
      behindGatewaySince: sinceIso,
      nearestSessionAt: nearest ? new Date(nearest.start).toISOString() : null,
      nearestSessionGapSeconds: gap ?? null,
      clockSkewSeconds: skewSeconds,
    },
  });
}
