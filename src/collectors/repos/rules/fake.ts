/**
 * Deterministic, obviously fake credentials for the rules' samples. Built at load time (so no
 * checksum-valid token is ever committed as a literal) and marked FAKE wherever the format allows.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** n pseudo-random characters of the alphabet, from the seed. */
export function fakeChars(seed: string, n: number, alphabet: string = BASE62): string {
  let out = '';
  for (let i = 0; out.length < n; i++) {
    for (const byte of createHash('sha256').update(`${seed}:${i}`).digest()) {
      if (out.length < n) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export const fakeBase64 = (seed: string, n: number): string => fakeChars(seed, n, B64);
export const fakeHex = (seed: string, n: number): string => fakeChars(seed, n, '0123456789abcdef');

/** Fake bytes from the seed. */
export function fakeBytes(seed: string, n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < n; i++) parts.push(createHash('sha256').update(`${seed}#${i}`).digest());
  return Buffer.concat(parts).subarray(0, n);
}

export function base62(n: number, width: number): string {
  let s = '';
  let v = n >>> 0;
  while (v > 0) {
    s = BASE62[v % 62]! + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0');
}

/** GitHub-style token: prefix_ + 30 random + base62(crc32(random)) (6). */
export function githubStyleToken(prefix: string, seed: string): string {
  const random = `FAKE${fakeChars(seed, 26)}`;
  return `${prefix}_${random}${base62(crc32(random), 6)}`;
}

/** A fake PEM body (base64 lines of 64) that starts like real DER so it looks structurally right. */
export function fakePemBody(seed: string, chars: number): string[] {
  const body = `MIIEFAKE${fakeBase64(seed, chars - 8)}`;
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  return lines;
}

/** A whole fake PEM block, lines joined with `eol` (real newline or an escape such as `\\n`). */
export function fakePem(label: string, seed: string, eol = '\n', chars = 1200): string {
  return [`-----BEGIN ${label}-----`, ...fakePemBody(seed, chars), `-----END ${label}-----`].join(eol);
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A fake signed JWT with this header and payload. */
export function fakeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, seed: string, sigBytes = 256): string {
  return `${b64url(header)}.${b64url(payload)}.${fakeBytes(seed, sigBytes).toString('base64url')}`;
}
