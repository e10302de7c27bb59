import type { ComplianceRef, Finding, Severity } from '../model/index.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { InventoryIndex } from './inventory-index.ts';

/** What every rule gets: the indexed inventory, the policy thresholds and the clock. */
export interface RuleContext {
  inventory: InventoryIndex;
  policy: PolicyConfig;
  now: Date;
}

/** An analyzer rule: data plus one function (ARCHITECTURE.md, "Interfaces"). */
export interface Rule {
  /** Stable, dotted id, e.g. `credential.key-age`. Part of every finding id: never rename. */
  id: string;
  title: string;
  /** Default severity; a rule may escalate a single finding (documented on the rule). */
  severity: Severity;
  /** Why the rule exists, for the report and the docs. */
  rationale: string;
  remediation: string;
  references: ComplianceRef[];
  evaluate(ctx: RuleContext): Finding[];
}
