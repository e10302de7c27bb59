/**
 * Wire-level faults every emulator can inject, whatever API it speaks: a connection reset, a
 * truncated body, a malformed body, a hang (or a slow answer), a bare 5xx. A rule is selected per
 * request (`match`: a case-insensitive substring of the request's target, `METHOD /path?query`,
 * or the AWS `Action=...`), counts down with `times`, and is reachable from each emulator's handle
 * as `faults.wire`. Also the helpers the emulators share for the semantic faults that need
 * the same bookkeeping everywhere: expiring credentials after N calls and repeating page tokens.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type WireFaultKind =
  /** The socket is reset (TCP RST) once the request is read: no status line comes back. */
  | 'reset'
  /** 200 with a `content-length` larger than the part sent, then the connection is closed. */
  | 'truncate'
  /** 200 with garbage where JSON (or XML) is expected. */
  | 'malformed'
  /** No answer for `delayMs` (then the normal answer), or never (the server's stop ends it). */
  | 'hang'
  /** A bare status code (500, 502, 503, ...) with a short body. */
  | 'status';

export interface WireFault {
  kind: WireFaultKind;
  /** Case-insensitive substring of `METHOD /path?query` (AWS: `Action=ListUsers`); every request when absent. */
  match?: string;
  /** Requests it still fires on (decremented on each); use Infinity for "every one". */
  times: number;
  /** `hang`: answer normally after this many milliseconds; absent: never answer. */
  delayMs?: number;
  /** `status`: the code (default 500). */
  status?: number;
  /** `hang`: requests it held that the client has since closed (gave up on, not only stopped waiting for). */
  closed?: number;
}

export type WireBody = 'json' | 'xml';

/** The first rule matching `target` with `times` left, decremented; undefined when none fires. */
export function takeWireFault(rules: readonly WireFault[] | undefined, target: string): WireFault | undefined {
  if (!rules) return undefined;
  const t = target.toLowerCase();
  for (const rule of rules) {
    if (rule.times <= 0) continue;
    if (rule.match !== undefined && !t.includes(rule.match.toLowerCase())) continue;
    rule.times--;
    return rule;
  }
  return undefined;
}

const GARBAGE: Record<WireBody, string> = {
  json: '{"items": [{"name": "sandbox-malformed", ]] <html>upstream proxy error</html>',
  xml: 'upstream proxy error: <<<not xml>>> }{',
};

const PARTIAL: Record<WireBody, string> = {
  json: '{"items": [{"name": "sandbox-trunc',
  xml: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Result><Items><member><Name>sandbox-trunc',
};

const CONTENT_TYPE: Record<WireBody, string> = { json: 'application/json; charset=utf-8', xml: 'text/xml' };

/**
 * Serves `fault` on `res` instead of the emulator's answer; `next` is the emulator's own
 * handler, which a delayed `hang` calls once its delay has passed.
 */
export async function serveWireFault(fault: WireFault, req: IncomingMessage, res: ServerResponse, body: WireBody, next: () => Promise<void>): Promise<void> {
  switch (fault.kind) {
    case 'reset':
      req.resume();
      try {
        req.socket.resetAndDestroy();
      } catch {
        // A TLS socket has no TCP handle of its own to reset: its connection is closed with no
        // answer instead, which the client sees the same way (ECONNRESET, socket hang up).
        req.socket.destroy();
      }
      return;
    case 'truncate': {
      req.resume();
      const part = PARTIAL[body];
      res.writeHead(200, { 'content-type': CONTENT_TYPE[body], 'content-length': Buffer.byteLength(part) + 4096 });
      res.write(part, () => setTimeout(() => req.socket.destroy(), 5).unref());
      return;
    }
    case 'malformed': {
      req.resume();
      const text = GARBAGE[body];
      res.writeHead(200, { 'content-type': CONTENT_TYPE[body], 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    case 'status': {
      req.resume();
      const status = fault.status ?? 500;
      const text = body === 'json' ? JSON.stringify({ error: { code: status, message: 'sandbox: injected server error' }, message: 'sandbox: injected server error' }) : `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>sandbox: injected server error</Message></Error></ErrorResponse>`;
      res.writeHead(status, { 'content-type': CONTENT_TYPE[body], 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    case 'hang': {
      if (fault.delayMs === undefined) {
        // Never answers: the request is left open until the client gives up or the server stops.
        req.resume();
        res.once('close', () => {
          fault.closed = (fault.closed ?? 0) + 1;
        });
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, fault.delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed || req.socket.destroyed) return;
      await next();
      return;
    }
  }
}

/**
 * Credentials that expire mid-scan: the first `afterCalls` requests are served, every later one
 * is answered as the provider answers an expired token.
 */
export interface ExpiringCredentials {
  afterCalls: number;
}

/** Whether this request comes after the credentials expired (counts the request when not). */
export function credentialsExpired(rule: ExpiringCredentials | undefined): boolean {
  if (!rule) return false;
  if (rule.afterCalls > 0) {
    rule.afterCalls--;
    return false;
  }
  return true;
}

/**
 * A paging loop: list answers of matching requests carry a next-page token (or link) that
 * repeats, forever: the first page's token comes back on every page after it.
 */
export interface PageLoop {
  /** Case-insensitive substring of the request target (AWS: the Action); every list when absent. */
  match?: string;
}

/** The token a paging loop hands out, and accepts as "the first page again". */
export const LOOP_TOKEN = 'sandbox-loop-token';

export function loops(rule: PageLoop | undefined, target: string): boolean {
  return rule !== undefined && (rule.match === undefined || target.toLowerCase().includes(rule.match.toLowerCase()));
}
