const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of an ISO time, or undefined when absent or unparsable. */
export function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined || iso === '') return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Whole days elapsed from `iso` to `now` (floored; negative when in the future). */
export function daysSince(iso: string | undefined, now: Date): number | undefined {
  const t = parseTime(iso);
  return t === undefined ? undefined : Math.floor((now.getTime() - t) / DAY_MS);
}

/** The latest of some ISO times (unparsable and absent ones ignored), as an ISO string. */
export function latestTime(times: readonly (string | undefined)[]): string | undefined {
  let best: number | undefined;
  for (const iso of times) {
    const t = parseTime(iso);
    if (t !== undefined && (best === undefined || t > best)) best = t;
  }
  return best === undefined ? undefined : new Date(best).toISOString();
}
