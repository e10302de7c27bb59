import type { Command } from 'commander';
import { approvePlan, PlanFileError, readPlan, writePlan } from '../enforcer/plan-file.ts';
import { planSummary } from '../enforcer/summary.ts';
import type { PlanFilters, Provider, VerdictKind } from '../model/index.ts';
import { planScan } from '../pipeline/plan.ts';
import { EXIT, readConfig, runtime, storeLocation, UsageError, withStore } from './common.ts';

const PROVIDERS: readonly Provider[] = ['aws', 'gcp', 'azure', 'github', 'kubernetes'];
const PLAN_VERDICTS: readonly VerdictKind[] = ['migrate', 'rotate', 'revoke'];

function listOf<T extends string>(name: string, allowed: readonly T[]): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => {
    const items = value.split(',').map((v) => v.trim()).filter(Boolean);
    for (const v of items) if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${name}: expected one of ${allowed.join(', ')}, got "${v}"`);
    return [...(previous ?? []), ...(items as T[])];
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];

interface PlanOptions {
  output?: string;
  scan?: string;
  provider?: Provider[];
  scope?: string[];
  identity?: string[];
  verdict?: VerdictKind[];
  json?: boolean;
  all?: boolean;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('turn the latest analysis into a reviewable plan: migrate survivors behind the gateway, rotate, revoke (nothing changes until sprawl apply)')
    .option('-o, --output <file>', 'write the plan (JSON) here', 'plan.json')
    .option('--scan <id>', 'plan for this scan instead of the latest')
    .option('--provider <list>', `only these providers (${PROVIDERS.join(', ')})`, listOf('--provider', PROVIDERS))
    .option('--scope <list>', 'only these accounts, projects, tenants, orgs or clusters', collect)
    .option('--identity <glob>', 'only identities whose id matches (repeatable; * matches anything)', collect)
    .option('--verdict <list>', `only these verdicts (${PLAN_VERDICTS.join(', ')})`, listOf('--verdict', PLAN_VERDICTS))
    .option('--all', 'list every action on stdout, not only the first 40')
    .option('--json', 'print the plan itself on stdout instead of the summary')
    .action(async (opts: PlanOptions, cmd: Command) => {
      const rt = runtime(cmd);
      const loaded = readConfig(rt);
      const filters: PlanFilters = {};
      if (opts.provider?.length) filters.provider = opts.provider;
      if (opts.scope?.length) filters.scope = opts.scope;
      if (opts.identity?.length) filters.identity = opts.identity;
      if (opts.verdict?.length) filters.verdict = opts.verdict;
      await withStore(storeLocation(rt, loaded), async (store) => {
        const plan = await planScan({ store, scanId: opts.scan, config: loaded.config.enforce, filters });
        if (opts.output && opts.output !== '-') writePlan(opts.output, plan);
        if (opts.json || opts.output === '-') rt.out(JSON.stringify(plan, null, 2));
        else {
          rt.out(planSummary(plan, { listLimit: opts.all ? Number.MAX_SAFE_INTEGER : 40 }));
          rt.out(`Plan written to ${opts.output ?? 'plan.json'}. Review it, then: sprawl apply ${opts.output ?? 'plan.json'}${loaded.config.enforce.requireApproval ? ` (after sprawl approve ${opts.output ?? 'plan.json'} --by <you>)` : ''}`);
        }
        process.exitCode = EXIT.ok;
      });
    });

  program
    .command('approve')
    .description('record an approval (who, when) in a plan file, for configs that require one before apply')
    .argument('<plan>', 'the plan file')
    .requiredOption('--by <name>', 'who approves it (name or email)')
    .action((file: string, opts: { by: string }, cmd: Command) => {
      const rt = runtime(cmd);
      try {
        const plan = approvePlan(readPlan(file), opts.by, new Date());
        writePlan(file, plan);
        rt.out(`Plan ${plan.id} approved by ${plan.approval?.by ?? opts.by} at ${plan.approval?.at ?? ''}.`);
      } catch (e) {
        if (e instanceof PlanFileError) throw new UsageError(e.message);
        throw e;
      }
    });
}
