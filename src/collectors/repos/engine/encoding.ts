/** Small decoding helpers shared by the engine and the rules' validators. Never throw. */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Standard base64 to bytes, or undefined when the text is not base64. */
export function decodeBase64(s: string): Buffer | undefined {
  if (!BASE64.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64');
}

/** base64url (no padding) to bytes, or undefined when the text is not base64url. */
export function decodeBase64Url(s: string): Buffer | undefined {
  if (!BASE64URL.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

/** A base64url segment holding a JSON object, parsed; undefined otherwise. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(segment);
  if (!bytes || bytes.length < 2) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes `%XX` escapes of ASCII characters; leaves anything else as it is. */
export function percentDecodeAscii(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-7][0-9A-Fa-f])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
