import { createHmac } from 'node:crypto';
import { normalizeSecret } from './normalize.ts';

/** Domain-separation key used when no SPRAWL_FINGERPRINT_KEY is configured. */
export const DEFAULT_FINGERPRINT_KEY = 'sprawl-fingerprint-v1';

/** HMAC-SHA256 (hex) of the normalized secret under the key. */
export function fingerprint(secret: string, key: string = DEFAULT_FINGERPRINT_KEY): string {
  return createHmac('sha256', key).update(normalizeSecret(secret), 'utf8').digest('hex');
}
