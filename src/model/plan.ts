/**
 * A plan: the ordered, reviewable changes `sprawl apply` makes for the verdicts of one scan
 * (ARCHITECTURE.md, "Action"). Plain data, written to a JSON file a person reviews; never a secret.
 */
import type { Provider, VerdictKind } from './types.ts';

export const PLAN_SCHEMA_VERSION = 1 as const;

/**
 * What one action does. Stage 1 actions are reversible (`sprawl rollback`); stage 2 actions delete
 * and run only after the grace period, when nothing used the identity meanwhile.
 */
export type ActionKind =
  /** A fresh credential for the identity, straight into a new gateway connection (never to disk). */
  | 'gateway.register'
  /** A fresh credential into the identity's existing gateway connection (the whole secret map). */
  | 'gateway.rotate'
  /** The identity's gateway connection cut off: access modes disabled, or deleted (config). */
  | 'gateway.cutoff'
  | 'aws.key.deactivate'
  | 'aws.key.delete'
  /** An inline Deny-everything policy on a role (reversible: the policy is removed again). */
  | 'aws.role.deny'
  | 'aws.role.delete'
  | 'aws.user.delete'
  | 'gcp.key.disable'
  | 'gcp.key.delete'
  | 'gcp.sa.disable'
  | 'gcp.sa.delete'
  /** Role assignments removed, each recorded so rollback re-creates it. */
  | 'azure.role-assignments.remove'
  | 'azure.secret.delete'
  /** The account removed from every (Cluster)RoleBinding, each recorded so rollback restores it. */
  | 'k8s.bindings.remove'
  | 'k8s.token.delete'
  | 'k8s.sa.delete'
  /** Deleted with its public key recorded: rollback adds it again. */
  | 'github.deploy-key.delete'
  /** Nothing sprawl can do safely through an API: a person must (the summary says what). */
  | 'manual';

export interface PlanAction {
  /** Stable within the plan: `a_` + hash of kind and target. */
  id: string;
  kind: ActionKind;
  identityId: string;
  identityName: string;
  provider: Provider;
  scope: string;
  verdict: VerdictKind;
  /** What it acts on: a credential's public id, a connection name, the identity id. */
  target: string;
  /** 1: reversible, runs at apply; 2: deletes, runs at an apply after `notBefore`. */
  stage: 1 | 2;
  reversible: boolean;
  /** Actions that must have applied first (ids in this plan). */
  dependsOn: string[];
  /** Stage 2: not before this time (plan time + grace); counted again from stage 1's real time at apply. */
  graceDays?: number;
  /** Kind-specific settings (connection name and shape, subtype, region...); never a secret. */
  params: Record<string, string | number | boolean | string[]>;
  /** One sentence for people. */
  summary: string;
}

export interface PlanFilters {
  provider?: Provider[];
  scope?: string[];
  /** Identity ids or globs (`*`). */
  identity?: string[];
  verdict?: VerdictKind[];
}

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** `p_` + the first 16 hex digits of the digest. */
  id: string;
  createdAt: string;
  /** The scan whose verdicts it acts on. */
  scan: { id: string; startedAt: string };
  filters: PlanFilters;
  /** Per identity acted on, a digest of what the scan saw of it: apply compares with the latest scan. */
  basis: Record<string, string>;
  actions: PlanAction[];
  /** sha256 of the plan's canonical JSON without `digest` and `approval`. */
  digest: string;
  /** Who approved it and when (`sprawl plan approve`), when the config requires approval. */
  approval?: { by: string; at: string; digest: string };
}
