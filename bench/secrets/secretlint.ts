/**
 * secretlint with @secretlint/secretlint-rule-preset-recommend, installed outside the repository:
 *   npm install --prefix /tmp/secretlint-bench secretlint @secretlint/secretlint-rule-preset-recommend
 * Findings are counted from its JSON output (secrets masked, which is its default); nothing of the
 * output is printed.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.ts';
import type { Measured } from './measure.ts';

export const SECRETLINT_PREFIX = process.env.SECRETLINT_PREFIX ?? '/tmp/secretlint-bench';

export function secretlintBin(): string | undefined {
  const bin = join(SECRETLINT_PREFIX, 'node_modules', 'secretlint', 'bin', 'secretlint.js');
  return existsSync(bin) ? bin : undefined;
}

export function secretlintVersion(): string {
  const pkg = JSON.parse(readFileSync(join(SECRETLINT_PREFIX, 'node_modules', 'secretlint', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '?';
}

export interface SecretlintRun extends Measured {
  findings: number;
}

/**
 * secretlint on the given top-level folders of the corpus (run from `workDir`, where the corpus
 * lives as `corpus/`): globs `corpus/<dir>/**\/*` and `corpus/<dir>/**\/.*` (dot files such as .env).
 */
export async function runSecretlint(workDir: string, dirs: readonly string[], timeoutMs: number): Promise<SecretlintRun> {
  const bin = secretlintBin();
  if (!bin) throw new Error(`secretlint is not installed in ${SECRETLINT_PREFIX}`);
  // the config's rule package resolves from node_modules next to it
  if (!existsSync(join(workDir, 'node_modules'))) symlinkSync(join(SECRETLINT_PREFIX, 'node_modules'), join(workDir, 'node_modules'), 'dir');
  const rc = join(workDir, '.secretlintrc.json');
  writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }, null, 2));
  const output = join(workDir, 'secretlint-result.json');
  rmSync(output, { force: true });
  const globs = dirs.flatMap((d) => [`corpus/${d}/**/*`, `corpus/${d}/**/.*`]);
  const m = await measure(process.execPath, [bin, '--secretlintrc', rc, '--format', 'json', '--output', output, '--no-color', ...globs], {
    cwd: workDir,
    timeoutMs,
  });
  let findings = -1;
  if (existsSync(output)) {
    const results = JSON.parse(readFileSync(output, 'utf8')) as { messages?: unknown[] }[];
    findings = results.reduce((s, r) => s + (r.messages?.length ?? 0), 0);
    rmSync(output, { force: true });
  }
  if (!m.timedOut && m.code !== 0 && m.code !== 1) throw new Error(`secretlint failed (${m.code}): ${m.stderr.slice(0, 500)}`);
  return { ...m, stdout: '', stderr: '', findings };
}
