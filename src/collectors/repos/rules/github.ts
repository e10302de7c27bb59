/** GitHub: prefixed tokens (checksum-validated), fine-grained PATs, old 40-hex tokens near a GitHub name. */
import { crc32 } from 'node:zlib';
import type { SecretRule } from '../types.ts';
import { base62, fakeChars, fakeHex, githubStyleToken } from './fake.ts';
import { ASSIGN } from './shared.ts';

/**
 * GitHub's token checksum: the last 6 characters are the base62 CRC32 of the 30 random characters
 * after the prefix (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/).
 */
export function githubChecksumOk(token: string): boolean {
  const body = token.slice(token.indexOf('_') + 1);
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

interface Prefixed {
  id: string;
  prefix: string;
  title: string;
  what: string;
  severity: SecretRule['severity'];
  pat?: boolean;
}

function prefixedRule(p: Prefixed): SecretRule {
  const token = (seed: string): string => githubStyleToken(p.prefix, `${p.id}-${seed}`);
  const good = token('a');
  const badChecksum = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
  return {
    id: p.id,
    family: 'github',
    title: p.title,
    description:
      `${p.what} Anyone holding it acts with its scopes until it expires or is revoked. Revoke it ` +
      '(Settings > Developer settings, or the credentials revocation API for tokens you do not own), ' +
      'check the audit log for its use, and replace it with a short-lived, least-privilege token.',
    severity: p.severity,
    keywords: [`${p.prefix}_`],
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9_])(?<secret>${p.prefix}_[A-Za-z0-9]{36})(?![A-Za-z0-9_])`, 'g'),
    validate: (s) => githubChecksumOk(s),
    ...(p.pat ? { credentialKind: 'github-pat' as const } : {}),
    samples: {
      match: [
        `GITHUB_TOKEN=${good}`,
        `git clone https://x-access-token:${token('b')}@github.com/acme/api.git`,
        `headers: { Authorization: "token ${token('c')}" }`,
        `{"token": "${token('d')}"}`,
        `  github-token: '${token('e')}'`,
      ],
      noMatch: [
        `GITHUB_TOKEN=${badChecksum}`,
        `GITHUB_TOKEN=${p.prefix}_16C7e42F292c6912E7710c838347Ae178B4a`,
        `GITHUB_TOKEN=${p.prefix}_${'x'.repeat(36)}`,
        `token: ${good}0`,
        `GITHUB_TOKEN=${p.prefix}_\${TOKEN}`,
      ],
    },
  };
}

const classicPat = prefixedRule({
  id: 'github-personal-access-token', prefix: 'ghp', severity: 'critical', pat: true,
  title: 'GitHub personal access token (classic)', what: 'A classic GitHub personal access token (ghp_).',
});
const oauthToken = prefixedRule({
  id: 'github-oauth-token', prefix: 'gho', severity: 'high',
  title: 'GitHub OAuth access token', what: 'A GitHub OAuth app user access token (gho_).',
});
const userToServer = prefixedRule({
  id: 'github-app-user-token', prefix: 'ghu', severity: 'high',
  title: 'GitHub App user-to-server token', what: 'A GitHub App user access token (ghu_).',
});
const installation = prefixedRule({
  id: 'github-app-installation-token', prefix: 'ghs', severity: 'high',
  title: 'GitHub App installation token', what: 'A GitHub App installation (server-to-server) token (ghs_), also GITHUB_TOKEN in Actions.',
});

// Refresh tokens are longer (76 characters after the prefix); their checksum layout is not
// documented, so they are checked by length and entropy only.
const refreshToken: SecretRule = {
  id: 'github-refresh-token',
  family: 'github',
  title: 'GitHub refresh token',
  description:
    'A GitHub App refresh token (ghr_). It mints new user access tokens for up to six months. Revoke the ' +
    'app authorization for the user, rotate the app\'s client secret if it leaked too, and remove it.',
  severity: 'high',
  keywords: ['ghr_'],
  pattern: /(?<![A-Za-z0-9_])(?<secret>ghr_(?:[A-Za-z0-9]{76}|[A-Za-z0-9]{36}))(?![A-Za-z0-9_])/g,
  minEntropy: 4,
  validate: (s) => s.length !== 40 || githubChecksumOk(s),
  samples: {
    match: [
      `GITHUB_REFRESH_TOKEN=ghr_FAKE${fakeChars('ghr1', 72)}`,
      `{"refresh_token": "ghr_FAKE${fakeChars('ghr2', 72)}", "expires_in": 28800}`,
      `refresh_token: ${githubStyleToken('ghr', 'ghr3')}`,
    ],
    noMatch: [
      'refresh_token: ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498',
      `refresh_token: ghr_FAKE${fakeChars('ghr4', 60)}`,
      `refresh_token: ghr_${'0'.repeat(76)}`,
    ],
  },
};

const fakeFineGrained = (seed: string): string =>
  `github_pat_11FAKE${fakeChars(`${seed}a`, 16)}_FAKE${fakeChars(`${seed}b`, 55)}`;

const fineGrained: SecretRule = {
  id: 'github-fine-grained-pat',
  family: 'github',
  title: 'GitHub fine-grained personal access token',
  description:
    'A fine-grained GitHub personal access token (github_pat_). It acts as its owner on the selected ' +
    'repositories with the granted permissions. Revoke it under Settings > Developer settings > ' +
    'Fine-grained tokens (organization owners can revoke it too), check the audit log, and replace it.',
  severity: 'critical',
  keywords: ['github_pat_'],
  pattern: /(?<![A-Za-z0-9_])(?<secret>github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})(?![A-Za-z0-9_])/g,
  minEntropy: 4,
  credentialKind: 'github-pat',
  samples: {
    match: [
      `GH_TOKEN=${fakeFineGrained('f1')}`,
      `echo ${fakeFineGrained('f2')} | gh auth login --with-token`,
      `{"github": {"token": "${fakeFineGrained('f3')}"}}`,
    ],
    noMatch: [
      `GH_TOKEN=github_pat_${'X'.repeat(22)}_${'X'.repeat(59)}`,
      `GH_TOKEN=${fakeFineGrained('f4').slice(0, 60)}`,
      'GH_TOKEN=github_pat_<your-token>',
    ],
  },
};

const legacyToken: SecretRule = {
  id: 'github-legacy-token',
  family: 'github',
  title: 'GitHub token (old 40-hex format)',
  description:
    'A 40-character hex value assigned to a GitHub token name: the format of personal and OAuth tokens ' +
    'before prefixed tokens (2021). Revoke it under Settings > Developer settings and replace it with a ' +
    'fine-grained token.',
  severity: 'high',
  keywords: ['github', 'gh_', 'gh-', 'ghtoken', 'ghpat', 'ghapi', 'ghoauth'],
  pattern: new RegExp(
    String.raw`(?<![a-z])(?:github[_.-]?|gh[_-]?)(?:api[_.-]?)?(?:token|pat|access[_.-]?token|oauth[_.-]?token|auth[_.-]?token)${ASSIGN}(?<secret>[0-9a-f]{40})(?![0-9A-Za-z])`,
    'gi',
  ),
  minEntropy: 3.2,
  credentialKind: 'github-pat',
  samples: {
    match: [
      `GITHUB_TOKEN=${fakeHex('gl1', 40)}`,
      `github_token: "${fakeHex('gl2', 40)}"`,
      `{"githubApiToken": "${fakeHex('gl3', 40)}"}`,
      `export GH_TOKEN='${fakeHex('gl4', 40)}'`,
    ],
    noMatch: [
      `commit = "${fakeHex('gl5', 40)}"`,
      'GITHUB_TOKEN=0123456789abcdef0123456789abcdef01234567',
      `GITHUB_TOKEN=${fakeHex('gl6', 39)}`,
      'github_token: ${{ secrets.GITHUB_TOKEN }}',
    ],
  },
};

export const GITHUB_RULES: readonly SecretRule[] = [
  classicPat, fineGrained, oauthToken, userToServer, installation, refreshToken, legacyToken,
];
