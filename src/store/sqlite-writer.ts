/**
 * A background writer for a SQLite store file: batches of rows are inserted by a worker thread on
 * a connection of its own, so a scan's collectors (parsing API answers on the main thread) and
 * SQLite (building B-trees) use two cores. Collecting 100,000 identities writes 1.4 million rows;
 * on the main thread their inserts were 16 s of the collection's 100.
 *
 * - Order: batches are written in the order sent, one transaction each; the SQLite write lock
 *   keeps them apart from the main connection's own writes (busy_timeout waits its turn).
 * - Back-pressure: at most MAX_QUEUED batches wait unwritten; sending one more blocks the sending
 *   thread until the worker has written one (as writing it on that thread would have).
 * - Failures: the first failed batch's error (its message and SQLite code, so storeFailure names
 *   it as on the main connection) is rethrown by close(); the batches after it are not written.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Batches sent and not yet written before a send blocks (2,000 rows each from the inventory writer). */
const MAX_QUEUED = 8;
/** How long a blocked send waits for the worker before giving up on it. */
const STALL_MS = 120_000;

export type ToWriter = { type: 'insert'; table: string; rows: readonly object[]; conflict?: readonly string[] } | { type: 'close' };
export type FromWriter = { type: 'failed'; error: { name: string; message: string; code?: string } };
export interface WriterData {
  file: string;
  /** One Int32: the batches the worker has finished with (written or skipped). */
  counter: SharedArrayBuffer;
}

export interface SqliteWriter {
  /** Sends rows to be inserted (skipping rows whose `conflict` key is there); blocks while MAX_QUEUED batches wait. */
  insert(table: string, rows: readonly object[], conflict?: readonly string[]): void;
  /** Waits until every batch sent is written, stops the worker, and throws the first failure. */
  close(): Promise<void>;
}

/** The worker's module next to this one: .ts when run from source (tests, bench), .js when built. */
const WORKER_URL = new URL(`./sqlite-writer-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** An error of the worker's, rebuilt with its code (SQLITE_FULL, SQLITE_READONLY...). */
function rebuilt(error: { name: string; message: string; code?: string }): Error {
  const err = new Error(error.message) as Error & { code?: string };
  err.name = error.name;
  if (error.code !== undefined) err.code = error.code;
  return err;
}

export function startSqliteWriter(file: string): SqliteWriter {
  const counter = new SharedArrayBuffer(4);
  const finished = new Int32Array(counter);
  const worker = new Worker(WORKER_URL, { workerData: { file, counter } satisfies WriterData });
  let sent = 0;
  let dropped = 0;
  let failure: Error | undefined;
  let stopped = false;
  let closing: Promise<void> | undefined;
  const exit = new Promise<number>((resolve) =>
    worker.once('exit', (code) => {
      stopped = true;
      resolve(code);
    }),
  );
  worker.on('message', (m: FromWriter) => {
    failure ??= rebuilt(m.error);
  });
  worker.on('error', (err) => {
    failure ??= err;
  });
  // The worker keeps the process alive only while it has batches to write.
  worker.unref();

  const waitForRoom = (): void => {
    const deadline = Date.now() + STALL_MS;
    for (;;) {
      const done = Atomics.load(finished, 0);
      if (sent - done < MAX_QUEUED) return;
      if (Date.now() > deadline) throw new Error(`the SQLite writer thread for ${file} has not written a batch in ${STALL_MS / 1000} s`);
      Atomics.wait(finished, 0, done, 1000);
    }
  };

  return {
    insert(table, rows, conflict) {
      if (rows.length === 0) return;
      if (closing) throw new Error('the SQLite writer is closed');
      // A worker that failed or died writes nothing more: close() says why.
      if (failure || stopped) {
        dropped++;
        return;
      }
      waitForRoom();
      const message: ToWriter = conflict ? { type: 'insert', table, rows, conflict } : { type: 'insert', table, rows };
      worker.postMessage(message);
      sent++;
    },
    close() {
      closing ??= (async () => {
        worker.ref();
        worker.postMessage({ type: 'close' } satisfies ToWriter);
        const code = await exit;
        if (failure) throw failure;
        const unwritten = sent - Atomics.load(finished, 0) + dropped;
        if (code !== 0 || unwritten > 0) throw new Error(`the SQLite writer thread for ${file} stopped (exit code ${code}) with ${unwritten} of ${sent + dropped} batches unwritten`);
      })();
      return closing;
    },
  };
}
