import type { AnalysisConfig } from '../../config/analysis-schema.ts';
import { ANALYSIS_DEFAULTS } from '../../config/analysis-schema.ts';
import type { Rule } from '../types.ts';
import { gatewayBypassRuleWith } from './credential-gateway-bypass.ts';
import { orphanedRuleWith } from './identity-orphaned.ts';
import { sharedRuleWith } from './identity-shared.ts';
import { ungovernedRule } from './identity-ungoverned.ts';
import { unknownOriginLeakRule } from './leak-unknown-origin.ts';

/**
 * Rules that correlate the inventory with the gateway, the repositories and the people list.
 * Their settings come from the config's `analysis:` section (and the loaded people file).
 */
export interface CorrelationSettings {
  /** Lower-cased emails of the people who may own identities; undefined: no list configured. */
  people?: ReadonlySet<string>;
  gatewayClockSkewSeconds: number;
  sharedActorsMin: number;
  sharedWorkloadsMin: number;
}

export const DEFAULT_CORRELATION_SETTINGS: CorrelationSettings = {
  gatewayClockSkewSeconds: ANALYSIS_DEFAULTS.gatewayClockSkewSeconds,
  sharedActorsMin: ANALYSIS_DEFAULTS.sharedActorsMin,
  sharedWorkloadsMin: ANALYSIS_DEFAULTS.sharedWorkloadsMin,
};

/** Settings from the parsed `analysis:` section and the people loaded from `analysis.people.file`. */
export function correlationSettings(analysis: AnalysisConfig, people?: ReadonlySet<string>): CorrelationSettings {
  return {
    ...(people !== undefined ? { people } : {}),
    gatewayClockSkewSeconds: analysis.gatewayClockSkewSeconds,
    sharedActorsMin: analysis.sharedActorsMin,
    sharedWorkloadsMin: analysis.sharedWorkloadsMin,
  };
}

/** The correlation rules configured with `settings`, in report order. */
export function correlationRules(settings: CorrelationSettings = DEFAULT_CORRELATION_SETTINGS): Rule[] {
  return [
    orphanedRuleWith(settings),
    sharedRuleWith(settings),
    gatewayBypassRuleWith(settings),
    ungovernedRule,
    unknownOriginLeakRule,
  ];
}

/** Rule ids of the correlation rules (for the verdict table and docs). */
export const CORRELATION_RULE_IDS = [
  'identity.orphaned',
  'identity.shared',
  'credential.gateway-bypass',
  'identity.ungoverned',
  'leak.unknown-origin',
] as const;
