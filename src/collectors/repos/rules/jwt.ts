/**
 * Generic JSON Web Tokens. Decisions: the header must decode to a JSON object with a string `alg`;
 * unsigned tokens (`alg: none`) are not reported, since they prove nothing and anyone can mint
 * them; a signature of at least 16 characters is required. Expiry is not checked: the verdict is
 * the same for an expired token (the signing key's holder may mint more) and time-dependent
 * results would make scans non-reproducible. Kubernetes service-account tokens have their own rule,
 * which takes precedence on the same span.
 */
import { decodeJsonSegment } from '../engine/encoding.ts';
import type { SecretRule } from '../types.ts';
import { fakeJwt } from './fake.ts';
import { JWT } from './shared.ts';

/** Header and payload of a JWT, when both decode to JSON objects. */
export function jwtClaims(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const [h, p] = token.split('.');
  const header = h === undefined ? undefined : decodeJsonSegment(h);
  const payload = p === undefined ? undefined : decodeJsonSegment(p);
  return header && payload ? { header, payload } : undefined;
}

export function isSignedJwt(token: string): boolean {
  const alg = jwtClaims(token)?.header['alg'];
  return typeof alg === 'string' && alg.toLowerCase() !== 'none';
}

const app = (seed: string, alg = 'HS256'): string =>
  fakeJwt({ alg, typ: 'JWT' }, { sub: 'fake-user-0000', iss: 'https://auth.sprawl.invalid', iat: 1700000000 }, `jwt-${seed}`, alg === 'HS256' ? 32 : 256);

export const JWT_RULES: readonly SecretRule[] = [
  {
    id: 'jwt',
    family: 'jwt',
    title: 'JSON Web Token',
    description:
      'A signed JSON Web Token. It is a bearer credential for whatever service accepts it until it ' +
      'expires; long-lived API tokens are often JWTs. Revoke or rotate it at the issuer (or rotate the ' +
      'signing key if the issuer cannot revoke single tokens) and load it from a secret store instead.',
    severity: 'medium',
    keywords: ['eyj'],
    pattern: new RegExp(JWT, 'g'),
    window: { before: 0, after: 10_300 },
    validate: (s) => isSignedJwt(s),
    samples: {
      match: [
        `Authorization: Bearer ${app('1')}`,
        `API_TOKEN=${app('2', 'RS256')}`,
        `{"access_token": "${app('3')}", "token_type": "Bearer"}`,
        `const token = '${app('4', 'ES256')}';`,
      ],
      noMatch: [
        'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
        `token=${fakeJwt({ alg: 'none' }, { sub: 'fake-user-0000', admin: true }, 'jwt-5')}`,
        'token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"',
        `token=eyJub3Rqc29uIGF0IGFsbA.${app('6').split('.').slice(1).join('.')}`,
      ],
    },
  },
];
