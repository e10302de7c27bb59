/**
 * Normalization before fingerprinting: the same secret written in different places (escaped in a
 * JSON string, percent-encoded in a URL, a PEM block with real or `\n`-escaped newlines, indented in
 * YAML) gives the same string, so it gives the same fingerprint.
 */
import { percentDecodeAscii } from './encoding.ts';

const ESCAPE = /\\+([nrt"'/])/g;
const PEM_HEADER = /^-----BEGIN ([A-Z0-9 ]{1,40})-----/;

/** Undoes string-literal escapes, single or doubled (`\n`, `\\n`, `\"`, `\/`). */
export function unescapeLiteral(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(ESCAPE, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c));
}

/** True when the value is a PEM-armoured block (possibly escaped). */
export function isPem(s: string): boolean {
  return s.startsWith('-----BEGIN ');
}

/**
 * The base64 body of a PEM block: escapes undone, armour headers (`Proc-Type:`, `Version:`) and
 * string concatenation (`" +\n "`) dropped, whitespace removed.
 */
export function pemBody(pem: string): string {
  const text = unescapeLiteral(pem).replace(/["'`][ \t]*\+[ \t]*[\r\n]?[ \t]*["'`]/g, '');
  const start = text.indexOf('-----', 11);
  const end = text.lastIndexOf('-----END ');
  if (start < 0) return '';
  const inner = text.slice(start + 5, end > start ? end : text.length);
  let body = '';
  for (const line of inner.split(/\r?\n|\r/)) {
    if (line.includes(':')) continue;
    body += line.replace(/[^A-Za-z0-9+/=]/g, '');
  }
  return body;
}

/** `-----BEGIN X-----` of a PEM block, or undefined. */
export function pemHeader(pem: string): string | undefined {
  return PEM_HEADER.exec(pem)?.[0];
}

/** The canonical form that is fingerprinted. */
export function normalizeSecret(secret: string): string {
  if (isPem(secret)) {
    const header = pemHeader(secret) ?? '';
    return `${header}\n${pemBody(secret)}`;
  }
  return percentDecodeAscii(unescapeLiteral(secret.trim()));
}
