/** Resource scopes: intersecting them and taking Deny statements away from them. */
import { covers, overlaps } from './match.ts';
import type { ResourceScope } from './types.ts';

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** The resources in both scopes (approximate for partly overlapping wildcards); undefined when none. */
export function intersectScopes(a: ResourceScope, b: ResourceScope): ResourceScope | undefined {
  const include: string[] = [];
  for (const x of a.include) {
    for (const y of b.include) {
      if (covers(x, y)) include.push(y);
      else if (covers(y, x)) include.push(x);
      else if (overlaps(x, y)) include.push(x);
    }
  }
  if (include.length === 0) return undefined;
  return { include: unique(include), exclude: unique([...a.exclude, ...b.exclude]) };
}

/** True when every resource of `inner` is in `outer`. */
export function scopeCovers(outer: ResourceScope, inner: ResourceScope): boolean {
  return inner.include.every((p) => outer.include.some((o) => covers(o, p)) && !outer.exclude.some((e) => overlaps(e, p)));
}

/** True when the scopes may share a resource. */
export function scopesOverlap(a: ResourceScope, b: ResourceScope): boolean {
  return a.include.some((x) => b.include.some((y) => overlaps(x, y)) && !a.exclude.some((e) => covers(e, x) && b.include.every((y) => covers(e, y))));
}

/** True when the scope reaches every resource (`*` with nothing excluded). */
export const isEverything = (s: ResourceScope): boolean => s.include.includes('*') && s.exclude.length === 0;
