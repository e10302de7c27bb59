/**
 * The hoop write API the enforcer uses (hoop-gateway.md §3, §4, §7; checked against hoophq/hoop
 * `gateway/api/connections/{connections,helpers,secrets}.go`, `gateway/api/plugins/plugin.go`,
 * `gateway/api/pluginconnections/pluginconnections.go`), mutating the estate in memory so that the
 * next `GET /api/connections` (and so the gateway collector) sees the change:
 * - GET /api/agents
 * - POST /api/connections: 400 on a body that does not bind (missing required field: gin's
 *   `binding:"required"`), 422 on validation (name rule, more than 10 connection_tags, a tag key or
 *   value outside hoop's rules, such as a value with `.`, min_review_approvals <= 0), 409 when
 *   the name exists, 201 with the connection.
 *   Stricter than hoop: a secret value that is not standard base64 is a 422 (hoop stores it, and
 *   the agent fails to decode it at session time).
 * - GET, PUT, PATCH, DELETE /api/connections/{nameOrID}: PATCH applies the fields given; its
 *   `secret` replaces the whole map, and with hide_role_info a null value keeps the stored one
 *   (without it hoop stores the text `<nil>`, which the base64 check above refuses). DELETE: 204,
 *   and the connection's plugin entries go with it.
 * - GET /api/plugins, GET /api/plugins/{name} (404 when not enabled), POST /api/plugins (201;
 *   400 "plugin already enabled").
 * - GET, PUT, DELETE /api/plugins/{name}/conn/{connectionID} (400 for review and dlp; 404 when
 *   the plugin or connection does not exist).
 */
import { randomUUID } from 'node:crypto';
import type { HoopPlugin, HoopPluginConnection } from '../../providers/hoop/client.ts';
import type { HoopConnection } from '../../providers/hoop/types.ts';
import type { HoopEstate, HoopPluginState, HoopStoredConnection } from './estate.ts';
import { HoopFault } from './routes.ts';
import type { Route, RouteSettings } from './routes.ts';

const NAME_RE = /^[a-zA-Z0-9_]+(?:[-.]?[a-zA-Z0-9_]+){2,253}$/;
const TAG_KEY_RE = /^[a-zA-Z0-9_]+(?:[-./]?[a-zA-Z0-9_]+)*$/;
const TAG_VALUE_RE = /^[a-zA-Z0-9\-_+=@/:\s]+$/;
const OLD_TAG_RE = /^[a-zA-Z0-9_]+(?:[-.]?[a-zA-Z0-9_]+){0,128}$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Body = Record<string, unknown>;

const isRecord = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

function objectBody(body: unknown): Body {
  if (!isRecord(body)) throw new HoopFault(400, 'json: cannot unmarshal the request body into an object');
  return body;
}

/** gin's binding of a JSON field of the wrong type. */
function typeError(struct: string, field: string, want: string): HoopFault {
  return new HoopFault(400, `json: cannot unmarshal into Go struct field ${struct}.${field} of type ${want}`);
}

/** Type checks like encoding/json does for the fields the emulator reads. */
function checkTypes(b: Body, struct: string): void {
  const str = ['name', 'type', 'subtype', 'agent_id', 'resource_name', 'access_mode_runbooks', 'access_mode_exec', 'access_mode_connect', 'access_schema', 'jira_issue_template_id'];
  const arr = ['command', 'reviewers', 'redact_types', 'tags', 'guardrail_rules', 'attributes', 'force_approve_groups', 'mandatory_metadata_fields'];
  for (const f of str) if (b[f] !== undefined && b[f] !== null && typeof b[f] !== 'string') throw typeError(struct, f, 'string');
  for (const f of arr) if (b[f] !== undefined && b[f] !== null && !(Array.isArray(b[f]) && (b[f] as unknown[]).every((x) => typeof x === 'string'))) throw typeError(struct, f, '[]string');
  if (b['secret'] !== undefined && b['secret'] !== null && !isRecord(b['secret'])) throw typeError(struct, 'secret', 'map[string]interface {}');
  const tags = b['connection_tags'];
  if (tags !== undefined && tags !== null && !(isRecord(tags) && Object.values(tags).every((v) => typeof v === 'string'))) throw typeError(struct, 'connection_tags', 'map[string]string');
  const mra = b['min_review_approvals'];
  if (mra !== undefined && mra !== null && !Number.isInteger(mra)) throw typeError(struct, 'min_review_approvals', 'int');
}

const REQUIRED: readonly [string, string][] = [
  ['name', 'Name'],
  ['type', 'Type'],
  ['agent_id', 'AgentId'],
  ['access_mode_runbooks', 'AccessModeRunbooks'],
  ['access_mode_exec', 'AccessModeExec'],
  ['access_mode_connect', 'AccessModeConnect'],
  ['access_schema', 'AccessSchema'],
];

/** gin's `binding:"required"`: 400 with the validator's message per missing field. */
function checkRequired(b: Body): void {
  const missing = REQUIRED.filter(([json]) => typeof b[json] !== 'string' || b[json] === '');
  if (missing.length) throw new HoopFault(400, missing.map(([, go]) => `Key: 'Connection.${go}' Error:Field validation for '${go}' failed on the 'required' tag`).join('\n'));
}

/** validateConnectionRequest / validatePatchConnectionRequest (422). */
function checkTags(b: Body): void {
  const errors: string[] = [];
  for (const t of (b['tags'] as string[] | undefined) ?? []) {
    if (!OLD_TAG_RE.test(t)) errors.push('tags: values must contain between 1 and 128 alphanumeric characters, it may include (-), (_) or (.) characters');
  }
  if (errors.length) throw new HoopFault(422, errors.join('; '));
  const tags = (b['connection_tags'] as Record<string, string> | undefined | null) ?? {};
  if (Object.keys(tags).length > 10) throw new HoopFault(422, 'max tag association reached (10)');
  const mra = b['min_review_approvals'];
  if (typeof mra === 'number' && mra <= 0) throw new HoopFault(422, 'min review approvals must be greater than 0 or null');
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 64 || !TAG_KEY_RE.test(k)) {
      errors.push(`connection_tags (${k}), keys must contain between 1 and 64 alphanumeric characters, it may include (-), (_), (/), or (.) characters and it must not end with (-), (/) or (-)`);
    }
    if (v.length < 1 || v.length > 256 || !TAG_VALUE_RE.test(v)) {
      errors.push(`connection_tags (${k}), values must contain between 1 and 256 alphanumeric characters, it may include space, (-), (_), (/), (+), (@), (:), (=) or (.) characters`);
    }
  }
  if (errors.length) throw new HoopFault(422, errors.join('; '));
}

/** The sandbox's own check (see the header): every stored value is standard base64. */
function checkSecrets(secret: Record<string, string>): void {
  const bad = Object.entries(secret)
    .filter(([, v]) => !BASE64_RE.test(v))
    .map(([k]) => k);
  if (bad.length) throw new HoopFault(422, `secret: values must be base64 encoded (${bad.join(', ')})`);
}

/** hoop's CoerceToMapString: `fmt.Sprintf("%v", v)`. */
function coerce(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A PUT or PATCH secret map: whole-map replace; with hide_role_info, null keeps the stored value. */
function newSecrets(incoming: Body, stored: Record<string, string | null>, s: RouteSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(incoming)) out[k] = s.hideRoleInfo && v === null ? (stored[k] ?? '') : coerce(v);
  return out;
}

function withSecrets(c: HoopConnection, s: RouteSettings): HoopConnection {
  if (!s.hideRoleInfo) return c;
  return { ...c, secret: Object.fromEntries(Object.keys(c.secret).map((k) => [k, null])) };
}

function findConnection(estate: HoopEstate, key: string): HoopStoredConnection | undefined {
  return estate.connections.find((x) => x.name === key || x.id === key);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const agentOnline = (estate: HoopEstate, agentId: string): boolean => estate.agents.some((a) => a.id === agentId && a.status === 'CONNECTED');

function createConnection(_params: URLSearchParams, estate: HoopEstate, s: RouteSettings, raw: unknown): unknown {
  const b = objectBody(raw);
  checkTypes(b, 'Connection');
  checkRequired(b);
  const name = b['name'] as string;
  if (!NAME_RE.test(name)) throw new HoopFault(422, 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters');
  checkTags(b);
  const secret = Object.fromEntries(Object.entries((b['secret'] as Body | undefined | null) ?? {}).map(([k, v]) => [k, coerce(v)]));
  checkSecrets(secret);
  if (findConnection(estate, name)) throw new HoopFault(409, 'Connection already exists.');
  const conn = storedConnection(estate, b, { id: randomUUID(), name }, secret, Object.keys(secret).length ? new Date().toISOString() : undefined);
  estate.connections.push(conn);
  return withSecrets(conn, s);
}

/** A connection as POST and PUT store it: every field from the (validated) body. */
function storedConnection(estate: HoopEstate, b: Body, ids: { id: string; name: string }, secret: Record<string, string>, secretsUpdatedAt: string | undefined): HoopStoredConnection {
  const agentId = b['agent_id'] as string;
  return {
    id: ids.id,
    name: ids.name,
    type: b['type'] as string,
    subtype: (b['subtype'] as string | undefined) ?? '',
    command: strings(b['command']),
    secret,
    agent_id: agentId,
    resource_name: (b['resource_name'] as string | undefined) ?? '',
    status: agentOnline(estate, agentId) ? 'online' : 'offline',
    reviewers: strings(b['reviewers']),
    redact_types: strings(b['redact_types']),
    guardrail_rules: strings(b['guardrail_rules']),
    min_review_approvals: (b['min_review_approvals'] as number | undefined) ?? null,
    connection_tags: { ...((b['connection_tags'] as Record<string, string> | null | undefined) ?? {}) },
    access_mode_runbooks: b['access_mode_runbooks'] as 'enabled' | 'disabled',
    access_mode_exec: b['access_mode_exec'] as 'enabled' | 'disabled',
    access_mode_connect: b['access_mode_connect'] as 'enabled' | 'disabled',
    access_schema: b['access_schema'] as 'enabled' | 'disabled',
    attributes: strings(b['attributes']),
    ...(secretsUpdatedAt !== undefined ? { secrets_updated_at: secretsUpdatedAt } : {}),
  };
}

function mustFind(estate: HoopEstate, key: string): HoopStoredConnection {
  const c = findConnection(estate, key);
  if (!c) throw new HoopFault(404, 'not found');
  return c;
}

const PATCHABLE = ['command', 'type', 'subtype', 'agent_id', 'reviewers', 'redact_types', 'tags', 'connection_tags', 'access_mode_runbooks', 'access_mode_exec', 'access_mode_connect', 'access_schema', 'guardrail_rules', 'jira_issue_template_id', 'mandatory_metadata_fields', 'attributes', 'min_review_approvals', 'resource_name'] as const;

function patchConnection(key: string) {
  return (_params: URLSearchParams, estate: HoopEstate, s: RouteSettings, raw: unknown): unknown => {
    const conn = mustFind(estate, key);
    const b = objectBody(raw);
    checkTypes(b, 'ConnectionPatch');
    checkTags(b);
    let secret: Record<string, string> | undefined;
    if (isRecord(b['secret'])) {
      secret = newSecrets(b['secret'], conn.secret, s);
      checkSecrets(secret);
    }
    const target = conn as unknown as Record<string, unknown>;
    for (const f of PATCHABLE) if (b[f] !== undefined && b[f] !== null) target[f] = Array.isArray(b[f]) ? [...(b[f] as string[])] : isRecord(b[f]) ? { ...b[f] } : b[f];
    if (secret) {
      conn.secret = secret;
      conn.secrets_updated_at = new Date().toISOString();
    }
    conn.status = agentOnline(estate, conn.agent_id) ? 'online' : 'offline';
    return withSecrets(conn, s);
  };
}

function putConnection(key: string) {
  return (_params: URLSearchParams, estate: HoopEstate, s: RouteSettings, raw: unknown): unknown => {
    const conn = mustFind(estate, key);
    const b = objectBody(raw);
    checkTypes(b, 'Connection');
    checkRequired(b);
    if (!NAME_RE.test(b['name'] as string)) throw new HoopFault(422, 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters');
    checkTags(b);
    const secret = newSecrets((b['secret'] as Body | null | undefined) ?? {}, conn.secret, s);
    checkSecrets(secret);
    const changed = JSON.stringify(Object.entries(secret).sort()) !== JSON.stringify(Object.entries(conn.secret).sort());
    const next = storedConnection(estate, b, { id: conn.id, name: conn.name }, secret, changed ? new Date().toISOString() : conn.secrets_updated_at);
    estate.connections[estate.connections.indexOf(conn)] = next;
    return withSecrets(next, s);
  };
}

function deleteConnection(key: string) {
  return (_params: URLSearchParams, estate: HoopEstate): unknown => {
    const conn = mustFind(estate, key);
    estate.connections.splice(estate.connections.indexOf(conn), 1);
    for (const p of estate.plugins) p.connections = p.connections.filter((c) => c.connection_id !== conn.id);
    return null;
  };
}

function pluginOut(p: HoopPluginState): HoopPlugin {
  return {
    id: p.id,
    name: p.name,
    connections: p.connections.map((c) => ({ id: c.connection_id, name: c.connection_name, config: [...c.config] })),
    config: null,
  };
}

function pluginConnOut(p: HoopPluginState, c: HoopPluginState['connections'][number]): HoopPluginConnection {
  return { id: c.id, plugin_id: p.id, connection_id: c.connection_id, config: [...c.config], updated_at: c.updated_at };
}

function createPlugin(_params: URLSearchParams, estate: HoopEstate, _s: RouteSettings, raw: unknown): unknown {
  const b = objectBody(raw);
  const missing = [['name', 'Name'], ['connections', 'Connections']].filter(([json]) => (json === 'name' ? typeof b['name'] !== 'string' || b['name'] === '' : !Array.isArray(b['connections'])));
  if (missing.length) throw new HoopFault(400, missing.map(([, go]) => `Key: 'PluginRequest.${go}' Error:Field validation for '${go}' failed on the 'required' tag`).join('\n'));
  const name = b['name'] as string;
  if (estate.plugins.some((p) => p.name === name)) throw new HoopFault(400, 'plugin already enabled');
  const now = new Date().toISOString();
  const connections: HoopPluginState['connections'] = [];
  for (const item of b['connections'] as unknown[]) {
    if (!isRecord(item)) throw new HoopFault(400, 'json: cannot unmarshal into Go struct field PluginRequest.connections');
    const conn = typeof item['id'] === 'string' ? findConnection(estate, item['id']) : undefined;
    if (!conn) continue; // hoop skips connections it cannot find
    connections.push({ id: randomUUID(), connection_id: conn.id, connection_name: conn.name, config: strings(item['config']), updated_at: now });
  }
  const plugin: HoopPluginState = { id: randomUUID(), name, connections };
  estate.plugins.push(plugin);
  return pluginOut(plugin);
}

function pluginOf(estate: HoopEstate, name: string): HoopPluginState | undefined {
  return estate.plugins.find((p) => p.name === name);
}

const PLUGIN_CONN_MISSING = 'either the plugin or the connection does not exist';

function pluginConnRoute(method: string, name: string, connId: string): Route | undefined {
  if (method === 'PUT') {
    return {
      op: 'pluginconnections.put',
      run: (_params, estate, _s, raw) => {
        const b = raw === undefined ? {} : objectBody(raw);
        if (b['config'] !== undefined && b['config'] !== null && !(Array.isArray(b['config']) && (b['config'] as unknown[]).every((x) => typeof x === 'string'))) {
          throw typeError('PluginConnectionRequest', 'config', '[]string');
        }
        if (name === 'review' || name === 'dlp') throw new HoopFault(400, 'unable to manage review or dlp plugins, use the connection endpoint instead');
        const plugin = pluginOf(estate, name);
        const conn = estate.connections.find((c) => c.id === connId);
        if (!plugin || !conn) throw new HoopFault(404, PLUGIN_CONN_MISSING);
        const config = strings(b['config']);
        const now = new Date().toISOString();
        let entry = plugin.connections.find((c) => c.connection_id === conn.id);
        if (entry) Object.assign(entry, { config, updated_at: now });
        else {
          entry = { id: randomUUID(), connection_id: conn.id, connection_name: conn.name, config, updated_at: now };
          plugin.connections.push(entry);
        }
        return pluginConnOut(plugin, entry);
      },
    };
  }
  if (method === 'GET' || method === 'DELETE') {
    const find = (estate: HoopEstate): [HoopPluginState, HoopPluginState['connections'][number]] => {
      const plugin = pluginOf(estate, name);
      const entry = plugin?.connections.find((c) => c.connection_id === connId);
      if (!plugin || !entry) throw new HoopFault(404, PLUGIN_CONN_MISSING);
      return [plugin, entry];
    };
    if (method === 'GET') return { op: 'pluginconnections.get', run: (_params, estate) => pluginConnOut(...find(estate)) };
    return {
      op: 'pluginconnections.delete',
      status: 204,
      run: (_params, estate) => {
        const [plugin, entry] = find(estate);
        plugin.connections = plugin.connections.filter((c) => c !== entry);
        return null;
      },
    };
  }
  return undefined;
}

/** The routes above; `undefined` when the path is not one of them (the read routes take over). */
export function writeRoute(method: string, p: string): Route | undefined {
  if (method === 'GET' && p === '/api/agents') return { op: 'agents.list', run: (_params, estate) => estate.agents };
  if (p === '/api/connections' && method === 'POST') return { op: 'connections.create', status: 201, run: createConnection };
  const conn = /^\/api\/connections\/([^/]+)$/.exec(p);
  if (conn) {
    const key = conn[1] as string;
    if (method === 'PATCH') return { op: 'connections.patch', run: patchConnection(key) };
    if (method === 'PUT') return { op: 'connections.update', run: putConnection(key) };
    if (method === 'DELETE') return { op: 'connections.delete', status: 204, run: deleteConnection(key) };
    return undefined;
  }
  if (p === '/api/plugins') {
    if (method === 'GET') return { op: 'plugins.list', run: (_params, estate) => estate.plugins.map(pluginOut) };
    if (method === 'POST') return { op: 'plugins.create', status: 201, run: createPlugin };
    return undefined;
  }
  const pc = /^\/api\/plugins\/([^/]+)\/conn\/([^/]+)$/.exec(p);
  if (pc) return pluginConnRoute(method, pc[1] as string, pc[2] as string);
  const plugin = /^\/api\/plugins\/([^/]+)$/.exec(p);
  if (plugin && method === 'GET') {
    const name = plugin[1] as string;
    return {
      op: 'plugins.get',
      run: (_params, estate) => {
        const found = pluginOf(estate, name);
        if (!found) throw new HoopFault(404, 'plugin not found');
        return pluginOut(found);
      },
    };
  }
  return undefined;
}
