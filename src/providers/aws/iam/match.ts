/**
 * IAM wildcard matching: `*` matches any run of characters (including none), `?` exactly one.
 * Actions compare case-insensitively, resources case-sensitively.
 */

const compiled = new Map<string, RegExp>();

function regexFor(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = (ignoreCase ? 'i' : 's') + pattern;
  let re = compiled.get(cacheKey);
  if (re === undefined) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
    re = new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(cacheKey, re);
  }
  return re;
}

const hasWildcard = (p: string): boolean => p.includes('*') || p.includes('?');

/** True when the IAM pattern matches the value. Case-insensitive unless `caseSensitive`. */
export function matches(pattern: string, value: string, opts: { caseSensitive?: boolean } = {}): boolean {
  const caseSensitive = opts.caseSensitive === true;
  if (pattern === '*') return true;
  if (!hasWildcard(pattern)) return caseSensitive ? pattern === value : pattern.toLowerCase() === value.toLowerCase();
  return regexFor(pattern, !caseSensitive).test(value);
}

/** Resource ARN matching: case-sensitive. */
export const matchesResource = (pattern: string, arn: string): boolean => matches(pattern, arn, { caseSensitive: true });

/** Action matching: case-insensitive. */
export const matchesAction = (pattern: string, action: string): boolean => matches(pattern, action);

/**
 * True when the resource pattern `outer` covers every ARN `inner` (itself a pattern) can match.
 * Approximation: `outer` matches `inner` read literally (`arn:…:role/*` covers `arn:…:role/a*`).
 */
export const covers = (outer: string, inner: string): boolean => matchesResource(outer, inner);

/** True when two resource patterns may match a common ARN (conservative: literal prefixes agree). */
export function overlaps(a: string, b: string): boolean {
  if (covers(a, b) || covers(b, a)) return true;
  if (!hasWildcard(a) || !hasWildcard(b)) return false;
  const prefix = (p: string): string => p.slice(0, p.search(/[*?]/));
  const pa = prefix(a);
  const pb = prefix(b);
  return pa.startsWith(pb) || pb.startsWith(pa);
}

/** True when a resource pattern names more than one resource (`*`, `arn:aws:iam::1:role/*`). */
export const isBroad = (pattern: string): boolean => hasWildcard(pattern);
