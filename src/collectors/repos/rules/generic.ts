/**
 * Generic secrets: a high-entropy value assigned to a secret-looking name in any common syntax
 * (code, JSON, YAML, .env/shell, INI, Terraform, XML attributes), and passwords in URLs. The point
 * is a low false-positive rate, so the name is checked word by word (`passwordHash`, `tokenizer`,
 * `secret_name` are not secrets), and the value must look random: entropy floor, not a word or
 * identifier, not code, not a path, URL, reference, hash or placeholder. Specific rules win when
 * they match the same span.
 */
import type { SecretRule } from '../types.ts';
import { fakeBase64, fakeChars } from './fake.ts';
import { charClasses, entropyAtLeast, isAllHex } from './shared.ts';

/** Words that make a name secret-bearing (after splitting on separators and camelCase). */
const SECRET_WORDS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'secrets', 'token', 'apikey',
  'credential', 'credentials', 'cred', 'creds', 'auth', 'authorization', 'authtoken', 'accesskey',
  'privatekey', 'secretkey', 'clientsecret', 'accesstoken', 'refreshtoken', 'authkey', 'passkey',
]);
const PAIRS = new Set(['apikey', 'accesskey', 'privatekey', 'secretkey', 'authkey', 'authtoken', 'clientsecret']);
/** Words anywhere in the name that mean the value is not a secret. */
const DENY_WORDS = new Set([
  'hash', 'hashed', 'salt', 'digest', 'sha', 'sha1', 'sha256', 'sha512', 'md5', 'bcrypt', 'public', 'pub',
  'csrf', 'xsrf', 'authenticity', 'policy', 'prompt', 'label', 'placeholder', 'field', 'regex', 'pattern',
  'format', 'length', 'len', 'min', 'max', 'count', 'expiry', 'expires', 'expiration', 'ttl', 'type',
  'url', 'uri', 'endpoint', 'path', 'file', 'filename', 'dir', 'name', 'id', 'ids', 'enabled', 'required',
  'mode', 'version', 'method', 'header', 'param', 'kind', 'class', 'rotation', 'reset', 'hint', 'confirm',
  'validation', 'validator', 'input', 'changed', 'strength', 'encoding', 'ref', 'arn', 'provider', 'store',
  'manager', 'service', 'timeout', 'limit', 'size', 'index', 'position', 'request', 'response', 'prefix',
  'tokenizer', 'env', 'var', 'variable', 'location', 'source', 'template', 'example', 'sample', 'test',
  'fake', 'dummy', 'mock', 'next', 'page', 'cursor', 'continuation',
]);

/** Splits an identifier into lower-case words: `DB_PASSWORD` → db,password; `apiKey` → api,key. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** Whether an identifier names a secret (and not metadata about one). */
export function nameLooksSecret(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0 || words.some((w) => DENY_WORDS.has(w))) return false;
  for (let i = 0; i < words.length; i++) {
    if (SECRET_WORDS.has(words[i]!)) return true;
    if (i + 1 < words.length && PAIRS.has(words[i]! + words[i + 1]!)) return true;
  }
  return false;
}

const REFERENCE = /^(?:arn|vault|env|ssm|secretsmanager|sm|ref|file|secret|secrets|op|kms|awskms|gcpkms|azurekeyvault|keyvault|projects|sha\d*|md5|bcrypt|base64|data|http|https):/i;
const PASSWORD_HASH = /^\$(?:2[abxy]?|argon2(?:id|i|d)?|pbkdf2[-_a-z0-9]*|[156]|scrypt|y|gy|7)\$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILE_EXT = /\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|json|ya?ml|txt|env|properties|conf|cfg|ini|xml|toml|sh|js|ts|py|rb|go|java)$/i;
const IDENTIFIER_SEGMENT = /^(?:[A-Za-z][a-z]*)+\d{0,4}$|^\d+$/;

/** Whether a value assigned to a secret name looks like a real random secret. */
export function valueLooksSecret(value: string, name: string): boolean {
  if (!entropyAtLeast(value, 3.5) || charClasses(value) < 2) return false;
  if (/^[A-Za-z]+$/.test(value) && value.length < 24) return false;
  const segments = value.split(/[_.\-/:]/);
  if (segments.every((s) => s === '' || IDENTIFIER_SEGMENT.test(s))) return false;
  if ((value.match(/[0-9]/g)?.length ?? 0) >= value.length * 0.8) return false;
  if (/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(value) || value.includes('://')) return false;
  if (value.includes('/') && value.split('/').every((s) => /^[a-z0-9_.-]*$/.test(s))) return false;
  if (REFERENCE.test(value) || PASSWORD_HASH.test(value) || UUID.test(value) || FILE_EXT.test(value)) return false;
  if (/^[A-Za-z_][A-Za-z0-9_]*\[/.test(value) || /^[A-Z][A-Z0-9_]*$/.test(value)) return false;
  const lowerName = name.toLowerCase();
  if (isAllHex(value) && [32, 40, 64, 128].includes(value.length) && /pass|pwd/.test(lowerName)) return false;
  return true;
}

const NAME = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|auth|cred(?:ential)?s?)`;
const VALUE = String.raw`[^\s"'\x60\\<>;,(){}\[\]]{12,256}`;

const fake = (seed: string): string => `Fk${fakeChars(seed, 8)}9/${fakeChars(`${seed}x`, 10)}+Q`;

const assignment: SecretRule = {
  id: 'generic-secret',
  family: 'generic',
  title: 'Generic secret assignment',
  description:
    'A random-looking value assigned to a secret-named setting (password, secret, token, api_key, ' +
    'private_key, client_secret, credentials…) in code or configuration. Rotate the credential at ' +
    'its issuer, move the value to a secret manager or CI secret, and reference it from the ' +
    'environment instead. If it is not a secret, rename the setting or add `sprawl:allow generic-secret`.',
  severity: 'medium',
  keywords: [
    'pass', 'pwd', 'secret', 'token', 'api_key', 'api-key', 'api.key', 'apikey', 'access_key', 'access-key',
    'access.key', 'accesskey', 'private_key', 'private-key', 'private.key', 'privatekey', 'auth', 'cred',
  ],
  pattern: new RegExp(
    // the name's tail is taken whole (an atomic group: lookahead + backreference): giving back name
    // characters can never make the assignment match, and trying cost a lookbehind per character
    String.raw`${NAME}(?=(?<tail>[A-Za-z0-9_.-]{0,32}))\k<tail>(?<=(?<name>[A-Za-z0-9_.-]{1,64}))(?:\\?["'\x60])?[ \t]{0,4}(?:=>|:=|=|:)[ \t]{0,4}` +
      String.raw`(?<q>\\?["'\x60]|)(?:(?:bearer|basic|token)[ \t]+)?(?<secret>${VALUE})\k<q>(?:(?<=["'\x60])|(?=[\s,;)}\]>"'\x60]|$))`,
    'gi',
  ),
  minEntropy: 3,
  validate: (s, g) => nameLooksSecret(g['name'] ?? '') && valueLooksSecret(s, g['name'] ?? ''),
  samples: {
    match: [
      `db_password = "${fake('g1')}"`,
      `DB_PASSWORD=${fake('g2')}`,
      `export API_TOKEN='${fake('g3')}'`,
      `{"clientSecret": "${fake('g4')}", "clientId": "app"}`,
      `spring:\n  datasource:\n    password: ${fake('g5')}\n`,
      `[database]\npasswd = ${fake('g6')}\n`,
      `resource "x" "y" {\n  api_key = "${fake('g7')}"\n}`,
      `<add key="ServiceApiKey" value="x" /><connection password="${fake('g8')}" />`,
      `$config = ['auth_token' => '${fake('g9')}'];`,
      `curl -H "Authorization: Bearer ${fakeBase64('g10', 40)}" https://api.internal/v1`,
      `{\\"password\\": \\"${fake('g11')}\\"}`,
    ],
    noMatch: [
      'password = os.environ["DB_PASSWORD"]',
      'password: ${DB_PASSWORD}',
      'const token = await getToken(user);',
      'password_hash = "$2b$12$KIXQJFAKEp9m3tZ8y5nQ.eK2vLwE1rUu3hFAKE0Yg6oN5mP1qRzWe"',
      'secret_name: prod/db/master-credentials',
      'tokenizer = "bert-base-uncased-v2"',
      'password = "changeme"',
      'api_key = "your_api_key_here"',
      'token: xxxxxxxxxxxxxxxxxxxx',
      'password = "MySuperSecretPassword"',
      'auth_url = "https://login.example.com/oauth2/v2.0/token"',
      'secret_key = "1234567890abcdef"',
      'password: "{{ vault_db_password }}"',
      'passwordFile: /etc/secrets/db-password.txt',
      'token_id = "123e4567-e89b-12d3-a456-426614174000"',
      `public_token = "${fake('g12')}"`,
      'password = getPasswordFromVault(config.vault.path);',
      'author: JohnSmith1984',
    ],
  },
};

const urlCredentials: SecretRule = {
  id: 'generic-url-credentials',
  family: 'generic',
  title: 'Password in a URL',
  description:
    'A URL with an embedded password (scheme://user:password@host), typically a database, broker or ' +
    'registry connection string. Change the password on the server, and build the URL at runtime ' +
    'from a secret store or environment variable.',
  severity: 'medium',
  keywords: ['://'],
  pattern: /(?<=[A-Za-z0-9])(?<scheme>:\/\/)(?<user>[^\s:/@?#'"\x60<>]{0,64}):(?<secret>[^\s:/@?#'"\x60<>]{6,128})@(?<host>[A-Za-z0-9.-]{1,253})/g,
  minEntropy: 2.5,
  validate: (s, g) => {
    const host = (g['host'] ?? '').toLowerCase();
    if (/(?:^|\.)example\.(?:com|org|net)$|\.(?:example|test|invalid)$|^example$/.test(host)) return false;
    if (s === g['user'] || /^[a-z]+$/.test(s) || /^\d+$/.test(s)) return false;
    return !/^(?:password|passw0rd|p@ssw0rd|secret|postgres|mysql|root|admin|guest|redis|rabbitmq|mongo|default|pass(?:word)?\d{0,4}|admin\d{0,4})$/i.test(s);
  },
  samples: {
    match: [
      'DATABASE_URL=postgres://app:Vq8fkL2pZr@db.internal:5432/app',
      `spring.datasource.url: "mysql://svc_user:${fakeChars('u2', 14)}@10.0.3.7:3306/orders"`,
      `amqp_url = 'amqps://worker:${fakeChars('u3', 18)}@rabbit.prod.internal/vhost'`,
      `{"redis": "redis://:${fakeChars('u4', 24)}@cache.internal:6379/0"}`,
    ],
    noMatch: [
      'DATABASE_URL=postgres://postgres:postgres@localhost:5432/app',
      'url = "https://user:password@example.com/path"',
      'DATABASE_URL=postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app',
      'see https://github.com/acme/api#readme or git@github.com:acme/api.git',
      'mongodb://admin:<password>@cluster0.mongodb.net/test',
      'amqp://guest:guest@rabbit:5672/',
    ],
  },
};

export const GENERIC_RULES: readonly SecretRule[] = [assignment, urlCredentials];
