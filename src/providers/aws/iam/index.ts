/** AWS IAM evaluation engine: effective access of a principal, its privilege and escalation paths. */
export type * from './types.ts';
export { matches, matchesAction, matchesResource } from './match.ts';
export { CATALOG, levelOf } from './catalog.ts';
export type { CatalogAction } from './catalog.ts';
export { expandActions } from './expand.ts';
export { parsePolicy } from './parse.ts';
export { judgeConditions, isCallerSatisfiable } from './conditions.ts';
export { evaluatePrincipal, grantsOf } from './evaluate.ts';
export { classify, escalationsOf } from './classify.ts';
export type { ClassifyOptions } from './classify.ts';
export { ESCALATION_METHODS } from './escalations.ts';
export type { EscalationMethod } from './escalations.ts';
export { escalationPaths, shortName, trusts } from './chains.ts';
export type { AssumableRole, ChainOptions, ChainPrincipal, EscalationPath, PrincipalPaths } from './chains.ts';
