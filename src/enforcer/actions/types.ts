/**
 * What every enforcer action implementation provides (ARCHITECTURE.md, "An enforcer action has
 * describe, apply, and undo"). The plan describes; these functions act, through the same
 * provider clients the collectors use (src/providers/), built from the same config.
 *
 * Rules every implementation follows:
 * - Idempotent: `apply` first reads the target's current state; when it is already what the
 *   action wants (key already inactive, binding already gone), it changes nothing and returns
 *   `noop`. Running a plan twice changes nothing the second time; a crash between the provider's
 *   change and the journal's record is repaired by simply applying again.
 * - Never a secret in an Outcome (before, request, after): they go to the journal and the
 *   terminal. Public ids, names, ARNs, role assignment ids, binding subjects are fine.
 * - `before` holds everything `undo` needs to restore the target (the role assignments removed,
 *   the binding subjects removed, the deploy key's public key and title, ...).
 * - Errors are thrown as Error with a message naming the target and the provider's error code
 *   (e.g. `aws 111122223333 user etl: DeleteAccessKey NoSuchEntity: ...`). A target that no
 *   longer exists is a `noop` for deletes and disables, an error for anything else.
 */
import type { Config } from '../../config/schema.ts';
import type { ActionKind, IdentityKind, PlanAction } from '../../model/index.ts';
import type { Logger } from '../../util/log.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface ActionContext {
  /** The whole config: provider sections (endpoints, credentials, CA files) and `enforce:`. */
  config: Config;
  /** Where credentials come from (AWS_ACCESS_KEY_ID, GITHUB_TOKEN, HOOP_API_KEY, ...). */
  env: NodeJS.ProcessEnv;
  log: Logger;
  now: () => Date;
  signal?: AbortSignal;
}

export interface Outcome {
  /** done: the provider changed; noop: the target was already in the wanted state (or gone). */
  status: 'done' | 'noop';
  /** The target's state before, as undo needs it. Never a secret. */
  before: Json;
  /** What was sent to the provider (method, path or API action, parameters). Never a secret. */
  request: Json;
  /** The target's state after. */
  after: Json;
}

/** Carries out one or more action kinds; `undo` for the reversible (stage 1) ones. */
export interface ActionHandler {
  kinds: readonly ActionKind[];
  apply(action: PlanAction, ctx: ActionContext): Promise<Outcome>;
  /** Restores what `apply` changed, from the Outcome the journal recorded for it. */
  undo?(action: PlanAction, applied: Outcome, ctx: ActionContext): Promise<Outcome>;
}

/**
 * A fresh credential, made for a gateway connection. Its secret values go from the provider's
 * response straight into the gateway request, then out of memory: never to disk, logs or the
 * journal.
 */
export interface MintedCredential {
  /** The new credential's public id (AWS key id, GCP private_key_id, Azure keyId, k8s token jti or name). */
  publicId: string;
  /** Every value of the connection's secret map, plain (not yet base64), by secret key (`envvar:AWS_ACCESS_KEY_ID`). */
  secrets: Record<string, string>;
  /** When the credential expires, if it does (Azure secrets, Kubernetes tokens). */
  expiresAt?: string;
}

/**
 * Thrown by `mint` when the identity has no room for another credential (an IAM user holds at
 * most two access keys): apply then discards what an interrupted run minted, and mints again.
 */
export class NoRoomError extends Error {
  override name = 'NoRoomError';
}

/**
 * Makes fresh credentials for one kind of identity, for `gateway.register` and `gateway.rotate`
 * (the action's params carry the identity's coordinates: see `coordinates` in ../plan.ts), and
 * discards one it made when registering it in the gateway failed, or on undo.
 */
export interface CredentialMinter {
  kinds: readonly IdentityKind[];
  mint(action: PlanAction, ctx: ActionContext): Promise<MintedCredential>;
  /** Deletes a credential this minter made; a no-op when it is already gone. */
  discard(action: PlanAction, publicId: string, ctx: ActionContext): Promise<void>;
}
