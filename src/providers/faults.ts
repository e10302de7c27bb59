/**
 * What went wrong with a call to an outside API, in words a user acts on: every collector puts
 * this label in front of the provider's own error when a source fails ("timed out after 10 s:
 * ...", "paging loop: page token repeated: ...", "credentials expired or revoked: ..."). The
 * label comes from the error's status, code, name and message, and from its causes; no secret is
 * ever part of an error this reads.
 */

export type FaultLabel =
  | 'credentials expired or revoked'
  | 'throttled'
  | 'timed out'
  | 'connection reset'
  | 'truncated response'
  | 'malformed response'
  | 'paging loop: page token repeated'
  | 'paging bound reached'
  | 'server error';

export interface FaultFacts {
  status?: number;
  code?: string;
  message: string;
}

/** Every name, code and message along the error and its causes, for matching. */
function chain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur !== undefined && cur !== null; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      // Without the response headers some clients quote in their messages (`Keep-Alive: timeout=5`).
      parts.push(cur.name, typeof code === 'string' ? code : '', cur.message.replace(/\bHeaders:[\s\S]*$/, ''));
      cur = (cur as { cause?: unknown }).cause;
    } else {
      if (typeof cur === 'string') parts.push(cur);
      break;
    }
  }
  return parts.join(' ');
}

const EXPIRED_CODES = /\b(ExpiredToken|ExpiredTokenException|InvalidAuthenticationToken|ExpiredAuthenticationToken)\b/;

/** The fault `err` is an instance of, or undefined when it is none of the known ones. */
export function faultLabel(err: unknown, facts: FaultFacts): FaultLabel | undefined {
  const text = `${facts.code ?? ''} ${facts.message} ${chain(err)}`;
  const status = facts.status;
  if (/paging loop|same (Marker|page token|next link|continue token|page)\b.*twice|repeated (page token|next link|continue token|Marker)/i.test(text)) return 'paging loop: page token repeated';
  if (/page bound|more than \d+ pages/i.test(text)) return 'paging bound reached';
  if (status === 401 || EXPIRED_CODES.test(text) || /token (is|has) expired|token.*expired|Bad credentials/i.test(text)) return 'credentials expired or revoked';
  if (status === 429 || /\b(Throttling|ThrottlingException|TooManyRequests|RequestLimitExceeded|RESOURCE_EXHAUSTED)\b|rate limit/i.test(text)) return 'throttled';
  // A body cut short: the answer had begun (a 2xx status) when the connection went, or the client
  // says it could not read the body to its end.
  const ok = status !== undefined && status >= 200 && status < 300;
  // (undici's fetch says `terminated` when the body stream breaks after the headers came).
  if ((ok && /\baborted\b|ECONNRESET|socket hang up|premature/i.test(text)) || /truncated|\bterminated\b|Invalid response body|Error reading response|premature close|ERR_STREAM_PREMATURE_CLOSE|unexpected end|Unexpected end of (JSON|data|input)|content-length/i.test(text)) return 'truncated response';
  // Before the timeouts: smithy names a reset socket TimeoutError (ECONNRESET is among its timeout codes).
  if (/ECONNRESET|socket hang up|connection reset|EPIPE/i.test(text)) return 'connection reset';
  // A per-attempt timeout: the clients abort the attempt (AbortSignal.timeout and the like); an
  // interrupted scan is told apart by the collectors before they ask for a label.
  if (/\b(TimeoutError|ETIMEDOUT|ESOCKETTIMEDOUT|RequestTimeout|AbortError)\b|timed? ?out|timeout|operation was aborted/i.test(text)) return 'timed out';
  if (/parse error|SyntaxError|Unexpected token|not valid JSON|invalid json|malformed|unexpected content|Deserializ|PARSE_ERROR/i.test(text)) return 'malformed response';
  if (status !== undefined && status >= 500) return 'server error';
  // A 403 keeps the provider's own words (AccessDenied, PERMISSION_DENIED, Forbidden) unlabelled.
  return undefined;
}

/**
 * The reason a source failed: the fault's label (with the client timeout for a timeout, when the
 * caller knows it) before the provider's own words; those alone when the fault is none known.
 */
export function faultReason(err: unknown, facts: FaultFacts, detail: string, opts: { timeoutMs?: number } = {}): string {
  const label = faultLabel(err, facts);
  if (label === undefined) return detail;
  const head = label === 'timed out' && opts.timeoutMs !== undefined ? `timed out after ${formatSeconds(opts.timeoutMs)}` : label;
  return detail.toLowerCase().startsWith(head.toLowerCase()) ? detail : `${head}: ${detail}`;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? String(s) : s.toFixed(1)} s`;
}
