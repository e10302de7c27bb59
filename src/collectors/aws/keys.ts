/** Matching ListAccessKeys results to the credential report's key slots (by creation time). */
import type { ReportKeySlot } from './credential-report.ts';

export interface ListedKey {
  id: string;
  /** ISO time. */
  createdAt?: string;
}

const seconds = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
};

/**
 * A key matches the slot whose `last_rotated` equals its CreateDate (to the second), when that
 * slot is the only candidate and no other key has the same CreateDate. Keys left unmatched need
 * GetAccessKeyLastUsed.
 */
export function matchKeySlots(keys: readonly ListedKey[], slots: readonly ReportKeySlot[]): { matched: Map<string, ReportKeySlot>; unmatched: string[] } {
  const matched = new Map<string, ReportKeySlot>();
  const unmatched: string[] = [];
  for (const k of keys) {
    const t = seconds(k.createdAt);
    const candidates = t === undefined ? [] : slots.filter((s) => seconds(s.lastRotated) === t);
    const twins = keys.filter((o) => o !== k && t !== undefined && seconds(o.createdAt) === t).length;
    const only = candidates[0];
    if (candidates.length === 1 && twins === 0 && only) matched.set(k.id, only);
    else unmatched.push(k.id);
  }
  return { matched, unmatched };
}
