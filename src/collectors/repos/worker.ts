/**
 * A scan worker: builds the scanner once from `workerData` (a ScannerSpec), then scans each batch it
 * receives (one transferred ArrayBuffer, item boundaries in `ends`) and replies with the hits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadScanner, scanOne } from './pool.ts';
import type { BatchReply, BatchRequest, Scanner, ScannerSpec } from './pool.ts';

const port = parentPort;
if (port) {
  const scanner: Promise<Scanner> = loadScanner(workerData as ScannerSpec);
  scanner.catch(() => {}); // reported per batch
  port.on('message', (msg: BatchRequest) => {
    void scanner.then(
      (s) => {
        const results = [];
        let start = 0;
        for (const end of msg.ends) {
          results.push(scanOne(s, Buffer.from(msg.buf, start, end - start)));
          start = end;
        }
        const reply: BatchReply = { id: msg.id, results };
        port.postMessage(reply);
      },
      (err: unknown) => {
        const reply: BatchReply = { id: msg.id, fatal: `scanner could not be built: ${err instanceof Error ? err.message : String(err)}` };
        port.postMessage(reply);
      },
    );
  });
}
