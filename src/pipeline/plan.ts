import type { EnforceConfig } from '../config/enforce-schema.ts';
import { buildPlan } from '../enforcer/plan.ts';
import type { Plan, PlanFilters } from '../model/index.ts';
import { loadFindings, loadInventory, loadVerdicts, type Store } from '../store/index.ts';
import { findScan } from './report.ts';

/** A plan for the verdicts of a stored scan (the latest finished one by default). */
export async function planScan(opts: { store: Store; scanId?: string; config: EnforceConfig; filters?: PlanFilters; now?: Date }): Promise<Plan> {
  const scan = await findScan(opts.store, opts.scanId);
  const [inventory, verdicts, findings] = await Promise.all([loadInventory(opts.store, scan.id, { activities: 'digest' }), loadVerdicts(opts.store, scan.id), loadFindings(opts.store, scan.id)]);
  return buildPlan({ scan: { id: scan.id, startedAt: scan.startedAt }, inventory, verdicts, findings, config: opts.config, filters: opts.filters, now: opts.now ?? new Date() });
}
