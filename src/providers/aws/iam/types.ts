/**
 * Types of the AWS IAM evaluation engine: raw policy documents as IAM returns them (once
 * decoded), their normalized form, and the effective access of a principal.
 */

/** One value or a list, as IAM policy grammar allows. */
export type OneOrMany<T> = T | T[];

/** `Condition`: operator → context key → value(s). */
export type ConditionBlock = Record<string, Record<string, OneOrMany<string | boolean | number>>>;

/** `Principal` of a trust (resource-based) policy. */
export type PolicyPrincipal = '*' | Record<string, OneOrMany<string>>;

export interface PolicyStatement {
  Sid?: string;
  /** `Allow` or `Deny`; anything else is ignored. */
  Effect: string;
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Condition?: ConditionBlock;
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement?: OneOrMany<PolicyStatement>;
}

/** One condition test, normalized: operator and key lower-cased, values as strings. */
export interface Condition {
  /** Operator without `ForAnyValue:`/`ForAllValues:` qualifier or `IfExists` suffix, e.g. `stringequals`. */
  operator: string;
  /** `foranyvalue`, `forallvalues` or undefined. */
  qualifier?: string;
  ifExists: boolean;
  /** Context key, lower-cased: `aws:sourceip`. */
  key: string;
  values: string[];
}

/**
 * How much an Allow's conditions restrict it: `none`; `unconditional-equivalent` when any caller
 * can satisfy them (`aws:SecureTransport`, `aws:RequestedRegion`); `constraining` otherwise.
 */
export type ConditionClass = 'none' | 'unconditional-equivalent' | 'constraining';

/** Set of resources: ARN patterns in `include` minus those in `exclude` (`['*']` = every resource). */
export interface ResourceScope {
  include: string[];
  exclude: string[];
}

/** A statement normalized: lower-cased action patterns, resource patterns and conditions kept. */
export interface NormalizedStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Lower-cased action patterns; with `notAction` true they are the exclusions. */
  actions: string[];
  notAction: boolean;
  resources: ResourceScope;
  conditions: Condition[];
  /** Trust policies: principals as `type:value`, e.g. `aws:arn:aws:iam::1:root`, `*`. */
  principals?: string[];
  notPrincipal: boolean;
}

export interface NormalizedPolicy {
  /** Stable content key (used for caching). */
  key: string;
  statements: NormalizedStatement[];
}

/** Access levels of the AWS Service Authorization Reference. */
export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

/** An allowed (action, resources) pair after all policy layers are combined. */
export interface Grant {
  resources: ResourceScope;
  condition: ConditionClass;
  /** Conditions of the Allow (and of the boundary/SCP Allow it was intersected with). */
  conditions: Condition[];
  /** Keys of the constraining conditions, lower-cased. */
  constrainingKeys: string[];
  /** A Deny with conditions or on some resources applies to part of this grant. */
  partiallyDenied: boolean;
}

export interface ActionAccess {
  /** Canonical name (`iam:PassRole`) for catalog actions; the lower-cased pattern otherwise (`dynamodb:get*`, `*` = services outside the catalog). */
  action: string;
  level: AccessLevel;
  /** True when the action is in the catalog. */
  known: boolean;
  /** Never empty. */
  grants: Grant[];
}

export interface PrincipalAccess {
  /** Allowed actions by lower-cased name. */
  actions: Map<string, ActionAccess>;
  /** Actions an identity policy allows that a Deny, the boundary or an SCP take away entirely (lower-cased). */
  removed: string[];
  hasBoundary: boolean;
}

/** Values of condition context keys known about the caller: `{ 'aws:SourceIp': '10.0.0.1' }`. */
export type ConditionContext = Record<string, string | string[] | boolean>;

export interface EvaluateInput {
  /** Attached managed, inline and group policies of the principal, all together. */
  identityPolicies: PolicyDocument[];
  permissionsBoundary?: PolicyDocument;
  /**
   * Service control policies, one document per level of the organization path (root, OUs,
   * account); an action must be allowed at every level. Merge SCPs attached at one level into one document.
   */
  scp?: PolicyDocument[];
}

export interface EvaluateOptions {
  /** Known context: conditions on these keys are decided instead of classified. */
  conditionContext?: ConditionContext;
}

export interface Escalation {
  /** `iam:PassRole+ec2:RunInstances`, `iam:CreatePolicyVersion`, `sts:AssumeRole on *`. */
  method: string;
  actions: string[];
  /** Resource patterns of the target action (the role passed, the user changed, …). */
  resources: string[];
  /** Some required grant is constrained by conditions or partially denied. */
  conditional: boolean;
}

export interface Classification {
  privilege: 'admin' | 'write' | 'read';
  admin: boolean;
  escalations: Escalation[];
}
