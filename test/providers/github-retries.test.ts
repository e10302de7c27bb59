/**
 * sprawl's GitHub retries (src/providers/github/retries.ts): which answers are rate limits and how
 * long they ask to wait, and the plugin driven through a real Octokit against a local server that
 * answers a scripted sequence: what is retried, how often, what is given up, and the spacing of
 * writes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubRetries, rateLimitWait } from '../../src/providers/github/retries.ts';
import type { LimitKind, RetryOptions } from '../../src/providers/github/retries.ts';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const err = (status: number, message: string, headers: Record<string, string> = {}): unknown => ({ status, message, response: { headers } });

const WAITS: { name: string; err: unknown; wait: { kind: LimitKind; seconds: number } | undefined }[] = [
  { name: 'primary: 403 with the budget spent waits until a second past the reset', err: err(403, 'API rate limit exceeded for installation ID 1.', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }), wait: { kind: 'rate-limit', seconds: 31 } },
  { name: 'primary: 429 with the budget spent', err: err(429, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 5) }), wait: { kind: 'rate-limit', seconds: 6 } },
  { name: 'primary: a reset already past waits a second', err: err(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 100) }), wait: { kind: 'rate-limit', seconds: 0 } },
  { name: 'secondary: retry-after', err: err(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', { 'retry-after': '7' }), wait: { kind: 'secondary-rate-limit', seconds: 7 } },
  { name: 'secondary without retry-after: 60 s', err: err(403, 'You have exceeded a secondary rate limit.'), wait: { kind: 'secondary-rate-limit', seconds: 60 } },
  { name: 'secondary wins over a spent budget', err: err(403, 'You have exceeded a secondary rate limit.', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 500), 'retry-after': '3' }), wait: { kind: 'secondary-rate-limit', seconds: 3 } },
  { name: 'a bare 429: retry-after', err: err(429, 'Too Many Requests', { 'retry-after': '2' }), wait: { kind: 'secondary-rate-limit', seconds: 2 } },
  { name: 'not: a 403 forbidden with budget left', err: err(403, 'Resource not accessible by integration', { 'x-ratelimit-remaining': '4000' }), wait: undefined },
  { name: 'not: a 404', err: err(404, 'Not Found', { 'x-ratelimit-remaining': '0' }), wait: undefined },
  { name: 'not: a 500', err: err(500, 'fetch failed'), wait: undefined },
  { name: 'not: an error without a status', err: new Error('boom'), wait: undefined },
];

describe('rateLimitWait', () => {
  it.each(WAITS)('$name', ({ err: e, wait }) => {
    expect(rateLimitWait(e, NOW)).toEqual(wait);
  });
});

/** Answers of the scripted server: status, extra headers, body. */
type Answer = [number, Record<string, string>?, unknown?];

describe('githubRetries through Octokit', () => {
  let script: Answer[] = [];
  const seen: { method: string; at: number }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', at: performance.now() });
    const [status, headers = {}, body = status < 300 ? [] : { message: 'x' }] = script.shift() ?? [200];
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });
  let baseUrl = '';
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const client = (o: Partial<RetryOptions> = {}, decisions: { kind: LimitKind; seconds: number; count: number }[] = []): InstanceType<typeof Octokit> => {
    const Retrying = Octokit.plugin(githubRetries);
    const options: RetryOptions = { retries: 2, baseMs: 1, writeGapMs: 0, onLimit: (kind, seconds, _r, count) => (decisions.push({ kind, seconds, count }), count < 2), ...o };
    return new Retrying({ baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} }, sprawlRetries: options });
  };
  const secondary: Answer = [403, { 'retry-after': '1' }, { message: 'You have exceeded a secondary rate limit.' }];

  const CASES: { name: string; script: Answer[]; ok: boolean; requests: number; limits?: number }[] = [
    { name: 'a 200 is one request', script: [[200]], ok: true, requests: 1 },
    { name: 'two 502s then a 200', script: [[502], [502], [200]], ok: true, requests: 3 },
    { name: 'three 5xx: given up after two retries', script: [[500], [503], [502], [200]], ok: false, requests: 3 },
    { name: 'a 404 is not retried', script: [[404], [200]], ok: false, requests: 1 },
    { name: 'a 403 forbidden is not retried', script: [[403, {}, { message: 'Resource not accessible by integration' }], [200]], ok: false, requests: 1 },
    { name: 'a secondary rate limit then a 200', script: [secondary, [200]], ok: true, requests: 2, limits: 1 },
    { name: 'rate limits past onLimit: given up', script: [secondary, secondary, secondary, [200]], ok: false, requests: 3, limits: 3 },
    { name: 'rate limits and 5xx counted apart', script: [secondary, [502], secondary, [502], [200]], ok: true, requests: 5, limits: 2 },
  ];
  it.each(CASES)('$name', async (c) => {
    script = [...c.script];
    seen.length = 0;
    const decisions: { kind: LimitKind; seconds: number; count: number }[] = [];
    const call = client({}, decisions).request('GET /orgs/{org}/repos', { org: 'acme' });
    if (c.ok) await expect(call).resolves.toMatchObject({ status: 200 });
    else await expect(call).rejects.toMatchObject({ status: expect.any(Number) as number });
    expect(seen).toHaveLength(c.requests);
    expect(decisions).toHaveLength(c.limits ?? 0);
    expect(decisions.map((d) => d.count)).toEqual(decisions.map((_, i) => i));
  });

  it('waits what the limit asks, in base units', async () => {
    script = [[429, { 'retry-after': '3' }], [200]];
    seen.length = 0;
    await client({ baseMs: 20 }).request('GET /orgs/{org}/repos', { org: 'acme' });
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(55);
  });

  it('spaces the starts of writes, not of reads', async () => {
    script = [];
    seen.length = 0;
    const octokit = client({ writeGapMs: 300 });
    await Promise.all([1, 2, 3].map((n) => octokit.request('DELETE /repos/{owner}/{repo}/keys/{key_id}', { owner: 'a', repo: 'b', key_id: n })));
    const gaps = (at: number[]): number[] => at.slice(1).map((t, i) => t - (at[i] ?? 0));
    for (const gap of gaps(seen.map((s) => s.at))) expect(gap).toBeGreaterThanOrEqual(290);
    seen.length = 0;
    await Promise.all([1, 2, 3].map(() => octokit.request('GET /orgs/{org}/repos', { org: 'acme' })));
    for (const gap of gaps(seen.map((s) => s.at))) expect(gap).toBeLessThan(290);
  });

  it('an aborted signal stops a wait and is not retried', async () => {
    script = [[429, { 'retry-after': '60' }], [200]];
    seen.length = 0;
    const abort = new AbortController();
    const call = client({ baseMs: 1000, signal: abort.signal }).request('GET /orgs/{org}/repos', { org: 'acme' });
    setTimeout(() => abort.abort(), 20);
    await expect(call).rejects.toMatchObject({ status: 429 });
    expect(seen).toHaveLength(1);
  });
});
