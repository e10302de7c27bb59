import { createHash } from 'node:crypto';
import { createDigestBuilder, type Activity, type Credential, type DigestBuilder, type DigestedActivity, type GatewayConnection, type GatewayUser, type Grant, type Identity, type Inventory, type InventoryRecord, type Leak, type Severity } from '../model/index.ts';
import { streamActivities, type ActivityRow } from './activities.ts';
import { insertRows } from './bulk.ts';
import { startSqliteWriter, type SqliteWriter } from './sqlite-writer.ts';
import { createInterner } from './intern.ts';
import type { Store } from './db.ts';
import { bool, opt, parseJson } from './json.ts';
import type { ActivitiesTable, CredentialsTable, GatewayConnectionsTable, GatewayUsersTable, GrantsTable, IdentitiesTable, LeaksTable } from './schema.ts';

/** Rows buffered per table before they are written (one SQLite transaction; PostgreSQL splits it, bulk.ts). */
const BATCH = 2000;
/** Rows a scan writes to a SQLite file on the main thread before it starts a background writer. */
const BACKGROUND_AFTER = 20_000;

export interface InventoryWriter {
  /** Buffers one record; full batches are written in the background, in order. */
  write(record: InventoryRecord): void;
  /** Writes what is buffered and rethrows the first write error, if any. */
  flush(): Promise<void>;
  readonly counts: Record<InventoryRecord['type'], number>;
}

export function grantKey(g: Grant): string {
  return createHash('sha256').update([g.identityId, g.scope, g.role, g.via, g.viaName ?? ''].join('\u0000')).digest('hex').slice(0, 32);
}

function identityRow(scanId: string, r: Identity): IdentitiesTable {
  return {
    scan_id: scanId,
    id: r.id,
    provider: r.provider,
    kind: r.kind,
    scope: r.scope,
    name: r.name,
    native_id: r.nativeId ?? null,
    created_at: r.createdAt ?? null,
    owner: r.owner ?? null,
    labels: JSON.stringify(r.labels),
    disabled: r.disabled ? 1 : 0,
    managed: r.managed ? 1 : 0,
    last_used_at: r.lastUsedAt ?? null,
    machine_reason: r.machineReason ?? null,
  };
}

function credentialRow(scanId: string, r: Credential): CredentialsTable {
  return {
    scan_id: scanId,
    id: r.id,
    identity_id: r.identityId,
    kind: r.kind,
    public_id: r.publicId,
    created_at: r.createdAt ?? null,
    expires_at: r.expiresAt ?? null,
    last_used_at: r.lastUsedAt ?? null,
    last_used_service: r.lastUsedService ?? null,
    last_used_region: r.lastUsedRegion ?? null,
    active: r.active ? 1 : 0,
    managed: r.managed ? 1 : 0,
    display_name: r.displayName ?? null,
  };
}

function grantRow(scanId: string, r: Grant): GrantsTable {
  return {
    scan_id: scanId,
    id: grantKey(r),
    identity_id: r.identityId,
    scope: r.scope,
    role: r.role,
    permissions: JSON.stringify(r.permissions),
    privilege: r.privilege,
    via: r.via,
    via_name: r.viaName ?? null,
  };
}

function activityRow(scanId: string, r: Activity): ActivitiesTable {
  return {
    scan_id: scanId,
    identity_id: r.identityId,
    credential_id: r.credentialId ?? null,
    at: r.at,
    source: r.source,
    actor: r.actor ?? null,
    target: r.target ?? null,
    verb: r.verb ?? null,
    actor_kind: r.actorKind ?? null,
    session_id: r.sessionId ?? null,
    connection_id: r.connectionId ?? null,
    end_at: r.endAt ?? null,
    status: r.status ?? null,
    review: r.review ?? null,
    command: r.command ?? null,
  };
}

function connectionRow(scanId: string, r: GatewayConnection): GatewayConnectionsTable {
  return {
    scan_id: scanId,
    id: r.id,
    gateway: r.gateway,
    name: r.name,
    type: r.type,
    subtype: r.subtype ?? null,
    tags: JSON.stringify(r.tags),
    secret_keys: JSON.stringify(r.secretKeys),
    identity_id: r.identityId ?? null,
    linked_by: r.linkedBy ?? null,
    created_at: r.createdAt ?? null,
    credential_id: r.credentialId ?? null,
  };
}

function gatewayUserRow(scanId: string, r: GatewayUser): GatewayUsersTable {
  return { scan_id: scanId, id: r.id, gateway: r.gateway, email: r.email ?? null, name: r.name ?? null, status: r.status, kind: r.kind };
}

function leakRow(scanId: string, r: Leak): LeaksTable {
  return {
    scan_id: scanId,
    id: r.id,
    rule: r.rule,
    severity: r.severity,
    repo: r.location.repo ?? null,
    path: r.location.path,
    line: r.location.line,
    col: r.location.column ?? null,
    commit_sha: r.location.commit ?? null,
    author: r.location.author ?? null,
    time: r.location.time ?? null,
    fingerprint: r.fingerprint,
    preview: r.preview,
    public_id: r.publicId ?? null,
    credential_id: r.credentialId ?? null,
  };
}

export interface InventoryWriterOptions {
  /**
   * SQLite store files: rows written on the main thread before the rest go to a background writer
   * (sqlite-writer.ts). Small scans never start its thread. Default BACKGROUND_AFTER.
   */
  backgroundAfter?: number;
}

/** Conflict keys of the tables the inventory writer fills (activities have none: every row lands). */
const CONFLICT = { identities: ['scan_id', 'id'], credentials: ['scan_id', 'id'], grants: ['scan_id', 'id'], activities: undefined, leaks: ['scan_id', 'id'], gateway_connections: ['scan_id', 'id'], gateway_users: ['scan_id', 'id'] } as const;
const TABLE = { identity: 'identities', credential: 'credentials', grant: 'grants', activity: 'activities', leak: 'leaks', connection: 'gateway_connections', 'gateway-user': 'gateway_users' } as const;

export function createInventoryWriter(store: Store, scanId: string, opts: InventoryWriterOptions = {}): InventoryWriter {
  const buffers = { identity: [] as IdentitiesTable[], credential: [] as CredentialsTable[], grant: [] as GrantsTable[], activity: [] as ActivitiesTable[], leak: [] as LeaksTable[], connection: [] as GatewayConnectionsTable[], 'gateway-user': [] as GatewayUsersTable[] };
  const counts = { identity: 0, credential: 0, grant: 0, activity: 0, leak: 0, connection: 0, 'gateway-user': 0 };
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  // A store file can be written from a second thread; :memory: and PostgreSQL are written here.
  const canBackground = store.sqlite !== undefined && store.location !== ':memory:';
  const backgroundAfter = opts.backgroundAfter ?? BACKGROUND_AFTER;
  let writtenHere = 0;
  let background: SqliteWriter | undefined;

  const drain = (type: InventoryRecord['type']): void => {
    const rows = buffers[type].splice(0);
    if (rows.length === 0) return;
    const toBackground = canBackground && writtenHere >= backgroundAfter;
    writtenHere += rows.length;
    const table = TABLE[type];
    chain = chain
      .then(() => {
        if (failure) return;
        if (!toBackground) return insertRows(store, table, rows as never[], CONFLICT[table] as never);
        // Started after the batches written here have landed, so the rows stay in order.
        background ??= startSqliteWriter(store.location);
        background.insert(table, rows, CONFLICT[table]);
      })
      .catch((err: unknown) => {
        failure ??= err;
      });
  };

  return {
    counts,
    write(rec) {
      counts[rec.type]++;
      switch (rec.type) {
        case 'identity':
          buffers.identity.push(identityRow(scanId, rec.record));
          break;
        case 'credential':
          buffers.credential.push(credentialRow(scanId, rec.record));
          break;
        case 'grant':
          buffers.grant.push(grantRow(scanId, rec.record));
          break;
        case 'activity':
          buffers.activity.push(activityRow(scanId, rec.record));
          break;
        case 'leak':
          buffers.leak.push(leakRow(scanId, rec.record));
          break;
        case 'connection':
          buffers.connection.push(connectionRow(scanId, rec.record));
          break;
        case 'gateway-user':
          buffers['gateway-user'].push(gatewayUserRow(scanId, rec.record));
          break;
      }
      if (buffers[rec.type].length >= BATCH) drain(rec.type);
    },
    async flush() {
      for (const type of ['identity', 'credential', 'grant', 'activity', 'leak', 'connection', 'gateway-user'] as const) drain(type);
      await chain;
      if (background) {
        const closing = background.close();
        background = undefined;
        writtenHere = 0;
        await closing.catch((err: unknown) => {
          failure ??= err;
        });
      }
      if (failure) throw failure instanceof Error ? failure : new Error('writing to the store failed', { cause: failure });
    },
  };
}

export interface LoadOptions {
  /**
   * `records` (the default) loads every activity record; `digest` streams them into
   * `inventory.activityDigest` and leaves `activities` empty: what analysis, reports, plans and
   * applies read, in a fraction of the memory.
   */
  activities?: 'records' | 'digest';
}

function activityOf(r: ActivityRow): Activity {
  return {
    identityId: r.identity_id,
    credentialId: opt(r.credential_id),
    at: r.at,
    source: r.source as Activity['source'],
    actor: opt(r.actor),
    target: opt(r.target),
    verb: opt(r.verb),
    ...(r.actor_kind !== null ? { actorKind: r.actor_kind as 'human' | 'machine' } : {}),
    ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
    ...(r.connection_id !== null ? { connectionId: r.connection_id } : {}),
    ...(r.end_at !== null ? { endAt: r.end_at } : {}),
    ...(r.status !== null ? { status: r.status } : {}),
    ...(r.review !== null ? { review: r.review } : {}),
    ...(r.command !== null ? { command: r.command } : {}),
  };
}

/** The columns the digest reads. */
const DIGEST_COLUMNS = ['identity_id', 'credential_id', 'at', 'source', 'actor', 'connection_id', 'end_at', 'command'] as const;

/** The fields the digest reads, without building the whole record. */
function digestedOf(r: Pick<ActivityRow, (typeof DIGEST_COLUMNS)[number]>): DigestedActivity {
  return {
    identityId: r.identity_id,
    credentialId: opt(r.credential_id),
    at: r.at,
    source: r.source as Activity['source'],
    actor: opt(r.actor),
    connectionId: opt(r.connection_id),
    endAt: opt(r.end_at),
    command: opt(r.command),
  };
}

export async function loadInventory(store: Store, scanId: string, options: LoadOptions = {}): Promise<Inventory> {
  const { db } = store;
  const i = createInterner();
  const optI = (v: string | null): string | undefined => (v === null ? undefined : i.s(v));
  // One table at a time, each result set mapped and let go before the next is read.
  const identities = (await db.selectFrom('identities').selectAll().where('scan_id', '=', scanId).orderBy('id').execute()).map(
    (r): Identity => ({
      id: i.s(r.id),
      provider: i.s(r.provider) as Identity['provider'],
      kind: i.s(r.kind) as Identity['kind'],
      scope: i.s(r.scope),
      name: r.name,
      nativeId: opt(r.native_id),
      createdAt: opt(r.created_at),
      owner: optI(r.owner),
      labels: i.json<Record<string, string>>(r.labels, {}, `identity ${r.id} labels`),
      disabled: bool(r.disabled),
      managed: bool(r.managed),
      lastUsedAt: opt(r.last_used_at),
      machineReason: optI(r.machine_reason),
    }),
  );
  const credentials = (await db.selectFrom('credentials').selectAll().where('scan_id', '=', scanId).orderBy('id').execute()).map(
    (r): Credential => ({
      id: r.id,
      identityId: i.s(r.identity_id),
      kind: i.s(r.kind) as Credential['kind'],
      publicId: r.public_id,
      createdAt: opt(r.created_at),
      expiresAt: opt(r.expires_at),
      lastUsedAt: opt(r.last_used_at),
      lastUsedService: optI(r.last_used_service),
      lastUsedRegion: optI(r.last_used_region),
      active: bool(r.active),
      ...(bool(r.managed) ? { managed: true } : {}),
      ...(r.display_name !== null ? { displayName: r.display_name } : {}),
    }),
  );
  const grants = (await db.selectFrom('grants').selectAll().where('scan_id', '=', scanId).orderBy('identity_id').orderBy('id').execute()).map(
    (r): Grant => ({
      identityId: i.s(r.identity_id),
      scope: i.s(r.scope),
      role: i.s(r.role),
      permissions: i.json<string[]>(r.permissions, [], `grant ${r.id} permissions`),
      privilege: i.s(r.privilege) as Grant['privilege'],
      via: i.s(r.via) as Grant['via'],
      viaName: optI(r.via_name),
    }),
  );
  const leaks = await db.selectFrom('leaks').selectAll().where('scan_id', '=', scanId).orderBy('path').orderBy('line').orderBy('id').execute();
  const conns = await db.selectFrom('gateway_connections').selectAll().where('scan_id', '=', scanId).orderBy('id').execute();
  const gwUsers = await db.selectFrom('gateway_users').selectAll().where('scan_id', '=', scanId).orderBy('id').execute();
  const activities: Activity[] = [];
  let digest: DigestBuilder | undefined;
  if (options.activities === 'digest') {
    const builder = (digest = createDigestBuilder());
    await streamActivities(store, scanId, (row) => builder.add(digestedOf(row)), DIGEST_COLUMNS);
  } else {
    await streamActivities(store, scanId, (row) => activities.push(activityOf(row)));
  }
  return {
    identities,
    credentials,
    grants,
    activities,
    ...(digest ? { activityDigest: digest.digest } : {}),
    leaks: leaks.map(
      (r): Leak => ({
        id: r.id,
        rule: r.rule,
        severity: r.severity as Severity,
        location: {
          repo: opt(r.repo),
          path: r.path,
          line: Number(r.line),
          column: r.col === null ? undefined : Number(r.col),
          commit: opt(r.commit_sha),
          author: opt(r.author),
          time: opt(r.time),
        },
        fingerprint: r.fingerprint,
        preview: r.preview,
        publicId: opt(r.public_id),
        credentialId: opt(r.credential_id),
      }),
    ),
    connections: conns.map(
      (r): GatewayConnection => ({
        id: r.id,
        gateway: r.gateway,
        name: r.name,
        type: r.type,
        ...(r.subtype !== null ? { subtype: r.subtype } : {}),
        tags: parseJson<Record<string, string>>(r.tags, {}, `connection ${r.id} tags`),
        secretKeys: parseJson<string[]>(r.secret_keys, [], `connection ${r.id} secret keys`),
        ...(r.identity_id !== null ? { identityId: r.identity_id } : {}),
        ...(r.linked_by !== null ? { linkedBy: r.linked_by as NonNullable<GatewayConnection['linkedBy']> } : {}),
        ...(r.created_at !== null ? { createdAt: r.created_at } : {}),
        ...(r.credential_id !== null ? { credentialId: r.credential_id } : {}),
      }),
    ),
    gatewayUsers: gwUsers.map(
      (r): GatewayUser => ({
        id: r.id,
        gateway: r.gateway,
        ...(r.email !== null ? { email: r.email } : {}),
        ...(r.name !== null ? { name: r.name } : {}),
        status: r.status,
        kind: r.kind as GatewayUser['kind'],
      }),
    ),
  };
}
