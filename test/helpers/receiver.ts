import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records each request, answers with the queued statuses (then 200), or never with 'hang'. */
export interface Receiver {
  url: (path?: string) => string;
  received: Received[];
  /** Answers for the next requests, in order. */
  answer: (...statuses: (number | 'hang')[]) => void;
  reset: () => void;
  close: () => Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let queue: (number | 'hang')[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      const next = queue.shift() ?? 200;
      if (next === 'hang') return;
      res.writeHead(next, { 'content-type': 'text/plain' }).end(next === 200 ? 'ok' : 'error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    answer: (...statuses) => {
      queue = statuses;
    },
    reset: () => {
      received.length = 0;
      queue = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
