export { createScanner, resolveOverlaps, LINE_REACH, ScanCutOff, SLICE, SLICE_OVERLAP } from './scanner.ts';
export type { Scanner, ScannerOptions, ScanLimit } from './scanner.ts';
export { shannonEntropy } from './entropy.ts';
export { redact, visibleBudget, MAX_VISIBLE } from './redact.ts';
export { fingerprint, DEFAULT_FINGERPRINT_KEY } from './fingerprint.ts';
export { normalizeSecret, unescapeLiteral, pemBody, pemHeader, isPem } from './normalize.ts';
export { isPlaceholder, KNOWN_EXAMPLES } from './placeholders.ts';
export { ALLOW_MARKER, lineAllows } from './allow.ts';
export { decodeBase64, decodeBase64Url, decodeJsonSegment, percentDecodeAscii } from './encoding.ts';
