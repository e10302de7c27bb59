/**
 * Expanding action patterns (`iam:*`, `s3:Get*`, NotAction lists) against the action catalog.
 * Linear in the catalog size per pattern; results for a statement are cached.
 */
import { CATALOG } from './catalog.ts';
import type { CatalogAction } from './catalog.ts';
import { matchesAction } from './match.ts';
import type { NormalizedStatement } from './types.ts';

/** Catalog actions any of the patterns match (with `not`, those none of them match). */
export function expandActions(patterns: readonly string[], catalog: readonly CatalogAction[] = CATALOG, opts: { not?: boolean } = {}): CatalogAction[] {
  return catalogIndexes(patterns, catalog, opts.not === true).map((i) => catalog[i] as CatalogAction);
}

function catalogIndexes(patterns: readonly string[], catalog: readonly CatalogAction[], not: boolean): number[] {
  const hit = new Uint8Array(catalog.length);
  for (const raw of patterns) {
    const p = raw.toLowerCase();
    if (p === '*' || p === '*:*') {
      hit.fill(1);
      break;
    }
    const colon = p.indexOf(':');
    const service = colon > 0 ? p.slice(0, colon) : '';
    const serviceIsLiteral = service !== '' && !/[*?]/.test(service);
    for (let i = 0; i < catalog.length; i++) {
      const a = catalog[i] as CatalogAction;
      if (hit[i] === 1 || (serviceIsLiteral && a.service !== service)) continue;
      if (matchesAction(p, a.key)) hit[i] = 1;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < catalog.length; i++) if ((hit[i] === 1) !== not) out.push(i);
  return out;
}

interface Expanded {
  list: number[];
  set: Set<number>;
}
const statementIndexes = new WeakMap<NormalizedStatement, Expanded>();

function expanded(s: NormalizedStatement): Expanded {
  let e = statementIndexes.get(s);
  if (e === undefined) {
    const list = catalogIndexes(s.actions, CATALOG, s.notAction);
    e = { list, set: new Set(list) };
    statementIndexes.set(s, e);
  }
  return e;
}

/** Indexes into {@link CATALOG} of the actions a statement applies to (Action or NotAction). Cached. */
export const statementCatalogIndexes = (s: NormalizedStatement): readonly number[] => expanded(s).list;

/** True when the statement applies to the catalog action at this index. */
export const statementCoversIndex = (s: NormalizedStatement, i: number): boolean => expanded(s).set.has(i);

/** True when the statement applies to the action (or action-pattern token, matched literally). */
export function statementAppliesTo(s: NormalizedStatement, action: string): boolean {
  const hit = s.actions.some((p) => matchesAction(p, action));
  return hit !== s.notAction;
}
