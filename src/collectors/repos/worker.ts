/**
 * A scan worker: builds the scanner once from `workerData` (a ScannerSpec), then scans each batch it
 * receives (contents in one transferred ArrayBuffer, files to read itself) and replies with the hits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadScanner, scanFile, scanOne } from './pool.ts';
import type { BatchReply, BatchRequest, ItemResult, Scanner, ScannerSpec } from './pool.ts';

const port = parentPort;
if (port) {
  const spec = workerData as ScannerSpec;
  const scanner: Promise<Scanner> = loadScanner(spec);
  scanner.catch(() => {}); // reported per batch
  port.on('message', (msg: BatchRequest) => {
    void scanner.then(
      (s) => {
        const results: ItemResult[] = [];
        let start = 0;
        for (const entry of msg.items) {
          if ('file' in entry) {
            results.push(scanFile(s, { location: { path: entry.file }, ...entry }, spec.fileTimeoutMs));
            continue;
          }
          results.push(scanOne(s, Buffer.from(msg.buf, start, entry.end - start), spec.fileTimeoutMs));
          start = entry.end;
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
