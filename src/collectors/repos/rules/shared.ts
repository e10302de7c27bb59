/** Pattern fragments and checks the rule files share. */
import { shannonEntropy } from '../engine/entropy.ts';

/** An optional quote, possibly backslash-escaped (`"`, `'`, `` ` ``, `\"`). */
export const QUOTE = String.raw`(?:\\?["'\x60])?`;

/** Between a name and its value: `=`, `:`, `=>`, `:=`, with quotes and a little space around. */
export const ASSIGN = String.raw`${QUOTE}[ \t]{0,4}(?:=>|:=|=|:)[ \t]{0,4}${QUOTE}`;

/** ASSIGN, or plain spacing as on a command line (`aws configure set aws_secret_access_key VALUE`). */
export const ASSIGN_OR_SPACE = String.raw`(?:${ASSIGN}|[ \t]{1,4}${QUOTE})`;

/** Count of character classes present: lower, upper, digit, other. */
export function charClasses(s: string): number {
  return (
    Number(/[a-z]/.test(s)) + Number(/[A-Z]/.test(s)) + Number(/[0-9]/.test(s)) + Number(/[^A-Za-z0-9]/.test(s))
  );
}

/** Entropy floor that scales with length (short strings cannot reach high per-char entropy). */
export function entropyAtLeast(s: string, floor: number): boolean {
  return shannonEntropy(s) >= Math.min(floor, Math.log2(s.length) * 0.85);
}

export const isAllHex = (s: string): boolean => /^[0-9a-fA-F]+$/.test(s);

/** A compact JWS: base64url header (a JSON object, so `eyJ`), payload and a signature of 16+ chars. */
export const JWT = String.raw`(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{8,1024}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,1024})(?![A-Za-z0-9_-])`;
