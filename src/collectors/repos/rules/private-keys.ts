/** PEM and PGP private key blocks, with real newlines or escaped inside JSON/YAML/code strings. */
import { unescapeLiteral, pemBody } from '../engine/normalize.ts';
import type { SecretRule } from '../types.ts';
import { fakePem, fakePemBody } from './fake.ts';

const KIND = String.raw`(?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP|SSH2 ENCRYPTED|ANY) )?`;

/**
 * The body between the armour lines may hold only base64, whitespace, armour headers
 * (`Proc-Type:`, `DEK-Info:`, `Version:`, `Comment:`), string quoting and concatenation; and it must
 * carry a real amount of base64.
 */
export function plausiblePemBody(block: string): boolean {
  const text = unescapeLiteral(block).replace(/["'`][ \t]*\+?[ \t]*\r?\n?[ \t]*\+?[ \t]*["'`]/g, '\n');
  const start = text.indexOf('-----', 11);
  const end = text.lastIndexOf('-----END ');
  if (start < 0 || end <= start) return false;
  const inner = text
    .slice(start + 5, end)
    .split(/\r?\n|\r/)
    .filter((line) => !/^[ \t"'`]*[A-Za-z-]{2,40}:[ \t]/.test(line))
    .join('\n');
  if (!/^[A-Za-z0-9+/=\s"'`,\\]*$/.test(inner)) return false;
  return pemBody(block).length >= 64;
}

const rsa = (seed: string, eol = '\n'): string => fakePem('RSA PRIVATE KEY', seed, eol);

export const PRIVATE_KEY_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    family: 'private-key',
    title: 'Private key',
    description:
      'A PEM- or PGP-armoured private key (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted PKCS#8). Whatever ' +
      'trusts the matching public key (servers\' authorized_keys, deploy keys, TLS clients, signing ' +
      'verification) trusts whoever holds it. Remove the public key everywhere it is trusted, generate ' +
      'a new key pair, and purge the file from history. Encrypted keys are still reported: their ' +
      'passphrase is often nearby or weak.',
    severity: 'critical',
    keywords: ['private key'],
    pattern: new RegExp(
      String.raw`(?<secret>-----BEGIN ${KIND}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,20000}?-----END ${KIND}PRIVATE KEY(?: BLOCK)?-----)`,
      'g',
    ),
    window: { before: 0, after: 21_000 },
    validate: (s) => plausiblePemBody(s),
    samples: {
      match: [
        `${rsa('pk1')}\n`,
        `{"key": "${rsa('pk2', '\\n')}\\n"}`,
        `tls:\n  key: |\n    ${fakePem('EC PRIVATE KEY', 'pk3', '\n    ', 300)}\n`,
        `SSH_KEY="${fakePem('OPENSSH PRIVATE KEY', 'pk4', '\\\\n', 600)}"`,
        fakePem('PGP PRIVATE KEY BLOCK', 'pk5', '\n', 900).replace('-----\n', '-----\nVersion: FakePG 0.0\n\n'),
        fakePem('RSA PRIVATE KEY', 'pk6').replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,FAKE0000FAKE0000FAKE0000FAKE0000\n\n'),
        `const key = "-----BEGIN PRIVATE KEY-----\\n" +\n${fakePemBody('pk7', 600).map((l) => `  "${l}\\n" +`).join('\n')}\n  "-----END PRIVATE KEY-----";`,
      ],
      noMatch: [
        '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----',
        fakePem('PUBLIC KEY', 'pk8'),
        "if (pem.startsWith('-----BEGIN PRIVATE KEY-----')) return parse(pem);",
        '-----BEGIN PRIVATE KEY-----\n<your private key here, the whole block, pasted from the console>\n-----END PRIVATE KEY-----',
        fakePem('CERTIFICATE', 'pk9'),
      ],
    },
  },
];
