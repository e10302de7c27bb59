/** Where the text to scan comes from: one source per scan mode. */
import { historySource } from './history.ts';
import { rangeSource } from './range.ts';
import { stagedSource } from './staged.ts';
import type { ScanSource, SourceOptions } from './types.ts';
import { worktreeFiles } from './worktree.ts';

export type ScanMode = 'worktree' | 'staged' | 'range' | 'history';

export function openSource(mode: ScanMode, opts: SourceOptions & { range?: string }): ScanSource {
  switch (mode) {
    case 'worktree':
      return worktreeFiles(opts);
    case 'staged':
      return stagedSource(opts);
    case 'history':
      return historySource(opts);
    case 'range':
      if (opts.range === undefined) throw new Error('a range scan needs a commit range (A..B)');
      return rangeSource({ ...opts, range: opts.range });
  }
}

export type { FileItem, LineRange, ScanItem, ScanSource, Source, SourceOptions } from './types.ts';
export { DEFAULT_MAX_FILE_BYTES } from './types.ts';
