import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatorServer, type EmulatorServer } from '../../src/sandbox/http.ts';

function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('emulator harness', () => {
  let tls: EmulatorServer;
  beforeAll(async () => {
    tls = await startEmulatorServer(async (req, res) => {
      if (req.url === '/boom') throw new Error('handler bug');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(await Promise.resolve(JSON.stringify({ path: req.url })));
    }, { tls: true });
  });
  afterAll(() => tls.stop());

  it('serves https on 127.0.0.1 with a certificate the client trusts through `ca`', async () => {
    expect(tls.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(tls.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await get(`${tls.endpoint}/x`, tls.ca)).toEqual({ status: 200, body: '{"path":"/x"}' });
    expect(await get(`https://localhost:${tls.port}/y`, tls.ca)).toEqual({ status: 200, body: '{"path":"/y"}' });
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(get(`${tls.endpoint}/x`)).rejects.toThrow(/self[- ]signed/i);
  });

  it('answers 500 when a handler throws, and keeps serving', async () => {
    const r = await get(`${tls.endpoint}/boom`, tls.ca);
    expect(r.status).toBe(500);
    expect(r.body).toContain('handler bug');
    expect((await get(`${tls.endpoint}/ok`, tls.ca)).status).toBe(200);
  });

  it('serves plain http by default, on a free port each time', async () => {
    const answer = (text: string) => (_req: unknown, res: { end(s: string): void }) => Promise.resolve(void res.end(text));
    const a = await startEmulatorServer(answer('a'));
    const b = await startEmulatorServer(answer('b'));
    try {
      expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.port).not.toBe(b.port);
      expect(a.ca).toBeUndefined();
      expect(await (await fetch(a.endpoint)).text()).toBe('a');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
