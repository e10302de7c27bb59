/**
 * Running the scanner over a stream of items on every core: a worker_threads pool, each worker
 * building its scanner once. Items are packed into batches of about `batchBytes` (one fresh
 * ArrayBuffer per batch, transferred, never a Buffer's shared pool) and at most `maxInFlight`
 * batches are out at once, so the source is pulled no faster than the workers scan and memory stays
 * flat. Working-tree files travel as paths (FileItem): the worker reads them, so this thread copies
 * nothing. A scan whose first `inlineBytes` already exhaust the source runs inline (no worker start-up).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFileItem } from './sources/worktree.ts';
import type { FileItem, ScanItem } from './sources/types.ts';
import type { SecretHit, SecretRule } from './types.ts';

/** The engine's API (src/collectors/repos/engine/index.ts). */
export interface Scanner {
  scan(text: string, limit?: { deadline: number }): SecretHit[];
  /** Past `limit.deadline` (performance.now() time) the engine throws ScanCutOff with the hits so far. */
  scanBuffer(buf: Buffer, limit?: { deadline: number }): SecretHit[];
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
  /** Time cap of one item's scan, in ms (none when unset). */
  fileTimeoutMs?: number;
}

/** One item of a batch: its content's end in the batch buffer (it starts where the previous one ended), or a file to read. */
export type BatchEntry = { end: number } | { file: string; maxBytes: number };
export interface BatchRequest {
  id: number;
  buf: ArrayBuffer;
  items: BatchEntry[];
}
/**
 * Hits (with the bytes scanned; `cutOffMs` when the scan was stopped at the time cap, the hits then
 * being those found before), the item's error, or why a file was not scanned.
 */
export type ItemResult = { hits: SecretHit[]; size?: number; cutOffMs?: number } | { error: string } | { skipped: 'binary' | 'large' | 'gone' };
export type BatchReply = { id: number; results: ItemResult[] } | { id: number; fatal: string };

/** What a source yields: content, or a working-tree file to read. */
export type SourceItem = ScanItem | FileItem;

/** An item once scanned: everything but the content, and its size (0 when not scanned). */
export type ScannedItem = Omit<ScanItem, 'content'> & { size: number };

const isFile = (item: SourceItem): item is FileItem => 'file' in item;

/** A file item weighs this much when batches are filled (its size is not known before it is read). */
const FILE_WEIGHT = 64 * 1024;

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
  /** Time cap of one item's scan, in ms: a scan running longer is cut off (reported with `cutOffMs`). */
  fileTimeoutMs?: number;
  signal?: AbortSignal;
}

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const ENGINE_MODULE = new URL(`./engine/index${EXT}`, import.meta.url).href;
const WORKER_URL = new URL(`./worker${EXT}`, import.meta.url);

/** Caps below this warm the scanner up first (see loadScanner). */
const WARM_UP_BELOW_MS = 1_000;

export async function loadScanner(spec: ScannerSpec): Promise<Scanner> {
  const mod: unknown = await import(spec.module);
  const create = (mod as { createScanner?: unknown }).createScanner;
  if (typeof create !== 'function') throw new Error(`${spec.module} does not export createScanner`);
  const scanner = (create as CreateScanner)({
    ...(spec.fingerprintKey !== undefined ? { fingerprintKey: spec.fingerprintKey } : {}),
    ...(spec.disabledRules !== undefined ? { disabledRules: spec.disabledRules } : {}),
  });
  // With a short time cap, the patterns are compiled (on first use, about 35 ms for all of them)
  // before the first file's clock starts; against a longer cap that cost does not matter.
  if (spec.fileTimeoutMs !== undefined && spec.fileTimeoutMs < WARM_UP_BELOW_MS) {
    const rules = (scanner as { rules?: readonly SecretRule[] }).rules ?? [];
    try {
      scanner.scan(rules.flatMap((r) => r.samples.match).join('\n'));
    } catch {
      // a test scanner may refuse it; its first file then pays
    }
  }
  return scanner;
}

/** The engine's ScanCutOff (matched by name: a scanner module of a test's own throws its own class). */
function cutOff(err: unknown): { hits: SecretHit[]; elapsedMs: number } | undefined {
  if (!(err instanceof Error) || err.name !== 'ScanCutOff') return undefined;
  const { hits, elapsedMs } = err as Error & { hits?: unknown; elapsedMs?: unknown };
  return Array.isArray(hits) ? { hits: hits as SecretHit[], elapsedMs: typeof elapsedMs === 'number' ? elapsedMs : 0 } : undefined;
}

/** Scans one item's bytes; an engine exception is the item's error, never the scan's. Past `timeoutMs` the scan is cut off. */
export function scanOne(scanner: Scanner, content: Buffer, timeoutMs?: number): ItemResult {
  try {
    return { hits: timeoutMs === undefined ? scanner.scanBuffer(content) : scanner.scanBuffer(content, { deadline: performance.now() + timeoutMs }) };
  } catch (err) {
    const cut = cutOff(err);
    if (cut) return { hits: cut.hits, cutOffMs: Math.round(cut.elapsedMs) };
    return { error: `scanner failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Reads a file item, then scans it. */
export function scanFile(scanner: Scanner, item: FileItem, timeoutMs?: number): ItemResult {
  const read = readFileItem(item);
  if (!('content' in read)) return read;
  const result = scanOne(scanner, read.content, timeoutMs);
  return 'hits' in result ? { ...result, size: read.content.length } : result;
}

function meta(item: SourceItem, result: ItemResult): ScannedItem {
  if (isFile(item)) return { location: item.location, size: 'hits' in result ? (result.size ?? 0) : 0 };
  const { content, ...rest } = item;
  return { ...rest, size: content.length };
}

/** Scans every item of `items`, calling `onResult` for each (in no particular order). */
export async function runScan(items: AsyncIterable<SourceItem>, opts: RunScanOptions, onResult: (item: ScannedItem, result: ItemResult) => void): Promise<void> {
  const spec: ScannerSpec = {
    module: opts.scannerModule ?? ENGINE_MODULE,
    ...(opts.fingerprintKey !== undefined ? { fingerprintKey: opts.fingerprintKey } : {}),
    ...(opts.disabledRules !== undefined ? { disabledRules: opts.disabledRules } : {}),
    ...(opts.fileTimeoutMs !== undefined ? { fileTimeoutMs: opts.fileTimeoutMs } : {}),
  };
  const workers = opts.workers ?? availableParallelism();
  const inlineBytes = opts.inlineBytes ?? 2 * 1024 * 1024;
  const it = items[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<SourceItem>> => {
    opts.signal?.throwIfAborted();
    return it.next();
  };
  const inline = async (head: ScanItem[], rest: boolean): Promise<void> => {
    let scanner: Scanner | undefined; // built on the first item: a source error comes first
    const scan = async (item: SourceItem): Promise<void> => {
      scanner ??= await loadScanner(spec);
      const result = isFile(item) ? scanFile(scanner, item, spec.fileTimeoutMs) : scanOne(scanner, item.content, spec.fileTimeoutMs);
      onResult(meta(item, result), result);
    };
    for (const item of head) await scan(item);
    if (rest) for (let r = await next(); !r.done; r = await next()) await scan(r.value);
  };
  try {
    if (workers === 0) return await inline([], true);
    // Read ahead up to inlineBytes (reading files here): a small scan never starts a worker.
    const head: ScanItem[] = [];
    let headBytes = 0;
    while (headBytes <= inlineBytes) {
      const r = await next();
      if (r.done) return await inline(head, false);
      const item = isFile(r.value) ? readHead(r.value, onResult) : r.value;
      if (!item) continue;
      head.push(item);
      headBytes += item.content.length;
    }
    await runPooled(head, next, workers, spec, opts, onResult);
  } finally {
    await it.return?.();
  }
}

/** A file item read on this thread: its content as a ScanItem, or its result reported now. */
function readHead(item: FileItem, onResult: (item: ScannedItem, result: ItemResult) => void): ScanItem | undefined {
  const read = readFileItem(item);
  if ('content' in read) return { location: item.location, content: read.content };
  onResult(meta(item, read), read);
  return undefined;
}

async function runPooled(
  head: ScanItem[],
  next: () => Promise<IteratorResult<SourceItem>>,
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
  let batch: SourceItem[] = [];
  let bytes = 0;
  const send = async (): Promise<void> => {
    const items = batch;
    batch = [];
    bytes = 0;
    const p = pool.run(items).then((results) => results.forEach((r, i) => onResult(meta(items[i]!, r), r)));
    p.catch(() => {}); // surfaced by the race or the final wait
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  };
  const add = async (item: SourceItem): Promise<void> => {
    const weight = isFile(item) ? FILE_WEIGHT : item.content.length;
    if (bytes > 0 && bytes + weight > batchBytes) await send();
    batch.push(item);
    bytes += weight;
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
  run(items: SourceItem[]): Promise<ItemResult[]>;
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
      const total = items.reduce((n, i) => n + (isFile(i) ? 0 : i.content.length), 0);
      const buf = new ArrayBuffer(total);
      const view = new Uint8Array(buf);
      const entries: BatchEntry[] = [];
      let off = 0;
      for (const item of items) {
        if (isFile(item)) {
          entries.push({ file: item.file, maxBytes: item.maxBytes });
          continue;
        }
        view.set(item.content, off);
        off += item.content.length;
        entries.push({ end: off });
      }
      const slot = pick();
      const id = nextId++;
      return new Promise<ItemResult[]>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        const msg: BatchRequest = { id, buf, items: entries };
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
