/**
 * The plan file: JSON a person reviews (and may approve) between `sprawl plan` and `sprawl apply`.
 * Reading checks its shape (naming the place of any error) and its digest, so a plan edited after
 * it was made is refused rather than applied.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { PLAN_SCHEMA_VERSION } from '../model/index.ts';
import type { ActionKind, Plan } from '../model/index.ts';
import { planDigest } from './plan.ts';

const ACTION_KINDS = [
  'gateway.register',
  'gateway.rotate',
  'gateway.cutoff',
  'aws.key.deactivate',
  'aws.key.delete',
  'aws.role.deny',
  'aws.role.delete',
  'aws.user.delete',
  'gcp.key.disable',
  'gcp.key.delete',
  'gcp.sa.disable',
  'gcp.sa.delete',
  'azure.role-assignments.remove',
  'azure.secret.delete',
  'k8s.bindings.remove',
  'k8s.token.delete',
  'k8s.sa.delete',
  'github.deploy-key.delete',
  'manual',
] as const satisfies readonly ActionKind[];

const provider = z.enum(['aws', 'gcp', 'azure', 'github', 'kubernetes']);
const verdict = z.enum(['keep', 'migrate', 'rotate', 'revoke', 'exempt']);

const actionSchema = z.strictObject({
  id: z.string().regex(/^a_[0-9a-f]{16}$/),
  kind: z.enum(ACTION_KINDS),
  identityId: z.string().min(1),
  identityName: z.string(),
  provider,
  scope: z.string(),
  verdict,
  target: z.string().min(1),
  stage: z.union([z.literal(1), z.literal(2)]),
  reversible: z.boolean(),
  dependsOn: z.array(z.string()),
  graceDays: z.int().min(0).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
  summary: z.string(),
});

const planSchema = z.strictObject({
  schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
  id: z.string().regex(/^p_[0-9a-f]{16}$/),
  createdAt: z.iso.datetime(),
  scan: z.strictObject({ id: z.string().min(1), startedAt: z.string().min(1) }),
  filters: z.strictObject({
    provider: z.array(provider).optional(),
    scope: z.array(z.string()).optional(),
    identity: z.array(z.string()).optional(),
    verdict: z.array(verdict).optional(),
  }),
  basis: z.record(z.string(), z.string()),
  actions: z.array(actionSchema),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  approval: z.strictObject({ by: z.string().min(1), at: z.iso.datetime(), digest: z.string() }).optional(),
});

export class PlanFileError extends Error {
  override name = 'PlanFileError';
}

/**
 * Writes the plan for review: 0644 whatever the umask and whatever mode a file there had (it holds
 * no secret: ids, names, parameters). writeFileSync's mode is masked by the umask, hence the chmod.
 */
export function writePlan(path: string, plan: Plan): void {
  writeFileSync(path, JSON.stringify(plan, null, 2) + '\n', { mode: 0o644 });
  chmodSync(path, 0o644);
}

/** Parses and checks a plan's text; `where` names it in errors (a path). */
export function parsePlan(text: string, where: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(`${where}: not JSON (${(e as Error).message})`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw new PlanFileError(`${where}: ${path}: ${issue?.message ?? 'invalid plan'}`);
  }
  const plan: Plan = parsed.data;
  const digest = planDigest(plan);
  if (digest !== plan.digest || plan.id !== `p_${digest.slice(0, 16)}`) {
    throw new PlanFileError(`${where}: the plan was changed after it was made (its digest does not match its content): make a new plan with sprawl plan`);
  }
  const ids = new Set(plan.actions.map((a) => a.id));
  if (ids.size !== plan.actions.length) throw new PlanFileError(`${where}: two actions share an id`);
  for (const a of plan.actions) {
    for (const d of a.dependsOn) if (!ids.has(d)) throw new PlanFileError(`${where}: action ${a.id} depends on ${d}, which is not in the plan`);
  }
  if (plan.approval && plan.approval.digest !== plan.digest) throw new PlanFileError(`${where}: the approval is for another version of the plan (digest ${plan.approval.digest.slice(0, 12)}...)`);
  return plan;
}

export function readPlan(path: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PlanFileError(`${path}: cannot read the plan (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parsePlan(text, path);
}

/** The plan with an approval record: who approved this exact content, and when. */
export function approvePlan(plan: Plan, by: string, now: Date): Plan {
  const who = by.trim();
  if (who === '') throw new PlanFileError('an approval needs a name (--by)');
  return { ...plan, approval: { by: who, at: now.toISOString(), digest: plan.digest } };
}
