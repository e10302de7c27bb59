/** Counts of ASCII characters, reused by every call (reset after use). */
const ascii = new Uint32Array(128);

/** Shannon entropy of a string in bits per character (0 for the empty string). */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) ascii[c]! += 1;
    else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  // in character order, as the sum has always been taken (the same floating-point result)
  for (let c = 0; c < 128; c++) {
    const count = ascii[c]!;
    if (count === 0) continue;
    ascii[c] = 0;
    const p = count / n;
    h -= p * Math.log2(p);
  }
  if (other) {
    for (const count of other.values()) {
      const p = count / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}
