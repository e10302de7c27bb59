/**
 * The thread of a background SQLite writer (sqlite-writer.ts): its own connection to the store
 * file, the batches in the order sent, one transaction each. After a failed batch the rest are
 * skipped (the writer reports the first failure). Every batch, written or not, is counted in the
 * shared counter the sending thread waits on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { insertSqliteRows } from './bulk.ts';
import { openSqliteConnection } from './sqlite-connection.ts';
import type { ToWriter, FromWriter, WriterData } from './sqlite-writer.ts';

const { file, counter } = workerData as WriterData;
const written = new Int32Array(counter);
const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker runs as a worker thread');

const send = (m: FromWriter): void => port.postMessage(m);
let database: ReturnType<typeof openSqliteConnection> | undefined;
let failed = false;

function fail(err: unknown): void {
  failed = true;
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  send({ type: 'failed', error: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) } });
}

port.on('message', (m: ToWriter) => {
  if (m.type === 'close') {
    try {
      database?.close();
    } catch (err) {
      if (!failed) fail(err);
    }
    // The port closed, the thread ends (close() waits for its exit).
    port.close();
    return;
  }
  try {
    if (!failed) {
      database ??= openSqliteConnection(file);
      insertSqliteRows(database, m.table, m.rows, m.conflict);
    }
  } catch (err) {
    fail(err);
  } finally {
    Atomics.add(written, 0, 1);
    Atomics.notify(written, 0);
  }
});
