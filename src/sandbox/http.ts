/**
 * The emulator harness: an HTTP(S) server on 127.0.0.1 on a free port, started and stopped from
 * tests, `sprawl demo` and `sprawl sandbox`. Plain http where the SDK accepts it (AWS); https with a
 * self-signed certificate for 127.0.0.1 and localhost where the SDK refuses http (Azure's bearer
 * token policy does): clients trust it through the `ca` PEM handed out with the endpoint.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { serveWireFault, takeWireFault } from './faults.ts';
import type { WireBody, WireFault } from './faults.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface EmulatorServer {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** With tls: the certificate (PEM) to trust, e.g. as `tlsOptions.ca` or NODE_EXTRA_CA_CERTS. */
  ca?: string;
  stop(): Promise<void>;
}

export interface EmulatorServerOptions {
  tls?: boolean;
  /** Default 0: a free port. */
  port?: number;
  /**
   * Wire faults (faults.ts) served before the handler runs: the rules (read on every request, so
   * a handle's `faults.wire` can be replaced at any time), matched on `[label ]METHOD /path?query`, and
   * what the garbage of a malformed or truncated body looks like.
   */
  wire?: { rules: () => readonly WireFault[] | undefined; body: WireBody; label?: string };
}

export interface Certificate {
  cert: string;
  key: string;
}

let certificate: Promise<Certificate> | undefined;

/** A self-signed certificate for 127.0.0.1, ::1 and localhost, made once per process (EC P-256: fast). */
export function sandboxCertificate(): Promise<Certificate> {
  certificate ??= generate([{ name: 'commonName', value: 'sprawl sandbox' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  }).then((pems) => ({ cert: pems.cert, key: pems.private }));
  return certificate;
}

/** The whole request body, as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serves `handler` on 127.0.0.1; a handler that throws answers 500 instead of crashing the server. */
export async function startEmulatorServer(handler: Handler, opts: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const wire = opts.wire;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const fault = wire ? takeWireFault(wire.rules(), `${wire.label !== undefined ? `${wire.label} ` : ''}${req.method ?? 'GET'} ${req.url ?? '/'}`) : undefined;
    const served = fault && wire ? serveWireFault(fault, req, res, wire.body, () => handler(req, res)) : handler(req, res);
    served.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`emulator error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  const tls = opts.tls ? await sandboxCertificate() : undefined;
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    ...(tls ? { ca: tls.cert } : {}),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
