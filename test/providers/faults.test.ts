/**
 * The label a failed source's reason leads with (src/providers/faults.ts), from errors shaped as
 * each client throws them, and the page guard every pager keeps (src/providers/paging.ts).
 */
import { describe, expect, it } from 'vitest';
import { faultLabel, faultReason, type FaultFacts, type FaultLabel } from '../../src/providers/faults.ts';
import { PagingError, pageGuard } from '../../src/providers/paging.ts';

const named = (name: string, message: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { name }, extra);

const LABELS: { name: string; err: unknown; facts: FaultFacts; label: FaultLabel | undefined }[] = [
  { name: 'AWS Throttling', err: named('Throttling', 'Rate exceeded'), facts: { status: 400, code: 'Throttling', message: 'Rate exceeded' }, label: 'throttled' },
  { name: 'GCP 429', err: new Error('Quota exceeded'), facts: { status: 429, code: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded' }, label: 'throttled' },
  { name: 'GitHub secondary rate limit (403)', err: new Error('x'), facts: { status: 403, message: 'You have exceeded a secondary rate limit' }, label: 'throttled' },
  { name: 'smithy names a reset socket TimeoutError', err: named('TimeoutError', 'read ECONNRESET', { code: 'ECONNRESET' }), facts: { code: 'TimeoutError', message: 'read ECONNRESET' }, label: 'connection reset' },
  { name: 'smithy requestTimeout', err: named('TimeoutError', 'a request has exceeded the configured 1000 ms requestTimeout.', { code: 'ETIMEDOUT' }), facts: { code: 'TimeoutError', message: 'a request has exceeded the configured 1000 ms requestTimeout.' }, label: 'timed out' },
  { name: 'octokit: aborted at the timeout', err: new Error('x'), facts: { status: 500, message: 'The operation was aborted due to timeout' }, label: 'timed out' },
  { name: 'gaxios: aborted at the timeout', err: named('AbortError', 'The operation was aborted.'), facts: { code: 'AbortError', message: 'The operation was aborted.' }, label: 'timed out' },
  { name: 'a 2xx whose body broke off (AWS)', err: new Error('aborted'), facts: { status: 200, code: 'Error', message: 'aborted' }, label: 'truncated response' },
  { name: "undici's terminated", err: new TypeError('terminated', { cause: named('SocketError', 'other side closed', { code: 'UND_ERR_SOCKET' }) }), facts: { code: 'UND_ERR_SOCKET', message: 'terminated: other side closed' }, label: 'truncated response' },
  { name: 'gaxios: invalid response body', err: new Error('x'), facts: { code: 'ECONNRESET', message: 'Invalid response body while trying to fetch http://127.0.0.1/v1/x: aborted' }, label: 'truncated response' },
  { name: 'AWS XML parse error', err: new Error('x'), facts: { status: 200, code: 'Error', message: '@aws-sdk XML parse error: unexpected content.' }, label: 'malformed response' },
  { name: 'JSON.parse', err: new SyntaxError('Expected double-quoted property name in JSON at position 41'), facts: { code: 'Error', message: 'Expected double-quoted property name in JSON at position 41' }, label: 'malformed response' },
  { name: '401', err: new Error('x'), facts: { status: 401, message: 'Unauthorized' }, label: 'credentials expired or revoked' },
  { name: 'AWS ExpiredToken (403)', err: new Error('x'), facts: { status: 403, code: 'ExpiredToken', message: 'The security token included in the request is expired' }, label: 'credentials expired or revoked' },
  { name: 'GitHub Bad credentials', err: new Error('x'), facts: { status: 401, message: 'Bad credentials' }, label: 'credentials expired or revoked' },
  { name: '503', err: new Error('x'), facts: { status: 503, code: 'UNAVAILABLE', message: 'The service is currently unavailable.' }, label: 'server error' },
  { name: 'a repeated page token', err: new PagingError('paging loop: page token repeated (Marker, after 2 pages)'), facts: { message: 'paging loop: page token repeated (Marker, after 2 pages)' }, label: 'paging loop: page token repeated' },
  { name: 'the page bound', err: new PagingError('paging bound reached: more than 3 pages (next link)'), facts: { message: 'paging bound reached: more than 3 pages (next link)' }, label: 'paging bound reached' },
  // Left to the provider's own words.
  { name: 'AWS AccessDenied', err: new Error('x'), facts: { status: 403, code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole' }, label: undefined },
  { name: 'a 403 whose message quotes `Keep-Alive: timeout=5`', err: new Error('HTTP-Code: 403\nMessage: Forbidden\nHeaders: {"keep-alive":"timeout=5"}'), facts: { status: 403, code: 'Forbidden', message: 'secrets is forbidden' }, label: undefined },
  { name: '404', err: new Error('x'), facts: { status: 404, code: 'NOT_FOUND', message: 'not found' }, label: undefined },
];

describe('faultLabel', () => {
  it.each(LABELS)('$name -> $label', ({ err, facts, label }) => {
    expect(faultLabel(err, facts)).toBe(label);
  });
});

describe('faultReason', () => {
  it.each([
    { name: 'a timeout with the client timeout', facts: { message: 'The operation was aborted.' }, detail: 'AbortError: The operation was aborted.', timeoutMs: 1000, reason: 'timed out after 1 s: AbortError: The operation was aborted.' },
    { name: 'a timeout of 2.5 s', facts: { message: 'timed out' }, detail: 'Timeout: request timed out after 2500 ms', timeoutMs: 2500, reason: 'timed out after 2.5 s: Timeout: request timed out after 2500 ms' },
    { name: 'a label the detail already starts with', facts: { message: 'paging loop: page token repeated (x)' }, detail: 'paging loop: page token repeated (x)', reason: 'paging loop: page token repeated (x)' },
    { name: 'no label', facts: { status: 404, message: 'not found' }, detail: 'NOT_FOUND (HTTP 404): not found', reason: 'NOT_FOUND (HTTP 404): not found' },
  ])('$name', ({ facts, detail, timeoutMs, reason }) => {
    expect(faultReason(new Error(facts.message), facts, detail, timeoutMs !== undefined ? { timeoutMs } : {})).toBe(reason);
  });
});

describe('pageGuard', () => {
  it.each([
    { name: 'a list to its end', tokens: ['a', 'b', 'c', undefined], max: 10, error: undefined },
    { name: 'a token that comes back', tokens: ['a', 'b', 'a'], max: 10, error: /^paging loop: page token repeated \(t, after 3 pages\)$/ },
    { name: 'the same token twice in a row', tokens: ['a', 'a'], max: 10, error: /^paging loop: page token repeated/ },
    { name: 'fresh tokens past the bound', tokens: ['a', 'b', 'c', 'd'], max: 3, error: /^paging bound reached: more than 3 pages \(t\)$/ },
    { name: 'a last page at the bound', tokens: ['a', 'b', undefined], max: 3, error: undefined },
  ])('$name', ({ tokens, max, error }) => {
    const walk = (): number => {
      const guard = pageGuard('t', max);
      for (const t of tokens) guard.next(t);
      return guard.pages;
    };
    if (error === undefined) {
      expect(walk()).toBe(tokens.length);
    } else {
      expect(walk).toThrow(PagingError);
      expect(walk).toThrow(error);
    }
  });

  it('never puts the token in its message', () => {
    const guard = pageGuard('Marker');
    guard.next('c2VjcmV0LWlzaC10b2tlbg');
    let message = '';
    try {
      guard.next('c2VjcmV0LWlzaC10b2tlbg');
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    expect(message).toMatch(/^paging loop/);
    expect(message).not.toContain('c2VjcmV0');
  });
});
