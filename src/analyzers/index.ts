import type { PolicyConfig } from '../config/schema.ts';
import type { Finding, Inventory, Verdict } from '../model/index.ts';
import { severityRank } from '../model/index.ts';
import { indexInventory } from './inventory-index.ts';
import { RULES, assertUniqueRuleIds } from './registry.ts';
import type { Rule, RuleContext } from './types.ts';
import { compareStrings, decideVerdicts } from './verdict.ts';

export type { Rule, RuleContext } from './types.ts';
export type { InventoryIndex } from './inventory-index.ts';
export { indexInventory } from './inventory-index.ts';
export { RULES, getRule } from './registry.ts';
export { decideVerdicts } from './verdict.ts';
export { leakedRule } from './rules/credential-leaked.ts';

export interface AnalysisResult {
  findings: Finding[];
  verdicts: Verdict[];
}

/** Worst first, then by finding id: the same inventory always gives the same order. */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || compareStrings(a.id, b.id);
}

/** Runs every rule over one scan's inventory and decides a verdict per identity. Pure. */
export function analyze(inventory: Inventory, policy: PolicyConfig, now: Date, rules: readonly Rule[] = RULES): AnalysisResult {
  assertUniqueRuleIds(rules);
  const ctx: RuleContext = { inventory: indexInventory(inventory), policy, now };
  const findings = rules.flatMap((rule) => rule.evaluate(ctx)).sort(compareFindings);
  return { findings, verdicts: decideVerdicts(ctx, findings) };
}
