/**
 * The repository collector of `sprawl scan`: searches each configured checkout (its whole history
 * by default) for committed secrets and emits them as Leak records (fingerprint and redacted
 * preview only). One source per repository, `repo:<name>`; a repository that cannot be read fails
 * alone.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { RepoConfig, SecretsConfig } from '../../config/schema.ts';
import type { Leak, SourceOutcome } from '../../model/index.ts';
import { owns, type Collector } from '../context.ts';
import { scanRepository } from './scan.ts';
import type { SecretFinding } from './types.ts';

export type ReposCollectorConfig = { repos: RepoConfig[]; secrets: SecretsConfig; fingerprintKey?: string };

export function repoName(repo: RepoConfig): string {
  return repo.name ?? basename(resolve(repo.path));
}

/** A leak's id: the same secret at the same place in the same commit is the same leak. */
export function leakId(repo: string, f: SecretFinding): string {
  const key = [repo, f.fingerprint, f.location.path, f.line, f.column, f.location.commit ?? ''].join('\u0000');
  return 'l_' + createHash('sha256').update(key).digest('hex').slice(0, 24);
}

export function toLeak(repo: string, f: SecretFinding): Leak {
  return {
    id: leakId(repo, f),
    rule: f.ruleId,
    severity: f.severity,
    location: {
      repo,
      path: f.location.path,
      line: f.line,
      column: f.column,
      ...(f.location.commit !== undefined ? { commit: f.location.commit } : {}),
      ...(f.location.author !== undefined ? { author: f.location.author } : {}),
      ...(f.location.time !== undefined ? { time: f.location.time } : {}),
    },
    fingerprint: f.fingerprint,
    preview: f.preview,
    ...(f.publicId !== undefined ? { publicId: f.publicId } : {}),
  };
}

export const collectRepos: Collector<ReposCollectorConfig> = async (config, ctx) => {
  const outcomes: SourceOutcome[] = [];
  // One repository at a time: each scan already uses every core.
  for (const repo of config.repos) {
    const name = repoName(repo);
    const source = `repo:${name}`;
    if (!owns(ctx, source)) continue;
    ctx.progress.start(source);
    try {
      const { findings, stats } = await scanRepository({
        path: resolve(repo.path),
        mode: repo.history ? 'history' : 'worktree',
        maxFileBytes: config.secrets.maxFileBytes,
        ignore: config.secrets.allowPaths,
        disabledRules: config.secrets.disabledRules,
        ...(config.fingerprintKey !== undefined ? { fingerprintKey: config.fingerprintKey } : {}),
        ...(config.secrets.workers !== undefined ? { workers: config.secrets.workers } : {}),
        fileTimeoutMs: config.secrets.fileTimeoutMs,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const leaks = findings.filter((f) => !f.allowed);
      for (const f of leaks) ctx.emit({ type: 'leak', record: toLeak(name, f) });
      ctx.progress.update(source, { pages: stats.filesScanned, items: leaks.length, errors: stats.errors.length });
      for (const e of stats.errors.slice(0, 20)) ctx.log.warn('repository file not scanned', { source, path: e.path, error: e.error });
      const outcome: SourceOutcome = { source, status: 'ok', items: leaks.length };
      outcomes.push(outcome);
      ctx.progress.finish(source, outcome);
    } catch (err) {
      const outcome: SourceOutcome = { source, status: 'failed', items: 0, error: ctx.signal?.aborted ? 'interrupted' : (err as Error).message };
      ctx.log.warn('repository scan failed', { source, error: outcome.error });
      outcomes.push(outcome);
      ctx.progress.finish(source, outcome);
    }
  }
  return outcomes;
};
