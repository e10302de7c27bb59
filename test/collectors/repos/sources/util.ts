import { createMatcher, parseIgnore } from '../../../../src/collectors/repos/ignore.ts';
import type { ScanItem, SourceOptions } from '../../../../src/collectors/repos/sources/types.ts';
import type { ScanStats } from '../../../../src/collectors/repos/types.ts';

export function emptyStats(): ScanStats {
  return { filesScanned: 0, bytesScanned: 0, skippedBinary: 0, skippedLarge: 0, errors: [], durationMs: 0 };
}

export function sourceOptions(root: string, o: { ignore?: string[]; maxFileBytes?: number } = {}): SourceOptions {
  return { root, maxFileBytes: o.maxFileBytes ?? 1024 * 1024, ignore: createMatcher(parseIgnore(o.ignore ?? [])), stats: emptyStats() };
}

export async function collect(source: AsyncIterable<ScanItem>): Promise<ScanItem[]> {
  const out: ScanItem[] = [];
  for await (const item of source) out.push(item);
  return out;
}

export function byPath(items: ScanItem[]): Map<string, ScanItem> {
  return new Map(items.map((i) => [i.location.path, i]));
}
