/** Streaming helpers over byte chunks: split on a separator, map ahead with a bounded window. */

/**
 * Splits a stream of chunks on `sep` (a byte), yielding, per chunk, the segments it completes
 * (without the separator); a trailing segment without separator comes last. Segments are views
 * into the chunk where possible; only the current partial segment is held besides.
 */
export async function* splitChunks(chunks: AsyncIterable<Buffer>, sep: number): AsyncGenerator<Buffer[]> {
  let pending: Buffer[] = [];
  for await (const chunk of chunks) {
    const out: Buffer[] = [];
    let start = 0;
    let idx = chunk.indexOf(sep, start);
    while (idx !== -1) {
      const part = chunk.subarray(start, idx);
      if (pending.length > 0) {
        pending.push(part);
        out.push(Buffer.concat(pending));
        pending = [];
      } else {
        out.push(part);
      }
      start = idx + 1;
      idx = chunk.indexOf(sep, start);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
    if (out.length > 0) yield out;
  }
  if (pending.length > 0) yield [Buffer.concat(pending)];
}

/** splitChunks, one segment at a time. */
export async function* splitBytes(chunks: AsyncIterable<Buffer>, sep: number): AsyncGenerator<Buffer> {
  for await (const parts of splitChunks(chunks, sep)) yield* parts;
}

/** splitBytes, decoded as UTF-8 (invalid sequences become U+FFFD). */
export async function* splitStrings(chunks: AsyncIterable<Buffer>, sep: number): AsyncGenerator<string> {
  for await (const part of splitBytes(chunks, sep)) yield part.toString('utf8');
}

/**
 * Maps each item through `fn`, running up to `window` calls ahead, yielding results in order.
 * A rejection surfaces when its turn comes; a consumer that stops early leaves calls behind, so
 * `fn` should not hold resources the caller does not release itself.
 */
export async function* mapAhead<T, R>(items: AsyncIterable<T>, window: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  for await (const item of items) {
    const p = fn(item);
    p.catch(() => {}); // handled when its turn comes
    queue.push(p);
    if (queue.length >= window) yield await (queue.shift() as Promise<R>);
  }
  while (queue.length > 0) yield await (queue.shift() as Promise<R>);
}
