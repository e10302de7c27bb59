import { z } from 'zod';

/**
 * The `analysis:` section of the config file: what the correlation rules (identity.orphaned,
 * identity.shared, credential.gateway-bypass, identity.ungoverned, leak.unknown-origin) need
 * beyond the policy thresholds, and the exemptions that silence findings until they expire.
 */

/**
 * An ISO date (`2025-12-31`, valid through that whole UTC day) or an ISO time with offset. YAML
 * parsers that read unquoted dates as Date objects are accepted too (turned back into a date).
 */
const isoDate = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : v),
  z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'an ISO date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)' }),
);

export const exemptionSchema = z.strictObject({
  /** Identity id, or a glob where `*` matches any run of characters (`aws:111122223333:role/ci-*`). */
  identity: z.string().min(1),
  /** Rule id (`identity.shared`) or `*` for every rule. */
  rule: z.string().min(1),
  /** Why the risk is accepted. */
  reason: z.string().trim().min(3),
  /** Who accepted it. */
  approver: z.string().trim().min(1),
  /** Until when; a date alone is valid through that day (UTC). After it the finding comes back. */
  expires: isoDate,
});

export const analysisSchema = z.strictObject({
  /**
   * The people who may own identities: a CSV file with an `email` column (optional `active`
   * column), or a JSON array of emails or of `{ email, active }` objects. Without it, owners are
   * only checked against the gateway's users.
   */
  people: z.strictObject({ file: z.string().min(1) }).optional(),
  /** Tolerance between a provider's last-used time and a gateway session, in seconds. */
  gatewayClockSkewSeconds: z.int().min(0).max(86_400).default(300),
  /** An identity used through the gateway by at least this many distinct actors is shared. */
  sharedActorsMin: z.int().min(2).max(10_000).default(3),
  /** A Kubernetes service account run by at least this many distinct workloads is shared. */
  sharedWorkloadsMin: z.int().min(2).max(10_000).default(3),
  /** Accepted risks: findings matching one are left out until it expires. */
  exemptions: z.array(exemptionSchema).default([]),
});

export type AnalysisConfig = z.infer<typeof analysisSchema>;
export type Exemption = z.infer<typeof exemptionSchema>;

/** The section's defaults (no people list, no exemptions). */
export const ANALYSIS_DEFAULTS: AnalysisConfig = analysisSchema.parse({});
