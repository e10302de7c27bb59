import type { PolicyConfig } from '../config/schema.ts';
import type { Finding, Inventory, Verdict } from '../model/index.ts';
import { severityRank } from '../model/index.ts';
import { indexInventory } from './inventory-index.ts';
import { RULES, assertUniqueRuleIds } from './registry.ts';
import type { Rule, RuleContext } from './types.ts';
import { compareStrings, decideVerdicts } from './verdict.ts';
import { applyExemptions } from './exemptions.ts';
import type { ExemptedFinding } from './exemptions.ts';
import { correlationRules, correlationSettings, DEFAULT_CORRELATION_SETTINGS } from './rules/correlation.ts';
import type { CorrelationSettings } from './rules/correlation.ts';
import type { Exemption } from '../config/analysis-schema.ts';

export type { Rule, RuleContext } from './types.ts';
export type { InventoryIndex } from './inventory-index.ts';
export { indexInventory } from './inventory-index.ts';
export { RULES, getRule } from './registry.ts';
export { decideVerdicts } from './verdict.ts';
export { leakedRule } from './rules/credential-leaked.ts';
export { correlationRules, correlationSettings, DEFAULT_CORRELATION_SETTINGS };
export type { CorrelationSettings };
export { loadPeople } from './people.ts';

export interface AnalysisResult {
  findings: Finding[];
  verdicts: Verdict[];
  /** Findings an exemption set aside, with the exemption. */
  exempted: ExemptedFinding[];
}

/** Worst first, then by finding id: the same inventory always gives the same order. */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || compareStrings(a.id, b.id);
}

/** Runs every rule over one scan's inventory and decides a verdict per identity. Pure. */
export interface AnalyzeOptions {
  /** Exemptions from the config: matching findings are set aside; expired ones are reported. */
  exemptions?: readonly Exemption[];
}

/**
 * Runs every rule over one scan's inventory, applies the exemptions, and decides a verdict per
 * identity. Pure.
 */
export function analyze(inventory: Inventory, policy: PolicyConfig, now: Date, rules: readonly Rule[] = RULES, opts: AnalyzeOptions = {}): AnalysisResult {
  assertUniqueRuleIds(rules);
  const ctx: RuleContext = { inventory: indexInventory(inventory), policy, now };
  const raw = rules.flatMap((rule) => rule.evaluate(ctx));
  const { findings, exempted, expired } = applyExemptions(raw, opts.exemptions ?? [], now);
  const all = [...findings, ...expired].sort(compareFindings);
  return { findings: all, verdicts: decideVerdicts(ctx, all, exempted), exempted };
}

/** The whole catalogue: the registry's rules and the correlation rules configured by `analysis:`. */
export function catalogue(settings: CorrelationSettings = DEFAULT_CORRELATION_SETTINGS): Rule[] {
  return [...RULES, ...correlationRules(settings)];
}
