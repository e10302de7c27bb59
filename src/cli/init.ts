import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { STARTER_CONFIG } from '../config/starter.ts';
import { EXIT, UsageError, runtime } from './common.ts';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented starter config (sprawl.yaml)')
    .option('-o, --output <file>', 'where to write it', 'sprawl.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action((opts: { output: string; force?: boolean }, cmd: Command) => {
      const rt = runtime(cmd);
      const path = resolve(opts.output);
      if (existsSync(path) && !opts.force) throw new UsageError(`${path} exists; pass --force to overwrite it`);
      writeFileSync(path, STARTER_CONFIG, { mode: 0o600 });
      rt.out(`wrote ${path}`);
      rt.log.info('next: edit the aws section, then run `sprawl scan`');
      process.exitCode = EXIT.ok;
    });
}
