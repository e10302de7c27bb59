/**
 * Azure enforcer actions, with the clients the collector uses (the `azure:` config section,
 * SPRAWL_AZURE_ACCESS_TOKEN or DefaultAzureCredential, the same endpoints, CA and retries):
 * - azure.role-assignments.remove: every role assignment of the principal that the collector's
 *   subscriptions show (management-group ones included), each recorded whole in `before`; undo
 *   re-creates each under the same name (ARM PUT roleAssignments/{name}).
 * - azure.secret.delete: a client secret (Graph removePassword) or a certificate (PATCH of the
 *   remaining keyCredentials: removeKey needs a proof signed by the certificate's private key,
 *   which sprawl never has) of the application behind the service principal, or of the service
 *   principal itself when the credential sits there.
 * - the minter of `azure-service-principal`: a fresh client secret (Graph addPassword) on the
 *   application, its lifetime capped by `policy.maxSecretLifetimeDays`.
 * Every apply reads first: nothing left to remove, or the target gone, is a `noop`.
 */
import type { RoleAssignment } from '@azure/arm-authorization';
import type { TokenCredential } from '@azure/identity';
import { azureSchema } from '../../config/azure-schema.ts';
import type { PlanAction } from '../../model/index.ts';
import { azureClientSettings, createArmRestClient, createAuthorizationClient, createAzureCredential, describeAzureError } from '../../providers/azure/client.ts';
import type { AzureClientSettings } from '../../providers/azure/client.ts';
import { createRestSender } from '../../providers/azure/send.ts';
import type { RestSender } from '../../providers/azure/send.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Json, MintedCredential, Outcome } from './types.ts';

const ARM_SUBSCRIPTIONS_API = '2022-12-01';
const DAY_MS = 86_400_000;
/** The longest client secret sprawl makes, whatever the policy allows. */
export const AZURE_SECRET_MAX_DAYS = 365;
export const AZURE_SECRET_DISPLAY_NAME = 'sprawl gateway';

interface Azure {
  settings: AzureClientSettings;
  credential: TokenCredential;
  graph: RestSender;
  signal?: AbortSignal;
}

/** The collector's settings and credential; the tenant from the config, AZURE_TENANT_ID, or the action. */
export function azureActionClients(ctx: ActionContext, tenant: string | undefined): Azure {
  const config = ctx.config.azure ?? azureSchema.parse({});
  const tenantId = config.tenantId ?? (ctx.env['AZURE_TENANT_ID'] || undefined) ?? (tenant || undefined);
  const settings = azureClientSettings(config, tenantId !== undefined ? { tenantId } : {});
  const credential = createAzureCredential(settings, ctx.env);
  return { settings, credential, graph: createRestSender(settings, credential, { baseUrl: settings.graphEndpoint, scope: settings.graphScope }), ...(ctx.signal ? { signal: ctx.signal } : {}) };
}

function param(action: PlanAction, name: string): string {
  const v = action.params[name];
  if (typeof v !== 'string' || v === '') throw new Error(`azure ${action.target}: ${action.kind} needs the parameter ${name}`);
  return v;
}

const optionalParam = (action: PlanAction, name: string): string | undefined => {
  const v = action.params[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

function failed(label: string, operation: string, err: unknown): Error {
  const { code, message, status } = describeAzureError(err);
  return new Error(`${label}: ${operation} ${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, { cause: err });
}

const statusOf = (err: unknown): number | undefined => describeAzureError(err).status;

// ---------------------------------------------------------------------------------------------
// Role assignments

/** One removed assignment, all undo needs to create it again. */
interface RecordedAssignment {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  condition?: string;
  conditionVersion?: string;
  description?: string;
  /** The subscription it was seen from (its client re-creates it). */
  subscriptionId: string;
}

/** The subscriptions the collector reads: the configured ones, or every enabled one the credential sees. */
async function subscriptions(az: Azure, ctx: ActionContext, label: string): Promise<string[]> {
  const configured = ctx.config.azure?.subscriptions ?? [];
  if (configured.length > 0) return [...new Set(configured.map((s) => s.toLowerCase()))];
  const ids: string[] = [];
  try {
    for await (const page of createArmRestClient(az.settings, az.credential).pages<{ subscriptionId?: string; state?: string }>(`/subscriptions?api-version=${ARM_SUBSCRIPTIONS_API}`, az.signal)) {
      for (const s of page) if (s.subscriptionId && s.state !== 'Disabled') ids.push(s.subscriptionId.toLowerCase());
    }
  } catch (err) {
    throw failed(label, 'subscriptions.list', err);
  }
  return ids;
}

function record(a: RoleAssignment, subscriptionId: string): RecordedAssignment | undefined {
  if (!a.name || !a.scope || !a.roleDefinitionId || !a.principalId) return undefined;
  return {
    id: a.id ?? `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    name: a.name,
    scope: a.scope,
    roleDefinitionId: a.roleDefinitionId,
    principalId: a.principalId,
    ...(a.principalType ? { principalType: a.principalType } : {}),
    ...(a.condition ? { condition: a.condition } : {}),
    ...(a.conditionVersion ? { conditionVersion: a.conditionVersion } : {}),
    ...(a.description ? { description: a.description } : {}),
    subscriptionId,
  };
}

/** Every assignment of the principal, once each (a management-group one shows in several subscriptions). */
async function assignmentsOf(az: Azure, ctx: ActionContext, objectId: string, label: string): Promise<RecordedAssignment[]> {
  const found = new Map<string, RecordedAssignment>();
  for (const sub of await subscriptions(az, ctx, label)) {
    const client = createAuthorizationClient(az.settings, az.credential, sub);
    try {
      for await (const a of client.roleAssignments.listForSubscription({ filter: `principalId eq '${objectId}'`, ...(az.signal ? { abortSignal: az.signal } : {}) })) {
        const r = record(a, sub);
        if (r && r.principalId.toLowerCase() === objectId.toLowerCase() && !found.has(r.id.toLowerCase())) found.set(r.id.toLowerCase(), r);
      }
    } catch (err) {
      throw failed(label, `roleAssignments.listForSubscription ${sub}`, err);
    }
  }
  return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const asJson = (r: RecordedAssignment): Json => ({ ...r });

function recordedOf(applied: Outcome): RecordedAssignment[] {
  const before = applied.before;
  const list = typeof before === 'object' && before !== null && !Array.isArray(before) ? before['assignments'] : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter((x): x is { [key: string]: Json } => typeof x === 'object' && x !== null && !Array.isArray(x)).flatMap((x) => {
    const s = (k: string): string | undefined => {
      const v = x[k];
      return typeof v === 'string' ? v : undefined;
    };
    const [id, name, scope, roleDefinitionId, principalId, subscriptionId] = [s('id'), s('name'), s('scope'), s('roleDefinitionId'), s('principalId'), s('subscriptionId')];
    if (!id || !name || !scope || !roleDefinitionId || !principalId || !subscriptionId) return [];
    const optional = (k: 'principalType' | 'condition' | 'conditionVersion' | 'description'): Partial<RecordedAssignment> => (s(k) !== undefined ? { [k]: s(k) } : {});
    return [{ id, name, scope, roleDefinitionId, principalId, subscriptionId, ...optional('principalType'), ...optional('condition'), ...optional('conditionVersion'), ...optional('description') }];
  });
}

const principalLabel = (action: PlanAction, objectId: string): string => `azure ${optionalParam(action, 'tenant') ?? '-'} service principal ${objectId}`;

const roleAssignmentsRemove: ActionHandler = {
  kinds: ['azure.role-assignments.remove'],
  async apply(action, ctx) {
    const objectId = param(action, 'objectId');
    const label = principalLabel(action, objectId);
    const az = azureActionClients(ctx, optionalParam(action, 'tenant'));
    const assignments = await assignmentsOf(az, ctx, objectId, label);
    if (assignments.length === 0) return { status: 'noop', before: { assignments: [] }, request: null, after: { assignments: [] } };
    const removed: RecordedAssignment[] = [];
    for (const a of assignments) {
      const client = createAuthorizationClient(az.settings, az.credential, a.subscriptionId);
      try {
        // 200 with the assignment, or 204 when it went meanwhile: either way it is gone.
        await client.roleAssignments.delete(a.scope, a.name, az.signal ? { abortSignal: az.signal } : {});
        removed.push(a);
      } catch (err) {
        if (statusOf(err) === 404) continue;
        throw failed(`${label}${removed.length ? ` (${removed.length} of ${assignments.length} assignments removed before: ${removed.map((r) => r.name).join(', ')})` : ''}`, `roleAssignments.delete ${a.id}`, err);
      }
      ctx.log.info('azure role assignment removed', { principal: objectId, assignment: a.id, role: a.roleDefinitionId });
    }
    return {
      status: removed.length ? 'done' : 'noop',
      before: { assignments: removed.map(asJson) },
      request: { method: 'DELETE', paths: removed.map((a) => a.id) },
      after: { assignments: [] },
    };
  },
  async undo(action, applied, ctx) {
    const objectId = param(action, 'objectId');
    const label = principalLabel(action, objectId);
    const recorded = recordedOf(applied);
    if (recorded.length === 0) return { status: 'noop', before: { assignments: [] }, request: null, after: { assignments: [] } };
    const az = azureActionClients(ctx, optionalParam(action, 'tenant'));
    const created: RecordedAssignment[] = [];
    for (const a of recorded) {
      const client = createAuthorizationClient(az.settings, az.credential, a.subscriptionId);
      const options = az.signal ? { abortSignal: az.signal } : {};
      try {
        await client.roleAssignments.get(a.scope, a.name, options);
        continue; // already there
      } catch (err) {
        if (statusOf(err) !== 404) throw failed(label, `roleAssignments.get ${a.id}`, err);
      }
      try {
        await client.roleAssignments.create(
          a.scope,
          a.name,
          {
            roleDefinitionId: a.roleDefinitionId,
            principalId: a.principalId,
            ...(a.principalType ? { principalType: a.principalType } : {}),
            ...(a.condition ? { condition: a.condition, conditionVersion: a.conditionVersion ?? '2.0' } : {}),
            ...(a.description ? { description: a.description } : {}),
          },
          options,
        );
      } catch (err) {
        if (describeAzureError(err).code === 'RoleAssignmentExists') continue;
        throw failed(label, `roleAssignments.create ${a.id}`, err);
      }
      created.push(a);
      ctx.log.info('azure role assignment restored', { principal: objectId, assignment: a.id, role: a.roleDefinitionId });
    }
    return {
      status: created.length ? 'done' : 'noop',
      before: { assignments: recorded.filter((r) => !created.includes(r)).map(asJson) },
      request: { method: 'PUT', paths: created.map((a) => a.id) },
      after: { assignments: recorded.map(asJson) },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Graph credentials

interface GraphPassword {
  keyId?: string;
  displayName?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}
interface GraphKey extends GraphPassword {
  type?: string | null;
  usage?: string | null;
  customKeyIdentifier?: string | null;
}
interface GraphObject {
  id?: string;
  appId?: string;
  displayName?: string;
  passwordCredentials?: GraphPassword[];
  keyCredentials?: GraphKey[];
}

const SELECT = '$select=id,appId,displayName,passwordCredentials,keyCredentials';

/** A Graph object, or undefined when it does not exist (404). */
async function graphGet(az: Azure, path: string, label: string): Promise<GraphObject | undefined> {
  try {
    return (await az.graph.send<GraphObject>('GET', path, az.signal ? { signal: az.signal } : {})).body;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw failed(label, `GET ${path.split('?')[0] ?? path}`, err);
  }
}

/** The service principal and the application behind it (by appId: the action's, else the principal's). */
async function principalAndApp(az: Azure, action: PlanAction, label: string): Promise<{ sp?: GraphObject; app?: GraphObject }> {
  const objectId = optionalParam(action, 'objectId');
  const sp = objectId ? await graphGet(az, `/v1.0/servicePrincipals/${encodeURIComponent(objectId)}?${SELECT}`, label) : undefined;
  const appId = optionalParam(action, 'appId') ?? sp?.appId;
  const app = appId ? await graphGet(az, `/v1.0/applications(appId='${encodeURIComponent(appId)}')?${SELECT}`, label) : undefined;
  return { ...(sp ? { sp } : {}), ...(app ? { app } : {}) };
}

function credentialState(c: GraphKey, where: 'application' | 'servicePrincipal', objectId: string, kind: 'password' | 'key'): Json {
  return {
    exists: true,
    on: where,
    objectId,
    kind,
    ...(c.keyId ? { keyId: c.keyId } : {}),
    ...(c.displayName ? { displayName: c.displayName } : {}),
    ...(c.startDateTime ? { startDateTime: c.startDateTime } : {}),
    ...(c.endDateTime ? { endDateTime: c.endDateTime } : {}),
    ...(c.type ? { type: c.type } : {}),
    ...(c.usage ? { usage: c.usage } : {}),
    ...(c.customKeyIdentifier ? { customKeyIdentifier: c.customKeyIdentifier } : {}),
  };
}

const sameKey = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();

const secretDelete: ActionHandler = {
  kinds: ['azure.secret.delete'],
  async apply(action, ctx): Promise<Outcome> {
    const keyId = param(action, 'keyId');
    const objectId = optionalParam(action, 'objectId') ?? optionalParam(action, 'appId') ?? '-';
    const label = `azure ${optionalParam(action, 'tenant') ?? '-'} credential ${keyId} of ${objectId}`;
    const kind = optionalParam(action, 'credentialKind');
    const az = azureActionClients(ctx, optionalParam(action, 'tenant'));
    const { sp, app } = await principalAndApp(az, action, label);
    const places: { where: 'application' | 'servicePrincipal'; obj: GraphObject; base: string }[] = [
      ...(app?.id ? [{ where: 'application' as const, obj: app, base: `/v1.0/applications/${app.id}` }] : []),
      ...(sp?.id ? [{ where: 'servicePrincipal' as const, obj: sp, base: `/v1.0/servicePrincipals/${sp.id}` }] : []),
    ];
    const options = az.signal ? { signal: az.signal } : {};
    for (const { where, obj, base } of places) {
      const password = kind !== 'azure-certificate' ? obj.passwordCredentials?.find((p) => sameKey(p.keyId, keyId)) : undefined;
      if (password) {
        const before = credentialState(password, where, obj.id as string, 'password');
        try {
          await az.graph.send('POST', `${base}/removePassword`, { ...options, body: { keyId: password.keyId }, idempotent: true });
        } catch (err) {
          if (statusOf(err) === 404) return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
          throw failed(label, 'removePassword', err);
        }
        ctx.log.info('azure client secret deleted', { on: where, objectId: obj.id ?? null, keyId });
        const request: Json = { method: 'POST', path: `${base}/removePassword`, keyId };
        return { status: 'done', before, request, after: { exists: false } };
      }
      const key = kind !== 'azure-client-secret' ? obj.keyCredentials?.find((k) => sameKey(k.keyId, keyId)) : undefined;
      if (key) {
        const before = credentialState(key, where, obj.id as string, 'key');
        // The remaining certificates, by keyId (their `key` is never read back, and need not be sent again).
        const remaining = (obj.keyCredentials ?? [])
          .filter((k) => !sameKey(k.keyId, keyId))
          .map((k) => ({ keyId: k.keyId, type: k.type, usage: k.usage, displayName: k.displayName ?? null, customKeyIdentifier: k.customKeyIdentifier ?? null, startDateTime: k.startDateTime, endDateTime: k.endDateTime, key: null }));
        try {
          await az.graph.send('PATCH', base, { ...options, body: { keyCredentials: remaining }, idempotent: true });
        } catch (err) {
          if (statusOf(err) === 404) return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
          throw failed(label, 'PATCH keyCredentials', err);
        }
        ctx.log.info('azure certificate deleted', { on: where, objectId: obj.id ?? null, keyId });
        const request: Json = { method: 'PATCH', path: base, keyCredentials: remaining.map((k) => k.keyId ?? '') };
        return { status: 'done', before, request, after: { exists: false } };
      }
    }
    return { status: 'noop', before: { exists: false, ...(places.length === 0 ? { principal: 'gone' } : {}) }, request: null, after: { exists: false } };
  },
};

export const azureHandlers: ActionHandler[] = [roleAssignmentsRemove, secretDelete];

// ---------------------------------------------------------------------------------------------
// Minter

export const AZURE_SECRET_KEYS = { clientId: 'envvar:AZURE_CLIENT_ID', tenantId: 'envvar:AZURE_TENANT_ID', secret: 'envvar:AZURE_CLIENT_SECRET' } as const;

interface AddedPassword extends GraphPassword {
  secretText?: string | null;
}

/** The application behind the action's service principal (it holds the client secrets). */
async function applicationOf(az: Azure, action: PlanAction, label: string): Promise<GraphObject & { id: string; appId: string }> {
  const { app } = await principalAndApp(az, action, label);
  if (!app?.id || !app.appId) throw new Error(`${label}: Request_ResourceNotFound: no application behind it in this tenant (a managed identity or another tenant's app cannot get a client secret)`);
  return app as GraphObject & { id: string; appId: string };
}

export const azureMinter: CredentialMinter = {
  kinds: ['azure-service-principal'],
  async mint(action, ctx): Promise<MintedCredential> {
    const tenant = param(action, 'tenant');
    const label = principalLabel(action, optionalParam(action, 'objectId') ?? optionalParam(action, 'appId') ?? '-');
    const az = azureActionClients(ctx, tenant);
    const app = await applicationOf(az, action, label);
    const days = Math.min(AZURE_SECRET_MAX_DAYS, ctx.config.policy.maxSecretLifetimeDays);
    const start = ctx.now();
    const end = new Date(start.getTime() + days * DAY_MS);
    let added: AddedPassword | undefined;
    try {
      added = (
        await az.graph.send<AddedPassword>('POST', `/v1.0/applications/${app.id}/addPassword`, {
          body: { passwordCredential: { displayName: AZURE_SECRET_DISPLAY_NAME, startDateTime: start.toISOString(), endDateTime: end.toISOString() } },
          ...(az.signal ? { signal: az.signal } : {}),
        })
      ).body;
    } catch (err) {
      throw failed(label, 'addPassword', err);
    }
    if (!added?.keyId || !added.secretText) throw new Error(`${label}: addPassword returned no ${added?.keyId ? 'secretText' : 'keyId'}`);
    ctx.log.info('azure client secret created', { appId: app.appId, keyId: added.keyId, endDateTime: added.endDateTime ?? end.toISOString() });
    return {
      publicId: added.keyId,
      secrets: { [AZURE_SECRET_KEYS.clientId]: app.appId, [AZURE_SECRET_KEYS.tenantId]: tenant, [AZURE_SECRET_KEYS.secret]: added.secretText },
      expiresAt: new Date(added.endDateTime ?? end.toISOString()).toISOString(),
    };
  },
  async discard(action, publicId, ctx): Promise<void> {
    const label = principalLabel(action, optionalParam(action, 'objectId') ?? optionalParam(action, 'appId') ?? '-');
    const az = azureActionClients(ctx, optionalParam(action, 'tenant'));
    const { app } = await principalAndApp(az, action, label);
    if (!app?.id || !(app.passwordCredentials ?? []).some((p) => sameKey(p.keyId, publicId))) return;
    try {
      await az.graph.send('POST', `/v1.0/applications/${app.id}/removePassword`, { body: { keyId: publicId }, idempotent: true, ...(az.signal ? { signal: az.signal } : {}) });
      ctx.log.info('azure client secret discarded', { appId: app.appId ?? null, keyId: publicId });
    } catch (err) {
      if (statusOf(err) !== 404) throw failed(label, 'removePassword', err);
    }
  },
};
