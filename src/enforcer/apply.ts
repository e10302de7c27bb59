/**
 * `sprawl apply`: carries out a reviewed plan, journaling every step.
 *
 * - Refuses a plan that needs an approval and has none, and a stale plan (the estate changed
 *   since its scan for an identity it acts on) unless forced.
 * - Dry run unless `execute`: says what it would do, writes nothing.
 * - Resumable and idempotent: the journal says which actions already applied; those are skipped,
 *   a half-done one (started, never finished: a crash) runs again (handlers are idempotent), and
 *   a credential minted for the gateway by a run that died before registering it is discarded.
 * - Stage 2 (deletions) runs only once its stage-1 steps applied at least the grace period ago and
 *   the latest scan shows no use since then.
 * - Never acts on an identity that is provider-managed or exempt in the latest scan, or that no
 *   longer exists, nor on anything outside the plan.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { activityDigestOf, awsIdentityId, type Inventory, type Plan, type PlanAction, type Verdict } from '../model/index.ts';
import { appendJournal, latestScan, loadInventory, loadJournal, loadVerdicts, planStoredAt, savePlan, type JournalEntry, type Store } from '../store/index.ts';
import { NoRoomError } from './actions/types.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Json, Outcome } from './actions/types.ts';
import { identityBasis } from './plan.ts';

/** Every implementation: the providers' handlers and minters, and the gateway's handlers (which mint through the minters they are given). */
export interface ActionRegistry {
  handlers: readonly ActionHandler[];
  minters: readonly CredentialMinter[];
  gateway: (minters: readonly CredentialMinter[]) => ActionHandler[];
}

const GATEWAY_KINDS: ReadonlySet<string> = new Set(['gateway.register', 'gateway.rotate', 'gateway.cutoff']);

/** The handler of an action kind; the gateway's get `minters` (for the journaling wrappers). */
export function handlerOf(kind: string, registry: ActionRegistry, minters: readonly CredentialMinter[] = registry.minters): ActionHandler | undefined {
  const pool = GATEWAY_KINDS.has(kind) ? registry.gateway(minters) : registry.handlers;
  return pool.find((h) => (h.kinds as readonly string[]).includes(kind));
}

export type ActionResult =
  | { actionId: string; result: 'applied'; outcome: Outcome }
  | { actionId: string; result: 'already'; note: string }
  | { actionId: string; result: 'would'; note: string }
  | { actionId: string; result: 'failed'; error: string }
  | { actionId: string; result: 'skipped'; reason: string }
  | { actionId: string; result: 'waiting'; reason: string; dueAt?: string }
  | { actionId: string; result: 'manual'; note: string };

export interface ApplyReport {
  planId: string;
  dryRun: boolean;
  results: ActionResult[];
  /** all: every action due applied (or was applied before); some; none: every due action failed. */
  outcome: 'all' | 'some' | 'none' | 'nothing';
}

export class PlanRefusedError extends Error {
  override name = 'PlanRefusedError';
}

export interface ApplyOptions {
  store: Store;
  plan: Plan;
  registry: ActionRegistry;
  ctx: ActionContext;
  /** Act; otherwise a dry run. */
  execute: boolean;
  /** Apply a stale plan anyway. */
  force?: boolean;
  requireApproval?: boolean;
  /** Called as each action is decided (for progress on a terminal). */
  onResult?: (action: PlanAction, result: ActionResult) => void;
  /**
   * Public ids of the credentials sprawl itself authenticates with (see `selfCredentials`): never
   * disabled or deleted, nor the identity holding them, or sprawl would lock itself out mid-plan.
   */
  protect?: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;

/** Per action, what the journal says happened (the last apply and undo rows). */
export interface ActionHistory {
  applied?: JournalEntry;
  undone?: JournalEntry;
  /** The last apply row of any status (started, minted, failed...). */
  lastApply?: JournalEntry;
  minted: string[];
}

export function histories(entries: readonly JournalEntry[]): Map<string, ActionHistory> {
  const out = new Map<string, ActionHistory>();
  for (const e of entries) {
    const h = out.get(e.actionId) ?? { minted: [] };
    if (e.phase === 'apply') {
      h.lastApply = e;
      if (e.status === 'done' || e.status === 'noop') {
        h.applied = e;
        h.undone = undefined;
      }
      if (e.status === 'minted' && typeof e.detail.publicId === 'string') h.minted.push(e.detail.publicId);
      if (e.status === 'done' || e.status === 'noop') h.minted = [];
    } else if (e.status === 'done' || e.status === 'noop') {
      h.undone = e;
    }
    out.set(e.actionId, h);
  }
  return out;
}

/** Applied and not undone since. */
export const isApplied = (h: ActionHistory | undefined): h is ActionHistory & { applied: JournalEntry } => h?.applied !== undefined && h.undone === undefined;

/** Identities whose state in the latest scan differs from what the plan was made from. */
export function staleIdentities(plan: Plan, latest: Inventory): string[] {
  const identities = new Map(latest.identities.map((i) => [i.id, i]));
  const changed: string[] = [];
  for (const [id, basis] of Object.entries(plan.basis)) {
    const identity = identities.get(id);
    if (!identity) {
      changed.push(id);
      continue;
    }
    const creds = latest.credentials.filter((c) => c.identityId === id);
    const connection = [...latest.connections].sort((a, b) => (a.id < b.id ? -1 : 1)).find((c) => c.identityId === id);
    if (identityBasis(identity, creds, connection, latest) !== basis) changed.push(id);
  }
  return changed.sort();
}

export async function applyPlan(opts: ApplyOptions): Promise<ApplyReport> {
  const { store, plan, registry, ctx } = opts;
  if (opts.requireApproval && !plan.approval) {
    throw new PlanRefusedError(`plan ${plan.id} has no approval, and the config requires one (enforce.requireApproval): sprawl approve <plan file> --by <name>`);
  }
  const scan = await latestScan(store);
  const latest = scan ? await loadInventory(store, scan.id, { activities: 'digest' }) : undefined;
  const verdicts: Verdict[] = scan ? await loadVerdicts(store, scan.id) : [];
  if (scan && latest && scan.id !== plan.scan.id && !opts.force) {
    const stale = staleIdentities(plan, latest);
    if (stale.length > 0) {
      throw new PlanRefusedError(
        `plan ${plan.id} is stale: ${stale.length} of its identities changed since scan ${plan.scan.id} (latest scan ${scan.id}), e.g. ${stale.slice(0, 3).join(', ')}. Make a new plan, or apply with --force`,
      );
    }
  }
  if (opts.execute) await savePlan(store, plan, ctx.now());
  const history = histories(await loadJournal(store, { planId: plan.id }));
  // The plan's first apply: the grace period of a deletion with nothing before it starts there.
  const firstApply = await planStoredAt(store, plan.id);
  const planStart = firstApply !== undefined ? Date.parse(firstApply) : ctx.now().getTime();
  const identities = new Map((latest?.identities ?? []).map((i) => [i.id, i]));
  const exempt = new Set(verdicts.filter((v) => v.verdict === 'exempt').map((v) => v.identityId));
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  const guarded = opts.protect ? protectedIds(opts.protect, latest) : undefined;
  const results: ActionResult[] = [];
  const resultOf = new Map<string, ActionResult>();
  const record = (action: PlanAction, r: ActionResult): void => {
    results.push(r);
    resultOf.set(action.id, r);
    opts.onResult?.(action, r);
  };
  const journal = (action: PlanAction, status: JournalEntry['status'], detail: Record<string, unknown>): Promise<JournalEntry> =>
    appendJournal(store, { at: ctx.now().toISOString(), planId: plan.id, actionId: action.id, kind: action.kind, identityId: action.identityId, phase: 'apply', status, detail });

  for (const action of plan.actions) {
    const h = history.get(action.id);
    if (isApplied(h)) {
      record(action, { actionId: action.id, result: 'already', note: `applied ${h.applied.at}` });
      continue;
    }
    if (action.kind === 'manual') {
      record(action, { actionId: action.id, result: 'manual', note: action.summary });
      continue;
    }
    const identity = identities.get(action.identityId);
    if (latest && !identity) {
      record(action, { actionId: action.id, result: 'skipped', reason: 'the identity is not in the latest scan' });
      continue;
    }
    if (identity?.managed) {
      record(action, { actionId: action.id, result: 'skipped', reason: 'the identity is provider-managed' });
      continue;
    }
    if (exempt.has(action.identityId)) {
      record(action, { actionId: action.id, result: 'skipped', reason: 'the identity is exempt in the latest analysis' });
      continue;
    }
    if (guarded && retiresProtected(action, guarded)) {
      record(action, { actionId: action.id, result: 'skipped', reason: 'sprawl itself authenticates with this credential: retire it by hand once sprawl runs with another' });
      continue;
    }
    const blocked = dependencyBlock(action, byId, history, resultOf, opts.execute);
    if (blocked) {
      record(action, blocked);
      continue;
    }
    if (action.stage === 2) {
      const wait = stageTwoWait(action, byId, history, planStart, ctx.now(), latest, opts.execute);
      if (wait) {
        record(action, wait);
        continue;
      }
    }
    const handler = handlerOf(action.kind, registry, journaledMinters(action, registry, journal, h?.minted ?? []));
    if (!handler) {
      record(action, { actionId: action.id, result: 'failed', error: `no implementation of ${action.kind}` });
      continue;
    }
    if (!opts.execute) {
      record(action, { actionId: action.id, result: 'would', note: action.summary });
      continue;
    }
    await journal(action, 'started', { summary: action.summary, ...(h?.lastApply && h.lastApply.status !== 'failed' ? { resumed: h.lastApply.status } : {}) });
    try {
      const outcome = await handler.apply(action, ctx);
      await journal(action, outcome.status, { before: outcome.before, request: outcome.request, after: outcome.after });
      await discardOrphans(action, h?.minted ?? [], outcome, registry, ctx);
      record(action, { actionId: action.id, result: 'applied', outcome });
    } catch (err) {
      const error = (err as Error).message;
      await journal(action, 'failed', { error });
      record(action, { actionId: action.id, result: 'failed', error });
    }
  }
  return { planId: plan.id, dryRun: !opts.execute, results, outcome: overall(results) };
}

/**
 * What sprawl runs with, from its environment and config: the AWS access key id, the GCP key
 * file's private_key_id, and the identity ids of the AWS roles it assumes (aws.accounts[].roleArn).
 */
export function selfCredentials(env: NodeJS.ProcessEnv, config?: Config): Set<string> {
  const ids = new Set<string>();
  for (const a of config?.aws?.accounts ?? []) {
    const m = a.roleArn ? /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(a.roleArn) : null;
    if (m) ids.add(awsIdentityId(m[1]!, 'role', m[2]!));
  }
  if (env.AWS_ACCESS_KEY_ID) ids.add(env.AWS_ACCESS_KEY_ID);
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (file) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { private_key_id?: unknown };
      if (typeof parsed.private_key_id === 'string') ids.add(parsed.private_key_id);
    } catch {
      // not a key file (or unreadable): nothing of ours to protect there
    }
  }
  return ids;
}

const RETIRES_IDENTITY: ReadonlySet<string> = new Set(['aws.user.delete', 'gcp.sa.disable', 'gcp.sa.delete']);

/** The protected ids, plus the identities that hold a protected credential in the latest scan (deleting those retires it too). */
function protectedIds(protect: ReadonlySet<string>, latest: Inventory | undefined): { ids: ReadonlySet<string>; holders: ReadonlySet<string> } {
  return { ids: protect, holders: new Set((latest?.credentials ?? []).filter((c) => protect.has(c.publicId)).map((c) => c.identityId)) };
}

function retiresProtected(action: PlanAction, p: ReturnType<typeof protectedIds>): boolean {
  if (action.kind.startsWith('gateway.') || action.kind === 'manual') return false;
  if (p.ids.has(action.target) || p.ids.has(action.identityId)) return true;
  return RETIRES_IDENTITY.has(action.kind) && p.holders.has(action.identityId);
}

function dependencyBlock(
  action: PlanAction,
  byId: ReadonlyMap<string, PlanAction>,
  history: ReadonlyMap<string, ActionHistory>,
  resultOf: ReadonlyMap<string, ActionResult>,
  execute: boolean,
): ActionResult | undefined {
  for (const dep of action.dependsOn) {
    if (isApplied(history.get(dep))) continue;
    const r = resultOf.get(dep);
    if (r?.result === 'applied' || r?.result === 'already') continue;
    // In a dry run, a dependency that would apply now lets its dependents be shown as would-apply too.
    if (!execute && r?.result === 'would') continue;
    const depAction = byId.get(dep);
    const what = depAction ? `${depAction.kind} ${depAction.target}` : dep;
    if (r?.result === 'failed') return { actionId: action.id, result: 'skipped', reason: `blocked: ${what} failed` };
    if (history.get(dep)?.undone) return { actionId: action.id, result: 'skipped', reason: `blocked: ${what} was rolled back` };
    return { actionId: action.id, result: 'waiting', reason: `waits for ${what}` };
  }
  return undefined;
}

/**
 * A stage-2 step is due when every stage-1 step it depends on applied at least its grace period
 * ago and the latest scan shows no use of the identity or its credentials since then.
 */
function stageTwoWait(
  action: PlanAction,
  byId: ReadonlyMap<string, PlanAction>,
  history: ReadonlyMap<string, ActionHistory>,
  planStart: number,
  now: Date,
  latest: Inventory | undefined,
  execute: boolean,
): ActionResult | undefined {
  const grace = (action.graceDays ?? 0) * DAY_MS;
  // When the grace period started: when the steps that cut the identity off applied. A deletion it
  // waits for (the tokens before their account) passes through to that deletion's own steps, so
  // grace periods do not stack.
  const startOf = (id: string): number => {
    const dep = byId.get(id);
    if (dep && dep.kind.endsWith('.delete')) return dep.dependsOn.length > 0 ? Math.max(...dep.dependsOn.map(startOf)) : planStart;
    const applied = history.get(id)?.applied;
    // Depending on a step applied only in this run (or a dry run's would-apply): the grace starts now.
    return applied && isApplied(history.get(id)) ? Date.parse(applied.at) : now.getTime();
  };
  let since = 0;
  for (const dep of action.dependsOn) since = Math.max(since, startOf(dep));
  // Nothing to cut off first (a user without keys, a key already inactive): the grace period runs
  // from the plan's first apply, so nothing is deleted on the day it was planned.
  if (action.dependsOn.length === 0) since = planStart;
  const due = since + grace;
  if (due > now.getTime()) {
    const dueAt = new Date(due).toISOString();
    return { actionId: action.id, result: 'waiting', reason: `due ${dueAt.slice(0, 10)} (grace period of ${action.graceDays ?? 0} days)${execute ? '' : ''}`, dueAt };
  }
  // Only a deletion is held back by use: a gateway step or a retirement waiting behind one is the migration itself.
  if (latest && action.kind.endsWith('.delete')) {
    const usedAt = lastUseOf(action, latest);
    if (usedAt !== undefined && Date.parse(usedAt) > since) {
      return { actionId: action.id, result: 'skipped', reason: `held: ${action.identityName} was used at ${usedAt}, after it was disabled; ask its owner before deleting` };
    }
  }
  return undefined;
}

/** The last use the scan saw of what the action deletes: the one credential it targets, else the whole identity. */
function lastUseOf(action: PlanAction, inv: Inventory): string | undefined {
  const times: string[] = [];
  const credential = inv.credentials.find((c) => c.identityId === action.identityId && c.publicId === action.target);
  if (credential) return credential.lastUsedAt;
  const identity = inv.identities.find((i) => i.id === action.identityId);
  if (identity?.lastUsedAt) times.push(identity.lastUsedAt);
  for (const c of inv.credentials) if (c.identityId === action.identityId && c.lastUsedAt) times.push(c.lastUsedAt);
  const last = activityDigestOf(inv).identities.get(action.identityId)?.last;
  if (last !== undefined) times.push(new Date(last).toISOString());
  return times.sort().at(-1);
}

/**
 * Minters that journal each fresh credential's public id before the gateway uses it (a crash then
 * leaves a trace to clean up). When the identity has no room left for another credential and an
 * interrupted run minted some (`orphans`: they take the room), those are discarded and the mint
 * tried again: the action is about to put a fresh one in their place anyway.
 */
function journaledMinters(
  action: PlanAction,
  registry: ActionRegistry,
  journal: (action: PlanAction, status: JournalEntry['status'], detail: Record<string, unknown>) => Promise<JournalEntry>,
  orphans: readonly string[],
): CredentialMinter[] {
  return registry.minters.map(
    (m): CredentialMinter => ({
      kinds: m.kinds,
      mint: async (a, c) => {
        let minted;
        try {
          minted = await m.mint(a, c);
        } catch (err) {
          if (!(err instanceof NoRoomError) || orphans.length === 0) throw err;
          for (const id of orphans) {
            c.log.info('discarding a credential minted by an interrupted run, to make room', { identity: a.identityName, credential: id });
            await m.discard(a, id, c);
          }
          minted = await m.mint(a, c);
        }
        await journal(action, 'minted', { publicId: minted.publicId, ...(minted.expiresAt ? { expiresAt: minted.expiresAt } : {}) });
        return minted;
      },
      discard: (a, id, c) => m.discard(a, id, c),
    }),
  );
}

/** Credentials a crashed run minted and never registered: gone, unless the gateway holds the last one. */
async function discardOrphans(action: PlanAction, minted: readonly string[], outcome: Outcome, registry: ActionRegistry, ctx: ActionContext): Promise<void> {
  if (minted.length === 0) return;
  const held = outcomePublicId(outcome.after);
  const keep = outcome.status === 'noop' ? minted.at(-1) : held;
  const minter = registry.minters.find((m) => m.kinds.includes(action.params.identityKind as never));
  for (const id of minted) {
    if (id === keep || id === held) continue;
    try {
      await minter?.discard(action, id, ctx);
    } catch (err) {
      ctx.log.warn(`could not discard credential ${id} minted for ${action.identityName} by an interrupted run: ${(err as Error).message}`);
    }
  }
}

function outcomePublicId(after: Json): string | undefined {
  return after !== null && typeof after === 'object' && !Array.isArray(after) && typeof after.credentialPublicId === 'string' ? after.credentialPublicId : undefined;
}

/**
 * All, some or none of the plan's due actions in effect: applied now or before (`already`), or in a
 * dry run would apply; `skipped` and `failed` ones are not. `nothing` when nothing was due at all.
 * So a re-run of a plan with a refused action says `some` again, as the first run did.
 */
function overall(results: readonly ActionResult[]): ApplyReport['outcome'] {
  const count = (...kinds: ActionResult['result'][]): number => results.filter((r) => kinds.includes(r.result)).length;
  const bad = count('failed', 'skipped');
  if (bad === 0) return count('applied', 'would') > 0 ? 'all' : 'nothing';
  return count('applied', 'would', 'already') === 0 ? 'none' : 'some';
}
