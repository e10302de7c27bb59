/**
 * The secret sweep (issue 11, "Secrets"): every raw secret of the sandbox estate, in the forms a
 * leak would take, searched for in everything a run of sprawl leaves behind. A hit names the
 * secret by its record id and the place it was found, never the value.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { Estate } from '../../src/sandbox/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { SA_TOKEN_TYPE } from '../../src/sandbox/kubernetes/index.ts';
import { sandboxRepoSteps } from '../../src/sandbox/repos.ts';
import { ISLAND, readIsland } from '../reports/island.ts';

/** One raw secret: `id` says what it is and where it lives; `value` never leaves this module's callers' memory. */
export interface Secret {
  id: string;
  value: string;
}

/** Something sprawl wrote or printed: a file, a stream, a table's column, a decoded data island. */
export interface Haystack {
  where: string;
  data: string | Buffer;
}

export interface Hit {
  secret: string;
  form: string;
  where: string;
}

/** Shorter needles than this would match by chance; every secret and every derived form must be at least this long. */
export const MIN_NEEDLE = 12;

// ---------------------------------------------------------------------------------------------
// The forms a leaked secret takes

/**
 * The part of base64(prefix + value + suffix) that depends on `value` alone, for a prefix of
 * `shift` bytes: whatever surrounds the secret (a JSON document, a header), its base64 holds this.
 */
function base64Core(value: Buffer, shift: number, alphabet: 'base64' | 'base64url'): string {
  const text = Buffer.concat([Buffer.alloc(shift), value]).toString(alphabet).replace(/=+$/, '');
  const start = shift === 0 ? 0 : 4; // the first group mixes the prefix's bytes with the secret's
  const whole = Math.floor((shift + value.length) / 3) * 4; // groups made of whole bytes only
  return text.slice(start, whole);
}

/** As Handlebars escapes text in a template. */
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };

const PEM = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/g;

/** The secret as written, and as a log line, a JSON string, a URL, base64 (any alignment) or a PEM body would carry it. */
export function secretForms(value: string): { form: string; needle: string }[] {
  const forms = new Map<string, string>();
  const add = (form: string, needle: string): void => {
    if (needle.length >= MIN_NEEDLE && ![...forms.values()].includes(needle)) forms.set(form, needle);
  };
  add('raw', value);
  add('json-escaped', JSON.stringify(value).slice(1, -1));
  add('url-encoded', encodeURIComponent(value));
  add('html-escaped', value.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c] ?? c));
  const bytes = Buffer.from(value, 'utf8');
  for (const alphabet of ['base64', 'base64url'] as const) for (const shift of [0, 1, 2]) add(`${alphabet}+${shift}`, base64Core(bytes, shift, alphabet));
  for (const [i, m] of [...value.matchAll(PEM)].entries()) add(`pem-body-${i}`, (m[1] ?? '').replace(/\s+/g, ''));
  // A JWT's signature is the part no one else can make: a truncated token still leaks it.
  const jwt = /^(?:Bearer )?[\w-]+\.[\w-]+\.([\w-]+)$/.exec(value);
  if (jwt?.[1]) add('jwt-signature', jwt[1]);
  if (value.startsWith('Bearer ')) add('bearer-token', value.slice('Bearer '.length));
  return [...forms].map(([form, needle]) => ({ form, needle }));
}

// ---------------------------------------------------------------------------------------------
// The estate's secrets

const b64decode = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** Keys of a gateway connection's secret map that hold coordinates, not secrets. */
const NOT_SECRET_KEYS = new Set([
  'envvar:AWS_ACCESS_KEY_ID',
  'envvar:AWS_REGION',
  'envvar:CLOUDSDK_CORE_PROJECT',
  'envvar:KUBERNETES_CLUSTER_URL',
  'envvar:AZURE_CLIENT_ID',
  'envvar:AZURE_TENANT_ID',
  'envvar:HOST',
  'envvar:USER',
  'envvar:PORT',
]);
/** Values that point at a secret kept elsewhere (the agent's environment, a vault): not secrets themselves. */
const REFERENCE = /^(system\.agent\.envs|_vaultkv2:|_aws:|_envjson:)/;

/** The secret values of one gateway connection's secret map (base64 values, as hoop stores them). */
export function connectionSecrets(idPrefix: string, secret: Record<string, string | null>): Secret[] {
  const out: Secret[] = [];
  for (const [key, encoded] of Object.entries(secret)) {
    if (encoded === null || NOT_SECRET_KEYS.has(key)) continue;
    const plain = b64decode(encoded);
    if (REFERENCE.test(plain)) continue;
    out.push({ id: `${idPrefix}:${key}`, value: plain });
    // A credentials file: its private key on its own (the PEM forms come from secretForms).
    if (key.startsWith('filesystem:')) {
      try {
        const file = JSON.parse(plain) as { private_key?: unknown };
        if (typeof file.private_key === 'string') out.push({ id: `${idPrefix}:${key}#private_key`, value: file.private_key });
      } catch {
        // not JSON: the file itself is the secret
      }
    }
  }
  return out;
}

/** The secrets committed to the sandbox repository's history (the AWS secret keys, the Slack token, the database password). */
export function repoSecrets(estate: Estate): Secret[] {
  const patterns: [string, RegExp][] = [
    ['aws-secret-access-key', /AWS_SECRET_ACCESS_KEY=([A-Za-z0-9+/]{40})/g],
    ['aws-secret-access-key', /aws_secret_access_key="([^"]+)"/g],
    ['aws-secret-access-key', /secret_key\s*=\s*"([^"]+)"/g],
    ['slack-token', /token: (xox[a-z]-\S+)/g],
    ['password', /^password = (\S+)$/gm],
  ];
  const out: Secret[] = [];
  for (const step of sandboxRepoSteps(estate).steps) {
    for (const [path, content] of Object.entries(step.write ?? {})) {
      for (const [kind, re] of patterns) for (const m of content.matchAll(re)) out.push({ id: `repo:${path}:${kind}`, value: m[1] as string });
    }
  }
  return out;
}

/**
 * Every raw secret the generated estate holds: the committed keys, the Kubernetes token secrets
 * and the clusters' bearer tokens, the gateway connections' credentials and the session script
 * that assigns a secret key, and the scanner's own (fake) credentials.
 */
export function estateSecrets(estate: Estate): Secret[] {
  const out: Secret[] = [...repoSecrets(estate)];
  for (const cluster of estate.kubernetes.clusters) {
    out.push({ id: `k8s:${cluster.name}:bearer-token`, value: cluster.token });
    for (const s of cluster.secrets) {
      // A token secret's `namespace` and `ca.crt` are public; its token (an Opaque secret's every value) is not.
      for (const [key, encoded] of Object.entries(s.data)) {
        if (s.type === SA_TOKEN_TYPE && key !== 'token') continue;
        out.push({ id: `k8s:${cluster.name}:secret/${s.metadata.namespace ?? ''}/${s.metadata.name}:${key}${s.type === SA_TOKEN_TYPE ? ' (token secret)' : ''}`, value: b64decode(encoded) });
      }
    }
  }
  for (const c of estate.hoop.connections) out.push(...connectionSecrets(`hoop:connection/${c.name}`, c.secret));
  if (estate.hoop.planted.sessionId) out.push({ id: `hoop:session/${estate.hoop.planted.sessionId}:script`, value: estate.hoop.planted.secret });
  out.push({ id: 'azure:scanner-app:client-secret', value: estate.azure.scanner.clientSecret });
  return out;
}

/** The credentials the sandbox hands sprawl (environment), as `startSandbox` made them. */
export function sandboxEnvSecrets(sandbox: Pick<Sandbox, 'env'>): Secret[] {
  const { env } = sandbox;
  return [
    { id: 'env:AWS_SECRET_ACCESS_KEY', value: env.AWS_SECRET_ACCESS_KEY },
    { id: 'env:SPRAWL_GCP_ACCESS_TOKEN', value: env.SPRAWL_GCP_ACCESS_TOKEN },
    { id: 'env:SPRAWL_AZURE_ACCESS_TOKEN', value: env.SPRAWL_AZURE_ACCESS_TOKEN },
    { id: 'env:GITHUB_TOKEN', value: env.GITHUB_TOKEN },
    { id: 'env:HOOP_API_KEY', value: env.HOOP_API_KEY },
  ];
}

/**
 * The credentials the enforcer made during a run: the secret values of every gateway connection
 * the emulator holds now that it did not hold (with that value) before, and the tokens the
 * Kubernetes emulators issued.
 */
export function mintedSecrets(sandbox: Sandbox, connectionsBefore: readonly { name: string; secret: Record<string, string | null> }[]): Secret[] {
  const known = new Set(connectionsBefore.flatMap((c) => Object.values(c.secret).filter((v): v is string => v !== null)));
  const out: Secret[] = [];
  for (const c of sandbox.hoop.estate.connections) {
    const fresh = Object.fromEntries(Object.entries(c.secret).filter(([, v]) => v !== null && !known.has(v)));
    out.push(...connectionSecrets(`minted:hoop:connection/${c.name}`, fresh));
  }
  for (const t of sandbox.kubernetes.tokens) out.push({ id: `minted:k8s:${t.cluster}:token/${t.namespace}/${t.serviceAccount}/${t.jti}`, value: t.token });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Where to look

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const isGzip = (b: Buffer): boolean => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Every text and blob value of every table of a SQLite file, a haystack per table column (gzip blobs decompressed too). */
export function sqliteHaystacks(file: string, label: string): Haystack[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out: Haystack[] = [];
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    if (tables.length === 0) throw new Error(`${label}: no tables: not a store?`);
    for (const { name } of tables) {
      const columns = new Map<string, (string | Buffer)[]>();
      for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).iterate() as Iterable<Record<string, unknown>>) {
        for (const [col, v] of Object.entries(row)) {
          const list = columns.get(col) ?? [];
          if (typeof v === 'string') list.push(v);
          else if (Buffer.isBuffer(v)) list.push(v, ...(isGzip(v) ? [gunzipSync(v)] : []));
          columns.set(col, list);
        }
      }
      for (const [col, values] of columns) {
        if (values.length === 0) continue;
        out.push({ where: `${label} table ${name}.${col}`, data: Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v + '\n', 'utf8') : v))) });
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** An HTML report raw, and its data island decoded (the gunzipped JSON, and the tables unpacked). */
export function htmlHaystacks(html: string, label: string): Haystack[] {
  const out: Haystack[] = [{ where: label, data: html }];
  const islands = [...html.matchAll(ISLAND)];
  if (islands.length === 0) return out;
  for (const [i, m] of islands.entries()) out.push({ where: `${label} data island ${i} (gunzipped)`, data: gunzipSync(Buffer.from(m[1] ?? '', 'base64')) });
  out.push({ where: `${label} data island (decoded tables)`, data: JSON.stringify(readIsland(html)) });
  return out;
}

/** Every file under `dir` (but `skip`): SQLite files row by row and byte by byte, HTML reports with their islands, everything else as bytes. */
export function directoryHaystacks(dir: string, skip: (path: string) => boolean = () => false): Haystack[] {
  const out: Haystack[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (skip(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(...fileHaystacks(path, relative(dir, path)));
    }
  };
  walk(dir);
  return out;
}

export function fileHaystacks(path: string, label: string): Haystack[] {
  const bytes = readFileSync(path);
  const out: Haystack[] = [{ where: `${label} (bytes)`, data: bytes }];
  if (bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC) && statSync(path).size > 0) out.push(...sqliteHaystacks(path, label));
  else if (label.endsWith('.html')) out.push(...htmlHaystacks(bytes.toString('utf8'), label).slice(1));
  else if (isGzip(bytes)) out.push({ where: `${label} (gunzipped)`, data: gunzipSync(bytes) });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The sweep

/** Every (secret, form, place) where a form of a secret occurs; empty when nothing leaked. */
export function sweep(haystacks: readonly Haystack[], secrets: readonly Secret[]): Hit[] {
  // One needle per distinct text (several secrets may share a value, or a form of one).
  const needles = new Map<string, { secrets: string[]; form: string; bytes: Buffer }>();
  for (const s of secrets) {
    if (s.value.length < MIN_NEEDLE) throw new Error(`secret ${s.id} is shorter than ${MIN_NEEDLE} characters: the sweep would match it by chance`);
    for (const f of secretForms(s.value)) {
      const n = needles.get(f.needle);
      if (n) n.secrets.push(s.id);
      else needles.set(f.needle, { secrets: [s.id], form: f.form, bytes: Buffer.from(f.needle, 'utf8') });
    }
  }
  const hits: Hit[] = [];
  for (const h of haystacks) {
    for (const [text, n] of needles) {
      const found = typeof h.data === 'string' ? h.data.includes(text) : h.data.includes(n.bytes);
      if (found) for (const secret of n.secrets) hits.push({ secret, form: n.form, where: h.where });
    }
  }
  return hits;
}

/** One line per hit, values never shown: `<secret id> (<form>) in <place>`. */
export function describeHits(hits: readonly Hit[]): string {
  return hits.map((h) => `${h.secret} (${h.form}) in ${h.where}`).join('\n');
}
