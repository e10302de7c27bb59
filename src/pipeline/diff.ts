/**
 * `sprawl report --diff SCAN_ID`: a scan's findings judged against a chosen earlier scan instead of
 * the one just before it. New: not raised by the base scan. Resolved: raised by the base scan (and
 * not exempt there), no longer raised, in a source this scan collected successfully; as in the
 * analysis, findings of a source that failed (and leaks, when a repository failed) are not resolved.
 */
import type { FindingRecord, ScanInfo } from '../model/index.ts';
import { getScan, loadFindings, type Store } from '../store/index.ts';
import { resolvable } from './analyze.ts';

export interface FindingsDiff {
  findings: FindingRecord[];
  resolved: FindingRecord[];
}

/** `current` are the findings of `scan`, `base` those of the scan compared with. */
export function diffFindings(scan: ScanInfo, current: readonly FindingRecord[], base: readonly FindingRecord[]): FindingsDiff {
  const inBase = new Set(base.map((f) => f.id));
  const inCurrent = new Set(current.map((f) => f.id));
  const scope = resolvable(scan.sources);
  const okSources = new Set(scope.okSources);
  const findings = current.map((f): FindingRecord => (f.status === 'exempt' ? f : { ...f, status: inBase.has(f.id) ? 'open' : 'new' }));
  const resolved = base
    .filter((f) => f.status !== 'exempt' && !inCurrent.has(f.id))
    .filter((f) => okSources.has(`${f.provider}:${f.scope}`) && !scope.holdRules.includes(f.ruleId))
    .map((f): FindingRecord => ({ ...f, status: 'resolved' }));
  return { findings, resolved };
}

/** The base scan cannot be compared with: missing, not finished, or not earlier. */
export class DiffBaseError extends Error {
  override name = 'DiffBaseError';
}

function startsBefore(a: ScanInfo, b: ScanInfo): boolean {
  return a.startedAt < b.startedAt || (a.startedAt === b.startedAt && a.id < b.id);
}

/** What the report of `scan` says changed, compared with the scan `baseId` (`--diff`). */
export async function compareWithScan(store: Store, scan: ScanInfo, current: readonly FindingRecord[], baseId: string): Promise<FindingsDiff & { previousScan: ScanInfo }> {
  const base = await getScan(store, baseId);
  if (!base) throw new DiffBaseError(`--diff: no scan ${baseId} in the store at ${store.location}`);
  if (base.id === scan.id) throw new DiffBaseError(`--diff: scan ${baseId} is the scan being reported; name an earlier one`);
  if (!startsBefore(base, scan)) throw new DiffBaseError(`--diff: scan ${baseId} started after scan ${scan.id}; name an earlier one`);
  if (base.status !== 'complete' && base.status !== 'partial') throw new DiffBaseError(`--diff: scan ${baseId} is ${base.status}, it has no findings to compare with`);
  return { previousScan: base, ...diffFindings(scan, current, await loadFindings(store, base.id)) };
}
