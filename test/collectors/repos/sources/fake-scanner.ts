/**
 * A tiny scanner with the engine's interface, for testing sources, the pool and the scan filters
 * apart from the engine: finds `AKIA[A-Z2-7]{16}`; `sprawl:allow` on the line allows it; content
 * containing `BOOM!` makes it throw. Loaded by worker threads too, so it is its own module.
 */
import { createHash } from 'node:crypto';
import type { SecretHit } from '../../../../src/collectors/repos/types.ts';

const KEY = /AKIA[A-Z2-7]{16}/g;

export function createScanner(opts: { fingerprintKey?: string; disabledRules?: string[] } = {}): { scan(text: string): SecretHit[]; scanBuffer(buf: Buffer): SecretHit[] } {
  const disabled = (opts.disabledRules ?? []).includes('aws-access-key-id');
  const scan = (text: string): SecretHit[] => {
    if (text.includes('BOOM!')) throw new Error('fake scanner exploded');
    if (disabled) return [];
    const hits: SecretHit[] = [];
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(KEY)) {
        const secret = m[0];
        hits.push({
          ruleId: 'aws-access-key-id',
          severity: 'high',
          line: i + 1,
          column: m.index + 1,
          endLine: i + 1,
          endColumn: m.index + 1 + secret.length,
          fingerprint: createHash('sha256').update(`${opts.fingerprintKey ?? ''}\0${secret}`).digest('hex'),
          preview: `${secret.slice(0, 4)}…${secret.slice(-4)}`,
          publicId: secret,
          allowed: line.includes('sprawl:allow'),
        });
      }
    });
    return hits;
  };
  return { scan, scanBuffer: (buf) => scan(buf.toString('utf8')) };
}
