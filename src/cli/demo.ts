import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config/load.ts';
import { renderStoredReport } from '../pipeline/report.ts';
import { EXIT, parsePositiveInt, runtime, withStore } from './common.ts';
import { writeOutput } from './report.ts';
import { scanAndSummarize } from './scan.ts';
import { DEMO_ENFORCE_STORE, enforceWalkthrough, freshDemoStore } from './demo-enforce.ts';

export const DEMO_STORE = '.sprawl/demo.db';
export const DEMO_REPO = '.sprawl/demo-repo';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the built-in sandbox estate on 127.0.0.1, scan it and write an HTML report (no cloud account needed)')
    .option('-o, --output <file>', 'the HTML report to write', 'sprawl-report.html')
    .option('--size <n>', 'identities in the sandbox estate', parsePositiveInt('--size', 100_000), 150)
    .option('--seed <seed>', 'seed of the sandbox estate (same seed, same estate)', 'demo')
    .option('--json', 'print the scan summary as JSON')
    .option('--enforce', `then plan, apply stage 1 of the plan to the sandbox, scan again, and write reports of before (<output>.before.html) and after (<output>); its own store, ${DEMO_ENFORCE_STORE}, starts empty`)
    .action(async (opts: { output: string; size: number; seed: string; json?: boolean; enforce?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      // The sandbox is loaded only here: product code never depends on it.
      const { startSandbox } = await import('../sandbox/index.ts');
      const { createSandboxRepo } = await import('../sandbox/repos.ts');
      const sandbox = await startSandbox({ seed: opts.seed, size: opts.size });
      try {
        // The fake sandbox credentials go where real ones would: the SDK's default chain, in this process only.
        Object.assign(process.env, sandbox.env);
        delete process.env.AWS_PROFILE;
        delete process.env.AWS_SESSION_TOKEN;
        const repos: { path: string; name: string }[] = [];
        try {
          const repo = createSandboxRepo(sandbox.estate, resolve(DEMO_REPO));
          repos.push({ path: repo.dir, name: repo.name });
        } catch (err) {
          rt.log.warn(`no sandbox repository (is git installed?): ${(err as Error).message.split('\n')[0] ?? ''}`);
        }
        const config = parseConfig({ ...sandbox.config, repos }, 'the sandbox');
        rt.log.info(
          `sandbox (seed ${String(opts.seed)}, size ${opts.size}): ${sandbox.estate.aws.accounts.length} AWS accounts on ${sandbox.aws.endpoint}, ` +
            `${sandbox.estate.gcp.projects.length} GCP projects on ${sandbox.gcp.endpoint}, ${sandbox.estate.azure.subscriptions.length} Azure subscriptions on ${sandbox.azure.endpoint}, ` +
            `${sandbox.estate.github.orgs.length} GitHub organizations on ${sandbox.github.endpoint}, ${sandbox.kubernetes.clusters.length} Kubernetes clusters` +
            (repos[0] ? `, repository ${repos[0].name} in ${DEMO_REPO}` : ''),
        );
        if (opts.enforce) {
          const location = rt.opts.db ?? DEMO_ENFORCE_STORE;
          if (!rt.opts.db) freshDemoStore(resolve(location));
          process.exitCode = await withStore(location, (store) => enforceWalkthrough(rt, store, config, opts.output));
          return;
        }
        const location = rt.opts.db ?? DEMO_STORE;
        const code = await withStore(location, async (store) => {
          const { code } = await scanAndSummarize(rt, store, config, { json: opts.json });
          const path = writeOutput(opts.output, await renderStoredReport(store, 'html'));
          rt.out(`\nReport: ${path}`);
          rt.log.info(`store: ${store.location} (try: sprawl report --db ${location} --format json --output -)`);
          return code;
        });
        process.exitCode = code === EXIT.partial ? EXIT.partial : EXIT.ok;
      } finally {
        await sandbox.stop();
      }
    });
}
