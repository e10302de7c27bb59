import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { parsePositiveInt, runtime } from './common.ts';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('serve the sandbox estate on 127.0.0.1 until interrupted, to try every command by hand')
    .option('--size <n>', 'identities in the estate', parsePositiveInt('--size', 100_000), 150)
    .option('--seed <seed>', 'seed of the estate', 'demo')
    .option('--port <n>', 'port of the AWS emulator (default: a free one)', parsePositiveInt('--port', 65_535))
    .option('--write-config <file>', 'where to write the config that points sprawl at the sandbox', 'sprawl.sandbox.yaml')
    .action(async (opts: { size: number; seed: string; port?: number; writeConfig: string }, cmd: Command) => {
      const rt = runtime(cmd);
      const { startSandbox } = await import('../sandbox/index.ts');
      const { createSandboxRepo } = await import('../sandbox/repos.ts');
      const sandbox = await startSandbox({ seed: opts.seed, size: opts.size, aws: { port: opts.port } });
      const repos: { path: string; name: string }[] = [];
      try {
        const repo = createSandboxRepo(sandbox.estate, resolve('.sprawl/sandbox-repo'));
        repos.push({ path: repo.dir, name: repo.name });
      } catch (err) {
        rt.log.warn(`no sandbox repository (is git installed?): ${(err as Error).message.split('\n')[0] ?? ''}`);
      }
      const path = resolve(opts.writeConfig);
      writeFileSync(path, `# written by \`sprawl sandbox\`: points sprawl at the local sandbox estate\n${stringify({ version: 1, ...sandbox.config, repos })}`);
      const env = Object.entries(sandbox.env)
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n');
      rt.out(
        [
          `AWS IAM/STS emulator: ${sandbox.aws.endpoint} (${sandbox.estate.aws.accounts.length} accounts)`,
          `GCP IAM/Resource Manager/Policy Analyzer emulator: ${sandbox.gcp.endpoint} (${sandbox.estate.gcp.projects.length} projects)`,
          `Azure ARM/Graph/Entra emulator: ${sandbox.azure.endpoint} (${sandbox.estate.azure.subscriptions.length} subscriptions; CA in ${String(sandbox.config.azure.caFile)})`,
          `GitHub REST emulator: ${sandbox.github.endpoint} (${sandbox.estate.github.orgs.map((o) => o.login).join(', ')})`,
          `Kubernetes API servers: ${sandbox.kubernetes.clusters.map((c) => `${c.name} ${c.server}`).join(', ')} (kubeconfig ${String(sandbox.config.kubernetes.kubeconfig)})`,
          `hoop gateway API: ${sandbox.hoop.endpoint} (${sandbox.estate.hoop.connections.length} connections, ${sandbox.estate.hoop.sessionCount} sessions)`,
          `config: ${path}`,
          '',
          'In another shell (fake sandbox credentials):',
          env,
          `sprawl scan --config ${opts.writeConfig} --db .sprawl/sandbox.db`,
          `sprawl report --config ${opts.writeConfig} --db .sprawl/sandbox.db --output sandbox-report.html`,
          `sprawl plan --config ${opts.writeConfig} --db .sprawl/sandbox.db --output plan.json`,
          `sprawl apply plan.json --config ${opts.writeConfig} --db .sprawl/sandbox.db          # a dry run; add --yes to act`,
          `sprawl scan --config ${opts.writeConfig} --db .sprawl/sandbox.db                     # again: see what the apply resolved`,
          `sprawl rollback --plan plan.json --config ${opts.writeConfig} --db .sprawl/sandbox.db --yes`,
          ...(repos[0] ? [`sprawl secrets scan --history ${repos[0].path}`] : []),
          '',
          'Press Ctrl-C to stop.',
        ].join('\n'),
      );
      await new Promise<void>((done) => {
        const stop = (): void => done();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sandbox.stop();
      rt.log.info('sandbox stopped');
    });
}
