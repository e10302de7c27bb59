/**
 * A full session export through `GET /api/sessions`: windows from now back to `since`, each
 * half-open `[start, end)` (the gateway's filter is taken as inclusive; sessions on the upper
 * edge are dropped here and read by the next window, so none is read twice). A window whose
 * count is capped (or above the offset limit) is split in half, down to `minWindowMs`; below
 * that it is paged as far as the offset limit allows and reported as truncated.
 */
import type { HoopClient } from '../../providers/hoop/client.ts';
import type { HoopSession } from '../../providers/hoop/types.ts';

export interface WindowWalkOptions {
  client: HoopClient;
  startMs: number;
  endMs: number;
  windowMs: number;
  pageSize: number;
  /** The gateway's largest offset (hoop: 10000). */
  maxOffset: number;
  minWindowMs: number;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  onSessions(sessions: HoopSession[]): Promise<void>;
  onPage(): void;
  onTruncated(info: { start: string; end: string; read: number; total: number | null }): void;
  /** A window that still fails after the client's retries; `fatal` stops the walk. */
  onWindowError(info: { start: string; end: string; error: unknown }): boolean;
  /**
   * Windows failing one after the other (none read whole in between) before the walk stops: a
   * gateway that times out or resets every request is not asked once per window. Default 3.
   */
  maxConsecutiveFailures?: number;
}

/** The gateway answered a later page with one it had sent before (it ignored the offset). */
export class PageLoopError extends Error {
  constructor(offset: number) {
    super(`paging loop: page token repeated (the page at offset ${offset} repeats an earlier one)`);
    this.name = 'PageLoopError';
  }
}

export interface WindowWalkResult {
  windows: number;
  splits: number;
  failedWindows: number;
  /** Windows left unread because the walk stopped (a fatal error, a paging loop, failures in a row). */
  skippedWindows: number;
}

/** A page asked for after the walk stopped: not sent. */
class WalkStopped extends Error {}

export async function walkWindows(o: WindowWalkOptions): Promise<WindowWalkResult> {
  const result: WindowWalkResult = { windows: 0, splits: 0, failedWindows: 0, skippedWindows: 0 };
  let stopped = false;
  let failingInARow = 0;
  const maxFailing = o.maxConsecutiveFailures ?? 3;
  /** A page's identity: the ids of its sessions, in order. */
  const idsOf = (data: HoopSession[]): string => data.map((s) => s.id).join('\u0000');

  // Checked once the limit lets the page go: windows queued behind it are not read after a stop.
  const page = (start: number, end: number, offset: number) => o.limit(() => (stopped ? Promise.reject(new WalkStopped()) : o.client.listSessionsWindow(new Date(start), new Date(end), offset, o.pageSize)));
  const keep = (start: number, end: number, data: HoopSession[]): HoopSession[] =>
    data.filter((s) => {
      const t = Date.parse(s.start_date);
      return t >= start && t < end;
    });

  async function walk(start: number, end: number): Promise<void> {
    if (stopped) {
      result.skippedWindows++;
      return;
    }
    result.windows++;
    let first;
    try {
      first = await page(start, end, 0);
      o.onPage();
      const over = first.total_is_capped || (first.total !== null && first.total > o.maxOffset);
      if (over && end - start > o.minWindowMs) {
        result.splits++;
        const mid = start + Math.floor((end - start) / 2);
        await Promise.all([walk(mid, end), walk(start, mid)]);
        return;
      }
      await o.onSessions(keep(start, end, first.data));
      let offset = first.data.length;
      let more = first.has_next_page && first.data.length > 0;
      const seen = new Set<string>([idsOf(first.data)]);
      while (more && !stopped) {
        if (offset > o.maxOffset) {
          o.onTruncated({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), read: offset, total: first.total });
          break;
        }
        const next = await page(start, end, offset);
        o.onPage();
        const ids = idsOf(next.data);
        if (next.data.length > 0 && seen.has(ids)) throw new PageLoopError(offset);
        seen.add(ids);
        await o.onSessions(keep(start, end, next.data));
        offset += next.data.length;
        more = next.has_next_page && next.data.length > 0;
      }
      failingInARow = 0;
    } catch (error) {
      if (error instanceof WalkStopped) {
        result.skippedWindows++;
        return;
      }
      result.failedWindows++;
      failingInARow++;
      // A paging loop is the gateway's, not the window's: every window would loop the same way.
      if (o.onWindowError({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), error }) || error instanceof PageLoopError || failingInARow >= maxFailing) stopped = true;
    }
  }

  const tops: Promise<void>[] = [];
  for (let end = o.endMs; end > o.startMs; end -= o.windowMs) tops.push(walk(Math.max(o.startMs, end - o.windowMs), end));
  await Promise.all(tops);
  return result;
}
