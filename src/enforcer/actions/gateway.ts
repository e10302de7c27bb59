/**
 * The hoop.dev gateway's enforcer actions (hoop-gateway.md §3, §4, §7), through the hoop client the
 * gateway collector uses (src/providers/hoop/client.ts), built from the same `gateway:` config
 * section and API key variable (`gateway.apiKeyEnv`, HOOP_API_KEY by default):
 * - gateway.register: a fresh credential (from the identity kind's minter) into a new connection
 *   tagged with the identity (`sprawl-identity`), plus its access_control groups. Undo deletes
 *   the connection and discards the credential.
 * - gateway.rotate: a fresh credential into the identity's existing connection: PATCH with the
 *   whole secret map (hoop replaces it), the other entries kept, and the identity's tag added when
 *   missing (the fresh credential may be one no scan lists). Not reversible.
 * - gateway.cutoff: every access mode disabled (undo restores them), or the connection deleted.
 * Secret values exist only between the minter and the request body: every Outcome carries the
 * secret keys, never the values (`<redacted>`).
 */
import type { GatewayConfig } from '../../config/gateway-schema.ts';
import type { PlanAction } from '../../model/index.ts';
import { HoopApiError, createHoopClient } from '../../providers/hoop/client.ts';
import type { HoopClientSettings, HoopConnectionInput, HoopWriteClient } from '../../providers/hoop/client.ts';
import { decodeSprawlTag, encodeSprawlTag, SPRAWL_CREDENTIAL_TAG, SPRAWL_TAG } from '../../providers/hoop/tags.ts';
import type { HoopConnection } from '../../providers/hoop/types.ts';
import { CONNECTION_NAME_RE } from '../shapes.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Json, MintedCredential, Outcome } from './types.ts';

export const REDACTED = '<redacted>';
const ACCESS_CONTROL = 'access_control';
const MAX_TAGS = 10;

type Mode = 'enabled' | 'disabled';

export interface GatewayHandlerOptions {
  /** Client settings overriding the config's (retry delays in tests). */
  settings?: Partial<HoopClientSettings>;
}

/** The gateway's name in connection record ids, as the collector derives it. */
function gatewayName(cfg: GatewayConfig): string {
  return cfg.name ?? (cfg.url !== undefined ? new URL(cfg.url).hostname : 'gateway');
}

interface Gateway {
  client: HoopWriteClient;
  name: string;
}

/** The collector's client: the config's `gateway:` section, the API key from `ctx.env[gateway.apiKeyEnv]`. */
export function gatewayClient(ctx: ActionContext, opts: GatewayHandlerOptions = {}): Gateway {
  const cfg = ctx.config.gateway;
  if (cfg?.url === undefined) throw new Error('gateway: the config has no gateway url (gateway.url): sprawl cannot change connections');
  const name = gatewayName(cfg);
  const apiKey = ctx.env[cfg.apiKeyEnv];
  if (!apiKey) throw new Error(`gateway ${name}: the environment variable ${cfg.apiKeyEnv} (the hoop API key) is not set`);
  const client = createHoopClient({
    url: cfg.url,
    apiKey,
    timeoutMs: cfg.timeoutMs,
    maxRetries: cfg.maxRetries,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...opts.settings,
  });
  return { client, name };
}

// ---------------------------------------------------------------------------------------------
// Parameters

function label(action: PlanAction): string {
  const conn = action.params['connection'];
  return `gateway connection ${typeof conn === 'string' && conn !== '' ? conn : action.target}`;
}

function str(action: PlanAction, name: string): string {
  const v = action.params[name];
  if (typeof v !== 'string' || v === '') throw new Error(`${label(action)}: ${action.kind} needs the parameter ${name}`);
  return v;
}

function optStr(action: PlanAction, name: string): string | undefined {
  const v = action.params[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function strs(action: PlanAction, name: string, required = false): string[] {
  const v = action.params[name];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v) || (required && v.length === 0)) throw new Error(`${label(action)}: ${action.kind} needs the parameter ${name} (a list)`);
  return v;
}

function mode(action: PlanAction, name: string): Mode {
  const v = action.params[name] ?? 'enabled';
  if (v !== 'enabled' && v !== 'disabled') throw new Error(`${label(action)}: ${name} must be enabled or disabled, not ${String(v)}`);
  return v;
}

/** The plan's gateway (the connection's, as the scan saw it) must be the configured one. */
function checkGateway(action: PlanAction, gw: Gateway): void {
  const planned = optStr(action, 'gateway');
  if (planned !== undefined && planned !== gw.name) throw new Error(`${label(action)}: the plan names gateway ${planned}, the config gateway ${gw.name}`);
}

/** `k=v` list to the connection_tags map (at most 10), with the identity's sprawl tag. */
function tagsOf(action: PlanAction): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const kv of strs(action, 'tags')) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`${label(action)}: tag ${kv} is not key=value`);
    tags[kv.slice(0, i)] = kv.slice(i + 1);
  }
  tags[SPRAWL_TAG] ??= encodeSprawlTag(action.identityId);
  if (Object.keys(tags).length > MAX_TAGS) throw new Error(`${label(action)}: ${Object.keys(tags).length} connection tags, hoop allows ${MAX_TAGS}`);
  return tags;
}

function minterFor(action: PlanAction, minters: readonly CredentialMinter[]): CredentialMinter {
  const kind = action.params['identityKind'];
  const minter = minters.find((m) => m.kinds.includes(kind as never));
  if (!minter) throw new Error(`${label(action)}: no credential minter for identity kind ${String(kind)} (${action.identityName})`);
  return minter;
}

/** Non-secret values a minter may leave out: they are the identity's coordinates in the plan. */
const FROM_PARAMS: Record<string, string> = {
  'envvar:AWS_REGION': 'region',
  'envvar:CLOUDSDK_CORE_PROJECT': 'project',
  'envvar:AZURE_TENANT_ID': 'tenant',
  'envvar:AZURE_CLIENT_ID': 'appId',
};

/**
 * The connection's secret map: exactly `secretKeys`, each value the standard base64 of the plain
 * value. `keep`: keys whose current value may stay when the minter gives none (rotate).
 */
function secretMap(action: PlanAction, keys: readonly string[], minted: MintedCredential, keep: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const key of keys) {
    const param = FROM_PARAMS[key];
    const plain = minted.secrets[key] ?? (param !== undefined ? optStr(action, param) : undefined);
    if (plain !== undefined) out[key] = Buffer.from(plain, 'utf8').toString('base64');
    else if (!keep.has(key)) missing.push(key);
  }
  if (missing.length) throw new Error(`${label(action)}: the minted credential ${minted.publicId} has no value for ${missing.join(', ')}`);
  return out;
}

const redact = (secret: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.keys(secret).map((k) => [k, REDACTED]));

/** A plain JSON copy (hoop's objects are JSON already). */
const toJson = (v: unknown): Json => JSON.parse(JSON.stringify(v ?? null)) as Json;

function failure(action: PlanAction, operation: string, err: unknown): Error {
  const detail = err instanceof HoopApiError ? `${err.status ?? 'network'} ${err.message.replace(/^\d+ /, '')}` : err instanceof Error ? err.message : String(err);
  return new Error(`${label(action)}: ${operation}: ${detail}`, { cause: err });
}

async function call<T>(action: PlanAction, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw failure(action, operation, err);
  }
}

/** Is this connection the one sprawl registered for the action's identity? */
function ownedBy(conn: HoopConnection, action: PlanAction): boolean {
  const tag = conn.connection_tags?.[SPRAWL_TAG];
  return tag !== undefined && decodeSprawlTag(tag) === action.identityId;
}

function record(value: Json): Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

// ---------------------------------------------------------------------------------------------
// gateway.register

function registerHandler(minters: readonly CredentialMinter[], opts: GatewayHandlerOptions): ActionHandler {
  return {
    kinds: ['gateway.register'],
    async apply(action, ctx): Promise<Outcome> {
      const name = str(action, 'connection');
      if (!CONNECTION_NAME_RE.test(name)) throw new Error(`${label(action)}: the name breaks hoop's connection name rule`);
      const keys = strs(action, 'secretKeys', true);
      const tags = tagsOf(action);
      const groups = strs(action, 'accessControlGroups');
      const fields: Omit<HoopConnectionInput, 'secret'> = {
        name,
        type: str(action, 'type'),
        ...(optStr(action, 'subtype') ? { subtype: str(action, 'subtype') } : {}),
        command: strs(action, 'command'),
        agent_id: str(action, 'agentId'),
        connection_tags: tags,
        access_mode_runbooks: mode(action, 'accessModeRunbooks'),
        access_mode_exec: mode(action, 'accessModeExec'),
        access_mode_connect: mode(action, 'accessModeConnect'),
        access_schema: 'disabled',
        ...(strs(action, 'reviewers').length ? { reviewers: strs(action, 'reviewers') } : {}),
        ...(typeof action.params['minReviewApprovals'] === 'number' ? { min_review_approvals: action.params['minReviewApprovals'] } : {}),
        ...(strs(action, 'redactTypes').length ? { redact_types: strs(action, 'redactTypes') } : {}),
        ...(strs(action, 'guardrailRules').length ? { guardrail_rules: strs(action, 'guardrailRules') } : {}),
      };
      const gw = gatewayClient(ctx, opts);
      const { client } = gw;

      const existing = await call(action, `GET /api/connections/${name}`, () => client.getConnection(name));
      if (existing) {
        if (!ownedBy(existing, action)) {
          throw new Error(`${label(action)}: a connection of that name exists on gateway ${gw.name} and is not tagged ${SPRAWL_TAG} for ${action.identityId}`);
        }
        return { status: 'noop', before: { exists: true, connectionId: existing.id }, request: null, after: { connectionId: existing.id, name: existing.name } };
      }

      const minter = minterFor(action, minters);
      const minted = await minter.mint(action, ctx);
      const discard = async (): Promise<string | undefined> => {
        try {
          await minter.discard(action, minted.publicId, ctx);
          return undefined;
        } catch (err) {
          return `discarding credential ${minted.publicId} failed: ${err instanceof Error ? err.message : String(err)}`;
        }
      };

      let secret: Record<string, string>;
      try {
        secret = secretMap(action, keys, minted);
        if (Object.keys(tags).length < MAX_TAGS) fields.connection_tags = { ...tags, [SPRAWL_CREDENTIAL_TAG]: encodeSprawlTag(minted.publicId) };
      } catch (err) {
        const cleanup = await discard();
        throw cleanup ? new Error(`${(err as Error).message}; ${cleanup}`) : err;
      }
      const body: HoopConnectionInput = { ...fields, secret };
      const request: Record<string, Json> = { method: 'POST', path: '/api/connections', body: toJson({ ...body, secret: redact(secret) }) };

      let created: HoopConnection | undefined;
      try {
        created = await call(action, 'POST /api/connections', () => client.createConnection(body));
        if (groups.length) {
          const conn = created;
          const plugin = await call(action, `GET /api/plugins/${ACCESS_CONTROL}`, () => client.getPlugin(ACCESS_CONTROL));
          if (!plugin) {
            await call(action, 'POST /api/plugins', () => client.createPlugin({ name: ACCESS_CONTROL, connections: [] }));
            request['plugin'] = { method: 'POST', path: '/api/plugins', body: { name: ACCESS_CONTROL, connections: [] } };
          }
          const path = `/api/plugins/${ACCESS_CONTROL}/conn/${conn.id}`;
          await call(action, `PUT ${path}`, () => client.putPluginConnection(ACCESS_CONTROL, conn.id, groups));
          request['accessControl'] = { method: 'PUT', path, body: { config: groups } };
        }
      } catch (err) {
        const problems: string[] = [];
        // Only a connection that carries this identity's tag is ours to remove (a 409 means someone else's).
        try {
          const found = created ?? (await client.getConnection(name));
          if (found && ownedBy(found, action)) await client.deleteConnection(found.id);
        } catch (cleanupErr) {
          problems.push(`removing the connection failed: ${cleanupErr instanceof Error ? cleanupErr.message : String(cleanupErr)}`);
        }
        const d = await discard();
        if (d) problems.push(d);
        throw problems.length ? new Error(`${(err as Error).message}; ${problems.join('; ')}`, { cause: err }) : err;
      }
      ctx.log.info('gateway connection registered', { gateway: gw.name, connection: name, connectionId: created.id, credential: minted.publicId });
      return {
        status: 'done',
        before: { exists: false },
        request,
        after: { connectionId: created.id, name: created.name, credentialPublicId: minted.publicId, ...(minted.expiresAt ? { expiresAt: minted.expiresAt } : {}) },
      };
    },
    async undo(action, applied, ctx): Promise<Outcome> {
      const after = record(applied.after);
      const name = typeof after['name'] === 'string' ? after['name'] : str(action, 'connection');
      const publicId = typeof after['credentialPublicId'] === 'string' ? after['credentialPublicId'] : undefined;
      const gw = gatewayClient(ctx, opts);
      const conn = await call(action, `GET /api/connections/${name}`, () => gw.client.getConnection(name));
      if (conn && !ownedBy(conn, action)) throw new Error(`${label(action)}: the connection is no longer tagged ${SPRAWL_TAG} for ${action.identityId}; not deleting it`);
      const deleted = conn ? await call(action, `DELETE /api/connections/${name}`, () => gw.client.deleteConnection(name)) : false;
      if (publicId !== undefined) await minterFor(action, minters).discard(action, publicId, ctx);
      ctx.log.info('gateway connection removed (undo of register)', { gateway: gw.name, connection: name, ...(publicId ? { credential: publicId } : {}) });
      return {
        status: deleted ? 'done' : 'noop',
        before: conn ? { exists: true, connectionId: conn.id } : { exists: false },
        request: { method: 'DELETE', path: `/api/connections/${name}`, ...(publicId ? { discard: publicId } : {}) },
        after: { exists: false },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// gateway.rotate

function rotateHandler(minters: readonly CredentialMinter[], opts: GatewayHandlerOptions): ActionHandler {
  return {
    kinds: ['gateway.rotate'],
    async apply(action, ctx): Promise<Outcome> {
      const name = str(action, 'connection');
      const keys = strs(action, 'secretKeys', true);
      const gw = gatewayClient(ctx, opts);
      checkGateway(action, gw);
      const conn = await call(action, `GET /api/connections/${name}`, () => gw.client.getConnection(name));
      if (!conn) throw new Error(`${label(action)}: not found on gateway ${gw.name}`);
      const previous = conn.secret ?? {};
      const minter = minterFor(action, minters);
      const minted = await minter.mint(action, ctx);
      const path = `/api/connections/${name}`;
      let ours: Record<string, string> | undefined;
      // The fresh credential may be one no scan lists (a Kubernetes TokenRequest token) or whose
      // secret names no public id (an Azure client secret): the identity's and the credential's
      // tags keep the connection mapped to both, where hoop has room for them.
      const tags = { ...(conn.connection_tags ?? {}) };
      if (tags[SPRAWL_TAG] === undefined && Object.keys(tags).length < MAX_TAGS) tags[SPRAWL_TAG] = encodeSprawlTag(action.identityId);
      if (tags[SPRAWL_CREDENTIAL_TAG] !== undefined || Object.keys(tags).length < MAX_TAGS) tags[SPRAWL_CREDENTIAL_TAG] = encodeSprawlTag(minted.publicId);
      try {
        ours = secretMap(action, keys, minted, new Set(Object.keys(previous)));
        // hoop replaces the whole map: every entry kept as GET returned it (null where the org hides
        // values: hoop then keeps the stored one), ours replaced.
        const secret: Record<string, string | null> = { ...previous, ...ours };
        await call(action, `PATCH ${path}`, () => gw.client.patchConnection(name, { secret, connection_tags: tags }));
      } catch (err) {
        let problem: string | undefined;
        try {
          await minter.discard(action, minted.publicId, ctx);
        } catch (discardErr) {
          problem = `discarding credential ${minted.publicId} failed: ${discardErr instanceof Error ? discardErr.message : String(discardErr)}`;
        }
        throw problem ? new Error(`${(err as Error).message}; ${problem}`, { cause: err }) : err;
      }
      const previousSecretKeys = Object.keys(previous).sort();
      ctx.log.info('gateway connection secret rotated', { gateway: gw.name, connection: name, credential: minted.publicId });
      return {
        status: 'done',
        before: { connectionId: conn.id, secretKeys: previousSecretKeys },
        request: { method: 'PATCH', path, body: { secret: redact({ ...previous, ...ours }), connection_tags: tags } },
        after: { credentialPublicId: minted.publicId, previousSecretKeys, ...(minted.expiresAt ? { expiresAt: minted.expiresAt } : {}) },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// gateway.cutoff

interface Modes {
  accessModeExec: Mode;
  accessModeConnect: Mode;
  accessModeRunbooks: Mode;
}

const modesOf = (c: HoopConnection): Modes => ({ accessModeExec: c.access_mode_exec, accessModeConnect: c.access_mode_connect, accessModeRunbooks: c.access_mode_runbooks });
const modesPatch = (m: Modes) => ({ access_mode_exec: m.accessModeExec, access_mode_connect: m.accessModeConnect, access_mode_runbooks: m.accessModeRunbooks });
const DISABLED: Modes = { accessModeExec: 'disabled', accessModeConnect: 'disabled', accessModeRunbooks: 'disabled' };
const sameModes = (a: Modes, b: Modes): boolean => a.accessModeExec === b.accessModeExec && a.accessModeConnect === b.accessModeConnect && a.accessModeRunbooks === b.accessModeRunbooks;

function cutoffMode(action: PlanAction): 'disable' | 'delete' {
  const m = action.params['mode'] ?? 'disable';
  if (m !== 'disable' && m !== 'delete') throw new Error(`${label(action)}: cutoff mode must be disable or delete, not ${String(m)}`);
  return m;
}

/** The connection as `before` keeps it: everything but the secret values (their keys are kept). */
function withoutSecrets(c: HoopConnection): Json {
  const { secret, ...rest } = c;
  return toJson({ ...rest, secretKeys: Object.keys(secret ?? {}).sort() });
}

function cutoffHandler(opts: GatewayHandlerOptions): ActionHandler {
  return {
    kinds: ['gateway.cutoff'],
    async apply(action, ctx): Promise<Outcome> {
      const name = str(action, 'connection');
      const how = cutoffMode(action);
      const gw = gatewayClient(ctx, opts);
      checkGateway(action, gw);
      const path = `/api/connections/${name}`;
      const conn = await call(action, `GET ${path}`, () => gw.client.getConnection(name));
      if (!conn) return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
      if (how === 'delete') {
        const groups = await call(action, `GET /api/plugins/${ACCESS_CONTROL}/conn/${conn.id}`, () => gw.client.getPluginConnection(ACCESS_CONTROL, conn.id));
        const before = { exists: true, connection: withoutSecrets(conn), ...(groups ? { accessControlGroups: groups.config ?? [] } : {}) };
        const deleted = await call(action, `DELETE ${path}`, () => gw.client.deleteConnection(name));
        ctx.log.info('gateway connection deleted', { gateway: gw.name, connection: name });
        return { status: deleted ? 'done' : 'noop', before, request: { method: 'DELETE', path }, after: { exists: false } };
      }
      const previous = modesOf(conn);
      const before = { exists: true, connectionId: conn.id, ...previous };
      if (sameModes(previous, DISABLED)) return { status: 'noop', before, request: null, after: { ...DISABLED } };
      const patched = await call(action, `PATCH ${path}`, () => gw.client.patchConnection(name, modesPatch(DISABLED)));
      ctx.log.info('gateway connection disabled', { gateway: gw.name, connection: name });
      return { status: 'done', before, request: { method: 'PATCH', path, body: modesPatch(DISABLED) }, after: { ...modesOf(patched) } };
    },
    async undo(action, applied, ctx): Promise<Outcome> {
      const name = str(action, 'connection');
      const before = record(applied.before);
      if (cutoffMode(action) === 'delete') throw new Error(`${label(action)}: a deleted connection cannot be restored by undo (its secret is gone); register it again`);
      if (before['exists'] !== true) return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
      const wanted: Modes = { accessModeExec: modeValue(action, before['accessModeExec']), accessModeConnect: modeValue(action, before['accessModeConnect']), accessModeRunbooks: modeValue(action, before['accessModeRunbooks']) };
      const gw = gatewayClient(ctx, opts);
      const path = `/api/connections/${name}`;
      const conn = await call(action, `GET ${path}`, () => gw.client.getConnection(name));
      if (!conn) throw new Error(`${label(action)}: not found on gateway ${gw.name}; its access modes cannot be restored`);
      const current = modesOf(conn);
      if (sameModes(current, wanted)) return { status: 'noop', before: { ...current }, request: null, after: { ...current } };
      const patched = await call(action, `PATCH ${path}`, () => gw.client.patchConnection(name, modesPatch(wanted)));
      ctx.log.info('gateway connection access modes restored', { gateway: gw.name, connection: name });
      return { status: 'done', before: { ...current }, request: { method: 'PATCH', path, body: modesPatch(wanted) }, after: { ...modesOf(patched) } };
    },
  };
}

function modeValue(action: PlanAction, v: Json | undefined): Mode {
  if (v !== 'enabled' && v !== 'disabled') throw new Error(`${label(action)}: the journal's before has no access mode to restore`);
  return v;
}

/** The gateway's handlers; register and rotate mint through `minters` (by the action's identityKind). */
export function gatewayHandlers(minters: readonly CredentialMinter[], opts: GatewayHandlerOptions = {}): ActionHandler[] {
  return [registerHandler(minters, opts), rotateHandler(minters, opts), cutoffHandler(opts)];
}
