/**
 * Exported session files: a JSON array of session objects, a `{ "data": [...] }` list answer, or
 * JSON lines (one session object a line). Malformed lines are counted and reported by line
 * number; the others are imported. JSON lines are streamed (big exports stay out of memory).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { HoopSession } from '../../providers/hoop/types.ts';

export interface FileReadResult {
  sessions: number;
  malformed: number;
  /** Line numbers (1-based) of malformed lines, the first 50. */
  malformedLines: number[];
}

export function isSessionLike(v: unknown): v is HoopSession {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o['id'] === 'string' && typeof o['start_date'] === 'string' && !Number.isNaN(Date.parse(o['start_date'])) && typeof o['connection'] === 'string';
}

async function firstChar(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart()[0] ?? '';
  } finally {
    await fh.close();
  }
}

export async function readSessionFile(path: string, onSession: (s: HoopSession) => Promise<void>): Promise<FileReadResult> {
  const result: FileReadResult = { sessions: 0, malformed: 0, malformedLines: [] };
  const bad = (line: number): void => {
    result.malformed++;
    if (result.malformedLines.length < 50) result.malformedLines.push(line);
  };
  if ((await firstChar(path)) === '[') {
    const { readFile } = await import('node:fs/promises');
    let items: unknown;
    try {
      items = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
    } catch {
      // Not one JSON document: read it as lines below (a `[` first line is then malformed).
      items = undefined;
    }
    if (Array.isArray(items)) {
      for (let i = 0; i < items.length; i++) {
        const s: unknown = items[i];
        if (isSessionLike(s)) {
          result.sessions++;
          await onSession(s);
        } else bad(i + 1);
      }
      return result;
    }
  }
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    const line = (n === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      bad(n);
      continue;
    }
    const list = typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray((v as Record<string, unknown>)['data']) ? ((v as Record<string, unknown>)['data'] as unknown[]) : [v];
    for (const s of list) {
      if (isSessionLike(s)) {
        result.sessions++;
        await onSession(s);
      } else bad(n);
    }
  }
  return result;
}
