/**
 * Redacted previews. Never more than 8 visible characters and never more than a third of the
 * secret; private keys show their armour header only, JWTs `eyJ…` and their algorithm.
 */
import { decodeJsonSegment } from './encoding.ts';
import { isPem, pemHeader } from './normalize.ts';

const ELLIPSIS = '…';
export const MAX_VISIBLE = 8;

/** How many characters of a secret of this length a preview may show. */
export function visibleBudget(length: number): number {
  return Math.min(MAX_VISIBLE, Math.floor(length / 3));
}

export function redact(secret: string): string {
  if (isPem(secret)) return `${pemHeader(secret) ?? '-----BEGIN'}${ELLIPSIS}`;
  if (secret.startsWith('eyJ')) {
    const dot = secret.indexOf('.');
    if (dot > 0 && secret.indexOf('.', dot + 1) > dot) {
      const alg = decodeJsonSegment(secret.slice(0, dot))?.['alg'];
      const shown = typeof alg === 'string' && /^[A-Za-z0-9+_-]{1,16}$/.test(alg) ? alg : '?';
      return `eyJ${ELLIPSIS}(alg ${shown})`;
    }
  }
  const v = visibleBudget(secret.length);
  const suffix = Math.floor(v / 2.5);
  const prefix = v - suffix;
  const shown = `${secret.slice(0, prefix)}${ELLIPSIS}${suffix > 0 ? secret.slice(secret.length - suffix) : ''}`;
  // eslint-disable-next-line no-control-regex
  return shown.replace(/[\u0000-\u001f\u007f]/g, '?');
}
