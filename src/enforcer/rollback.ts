/**
 * `sprawl rollback`: undoes applied stage-1 actions from what the journal recorded of them, newest
 * first. An action a later, irreversible step built on (a key deleted after it was deactivated)
 * cannot be undone and is reported, not forced.
 */
import type { Plan, PlanAction } from '../model/index.ts';
import { appendJournal, loadJournal, type JournalEntry, type Store } from '../store/index.ts';
import type { ActionContext, Json, Outcome } from './actions/types.ts';
import { handlerOf, histories, isApplied, type ActionRegistry } from './apply.ts';

export type RollbackResult =
  | { actionId: string; result: 'undone'; outcome: Outcome }
  | { actionId: string; result: 'would'; note: string }
  | { actionId: string; result: 'failed'; error: string }
  | { actionId: string; result: 'skipped'; reason: string };

export interface RollbackReport {
  planId: string;
  dryRun: boolean;
  results: RollbackResult[];
}

export interface RollbackOptions {
  store: Store;
  plan: Plan;
  /** Only this action; otherwise every applied reversible action of the plan. */
  actionId?: string;
  registry: ActionRegistry;
  ctx: ActionContext;
  execute: boolean;
  onResult?: (action: PlanAction, result: RollbackResult) => void;
}

function outcomeOf(entry: JournalEntry): Outcome {
  const d = entry.detail;
  return { status: entry.status === 'noop' ? 'noop' : 'done', before: (d.before ?? null) as Json, request: (d.request ?? null) as Json, after: (d.after ?? null) as Json };
}

export async function rollbackPlan(opts: RollbackOptions): Promise<RollbackReport> {
  const { store, plan, registry, ctx } = opts;
  const history = histories(await loadJournal(store, { planId: plan.id }));
  const targets = opts.actionId ? plan.actions.filter((a) => a.id === opts.actionId) : plan.actions;
  if (opts.actionId && targets.length === 0) throw new Error(`action ${opts.actionId} is not in plan ${plan.id}`);
  const results: RollbackResult[] = [];
  const record = (action: PlanAction, r: RollbackResult): void => {
    results.push(r);
    opts.onResult?.(action, r);
  };
  for (const action of [...targets].reverse()) {
    const h = history.get(action.id);
    if (!isApplied(h)) {
      if (opts.actionId) record(action, { actionId: action.id, result: 'skipped', reason: h?.undone ? 'already rolled back' : 'not applied' });
      continue;
    }
    if (!action.reversible) {
      record(action, { actionId: action.id, result: 'skipped', reason: `${action.kind} cannot be undone` });
      continue;
    }
    const builtOn = plan.actions.find((a) => a.dependsOn.includes(action.id) && !a.reversible && isApplied(history.get(a.id)));
    if (builtOn) {
      record(action, { actionId: action.id, result: 'skipped', reason: `${builtOn.kind} ${builtOn.target} already applied on top of it and cannot be undone` });
      continue;
    }
    if (h.applied.status === 'noop') {
      // Nothing changed when it applied: nothing to restore, but the journal says it is undone.
      if (!opts.execute) {
        record(action, { actionId: action.id, result: 'would', note: 'applied as a no-op: nothing to restore' });
        continue;
      }
      await journalUndo(store, plan, action, ctx, 'noop', { note: 'applied as a no-op: nothing to restore' });
      record(action, { actionId: action.id, result: 'undone', outcome: { status: 'noop', before: null, request: null, after: null } });
      continue;
    }
    const handler = handlerOf(action.kind, registry);
    if (!handler?.undo) {
      record(action, { actionId: action.id, result: 'failed', error: `no undo for ${action.kind}` });
      continue;
    }
    if (!opts.execute) {
      record(action, { actionId: action.id, result: 'would', note: `undo: ${action.summary}` });
      continue;
    }
    await journalUndo(store, plan, action, ctx, 'started', {});
    try {
      const outcome = await handler.undo(action, outcomeOf(h.applied), ctx);
      await journalUndo(store, plan, action, ctx, outcome.status, { before: outcome.before, request: outcome.request, after: outcome.after });
      record(action, { actionId: action.id, result: 'undone', outcome });
    } catch (err) {
      const error = (err as Error).message;
      await journalUndo(store, plan, action, ctx, 'failed', { error });
      record(action, { actionId: action.id, result: 'failed', error });
    }
  }
  return { planId: plan.id, dryRun: !opts.execute, results };
}

function journalUndo(store: Store, plan: Plan, action: PlanAction, ctx: ActionContext, status: JournalEntry['status'], detail: Record<string, unknown>): Promise<JournalEntry> {
  return appendJournal(store, { at: ctx.now().toISOString(), planId: plan.id, actionId: action.id, kind: action.kind, identityId: action.identityId, phase: 'undo', status, detail });
}
