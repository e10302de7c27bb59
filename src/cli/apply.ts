/**
 * `sprawl apply`, `sprawl rollback` and `sprawl journal`: the enforcer's commands. Apply is a dry
 * run unless `--yes` or a confirmation on a terminal; every change goes through the journal.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { ActionContext } from '../enforcer/actions/types.ts';
import { applyPlan, PlanRefusedError, selfCredentials, type ActionResult, type ApplyReport } from '../enforcer/apply.ts';
import { PlanFileError, readPlan } from '../enforcer/plan-file.ts';
import { rollbackPlan, type RollbackReport, type RollbackResult } from '../enforcer/rollback.ts';
import type { Config } from '../config/schema.ts';
import { plural } from '../reports/format.ts';
import type { Plan, PlanAction } from '../model/index.ts';
import { loadJournal, loadPlan, planOfAction, verifyJournal, type Store } from '../store/index.ts';
import { EXIT, readConfig, runtime, storeLocation, UsageError, withStore, type Runtime } from './common.ts';
import { abortOnSignals } from './signals.ts';

function readPlanFile(file: string): Plan {
  try {
    return readPlan(file);
  } catch (e) {
    if (e instanceof PlanFileError) throw new UsageError(e.message);
    throw e;
  }
}

function context(rt: Runtime, config: Config, signal?: AbortSignal): ActionContext {
  return { config, env: process.env, log: rt.log, now: () => new Date(), ...(signal ? { signal } : {}) };
}

const MARK: Record<ActionResult['result'] | RollbackResult['result'], string> = {
  applied: 'done',
  undone: 'undone',
  already: 'already',
  would: 'would',
  failed: 'FAILED',
  skipped: 'skipped',
  waiting: 'waiting',
  manual: 'manual',
};

/** One result as apply and rollback print it: mark, action, target, and why when it did not apply. */
export function resultLine(action: PlanAction, r: ActionResult | RollbackResult): string {
  const detail =
    r.result === 'failed' ? r.error
    : r.result === 'skipped' || r.result === 'waiting' ? r.reason
    : r.result === 'applied' || r.result === 'undone' ? (r.outcome.status === 'noop' ? 'nothing to change' : '')
    : r.note;
  const head = `${MARK[r.result].padEnd(8)} ${action.id}  ${action.kind} ${action.target} (${action.identityName})`;
  return detail ? `${head}: ${detail}` : head;
}

/** `done 3, skipped 1`: how many of each result. */
export function tally(results: readonly { result: string }[]): string {
  const m = new Map<string, number>();
  for (const r of results) m.set(r.result, (m.get(r.result) ?? 0) + 1);
  return [...m].map(([k, n]) => `${MARK[k as keyof typeof MARK]} ${n}`).join(', ') || 'nothing';
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The exit code of an apply that acted: all (or nothing due) 0, some 3, none 5. */
export function applyExitCode(report: ApplyReport): number {
  if (report.dryRun) return EXIT.ok;
  return report.outcome === 'some' ? EXIT.partial : report.outcome === 'none' ? EXIT.notApplied : EXIT.ok;
}

function rollbackExitCode(report: RollbackReport): number {
  if (report.dryRun) return EXIT.ok;
  const failed = report.results.filter((r) => r.result === 'failed').length;
  const undone = report.results.filter((r) => r.result === 'undone').length;
  return failed === 0 ? EXIT.ok : undone > 0 ? EXIT.partial : EXIT.notApplied;
}

interface ApplyOptions {
  yes?: boolean;
  force?: boolean;
  json?: boolean;
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('carry out a plan: a dry run unless --yes (or a confirmation on a terminal); every change is journaled, and applying again resumes')
    .argument('<plan>', 'the plan file (from sprawl plan)')
    .option('-y, --yes', 'act without asking')
    .option('--force', 'apply a plan whose identities changed since its scan')
    .option('--json', 'print the results as JSON')
    .action(async (file: string, opts: ApplyOptions, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      const plan = readPlanFile(file);
      const { loadActionRegistry } = await import('../enforcer/actions/index.ts');
      const registry = await loadActionRegistry();
      const signals = abortOnSignals();
      try {
        await withStore(storeLocation(rt, loaded), async (store) => {
          const run = (execute: boolean): Promise<ApplyReport> =>
            applyPlan({
              store,
              plan,
              registry,
              ctx: context(rt, loaded.config, signals.signal),
              execute,
              force: opts.force,
              requireApproval: loaded.config.enforce.requireApproval,
              protect: selfCredentials(process.env, loaded.config),
              onResult: (action, r) => {
                if (!opts.json) rt.out(resultLine(action, r));
              },
            });
          let execute = opts.yes === true;
          if (!execute) {
            const dry = await run(false);
            const would = dry.results.filter((r) => r.result === 'would');
            if (opts.json && !(process.stdin.isTTY && process.stdout.isTTY)) rt.out(JSON.stringify(dry, null, 2));
            if (!opts.json) rt.out(`\nDry run of plan ${plan.id}: ${tally(dry.results)}. Nothing was changed.`);
            if (would.length === 0 || !(process.stdin.isTTY && process.stdout.isTTY)) {
              if (!opts.json && would.length > 0) rt.out(`To act: sprawl apply ${file} --yes`);
              process.exitCode = EXIT.ok;
              return;
            }
            execute = await confirm(`Apply ${plural(would.length, 'action')} now? [y/N] `);
            if (!execute) {
              rt.out('Nothing was changed.');
              process.exitCode = EXIT.ok;
              return;
            }
          }
          const report = await run(true);
          if (opts.json) rt.out(JSON.stringify(report, null, 2));
          else {
            rt.out(`\nPlan ${plan.id}: ${tally(report.results)}.`);
            const waiting = report.results.filter((r): r is Extract<ActionResult, { result: 'waiting' }> => r.result === 'waiting' && r.dueAt !== undefined);
            const next = waiting.map((r) => r.dueAt!).sort()[0];
            if (next) rt.out(`Stage 2 is due from ${next.slice(0, 10)}: run sprawl apply ${file} again then (after a scan, so that any use since stage 1 holds it back).`);
            const failed = report.results.filter((r) => r.result === 'failed').length;
            const skipped = report.results.filter((r) => r.result === 'skipped').length;
            if (failed) rt.out(`${failed} failed: each failure is journaled; fix the cause and run the same command again to resume.`);
            if (skipped) rt.out(`${skipped} skipped (the reason is on each line above): the plan is not complete until they are dealt with.`);
          }
          process.exitCode = signals.exitCode() ?? applyExitCode(report);
        });
      } catch (e) {
        if (e instanceof PlanRefusedError) {
          process.stderr.write(`sprawl: ${e.message}\n`);
          process.exitCode = EXIT.notApplied;
          return;
        }
        throw e;
      } finally {
        signals.dispose();
      }
    });

  program
    .command('rollback')
    .description('undo applied stage-1 actions (deactivated keys, removed bindings, cut-off connections) from what the journal recorded')
    .argument('[action]', 'one action id (a_...); otherwise every applied action of --plan')
    .option('--plan <id|file>', 'the plan id (p_...) or its file')
    .option('-y, --yes', 'act without asking')
    .option('--json', 'print the results as JSON')
    .action(async (actionId: string | undefined, opts: { plan?: string; yes?: boolean; json?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      if (!actionId && !opts.plan) throw new UsageError('rollback: give an action id or --plan <id|file>');
      const loaded = readConfig(rt);
      const { loadActionRegistry } = await import('../enforcer/actions/index.ts');
      const registry = await loadActionRegistry();
      const signals = abortOnSignals();
      try {
        await withStore(storeLocation(rt, loaded), async (store) => {
          const plan = await findPlan(store, opts.plan, actionId);
          const run = (execute: boolean): Promise<RollbackReport> =>
            rollbackPlan({
              store,
              plan,
              ...(actionId ? { actionId } : {}),
              registry,
              ctx: context(rt, loaded.config, signals.signal),
              execute,
              onResult: (action, r) => {
                if (!opts.json) rt.out(resultLine(action, r));
              },
            });
          let execute = opts.yes === true;
          if (!execute) {
            const dry = await run(false);
            const would = dry.results.filter((r) => r.result === 'would').length;
            const tty = process.stdin.isTTY && process.stdout.isTTY;
            if (opts.json && !tty) rt.out(JSON.stringify(dry, null, 2));
            if (!opts.json) rt.out(`\nDry run of the rollback of plan ${plan.id}: ${tally(dry.results)}. Nothing was changed.${would > 0 && !tty ? ' To act: add --yes' : ''}`);
            if (would === 0 || !tty) {
              process.exitCode = EXIT.ok;
              return;
            }
            execute = await confirm(`Undo ${plural(would, 'action')} now? [y/N] `);
            if (!execute) {
              rt.out('Nothing was changed.');
              process.exitCode = EXIT.ok;
              return;
            }
          }
          const report = await run(true);
          if (opts.json) rt.out(JSON.stringify(report, null, 2));
          else rt.out(`\nRollback of plan ${plan.id}: ${tally(report.results)}.`);
          process.exitCode = signals.exitCode() ?? rollbackExitCode(report);
        });
      } finally {
        signals.dispose();
      }
    });

  const journal = program.command('journal').description("the enforcer's append-only, hash-chained journal");
  journal
    .command('verify')
    .description('check every row of the journal against its hash chain; exit 1 naming each edited, inserted or deleted row')
    .action(async (_opts: unknown, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        const { rows, problems } = await verifyJournal(store);
        if (problems.length === 0) {
          rt.out(`Journal intact: ${rows} row${rows === 1 ? '' : 's'}, every hash chained.`);
          process.exitCode = EXIT.ok;
          return;
        }
        rt.out(`Journal TAMPERED: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${rows} rows:`);
        for (const p of problems) rt.out(`  row ${p.seq}: ${p.problem}`);
        process.exitCode = EXIT.findings;
      });
    });
  journal
    .command('show')
    .description('list the journal (every action applied or undone, with its outcome)')
    .option('--plan <id>', 'only this plan')
    .option('--json', 'every row in full, as JSON lines')
    .action(async (opts: { plan?: string; json?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      await withStore(storeLocation(rt, loaded), async (store) => {
        const rows = await loadJournal(store, opts.plan ? { planId: opts.plan } : {});
        for (const e of rows) {
          if (opts.json) rt.out(JSON.stringify(e));
          else {
            const err = typeof e.detail.error === 'string' ? `: ${e.detail.error}` : '';
            rt.out(`${String(e.seq).padStart(6)} ${e.at} ${e.planId} ${e.actionId} ${e.phase.padEnd(5)} ${e.status.padEnd(7)} ${e.kind} ${e.identityId}${err}`);
          }
        }
        if (!opts.json && rows.length === 0) rt.out('The journal is empty.');
        process.exitCode = EXIT.ok;
      });
    });
}

async function findPlan(store: Store, ref: string | undefined, actionId: string | undefined): Promise<Plan> {
  if (ref && existsSync(ref)) {
    const plan = readPlanFile(ref);
    return (await loadPlan(store, plan.id)) ?? plan;
  }
  const id = ref ?? (actionId ? await planOfAction(store, actionId) : undefined);
  if (!id) throw new UsageError(`rollback: the journal has no action ${actionId ?? ''}`);
  const plan = await loadPlan(store, id);
  if (!plan) throw new UsageError(`rollback: no plan ${id} was applied with this store (${store.location})`);
  return plan;
}
