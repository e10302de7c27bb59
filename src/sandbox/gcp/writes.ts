/**
 * The IAM v1 calls that change service accounts and their keys, as the real API answers them:
 * keys.create (a fresh RSA key, its credentials file base64 in `privateKeyData`, at most 10
 * user-managed keys per account), keys.disable/enable/delete, serviceAccounts.disable/enable/
 * delete/undelete. They change the estate in memory, so the collector's next listing sees them
 * (disabled flags, deleted keys and accounts gone, new keys with `validAfterTime` now, bindings of
 * a deleted account as `deleted:serviceAccount:<email>?uid=<id>`).
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { GCP_NO_EXPIRY } from './estate.ts';
import type { GcpKey, GcpPolicy, GcpProject, GcpServiceAccount } from './estate.ts';
import type { Route } from './routes.ts';
import { GcpFault, accountOf, invalid, notFound, projectOf } from './state.ts';
import type { GcpState } from './state.ts';

export type GcpWriteOperation =
  | 'iam.serviceAccounts.keys.create'
  | 'iam.serviceAccounts.keys.delete'
  | 'iam.serviceAccounts.keys.disable'
  | 'iam.serviceAccounts.keys.enable'
  | 'iam.serviceAccounts.disable'
  | 'iam.serviceAccounts.enable'
  | 'iam.serviceAccounts.delete'
  | 'iam.serviceAccounts.undelete';

export const WRITE_PERMISSIONS: Record<GcpWriteOperation, string> = {
  'iam.serviceAccounts.keys.create': 'iam.serviceAccountKeys.create',
  'iam.serviceAccounts.keys.delete': 'iam.serviceAccountKeys.delete',
  'iam.serviceAccounts.keys.disable': 'iam.serviceAccountKeys.disable',
  'iam.serviceAccounts.keys.enable': 'iam.serviceAccountKeys.enable',
  'iam.serviceAccounts.disable': 'iam.serviceAccounts.disable',
  'iam.serviceAccounts.enable': 'iam.serviceAccounts.enable',
  'iam.serviceAccounts.delete': 'iam.serviceAccounts.delete',
  'iam.serviceAccounts.undelete': 'iam.serviceAccounts.undelete',
};

/** User-managed keys one service account may have (IAM's quota). */
export const MAX_USER_KEYS = 10;
const PRIVATE_KEY_TYPES = new Set(['TYPE_UNSPECIFIED', 'TYPE_GOOGLE_CREDENTIALS_FILE', 'TYPE_PKCS12_FILE']);
const KEY_ALGORITHMS = new Set(['KEY_ALG_UNSPECIFIED', 'KEY_ALG_RSA_2048', 'KEY_ALG_RSA_1024']);

const isoNow = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function keyOf(account: GcpServiceAccount, project: GcpProject, keyId: string): GcpKey {
  const k = account.keys.find((x) => x.id === keyId);
  if (!k) throw notFound(`Service account key projects/${project.projectId}/serviceAccounts/${account.email}/keys/${keyId}`);
  return k;
}

function userManaged(k: GcpKey): void {
  if (k.type === 'SYSTEM_MANAGED') throw new GcpFault(400, 'FAILED_PRECONDITION', `Key ${k.id} is a system-managed key: Google rotates it and it cannot be changed.`);
}

function stringField(body: unknown, name: string): string | undefined {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`Invalid value at '${name}': expected a string.`);
  return v;
}

/** keys.create: a fresh RSA key; the response alone carries the private key (base64 of the credentials file). */
function createKey(state: GcpState, project: GcpProject, account: GcpServiceAccount, body: unknown): Record<string, unknown> {
  const type = stringField(body, 'privateKeyType') ?? 'TYPE_GOOGLE_CREDENTIALS_FILE';
  const algorithm = stringField(body, 'keyAlgorithm') ?? 'KEY_ALG_RSA_2048';
  if (!PRIVATE_KEY_TYPES.has(type)) throw invalid(`Invalid value at 'private_key_type' (TYPE_ENUM), "${type}"`);
  if (!KEY_ALGORITHMS.has(algorithm)) throw invalid(`Invalid value at 'key_algorithm' (TYPE_ENUM), "${algorithm}"`);
  if (type === 'TYPE_PKCS12_FILE') throw invalid('The sandbox emulator creates credentials files only (TYPE_GOOGLE_CREDENTIALS_FILE).');
  if (account.keys.filter((k) => k.type === 'USER_MANAGED').length >= MAX_USER_KEYS) throw new GcpFault(400, 'FAILED_PRECONDITION', 'Precondition check failed.');
  const bits = algorithm === 'KEY_ALG_RSA_1024' ? 1024 : 2048;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const id = randomBytes(20).toString('hex');
  const key: GcpKey = { id, type: 'USER_MANAGED', validAfter: isoNow(), validBefore: GCP_NO_EXPIRY, disabled: false, origin: 'GOOGLE_PROVIDED', algorithm: bits === 1024 ? 'KEY_ALG_RSA_1024' : 'KEY_ALG_RSA_2048' };
  account.keys.push(key);
  state.publicKeys.set(id, createPublicKey(publicKey));
  const file = {
    type: 'service_account',
    project_id: project.projectId,
    private_key_id: id,
    private_key: privateKey,
    client_email: account.email,
    client_id: account.uniqueId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(account.email)}`,
    universe_domain: 'googleapis.com',
  };
  return {
    name: `projects/${project.projectId}/serviceAccounts/${account.email}/keys/${id}`,
    privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
    privateKeyData: Buffer.from(JSON.stringify(file, null, 2), 'utf8').toString('base64'),
    validAfterTime: key.validAfter,
    validBeforeTime: key.validBefore,
    keyAlgorithm: key.algorithm,
    keyOrigin: key.origin,
    keyType: key.type,
  };
}

/** Every policy of the estate (organization, folders, projects). */
function policies(state: GcpState): GcpPolicy[] {
  return [state.estate.organization.policy, ...state.estate.folders.map((f) => f.policy), ...state.estate.projects.map((p) => p.policy)];
}

/** IAM keeps a deleted account's bindings, its member renamed `deleted:serviceAccount:<email>?uid=<id>`. */
function renameMember(state: GcpState, from: string, to: string): void {
  for (const policy of policies(state)) {
    let changed = false;
    for (const b of policy.bindings) {
      if (!b.members.includes(from)) continue;
      b.members = b.members.map((m) => (m === from ? to : m));
      changed = true;
    }
    if (changed) policy.etag = randomBytes(6).toString('base64');
  }
}

function deleteAccount(state: GcpState, project: GcpProject, account: GcpServiceAccount): void {
  const owner = state.estate.projects.find((p) => p.serviceAccounts.includes(account)) ?? project;
  owner.serviceAccounts = owner.serviceAccounts.filter((a) => a !== account);
  const byKey = state.accounts.get(owner.projectId);
  byKey?.delete(account.email);
  byKey?.delete(account.uniqueId);
  for (const k of account.keys) state.publicKeys.delete(k.id);
  state.deleted.set(account.uniqueId, { project: owner, account, deletedAtMs: Date.now() });
  renameMember(state, `serviceAccount:${account.email}`, `deleted:serviceAccount:${account.email}?uid=${account.uniqueId}`);
}

function undeleteAccount(state: GcpState, projectKey: string, id: string): Record<string, unknown> {
  if (projectKey !== '-') projectOf(state, projectKey);
  const entry = state.deleted.get(id);
  if (!entry || (projectKey !== '-' && state.projectsByKey.get(projectKey) !== entry.project)) {
    if (state.accounts.get(state.projectsByKey.get(projectKey)?.projectId ?? '')?.has(id)) throw new GcpFault(400, 'FAILED_PRECONDITION', `Service account ${id} is not deleted.`);
    throw notFound(`Deleted service account projects/${projectKey}/serviceAccounts/${id}`);
  }
  const { project, account } = entry;
  if (state.accounts.get(project.projectId)?.has(account.email)) throw new GcpFault(400, 'FAILED_PRECONDITION', `Account ${account.email} cannot be undeleted: another account now has its email.`);
  state.deleted.delete(id);
  project.serviceAccounts.push(account);
  state.accounts.get(project.projectId)?.set(account.email, account).set(account.uniqueId, account);
  renameMember(state, `deleted:serviceAccount:${account.email}?uid=${account.uniqueId}`, `serviceAccount:${account.email}`);
  return {
    restoredAccount: {
      name: `projects/${project.projectId}/serviceAccounts/${account.email}`,
      projectId: project.projectId,
      uniqueId: account.uniqueId,
      email: account.email,
      ...(account.displayName ? { displayName: account.displayName } : {}),
      etag: 'MDEwMjE5MjA=',
      oauth2ClientId: account.uniqueId,
      ...(account.disabled ? { disabled: true } : {}),
    },
  };
}

/** The write route for a method and a decoded path, or undefined. */
export function writeRoute(method: string, path: string): Route | undefined {
  let m: RegExpExecArray | null;
  const sa = '/v1/projects/([^/:]+)/serviceAccounts/([^/:]+)';
  if (method === 'POST') {
    if ((m = new RegExp(`^${sa}/keys$`).exec(path))) {
      const [key, email] = [m[1] as string, m[2] as string];
      return {
        op: 'iam.serviceAccounts.keys.create',
        project: key,
        run: ({ state, body }) => {
          const { project, account } = accountOf(state, key, email);
          return createKey(state, project, account, body);
        },
      };
    }
    if ((m = new RegExp(`^${sa}/keys/([^/:]+):(disable|enable)$`).exec(path))) {
      const [key, email, keyId, verb] = [m[1] as string, m[2] as string, m[3] as string, m[4] as 'disable' | 'enable'];
      return {
        op: verb === 'disable' ? 'iam.serviceAccounts.keys.disable' : 'iam.serviceAccounts.keys.enable',
        project: key,
        run: ({ state }) => {
          const { project, account } = accountOf(state, key, email);
          const k = keyOf(account, project, keyId);
          userManaged(k);
          k.disabled = verb === 'disable';
          return {};
        },
      };
    }
    if ((m = new RegExp(`^${sa}:(disable|enable|undelete)$`).exec(path))) {
      const [key, email, verb] = [m[1] as string, m[2] as string, m[3] as 'disable' | 'enable' | 'undelete'];
      if (verb === 'undelete') return { op: 'iam.serviceAccounts.undelete', project: key, run: ({ state }) => undeleteAccount(state, key, email) };
      return {
        op: verb === 'disable' ? 'iam.serviceAccounts.disable' : 'iam.serviceAccounts.enable',
        project: key,
        run: ({ state }) => {
          accountOf(state, key, email).account.disabled = verb === 'disable';
          return {};
        },
      };
    }
    return undefined;
  }
  if (method === 'DELETE') {
    if ((m = new RegExp(`^${sa}/keys/([^/:]+)$`).exec(path))) {
      const [key, email, keyId] = [m[1] as string, m[2] as string, m[3] as string];
      return {
        op: 'iam.serviceAccounts.keys.delete',
        project: key,
        run: ({ state }) => {
          const { project, account } = accountOf(state, key, email);
          userManaged(keyOf(account, project, keyId));
          account.keys = account.keys.filter((k) => k.id !== keyId);
          state.publicKeys.delete(keyId);
          return {};
        },
      };
    }
    if ((m = new RegExp(`^${sa}$`).exec(path))) {
      const [key, email] = [m[1] as string, m[2] as string];
      return {
        op: 'iam.serviceAccounts.delete',
        project: key,
        run: ({ state }) => {
          const { project, account } = accountOf(state, key, email);
          deleteAccount(state, project, account);
          return {};
        },
      };
    }
  }
  return undefined;
}
