/**
 * GCP enforcer actions, through IAM v1 (the googleapis client the collector uses, built from the
 * same `gcp:` config section, SPRAWL_GCP_ACCESS_TOKEN or Application Default Credentials):
 * - gcp.key.disable / gcp.key.delete: a user-managed service-account key (undo of disable: enable);
 * - gcp.sa.disable / gcp.sa.delete: the service account (undo of disable: enable; a deleted account
 *   can be undeleted for 30 days by its uniqueId, which `before` records);
 * - the minter of `gcp-service-account`: a fresh key (its credentials file goes to
 *   GOOGLE_APPLICATION_CREDENTIALS), or nothing at all with IAM federation (`keyless`).
 * Every apply reads the target first: already in the wanted state, or gone, is a `noop`.
 */
import type { iam_v1 } from '@googleapis/iam';
import { gcpSchema } from '../../config/gcp-schema.ts';
import type { PlanAction } from '../../model/index.ts';
import { callOptions, createGcpAuth, createGcpClients, describeGcpError, gcpClientSettings, isNotFound } from '../../providers/gcp/client.ts';
import type { GcpCallOptions, GcpClients, GcpClientSettings } from '../../providers/gcp/client.ts';
import { NoRoomError } from './types.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Json, MintedCredential, Outcome } from './types.ts';

interface Gcp {
  clients: GcpClients;
  settings: GcpClientSettings;
  signal?: AbortSignal;
}

/** The collector's clients: the config's `gcp:` section (or its defaults), the context's environment. */
export function gcpActionClients(ctx: ActionContext, project: string): Gcp {
  const config = ctx.config.gcp ?? gcpSchema.parse({ projects: [project] });
  const settings = gcpClientSettings(config, ctx.env);
  return { clients: createGcpClients(settings, createGcpAuth(settings)), settings, ...(ctx.signal ? { signal: ctx.signal } : {}) };
}

/** Per-call options; `idempotent` POSTs (disable, enable) are retried like GETs. */
function options(gcp: Gcp, idempotent = false): GcpCallOptions {
  return callOptions(gcp.settings, { ...(gcp.signal ? { signal: gcp.signal } : {}), ...(idempotent ? { readOnlyPost: true } : {}) });
}

function param(action: PlanAction, name: string): string {
  const v = action.params[name];
  if (typeof v !== 'string' || v === '') throw new Error(`gcp ${action.target}: ${action.kind} needs the parameter ${name}`);
  return v;
}

interface KeyRef {
  project: string;
  email: string;
  keyId: string;
  name: string;
  label: string;
}

interface AccountRef {
  project: string;
  email: string;
  name: string;
  label: string;
}

function accountRef(action: PlanAction): AccountRef {
  const project = param(action, 'project');
  const email = param(action, 'email');
  return { project, email, name: `projects/${project}/serviceAccounts/${email}`, label: `gcp ${project} service account ${email}` };
}

function keyRef(action: PlanAction): KeyRef {
  const sa = accountRef(action);
  const keyId = param(action, 'keyId');
  return { ...sa, keyId, name: `${sa.name}/keys/${keyId}`, label: `gcp ${sa.project} key ${keyId} of ${sa.email}` };
}

/** The provider's error as `<target>: <operation> <STATUS> (HTTP n): message`. */
function failed(label: string, operation: string, err: unknown): Error {
  const { code, message, status } = describeGcpError(err);
  return new Error(`${label}: ${operation} ${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, { cause: err });
}

async function call<T>(label: string, operation: string, fn: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await fn()).data;
  } catch (err) {
    throw failed(label, operation, err);
  }
}

/** The key, or undefined when it no longer exists (the key or its account deleted). */
async function readKey(gcp: Gcp, ref: KeyRef): Promise<iam_v1.Schema$ServiceAccountKey | undefined> {
  try {
    return (await gcp.clients.iam.projects.serviceAccounts.keys.get({ name: ref.name }, options(gcp))).data;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw failed(ref.label, 'keys.get', err);
  }
}

async function readAccount(gcp: Gcp, ref: AccountRef): Promise<iam_v1.Schema$ServiceAccount | undefined> {
  try {
    return (await gcp.clients.iam.projects.serviceAccounts.get({ name: ref.name }, options(gcp))).data;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw failed(ref.label, 'serviceAccounts.get', err);
  }
}

function keyState(k: iam_v1.Schema$ServiceAccountKey | undefined): Json {
  if (!k) return { exists: false };
  return {
    exists: true,
    disabled: k.disabled === true,
    ...(k.keyType ? { keyType: k.keyType } : {}),
    ...(k.keyOrigin ? { keyOrigin: k.keyOrigin } : {}),
    ...(k.keyAlgorithm ? { keyAlgorithm: k.keyAlgorithm } : {}),
    ...(k.validAfterTime ? { validAfterTime: k.validAfterTime } : {}),
    ...(k.validBeforeTime ? { validBeforeTime: k.validBeforeTime } : {}),
  };
}

function accountState(a: iam_v1.Schema$ServiceAccount | undefined): Json {
  if (!a) return { exists: false };
  return {
    exists: true,
    disabled: a.disabled === true,
    ...(a.uniqueId ? { uniqueId: a.uniqueId } : {}),
    ...(a.email ? { email: a.email } : {}),
    ...(a.projectId ? { projectId: a.projectId } : {}),
    ...(a.displayName ? { displayName: a.displayName } : {}),
    ...(a.description ? { description: a.description } : {}),
  };
}

const request = (method: string, path: string): Json => ({ method, path: `v1/${path}` });
const wasEnabled = (applied: Outcome): boolean => typeof applied.before === 'object' && applied.before !== null && !Array.isArray(applied.before) && applied.before['exists'] === true && applied.before['disabled'] === false;

/** keys.disable, undone by keys.enable. */
const keyDisable: ActionHandler = {
  kinds: ['gcp.key.disable'],
  async apply(action, ctx) {
    const ref = keyRef(action);
    const gcp = gcpActionClients(ctx, ref.project);
    const key = await readKey(gcp, ref);
    const before = keyState(key);
    if (!key || key.disabled === true) return { status: 'noop', before, request: null, after: before };
    await call(ref.label, 'keys.disable', () => gcp.clients.iam.projects.serviceAccounts.keys.disable({ name: ref.name, requestBody: {} }, options(gcp, true)));
    ctx.log.info('gcp key disabled', { project: ref.project, email: ref.email, keyId: ref.keyId });
    return { status: 'done', before, request: request('POST', `${ref.name}:disable`), after: { ...(before as Record<string, Json>), disabled: true } };
  },
  async undo(action, applied, ctx) {
    const ref = keyRef(action);
    const gcp = gcpActionClients(ctx, ref.project);
    const key = await readKey(gcp, ref);
    const before = keyState(key);
    // Only what apply disabled is enabled again; a key that was disabled already stays so.
    if (!wasEnabled(applied) || (key && key.disabled !== true)) return { status: 'noop', before, request: null, after: before };
    if (!key) throw new Error(`${ref.label}: keys.enable NOT_FOUND: the key no longer exists, it cannot be enabled again`);
    await call(ref.label, 'keys.enable', () => gcp.clients.iam.projects.serviceAccounts.keys.enable({ name: ref.name, requestBody: {} }, options(gcp, true)));
    ctx.log.info('gcp key enabled', { project: ref.project, email: ref.email, keyId: ref.keyId });
    return { status: 'done', before, request: request('POST', `${ref.name}:enable`), after: { ...(before as Record<string, Json>), disabled: false } };
  },
};

/** keys.delete (stage 2: no undo). */
const keyDelete: ActionHandler = {
  kinds: ['gcp.key.delete'],
  async apply(action, ctx) {
    const ref = keyRef(action);
    const gcp = gcpActionClients(ctx, ref.project);
    const key = await readKey(gcp, ref);
    const before = keyState(key);
    if (!key) return { status: 'noop', before, request: null, after: before };
    try {
      await gcp.clients.iam.projects.serviceAccounts.keys.delete({ name: ref.name }, options(gcp));
    } catch (err) {
      if (!isNotFound(err)) throw failed(ref.label, 'keys.delete', err);
      return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
    }
    ctx.log.info('gcp key deleted', { project: ref.project, email: ref.email, keyId: ref.keyId });
    return { status: 'done', before, request: request('DELETE', ref.name), after: { exists: false } };
  },
};

/** serviceAccounts.disable, undone by serviceAccounts.enable. */
const saDisable: ActionHandler = {
  kinds: ['gcp.sa.disable'],
  async apply(action, ctx) {
    const ref = accountRef(action);
    const gcp = gcpActionClients(ctx, ref.project);
    const sa = await readAccount(gcp, ref);
    const before = accountState(sa);
    if (!sa || sa.disabled === true) return { status: 'noop', before, request: null, after: before };
    await call(ref.label, 'serviceAccounts.disable', () => gcp.clients.iam.projects.serviceAccounts.disable({ name: ref.name, requestBody: {} }, options(gcp, true)));
    ctx.log.info('gcp service account disabled', { project: ref.project, email: ref.email });
    return { status: 'done', before, request: request('POST', `${ref.name}:disable`), after: { ...(before as Record<string, Json>), disabled: true } };
  },
  async undo(action, applied, ctx) {
    const ref = accountRef(action);
    const gcp = gcpActionClients(ctx, ref.project);
    const sa = await readAccount(gcp, ref);
    const before = accountState(sa);
    if (!wasEnabled(applied) || (sa && sa.disabled !== true)) return { status: 'noop', before, request: null, after: before };
    if (!sa) throw new Error(`${ref.label}: serviceAccounts.enable NOT_FOUND: the account no longer exists (undelete it first)`);
    await call(ref.label, 'serviceAccounts.enable', () => gcp.clients.iam.projects.serviceAccounts.enable({ name: ref.name, requestBody: {} }, options(gcp, true)));
    ctx.log.info('gcp service account enabled', { project: ref.project, email: ref.email });
    return { status: 'done', before, request: request('POST', `${ref.name}:enable`), after: { ...(before as Record<string, Json>), disabled: false } };
  },
};

/** serviceAccounts.delete (stage 2); `before.uniqueId` is what `:undelete` takes within 30 days. */
const saDelete: ActionHandler = {
  kinds: ['gcp.sa.delete'],
  async apply(action, ctx) {
    const ref = accountRef(action);
    const gcp = gcpActionClients(ctx, ref.project);
    const sa = await readAccount(gcp, ref);
    const before = accountState(sa);
    if (!sa) return { status: 'noop', before, request: null, after: before };
    try {
      await gcp.clients.iam.projects.serviceAccounts.delete({ name: ref.name }, options(gcp));
    } catch (err) {
      if (!isNotFound(err)) throw failed(ref.label, 'serviceAccounts.delete', err);
      return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
    }
    const until = new Date(ctx.now().getTime() + 30 * 86_400_000).toISOString();
    ctx.log.info('gcp service account deleted', { project: ref.project, email: ref.email, uniqueId: sa.uniqueId ?? null, undeleteUntil: until });
    return {
      status: 'done',
      before,
      request: request('DELETE', ref.name),
      after: { exists: false, ...(sa.uniqueId ? { undelete: `v1/projects/${ref.project}/serviceAccounts/${sa.uniqueId}:undelete`, undeleteUntil: until } : {}) },
    };
  },
};

export const gcpHandlers: ActionHandler[] = [keyDisable, keyDelete, saDisable, saDelete];

/** Secret keys of a GCP connection (see ../shapes.ts). */
export const GCP_CREDENTIALS_SECRET = 'filesystem:GOOGLE_APPLICATION_CREDENTIALS';
export const GCP_PROJECT_SECRET = 'envvar:CLOUDSDK_CORE_PROJECT';
/** User-managed keys a GCP service account may hold. */
const GCP_USER_KEYS_PER_ACCOUNT = 10;

/** publicId of a keyless (IAM federation) credential: nothing was created. */
export const GCP_FEDERATION_ID = 'federation';

/** A fresh user-managed key (credentials file) for the account, or nothing with IAM federation. */
export const gcpMinter: CredentialMinter = {
  kinds: ['gcp-service-account'],
  async mint(action, ctx): Promise<MintedCredential> {
    const ref = accountRef(action);
    if (action.params['keyless'] === true) return { publicId: GCP_FEDERATION_ID, secrets: { [GCP_PROJECT_SECRET]: ref.project } };
    const gcp = gcpActionClients(ctx, ref.project);
    let key: iam_v1.Schema$ServiceAccountKey;
    try {
      key = (await gcp.clients.iam.projects.serviceAccounts.keys.create({ name: ref.name, requestBody: { privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE', keyAlgorithm: 'KEY_ALG_RSA_2048' } }, options(gcp))).data;
    } catch (err) {
      // GCP's answer to an eleventh user-managed key is a bare 400 FAILED_PRECONDITION: count them to tell.
      if (describeGcpError(err).status === 400) {
        const listed = await gcp.clients.iam.projects.serviceAccounts.keys.list({ name: ref.name, keyTypes: ['USER_MANAGED'] }, options(gcp)).then((r) => r.data.keys ?? [], () => undefined);
        if (listed !== undefined && listed.length >= GCP_USER_KEYS_PER_ACCOUNT) {
          throw new NoRoomError(`${ref.label}: already has ${listed.length} user-managed keys, the most GCP allows; delete one before a fresh key can be made`, { cause: err });
        }
      }
      throw failed(ref.label, 'keys.create', err);
    }
    const fromName = key.name ? key.name.slice(key.name.lastIndexOf('/') + 1) : undefined;
    if (!key.privateKeyData) throw new Error(`${ref.label}: keys.create returned no private key data (key ${fromName ?? 'unknown'})`);
    const file = Buffer.from(key.privateKeyData, 'base64').toString('utf8');
    let keyId: unknown;
    try {
      keyId = (JSON.parse(file) as { private_key_id?: unknown }).private_key_id;
    } catch {
      keyId = undefined;
    }
    const publicId = typeof keyId === 'string' && keyId !== '' ? keyId : fromName;
    if (publicId === undefined) throw new Error(`${ref.label}: keys.create returned a key without an id`);
    ctx.log.info('gcp key created', { project: ref.project, email: ref.email, keyId: publicId });
    return { publicId, secrets: { [GCP_CREDENTIALS_SECRET]: file, [GCP_PROJECT_SECRET]: ref.project } };
  },
  async discard(action, publicId, ctx): Promise<void> {
    if (publicId === GCP_FEDERATION_ID) return;
    const ref = keyRef({ ...action, params: { ...action.params, keyId: publicId } });
    const gcp = gcpActionClients(ctx, ref.project);
    try {
      await gcp.clients.iam.projects.serviceAccounts.keys.delete({ name: ref.name }, options(gcp));
      ctx.log.info('gcp key discarded', { project: ref.project, email: ref.email, keyId: publicId });
    } catch (err) {
      if (!isNotFound(err)) throw failed(ref.label, 'keys.delete', err);
    }
  },
};
