/**
 * Fake keys planted in the corpus: right format, random values, never real. Each planted key is
 * recorded by place (file, lines) and kind only; the value itself is never printed.
 */
import { crc32 } from 'node:zlib';
import { ALNUM, BASE64, UPPER_B32 } from './random.ts';
import type { Random } from './random.ts';

export type PlantKind = 'aws-access-key-id' | 'aws-secret-access-key' | 'github-pat' | 'gcp-api-key' | 'slack-bot-token' | 'private-key' | 'generic-password';

export const PLANT_KINDS: readonly PlantKind[] = [
  'aws-access-key-id',
  'aws-secret-access-key',
  'github-pat',
  'gcp-api-key',
  'slack-bot-token',
  'private-key',
  'generic-password',
];

export interface Planted {
  kind: PlantKind;
  /** Corpus-relative path, forward slashes. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}

/** What to insert: lines of text, and which of them (0-based offsets) hold which key. */
export interface Plant {
  lines: string[];
  keys: { kind: PlantKind; first: number; last: number }[];
}

export type Syntax = 'code' | 'python' | 'go' | 'json' | 'yaml' | 'env' | 'ini' | 'hcl' | 'markdown';

/** `name = "value"` in the file's own syntax. */
function assign(syntax: Syntax, name: string, value: string): string {
  switch (syntax) {
    case 'code':
      return `const ${camel(name)} = "${value}";`;
    case 'python':
      return `${name.toUpperCase()} = "${value}"`;
    case 'go':
      return `\t${camel(name)} := "${value}"`;
    case 'json':
      return `  "${camel(name)}": "${value}",`;
    case 'yaml':
      return `  ${name}: "${value}"`;
    case 'env':
      return `${name.toUpperCase()}=${value}`;
    case 'ini':
      return `${name} = ${value}`;
    case 'hcl':
      return `  ${name} = "${value}"`;
    case 'markdown':
      return `    ${name}: ${value}`;
  }
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** GitHub's token checksum: CRC32 of the random part, base62, six digits. */
export function githubToken(r: Random): string {
  const body = r.string(30, ALNUM);
  let crc = crc32(body);
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let check = '';
  while (crc > 0) {
    check = digits[crc % 62]! + check;
    crc = Math.floor(crc / 62);
  }
  return `ghp_${body}${check.padStart(6, '0')}`;
}

/** A DER-looking PEM body: `MII…` like a real RSA key's, random after the header. */
function pemBody(r: Random): string[] {
  const header = Buffer.from([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]);
  const rest = Buffer.from(r.string(1180, BASE64), 'latin1');
  const b64 = Buffer.concat([header, rest]).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return lines;
}

/** One planted key (or an AWS id + secret pair, or a PEM block) in `syntax`. */
export function makePlant(r: Random, kind: PlantKind, syntax: Syntax): Plant {
  switch (kind) {
    case 'aws-access-key-id':
    case 'aws-secret-access-key': {
      const id = `${r.pick(['AKIA', 'ASIA'])}${r.string(16, UPPER_B32)}`;
      const secret = r.string(40, BASE64);
      return {
        lines: [assign(syntax, 'aws_access_key_id', id), assign(syntax, 'aws_secret_access_key', secret)],
        keys: [
          { kind: 'aws-access-key-id', first: 0, last: 0 },
          { kind: 'aws-secret-access-key', first: 1, last: 1 },
        ],
      };
    }
    case 'github-pat':
      return single(assign(syntax, 'github_token', githubToken(r)), kind);
    case 'gcp-api-key':
      return single(assign(syntax, 'google_api_key', `AIza${r.string(35, `${ALNUM}-_`)}`), kind);
    case 'slack-bot-token':
      return single(assign(syntax, 'slack_bot_token', `xoxb-${r.string(12, '0123456789')}-${r.string(13, '0123456789')}-${r.string(24, ALNUM)}`), kind);
    case 'generic-password':
      return single(assign(syntax, 'db_password', r.string(24, `${ALNUM}!#%^*_-`)), kind);
    case 'private-key': {
      const type = r.pick(['RSA PRIVATE KEY', 'PRIVATE KEY']);
      const body = pemBody(r);
      const lines = [`-----BEGIN ${type}-----`, ...body, `-----END ${type}-----`];
      return { lines, keys: [{ kind, first: 0, last: lines.length - 1 }] };
    }
  }
}

function single(line: string, kind: PlantKind): Plant {
  return { lines: [line], keys: [{ kind, first: 0, last: 0 }] };
}
