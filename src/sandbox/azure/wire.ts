/** Wire helpers shared by the ARM, Graph and Entra parts of the Azure emulator. */
import type { ServerResponse } from 'node:http';

/** An error answered as `{ error: { code, message } }` with an HTTP status. */
export class AzureFault extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });

export function send(res: ServerResponse, reply: Reply, requestId: string): void {
  if (reply.status === 204) {
    res.writeHead(204, { 'x-ms-request-id': requestId, 'request-id': requestId, ...reply.headers });
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': requestId,
    'request-id': requestId,
    ...reply.headers,
  });
  res.end(text);
}


/** One page of `items` starting at the offset the skip token carries. */
export function page<T>(items: readonly T[], offset: number, size: number): { items: T[]; next: number | undefined } {
  const end = offset + size;
  return { items: items.slice(offset, end), next: end < items.length ? end : undefined };
}

/** Offset from a skip token (`emu<offset>`); 0 when absent; a fault when malformed. */
export function offsetOf(token: string | null): number {
  if (token === null) return 0;
  const m = /^emu(\d+)$/.exec(token);
  if (!m) throw new AzureFault(400, 'InvalidSkipToken', `The skip token '${token.slice(0, 32)}' is not valid.`);
  return Number(m[1]);
}

/** The same URL with the skip-token parameter set to the next offset (absolute, on the emulator's origin). */
export function nextLinkOf(url: URL, param: string, offset: number): string {
  const next = new URL(url.href);
  next.searchParams.set(param, `emu${offset}`);
  return next.href;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
