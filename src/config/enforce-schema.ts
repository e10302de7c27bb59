import { z } from 'zod';

/**
 * The `enforce:` section of the config: how `sprawl plan` and `sprawl apply` change the estate.
 * Everything here shapes the plan; nothing changes without `sprawl apply`.
 */

const accessMode = z.enum(['enabled', 'disabled']);

/** What a gateway connection sprawl registers carries, besides the credential (hoop-gateway.md §3, §4). */
export const enforceGatewaySchema = z.strictObject({
  /** The hoop agent that runs the sessions of new connections (`agent_id`, required to register one). */
  agentId: z.uuid({ error: 'a hoop agent id (uuid)' }).optional(),
  /** Groups allowed to use new connections (the access_control plugin); empty: the gateway's default. */
  accessControlGroups: z.array(z.string().min(1)).default([]),
  /** Review groups (the connection's `reviewers`): sessions wait for their approval. */
  reviewers: z.array(z.string().min(1)).default([]),
  minReviewApprovals: z.int().min(1).max(100).optional(),
  /** Data-masking info types (`redact_types`, e.g. EMAIL_ADDRESS). */
  redactTypes: z.array(z.string().min(1)).default([]),
  /** Guardrail rule ids (uuid) attached to new connections. */
  guardrailRules: z.array(z.uuid()).default([]),
  /** Access modes of new connections. */
  accessModes: z
    .strictObject({ exec: accessMode.default('enabled'), connect: accessMode.default('enabled'), runbooks: accessMode.default('enabled') })
    .prefault({}),
  /** Extra connection tags (sprawl adds its own identity tag; hoop allows 10 in all). */
  tags: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** How a revoked identity's connection is cut off: its access modes disabled (reversible) or the connection deleted. */
  cutoff: z.enum(['disable', 'delete']).default('disable'),
  /** GCP service accounts: no key at all, the gateway impersonates them (hoop IAM federation). */
  gcpFederation: z.boolean().default(false),
  /** Region written into AWS connections (`AWS_REGION`). */
  awsRegion: z.string().min(1).default('us-east-1'),
});

export const enforceSchema = z.strictObject({
  /** Days between stage 1 (reversible: deactivate, disable, unbind) and stage 2 (delete). */
  graceDays: z.int().min(0).max(3650).default(14),
  /** Apply refuses a plan that carries no approval record (`sprawl plan approve`). */
  requireApproval: z.boolean().default(false),
  gateway: enforceGatewaySchema.prefault({}),
});

export type EnforceConfig = z.infer<typeof enforceSchema>;
export type EnforceGatewayConfig = z.infer<typeof enforceGatewaySchema>;
