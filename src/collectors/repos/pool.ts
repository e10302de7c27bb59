/**
 * Running the scanner over a stream of items on every core: a worker_threads pool, each worker
 * building its scanner once. Items are packed into batches of about `batchBytes` (one fresh
 * ArrayBuffer per batch, transferred, never a Buffer's shared pool) and at most `maxInFlight`
 * batches are out at once, so the source is pulled no faster than the workers scan and memory stays
 * flat. A scan whose first `inlineBytes` already exhaust the source runs inline (no worker start-up).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScanItem } from './sources/types.ts';
import type { SecretHit, SecretRule } from './types.ts';

/** The engine's API (src/collectors/repos/engine/index.ts). */
export interface Scanner {
  scan(text: string): SecretHit[];
  scanBuffer(buf: Buffer): SecretHit[];
}
export interface ScannerOptions {
  rules?: SecretRule[];
  fingerprintKey?: string;
  disabledRules?: string[];
}
export type CreateScanner = (opts?: ScannerOptions) => Scanner;

/** What a worker needs to build its scanner: plain data, no rule objects (functions do not cross threads). */
export interface ScannerSpec {
  /** URL of a module exporting `createScanner`; default the engine. */
  module: string;
  fingerprintKey?: string;
  disabledRules?: string[];
}

export interface BatchRequest {
  id: number;
  buf: ArrayBuffer;
  /** Item i is bytes [ends[i - 1] ?? 0, ends[i]) of `buf`. */
  ends: number[];
}
export type ItemResult = { hits: SecretHit[] } | { error: string };
export type BatchReply = { id: number; results: ItemResult[] } | { id: number; fatal: string };

/** An item once scanned: everything but the content, and its size. */
export type ScannedItem = Omit<ScanItem, 'content'> & { size: number };

export interface RunScanOptions {
  /** Worker threads; default `os.availableParallelism()`; 0 scans on the calling thread. */
  workers?: number;
  fingerprintKey?: string;
  disabledRules?: string[];
  /** Module exporting `createScanner` (tests); default the engine. */
  scannerModule?: string;
  batchBytes?: number;
  /** Batches out at once; default twice the workers. */
  maxInFlight?: number;
  /** When the whole source fits in this many bytes, scan inline. */
  inlineBytes?: number;
  signal?: AbortSignal;
}

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const ENGINE_MODULE = new URL(`./engine/index${EXT}`, import.meta.url).href;
const WORKER_URL = new URL(`./worker${EXT}`, import.meta.url);

export async function loadScanner(spec: ScannerSpec): Promise<Scanner> {
  const mod: unknown = await import(spec.module);
  const create = (mod as { createScanner?: unknown }).createScanner;
  if (typeof create !== 'function') throw new Error(`${spec.module} does not export createScanner`);
  return (create as CreateScanner)({
    ...(spec.fingerprintKey !== undefined ? { fingerprintKey: spec.fingerprintKey } : {}),
    ...(spec.disabledRules !== undefined ? { disabledRules: spec.disabledRules } : {}),
  });
}

/** Scans one item's bytes; an engine exception is the item's error, never the scan's. */
export function scanOne(scanner: Scanner, content: Buffer): ItemResult {
  try {
    return { hits: scanner.scanBuffer(content) };
  } catch (err) {
    return { error: `scanner failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function meta(item: ScanItem): ScannedItem {
  const { content, ...rest } = item;
  return { ...rest, size: content.length };
}

/** Scans every item of `items`, calling `onResult` for each (in no particular order). */
export async function runScan(items: AsyncIterable<ScanItem>, opts: RunScanOptions, onResult: (item: ScannedItem, result: ItemResult) => void): Promise<void> {
  const spec: ScannerSpec = {
    module: opts.scannerModule ?? ENGINE_MODULE,
    ...(opts.fingerprintKey !== undefined ? { fingerprintKey: opts.fingerprintKey } : {}),
    ...(opts.disabledRules !== undefined ? { disabledRules: opts.disabledRules } : {}),
  };
  const workers = opts.workers ?? availableParallelism();
  const inlineBytes = opts.inlineBytes ?? 2 * 1024 * 1024;
  const it = items[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<ScanItem>> => {
    opts.signal?.throwIfAborted();
    return it.next();
  };
  const inline = async (head: ScanItem[], rest: boolean): Promise<void> => {
    let scanner: Scanner | undefined; // built on the first item: a source error comes first
    const scan = async (item: ScanItem): Promise<void> => {
      scanner ??= await loadScanner(spec);
      onResult(meta(item), scanOne(scanner, item.content));
    };
    for (const item of head) await scan(item);
    if (rest) for (let r = await next(); !r.done; r = await next()) await scan(r.value);
  };
  try {
    if (workers === 0) return await inline([], true);
    // Read ahead up to inlineBytes: a small scan never starts a worker.
    const head: ScanItem[] = [];
    let headBytes = 0;
    while (headBytes <= inlineBytes) {
      const r = await next();
      if (r.done) return await inline(head, false);
      head.push(r.value);
      headBytes += r.value.content.length;
    }
    await runPooled(head, next, workers, spec, opts, onResult);
  } finally {
    await it.return?.();
  }
}

async function runPooled(
  head: ScanItem[],
  next: () => Promise<IteratorResult<ScanItem>>,
  workers: number,
  spec: ScannerSpec,
  opts: RunScanOptions,
  onResult: (item: ScannedItem, result: ItemResult) => void,
): Promise<void> {
  const batchBytes = opts.batchBytes ?? 2 * 1024 * 1024;
  const maxInFlight = opts.maxInFlight ?? workers * 2;
  const pool = createPool(workers, spec);
  const onAbort = (): void => pool.terminate(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const inFlight = new Set<Promise<void>>();
  let batch: ScanItem[] = [];
  let bytes = 0;
  const send = async (): Promise<void> => {
    const items = batch;
    batch = [];
    bytes = 0;
    const metas = items.map(meta);
    const p = pool.run(items).then((results) => results.forEach((r, i) => onResult(metas[i] as ScannedItem, r)));
    p.catch(() => {}); // surfaced by the race or the final wait
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  };
  const add = async (item: ScanItem): Promise<void> => {
    if (bytes > 0 && bytes + item.content.length > batchBytes) await send();
    batch.push(item);
    bytes += item.content.length;
    if (bytes >= batchBytes) await send();
  };
  try {
    for (const item of head) await add(item);
    head.length = 0;
    for (let r = await next(); !r.done; r = await next()) await add(r.value);
    if (batch.length > 0) await send();
    await Promise.all(inFlight);
    opts.signal?.throwIfAborted();
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
}

interface Pool {
  run(items: ScanItem[]): Promise<ItemResult[]>;
  terminate(reason: Error): void;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: ItemResult[]) => void; reject: (e: Error) => void }>;
}

function createPool(size: number, spec: ScannerSpec): Pool {
  const slots: Slot[] = [];
  let nextId = 1;
  let dead: Error | undefined;
  const failSlot = (slot: Slot, err: Error): void => {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  };
  const start = (): Slot => {
    const worker = new Worker(WORKER_URL, { workerData: spec });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: BatchReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if ('fatal' in reply) p.reject(new Error(reply.fatal));
      else p.resolve(reply.results);
    });
    worker.on('error', (err: Error) => failSlot(slot, err));
    worker.on('exit', (code) => failSlot(slot, dead ?? new Error(`scan worker exited with code ${code}`)));
    slots.push(slot);
    return slot;
  };
  const pick = (): Slot => {
    // Start workers lazily, up to `size`; then the least loaded.
    const idle = slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    if (slots.length < size) return start();
    return slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  };
  return {
    run(items) {
      if (dead) return Promise.reject(dead);
      const total = items.reduce((n, i) => n + i.content.length, 0);
      const buf = new ArrayBuffer(total);
      const view = new Uint8Array(buf);
      const ends: number[] = [];
      let off = 0;
      for (const item of items) {
        view.set(item.content, off);
        off += item.content.length;
        ends.push(off);
      }
      const slot = pick();
      const id = nextId++;
      return new Promise<ItemResult[]>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        const msg: BatchRequest = { id, buf, ends };
        slot.worker.postMessage(msg, [buf]);
      });
    },
    terminate(reason) {
      dead ??= reason;
      for (const s of slots) {
        failSlot(s, reason);
        void s.worker.terminate();
      }
    },
    async close() {
      dead ??= new Error('scan pool closed');
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
