/**
 * `sprawl demo --enforce`: the enforcer's walk-through in one command, against the sandbox the
 * demo started: scan, a report of the estate before, a plan, stage 1 applied, a scan again and a
 * report of the estate after (which marks what the apply resolved).
 */
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { applyPlan, selfCredentials } from '../enforcer/apply.ts';
import { writePlan } from '../enforcer/plan-file.ts';
import { planSummary } from '../enforcer/summary.ts';
import type { Config } from '../config/schema.ts';
import { planScan } from '../pipeline/plan.ts';
import { renderStoredReport } from '../pipeline/report.ts';
import type { Store } from '../store/index.ts';
import { EXIT, type Runtime } from './common.ts';
import { resultLine, tally } from './apply.ts';
import { writeOutput } from './report.ts';
import { scanAndSummarize } from './scan.ts';

export const DEMO_ENFORCE_STORE = '.sprawl/demo-enforce.db';
export const DEMO_PLAN = '.sprawl/demo-plan.json';

/** `report.html` -> `report.before.html`, next to it. */
export function beforePath(output: string): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}.before${ext || '.html'}`);
}

/** The demo's own store starts empty each time: an earlier run's journal would make this one a no-op. */
export function freshDemoStore(location: string): void {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(location + suffix)) rmSync(location + suffix);
}

/** Runs the walk-through on a store that already holds nothing; returns the exit code. */
export async function enforceWalkthrough(rt: Runtime, store: Store, config: Config, output: string): Promise<number> {
  const section = (title: string): void => rt.out(`\n== ${title} ==`);
  section('1. Scan the estate');
  const before = await scanAndSummarize(rt, store, config, {});
  if (before.code !== EXIT.ok) return before.code;
  const beforeReport = writeOutput(beforePath(output), await renderStoredReport(store, 'html'));
  rt.out(`Report of the estate before: ${beforeReport}`);

  section('2. Plan');
  const plan = await planScan({ store, config: config.enforce });
  writePlan(DEMO_PLAN, plan);
  rt.out(planSummary(plan, { listLimit: 0 }));
  rt.out(`Plan file: ${DEMO_PLAN}`);

  section('3. Apply stage 1 (sprawl apply --yes)');
  const { loadActionRegistry } = await import('../enforcer/actions/index.ts');
  const report = await applyPlan({
    store,
    plan,
    registry: await loadActionRegistry(),
    ctx: { config, env: process.env, log: rt.log, now: () => new Date() },
    execute: true,
    protect: selfCredentials(process.env, config),
  });
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  for (const r of report.results) {
    const a = byId.get(r.actionId);
    if (a && (r.result === 'failed' || r.result === 'skipped')) rt.out(resultLine(a, r));
  }
  rt.out(`Plan ${plan.id}: ${tally(report.results)}.`);
  const due = report.results.flatMap((r) => (r.result === 'waiting' && r.dueAt ? [r.dueAt] : [])).sort()[0];
  if (due) rt.out(`Stage 2 (the deletions) is due from ${due.slice(0, 10)}: on a real estate, sprawl apply runs it then, holding back anything used meanwhile.`);

  section('4. Scan again');
  const after = await scanAndSummarize(rt, store, config, {});
  const afterReport = writeOutput(output, await renderStoredReport(store, 'html'));
  rt.out(`Report of the estate after (new and resolved findings marked): ${afterReport}`);
  rt.out(`Journal: sprawl journal show --db ${store.location}`);
  const failed = report.results.some((r) => r.result === 'failed');
  return after.code !== EXIT.ok ? after.code : failed ? EXIT.partial : EXIT.ok;
}
