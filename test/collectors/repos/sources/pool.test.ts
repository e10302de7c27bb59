import { afterAll, describe, expect, it } from 'vitest';
import { runScan } from '../../../../src/collectors/repos/pool.ts';
import type { ItemResult, ScannedItem } from '../../../../src/collectors/repos/pool.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileItem, ScanItem } from '../../../../src/collectors/repos/sources/types.ts';
import { cleanupTempDirs, fakeAwsKey, tempDir } from '../../../helpers/git.ts';

afterAll(cleanupTempDirs);

const FAKE = new URL('./fake-scanner.ts', import.meta.url).href;

function item(i: number, text: string): ScanItem {
  return { location: { path: `f${String(i).padStart(4, '0')}.txt` }, content: Buffer.from(text) };
}

async function* items(n: number, onPull?: (i: number) => void): AsyncGenerator<ScanItem> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve(); // a source that really is asynchronous
    onPull?.(i);
    yield item(i, `line one\nkey ${i % 3 === 0 ? fakeAwsKey(i) : 'none'} here\n${'pad '.repeat(100)}\n`);
  }
}

async function run(source: AsyncIterable<ScanItem>, opts: Parameters<typeof runScan>[1]): Promise<Map<string, ItemResult>> {
  const out = new Map<string, ItemResult>();
  await runScan(source, { scannerModule: FAKE, ...opts }, (meta: ScannedItem, r) => out.set(meta.location.path, r));
  return out;
}

function hitsOf(r: ItemResult | undefined): { line: number; column: number }[] {
  if (!r || !('hits' in r)) return [];
  return r.hits.map((h) => ({ line: h.line, column: h.column }));
}

describe('scan pool', () => {
  it.each([
    { name: 'inline', workers: 0 },
    { name: 'small scan, inline without workers', workers: 4 },
    { name: 'two workers', workers: 2, inlineBytes: 0, batchBytes: 4096 },
    { name: 'one worker, one item per batch', workers: 1, inlineBytes: 0, batchBytes: 1 },
  ])('scans every item ($name)', async ({ workers, inlineBytes, batchBytes }) => {
    const results = await run(items(300), { workers, ...(inlineBytes !== undefined ? { inlineBytes } : {}), ...(batchBytes !== undefined ? { batchBytes } : {}) });
    expect(results.size).toBe(300);
    expect(hitsOf(results.get('f0003.txt'))).toEqual([{ line: 2, column: 5 }]);
    expect(hitsOf(results.get('f0004.txt'))).toEqual([]);
    const total = [...results.values()].reduce((n, r) => n + hitsOf(r).length, 0);
    expect(total).toBe(100);
  });

  it('turns a scanner exception into that item’s error, in workers and inline', async () => {
    for (const workers of [0, 2]) {
      const source = (async function* () {
        yield* items(20);
        yield item(999, 'BOOM! goes the scanner');
        yield* items(20);
      })();
      const results = await run(source, { workers, inlineBytes: 0 });
      expect(results.get('f0999.txt')).toEqual({ error: 'scanner failed: fake scanner exploded' });
      expect(hitsOf(results.get('f0003.txt'))).toHaveLength(1);
    }
  });

  it('pulls the source no faster than the workers scan (bounded batches in flight)', async () => {
    let pulled = 0;
    let done = 0;
    let maxAhead = 0;
    const source = items(400, (i) => {
      pulled = i + 1;
      maxAhead = Math.max(maxAhead, pulled - done);
    });
    await runScan(source, { scannerModule: FAKE, workers: 2, inlineBytes: 0, batchBytes: 1, maxInFlight: 3 }, () => done++);
    expect(done).toBe(400);
    // 3 batches of one item in flight, plus the one being added
    expect(maxAhead).toBeLessThanOrEqual(5);
  });

  it('stops on abort', async () => {
    const ctl = new AbortController();
    let n = 0;
    const p = runScan(items(100_000), { scannerModule: FAKE, workers: 2, inlineBytes: 0, batchBytes: 1024, signal: ctl.signal }, () => {
      if (++n === 50) ctl.abort(new Error('stop now'));
    });
    await expect(p).rejects.toThrow('stop now');
    expect(n).toBeLessThan(100_000);
  });

  it.each([
    { name: 'inline', workers: 0 },
    { name: 'read ahead inline', workers: 2 },
    { name: 'read by the workers', workers: 2, inlineBytes: 0, batchBytes: 1 },
  ])('reads file items where it scans them ($name)', async ({ workers, inlineBytes, batchBytes }) => {
    const dir = tempDir();
    const files: FileItem[] = [];
    const add = (name: string, content: string | Buffer): void => {
      writeFileSync(join(dir, name), content);
      files.push({ location: { path: name }, file: join(dir, name), maxBytes: 1000 });
    };
    add('key.txt', `x\nkey ${fakeAwsKey(1)}\n`);
    add('bin.dat', Buffer.from([65, 0, 66]));
    add('big.txt', 'x'.repeat(1001));
    files.push({ location: { path: 'gone.txt' }, file: join(dir, 'gone.txt'), maxBytes: 1000 });
    const source = (async function* () {
      await Promise.resolve();
      yield item(1, `k ${fakeAwsKey(2)}`);
      yield* files;
    })();
    const sizes = new Map<string, number>();
    const out = new Map<string, ItemResult>();
    await runScan(source, { scannerModule: FAKE, workers, ...(inlineBytes !== undefined ? { inlineBytes, batchBytes } : {}) }, (meta, r) => {
      sizes.set(meta.location.path, meta.size);
      out.set(meta.location.path, r);
    });
    expect(hitsOf(out.get('key.txt'))).toEqual([{ line: 2, column: 5 }]);
    expect(hitsOf(out.get('f0001.txt'))).toEqual([{ line: 1, column: 3 }]);
    expect(out.get('bin.dat')).toEqual({ skipped: 'binary' });
    expect(out.get('big.txt')).toEqual({ skipped: 'large' });
    expect(out.get('gone.txt')).toEqual({ skipped: 'gone' });
    expect(sizes.get('key.txt')).toBe(6 + fakeAwsKey(1).length + 1);
    expect(sizes.get('big.txt')).toBe(0);
  });

  it('reports a scanner module that cannot be loaded', async () => {
    await expect(runScan(items(3), { scannerModule: new URL('./nope.ts', import.meta.url).href, workers: 0 }, () => {})).rejects.toThrow();
    await expect(run(items(300), { workers: 1, inlineBytes: 0, scannerModule: new URL('./nope.ts', import.meta.url).href })).rejects.toThrow(/scanner could not be built/);
  });
});
