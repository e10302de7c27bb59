/**
 * The bound every pager of an outside API keeps: a next-page token (marker, continue token, next
 * link) seen before is a paging loop and fails the list at once; a list longer than `maxPages`
 * pages fails too, so a server that hands out fresh tokens forever cannot keep a scan running.
 * The messages start with the labels `faultLabel` (faults.ts) gives them.
 */

/** Pages of one list before it fails; far more than any real estate needs (10,000 x page size). */
export const MAX_PAGES = 10_000;

export class PagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PagingError';
  }
}

export interface PageGuard {
  /**
   * Called once per page read, with the token (or link) of the next page, undefined at the end.
   * Throws a PagingError on a token seen before or past the page bound.
   */
  next(token: string | undefined): void;
  /** Pages read so far. */
  readonly pages: number;
}

/** A guard for one list; `what` names it in the error (the token itself never appears). */
export function pageGuard(what: string, maxPages: number = MAX_PAGES): PageGuard {
  const seen = new Set<string>();
  let pages = 0;
  return {
    next(token) {
      pages++;
      if (token === undefined) return;
      if (seen.has(token)) throw new PagingError(`paging loop: page token repeated (${what}, after ${pages} pages)`);
      if (pages >= maxPages) throw new PagingError(`paging bound reached: more than ${maxPages} pages (${what})`);
      seen.add(token);
    },
    get pages() {
      return pages;
    },
  };
}
