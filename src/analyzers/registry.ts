import { keyAgeRule } from './rules/credential-key-age.ts';
import { unusedRule } from './rules/credential-unused.ts';
import { adminRule } from './rules/identity-admin.ts';
import { escalationRule } from './rules/identity-privilege-escalation.ts';
import { unusedPrivilegeRule } from './rules/identity-unused-privilege.ts';
import { leakedRule } from './rules/credential-leaked.ts';
import { multipleActiveRule } from './rules/credential-multiple-active.ts';
import { expiryRule } from './rules/credential-expiry.ts';
import { AZURE_RULES } from './rules/azure.ts';
import { GCP_RULES } from './rules/gcp.ts';
import { GITHUB_RULES } from './rules/github.ts';
import { K8S_RULES } from './rules/k8s.ts';
import type { Rule } from './types.ts';

/** Every rule `analyze` runs, in a fixed order. Add new rules here. */
export const RULES: readonly Rule[] = [keyAgeRule, unusedRule, multipleActiveRule, expiryRule, adminRule, escalationRule, unusedPrivilegeRule, leakedRule, ...GCP_RULES, ...AZURE_RULES, ...GITHUB_RULES, ...K8S_RULES];

export function getRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/** Rule ids are part of finding ids: a duplicate would merge two rules' findings. */
export function assertUniqueRuleIds(rules: readonly Rule[]): void {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.id)) throw new Error(`duplicate analyzer rule id: ${rule.id}`);
    seen.add(rule.id);
  }
}
