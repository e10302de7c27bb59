/** Paging under the collector's concurrency limit: each page fetch is one task of the limit. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export async function* limitedPages<T>(pages: AsyncIterator<T[]>, limit: Limit): AsyncGenerator<T[]> {
  for (;;) {
    const r = await limit(() => pages.next());
    if (r.done) return;
    yield r.value;
  }
}
