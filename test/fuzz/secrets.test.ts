/**
 * Property-based fuzzing of the secret detectors (src/collectors/repos/engine): the scanner never
 * throws on arbitrary strings or bytes, and its hits are well-formed; a fake key that is found on a
 * line of its own is found anywhere in random text (at its line and column); every rule's match
 * samples, embedded in random text, are found, and no hit's redacted preview (nor, for rules whose
 * public id is not the value itself, anything in the hit) contains the raw secret. fast-check prints
 * the seed and the shrunk counterexample of a failure; re-run with that seed to reproduce it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScanner, redact } from '../../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../../src/collectors/repos/rules/index.ts';
import type { SecretHit } from '../../src/collectors/repos/types.ts';

const RUNS = 200;
const scanner = createScanner();

function checkHits(text: string, hits: SecretHit[]): void {
  const lines = text.split('\n').length;
  for (const h of hits) {
    expect(h.line).toBeGreaterThanOrEqual(1);
    expect(h.endLine).toBeGreaterThanOrEqual(h.line);
    expect(h.endLine).toBeLessThanOrEqual(lines);
    expect(h.column).toBeGreaterThanOrEqual(1);
    expect(h.fingerprint).toMatch(/^[0-9a-f]{16,}$/);
    expect(h.preview.length).toBeLessThanOrEqual(64);
  }
}

/** Text around a secret: anything, from code-like to binary-ish. */
const noise = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019 =:"\'\n\t{}[]();,/+-_.<>#$`\\'.split('')), maxLength: 200 }),
  fc.array(fc.constantFrom('password = ', 'token: ', 'AKIA', 'eyJ', '-----BEGIN ', 'ghp_', 'xoxb-', 'sprawl:', '://u:', '@', '\r\n', ' '), { maxLength: 12 }).map((xs) => xs.join('')),
);
/** What may stand right before and after a key without making it part of a longer token. */
const SEPARATORS = [' ', '\n', '\t', '"', "'", '=', ':', ',', ';', '(', ')', '[', ']', '<', '>', '\r\n'];
const sep = fc.constantFrom(...SEPARATORS);
const keyId = fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.split('')), { minLength: 16, maxLength: 16 }).map((cs) => `AKIA${cs.join('')}`);

const lineCol = (text: string, pos: number): { line: number; column: number } => {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - (before.lastIndexOf('\n') + 1) + 1 };
};

describe('secret detectors under fuzzing', () => {
  it('arbitrary strings: no throw, well-formed hits', () => {
    fc.assert(
      fc.property(fc.oneof(noise, fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 400 })), (text) => {
        checkHits(text, scanner.scan(text));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('arbitrary bytes: no throw, and a buffer gives the hits of its UTF-8 text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 500 }), noise.map((s) => Buffer.from(s))), (bytes) => {
        const buf = Buffer.from(bytes);
        const hits = scanner.scanBuffer(buf);
        checkHits(buf.toString('utf8'), hits);
        expect(hits.map((h) => h.fingerprint)).toEqual(scanner.scan(buf.toString('utf8')).map((h) => h.fingerprint));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a key found on a line of its own is found anywhere in random text, at its place', () => {
    let found = 0;
    fc.assert(
      fc.property(keyId, noise, sep, sep, noise, (key, before, open, close, after) => {
        const alone = scanner.scan(`aws_access_key_id = ${key}\n`);
        fc.pre(alone.some((h) => h.publicId === key)); // not a placeholder-like value (AKIAAAAA...)
        found++;
        // the noise must not run into the key (`/`, `+` and letters would make it a longer token)
        const b = before.replace(/[A-Za-z0-9/+]$/, '');
        const a = after.replace(/^[A-Za-z0-9/+]/, '');
        const text = `${b}${open}${key}${close}${a}`;
        const at = lineCol(text, b.length + open.length);
        const hits = scanner.scan(text);
        const hit = hits.find((h) => h.publicId === key);
        expect(hit, JSON.stringify(text)).toBeDefined();
        expect({ line: hit?.line, column: hit?.column }).toEqual(at);
        expect(hit?.preview).not.toContain(key);
        checkHits(text, hits);
      }),
      { numRuns: RUNS },
    );
    expect(found).toBeGreaterThan(RUNS / 2);
  });

  /** Each rule's match samples with their secrets (the rule's own pattern names it). */
  const SAMPLES = SECRET_RULES.flatMap((rule) =>
    rule.samples.match.map((sample) => {
      const re = new RegExp(rule.pattern.source, rule.pattern.flags.replace(/[gy]/g, ''));
      const secret = re.exec(sample)?.groups?.['secret'] ?? '';
      return { rule, sample, secret };
    }),
  ).filter((s) => s.secret.length >= 8);

  it('every rule\'s samples have a secret to look for', () => {
    expect(new Set(SAMPLES.map((s) => s.rule.id)).size).toBe(SECRET_RULES.length);
  });

  it('samples embedded in random text: found, and the preview never holds the raw secret', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), noise, noise, ({ rule, sample, secret }, before, after) => {
        const text = `${before}\n${sample}\n${after}`;
        const hits = scanner.scan(text);
        checkHits(text, hits);
        // the sample is found (by its rule or a more specific one over the same span)
        const lineOf = before.split('\n').length + 1;
        expect(hits.some((h) => h.line >= lineOf && h.line < lineOf + sample.split('\n').length)).toBe(true);
        for (const h of hits) {
          expect(h.preview).not.toContain(secret);
          if (rule.publicId === undefined) expect(JSON.stringify(h)).not.toContain(secret);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('redact never returns the value, nor more than a third of it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 3, maxLength: 300 }), fc.string({ unit: 'binary', minLength: 3, maxLength: 100 })), (secret) => {
        const p = redact(secret);
        expect(p).not.toBe(secret);
        if (secret.length >= 6) expect(p.includes(secret)).toBe(false);
        const visible = p.replace('…', '').length;
        if (!secret.startsWith('-----BEGIN') && !secret.startsWith('eyJ')) expect(visible).toBeLessThanOrEqual(Math.floor(secret.length / 3));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
