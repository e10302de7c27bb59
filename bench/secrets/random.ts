/** A seeded, fast PRNG and the random strings the corpus is made of. Deterministic: same seed, same corpus. */

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const BASE64 = `${ALNUM}+/`;
export const HEX = '0123456789abcdef';
export const UPPER_B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface Random {
  /** [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Integer in [lo, hi]. */
  between(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** `length` characters drawn from `alphabet` (at most 256 characters). */
  string(length: number, alphabet: string): string;
}

/** sfc32 seeded through splitmix32 from a string. */
export function createRandom(seed: string): Random {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const split = (): number => {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  const next = (): number => u32() / 4294967296;
  const int = (n: number): number => Math.floor(next() * n);
  const scratch = Buffer.alloc(64 * 1024);
  return {
    next,
    int,
    between: (lo, hi) => lo + int(hi - lo + 1),
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p) => next() < p,
    string(length, alphabet) {
      const buf = length <= scratch.length ? scratch : Buffer.alloc(length);
      const n = alphabet.length;
      for (let i = 0; i < length; i += 4) {
        let r = u32();
        for (let j = 0; j < 4 && i + j < length; j++) {
          buf[i + j] = alphabet.charCodeAt((r & 0xff) % n);
          r >>>= 8;
        }
      }
      return buf.toString('latin1', 0, length);
    },
  };
}

export function uuid(r: Random): string {
  const h = r.string(32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${HEX[8 + r.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
}
