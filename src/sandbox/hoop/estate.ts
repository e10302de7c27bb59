/**
 * A deterministic hoop.dev gateway estate: people, machine identities and API keys; connections
 * for a subset of the given identities (linked by a sprawl tag, a `cloud_principal` tag, only by
 * their credential, by GCP federation, only by the config's connection map, or not at all); admin
 * audit log entries; and sessions over the last `spanDays` days.
 *
 * Sessions are never materialised: session `i` is computed from the seed and `i` alone, newest
 * first (start times never increase with `i`), so a million of them cost nothing until read, and
 * the emulator finds a time range by binary search. The index is embedded in the session id.
 */
import { fakeBase64, fakeHex } from '../../collectors/repos/rules/fake.ts';
import type { HoopAgent } from '../../providers/hoop/client.ts';
import type { HoopApiKey, HoopAuditLog, HoopConnection, HoopMachineIdentity, HoopSession, HoopUser } from '../../providers/hoop/types.ts';
import { SPRAWL_TAG, encodeSprawlTag } from '../../providers/hoop/tags.ts';
import { HEX, createRng, hash32 } from '../random.ts';
import type { Rng } from '../random.ts';

export interface HoopIdentityInput {
  /** The sprawl identity id (`aws:123:user/etl`, `gcp:p:sa/x@p.iam.gserviceaccount.com`, `k8s:c:ns/name`). */
  id: string;
  /** Identity kind (`aws-iam-user`, `gcp-service-account`, `k8s-service-account`, ...). */
  kind: string;
  /** Credential public ids: AWS key ids, GCP private_key_ids, k8s token secrets `<ns>/<secret>`. */
  publicIds: string[];
  /** ARN or service-account email. */
  principal?: string;
}

export interface HoopEstateOptions {
  seed: string | number;
  nowMs: number;
  identities: readonly HoopIdentityInput[];
  /** Sessions per connection on average (default 10); ignored when `sessionCount` is given. */
  sessionsPerIdentity?: number;
  /** Total sessions (e.g. 1,000,000 for a load test). */
  sessionCount?: number;
  /** Days the sessions spread over, back from now (default 90). */
  spanDays?: number;
  /** Share of the identities that get a connection (default 0.8). */
  coverage?: number;
}

/** How sprawl can tell which identity a connection acts as. */
export type HoopLinkKind = 'sprawl-tag' | 'cloud-principal' | 'credential' | 'federation' | 'config' | 'none';

/** The answer key: what the collector should find for each connection. */
export interface HoopConnectionTruth {
  name: string;
  identityId?: string;
  link: HoopLinkKind;
  /** For `config`: a connection-map entry that links it. */
  pattern?: string;
  /** The connection's secrets hold the identity's first credential (`publicIds[0]`): its sessions use that key. */
  holdsKey?: boolean;
}

/** A connection as the emulator stores it: what GET returns, plus the write-only fields a POST may set. */
export type HoopStoredConnection = HoopConnection & {
  redact_types?: string[];
  guardrail_rules?: string[];
  min_review_approvals?: number | null;
};

/** An enabled plugin and its per-connection entries (`/api/plugins`, `/api/plugins/{name}/conn/{id}`). */
export interface HoopPluginState {
  id: string;
  name: string;
  connections: { id: string; connection_id: string; connection_name: string; config: string[]; updated_at: string }[];
}

export interface HoopEstate {
  seed: string;
  nowMs: number;
  /** The gateway's host name (`gateway.acme.example`). */
  gateway: string;
  orgId: string;
  users: HoopUser[];
  machineIdentities: HoopMachineIdentity[];
  apiKeys: HoopApiKey[];
  /** Mutated by the write routes (POST/PATCH/PUT/DELETE): the emulator's current connections. */
  connections: HoopStoredConnection[];
  /** The agent that runs the estate's connections (`GET /api/agents`). */
  agents: HoopAgent[];
  /** Enabled plugins (none at first), mutated by the plugin routes. */
  plugins: HoopPluginState[];
  truth: HoopConnectionTruth[];
  auditLogs: HoopAuditLog[];
  sessionCount: number;
  spanMs: number;
  /** The one session whose script assigns a (fake) AWS secret access key, and that value. */
  planted: { sessionId: string; index: number; secret: string };
  /** Start time (ms) of session `i`; non-increasing in `i`. */
  sessionStartMs(i: number): number;
  /** Session `i` as `GET /api/sessions/{id}` returns it (with its script). */
  sessionAt(i: number): HoopSession;
  /** The index of a session id, or undefined. */
  indexOf(sessionId: string): number | undefined;
  /** Indexes `[lo, hi)` of the sessions with `startMs <= start <= endMs`. */
  indexRange(startMs: number, endMs: number): [number, number];
  /** Every session, newest first, generated lazily. */
  sessions(): Generator<HoopSession>;
}

const DAY_MS = 86_400_000;
const ORGS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'] as const;
const FIRST = ['ana', 'ben', 'chloe', 'dev', 'emma', 'farid', 'grace', 'hugo', 'ines', 'jon', 'kim', 'lea', 'marc', 'nora', 'omar', 'paula', 'quinn', 'rosa', 'sam', 'tara'] as const;
const LAST = ['martin', 'nguyen', 'schmidt', 'rossi', 'kowalski', 'dubois', 'silva', 'jensen', 'okafor', 'tanaka', 'garcia', 'novak'] as const;
const MACHINES = ['etl-runner', 'backup-bot', 'deploy-agent', 'report-builder'] as const;
const API_KEYS = ['ci-pipeline', 'terraform-cloud', 'sprawl-reader', 'old-jenkins'] as const;
const UNLINKABLE: ReadonlyArray<readonly [string, string, string]> = [
  ['pg-legacy-reports', 'database', 'postgres'],
  ['ssh-bastion-eu', 'application', 'ssh'],
  ['mysql-billing-ro', 'database', 'mysql'],
];

const SCRIPTS: Record<string, readonly string[]> = {
  'aws-cli': ['aws s3 ls', 'aws sts get-caller-identity', 'aws s3 cp s3://exports/daily.csv -', 'aws ec2 describe-instances --region eu-west-1', 'aws iam list-users'],
  bigquery: ['bq ls', 'bq query --use_legacy_sql=false "SELECT COUNT(*) FROM analytics.events"', 'gcloud storage ls gs://warehouse-exports'],
  kubernetes: ['kubectl get pods -A', 'kubectl logs deploy/api --tail=100', 'kubectl rollout restart deploy/worker', 'kubectl get secrets -n payments'],
  postgres: ['SELECT now()', 'SELECT id, email FROM customers LIMIT 10', "UPDATE jobs SET state = 'retry' WHERE id = 42", 'VACUUM ANALYZE events'],
  mysql: ['SELECT COUNT(*) FROM invoices', 'SHOW PROCESSLIST'],
  ssh: ['uptime', 'df -h', 'sudo systemctl status nginx'],
  bash: ['./run-report.sh', 'env | grep -c APP_', 'curl -s https://internal.example/healthz'],
};

/**
 * What each script above does, for the ground truth: `true` reads only, `false` writes (an
 * UPDATE, VACUUM, a rollout restart); scripts not listed (shell commands) say neither.
 */
export const SCRIPT_READS: ReadonlyMap<string, boolean> = new Map([
  ...(SCRIPTS['aws-cli'] ?? []).map((s) => [s, true] as const),
  ...(SCRIPTS['bigquery'] ?? []).map((s) => [s, true] as const),
  ['kubectl get pods -A', true],
  ['kubectl logs deploy/api --tail=100', true],
  ['kubectl rollout restart deploy/worker', false],
  ['kubectl get secrets -n payments', true],
  ['SELECT now()', true],
  ['SELECT id, email FROM customers LIMIT 10', true],
  ["UPDATE jobs SET state = 'retry' WHERE id = 42", false],
  ['VACUUM ANALYZE events', false],
  ['SELECT COUNT(*) FROM invoices', true],
  ['SHOW PROCESSLIST', true],
]);

/** A uuid-shaped id from the generator. */
function uuid(rng: Rng): string {
  const h = rng.chars(32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const iso = (ms: number): string => new Date(ms).toISOString();

/** A connection-name-safe slug of an identity id's last segment. */
function slug(id: string): string {
  const tail = id.split(/[/:]/).pop() ?? id;
  const s = (tail.split('@')[0] ?? tail).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.length >= 3 ? s.slice(0, 40) : `id-${s || 'x'}`;
}

type Family = 'aws' | 'gcp' | 'k8s' | 'other';
const familyOf = (kind: string): Family => (kind.startsWith('aws-') ? 'aws' : kind.startsWith('gcp-') ? 'gcp' : kind.startsWith('k8s-') ? 'k8s' : 'other');

/** Link methods an identity's connection can carry. */
function feasible(ident: HoopIdentityInput): HoopLinkKind[] {
  const fam = familyOf(ident.kind);
  const out: HoopLinkKind[] = ['sprawl-tag', 'config'];
  if (ident.principal !== undefined && !ident.principal.includes('.') && ident.principal.length <= 256) out.push('cloud-principal');
  if (ident.publicIds.length > 0 && fam !== 'other') out.push('credential');
  if (fam === 'gcp' && ident.principal !== undefined) out.push('federation');
  return out;
}

const ORDER: readonly HoopLinkKind[] = ['sprawl-tag', 'cloud-principal', 'credential', 'federation', 'config'];

/** A fake, unsigned legacy service-account token whose claims name its secret. */
function fakeK8sToken(publicId: string, saName: string, seed: string): string {
  const [ns = 'default', secret = 'token'] = publicId.split('/');
  const seg = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': secret,
    'kubernetes.io/serviceaccount/service-account.name': saName,
    sub: `system:serviceaccount:${ns}:${saName}`,
  };
  return `${seg({ alg: 'RS256', kid: fakeHex(`${seed}/kid`, 16) })}.${seg(claims)}.${fakeBase64(`${seed}/sig`, 43).replace(/\+/g, '-').replace(/\//g, '_')}`;
}

function buildConnection(ident: HoopIdentityInput, link: HoopLinkKind, name: string, rng: Rng, agentId: string, seed: string): { connection: HoopConnection; holdsKey: boolean } {
  const fam = familyOf(ident.kind);
  const tags: Record<string, string> = { environment: rng.pick(['prod', 'staging', 'dev']) };
  if (link === 'sprawl-tag') tags[SPRAWL_TAG] = encodeSprawlTag(ident.id);
  if (link === 'cloud-principal' && ident.principal !== undefined) tags['cloud_principal'] = ident.principal;
  const secret: Record<string, string> = {};
  const agentEnv = b64('system.agent.envs');
  // Tag-linked connections sometimes hold the key too: the tag must still win.
  const withCredential = link === 'credential' || (link === 'sprawl-tag' && rng.chance(0.5));
  const publicId = ident.publicIds[0];
  const type = 'custom';
  let subtype = 'bash';
  let command = ['bash'];
  if (fam === 'aws') {
    subtype = 'aws-cli';
    secret['envvar:AWS_ACCESS_KEY_ID'] = withCredential && publicId ? b64(publicId) : agentEnv;
    secret['envvar:AWS_SECRET_ACCESS_KEY'] = withCredential ? b64(`FAKE${fakeBase64(`${seed}/${name}/sk`, 36)}`) : agentEnv;
    secret['envvar:AWS_REGION'] = b64(rng.pick(['us-east-1', 'eu-west-1', 'eu-central-1']));
  } else if (fam === 'gcp') {
    subtype = 'bigquery';
    const email = ident.principal ?? `${slug(ident.id)}@sandbox.iam.gserviceaccount.com`;
    const project = email.split('@')[1]?.split('.')[0] ?? 'sandbox';
    secret['envvar:CLOUDSDK_CORE_PROJECT'] = b64(project);
    if (link !== 'federation') {
      const key = {
        type: 'service_account',
        project_id: project,
        private_key_id: withCredential && publicId ? publicId : fakeHex(`${seed}/${name}/other-key`, 40),
        private_key: '-----BEGIN PRIVATE KEY-----\nSANDBOX-FAKE-NOT-A-KEY\n-----END PRIVATE KEY-----\n',
        client_email: link === 'credential' ? `key-holder@${project}.iam.gserviceaccount.com` : email,
        client_id: fakeHex(`${seed}/${name}/client`, 21).replace(/[a-f]/g, '7'),
      };
      secret['filesystem:GOOGLE_APPLICATION_CREDENTIALS'] = b64(JSON.stringify(key));
    }
  } else if (fam === 'k8s') {
    subtype = 'kubernetes';
    command = [];
    const sa = ident.id.split('/').pop() ?? 'default';
    if (withCredential && publicId) secret['envvar:KUBERNETES_BEARER_TOKEN'] = b64(`Bearer ${fakeK8sToken(publicId, sa, `${seed}/${name}`)}`);
    else secret['envvar:KUBERNETES_BEARER_TOKEN'] = b64('_vaultkv2:secret/data/k8s:token');
    secret['envvar:KUBERNETES_CLUSTER_URL'] = b64('https://10.0.0.1:6443');
  }
  const holdsKey = withCredential && publicId !== undefined && fam !== 'other';
  const connection: HoopConnection = {
    id: uuid(rng),
    name,
    type,
    subtype,
    command,
    secret,
    agent_id: agentId,
    resource_name: `${fam}-resources`,
    status: rng.chance(0.9) ? 'online' : 'offline',
    reviewers: rng.chance(0.3) ? ['sre'] : [],
    connection_tags: tags,
    access_mode_runbooks: 'enabled',
    access_mode_exec: 'enabled',
    access_mode_connect: subtype === 'kubernetes' ? 'enabled' : 'disabled',
    access_schema: 'disabled',
    attributes: [],
  };
  return { connection, holdsKey };
}

interface Actor {
  identity_type: 'user' | 'machine';
  user: string;
  user_id: string;
  user_name: string;
  machine_identity_id?: string;
}

export function generateHoopEstate(opts: HoopEstateOptions): HoopEstate {
  const seed = String(opts.seed);
  const nowMs = opts.nowMs;
  const rng = createRng(`hoop/${seed}`);
  const org = rng.pick(ORGS);
  const gateway = `gateway.${org}.example`;
  const domain = `${org}.example`;
  const orgId = uuid(rng);
  const agentId = uuid(rng);

  // People.
  const peopleRng = rng.fork('people');
  const users: HoopUser[] = [];
  const humanCount = Math.min(40, Math.max(6, Math.ceil(opts.identities.length / 3)));
  const seen = new Set<string>();
  for (let i = 0; users.length < humanCount && i < humanCount * 10; i++) {
    const first = peopleRng.pick(FIRST);
    const last = peopleRng.pick(LAST);
    const email = `${first}.${last}@${domain}`;
    if (seen.has(email)) continue;
    seen.add(email);
    const status = users.length === 1 ? 'inactive' : peopleRng.weighted([['active', 85], ['inactive', 10], ['invited', 5]] as const);
    users.push({
      id: uuid(peopleRng),
      name: `${first[0]?.toUpperCase() ?? ''}${first.slice(1)} ${last[0]?.toUpperCase() ?? ''}${last.slice(1)}`,
      email,
      status,
      role: users.length < 2 ? 'admin' : 'standard',
      groups: users.length < 2 ? ['admin'] : [peopleRng.pick(['sre', 'data', 'dev'])],
      slack_id: '',
      picture: '',
      verified: true,
    });
  }

  // Connections.
  const connRng = rng.fork('connections');
  const coverage = opts.coverage ?? 0.8;
  const connections: HoopConnection[] = [];
  const truth: HoopConnectionTruth[] = [];
  const principalOf = new Map<string, string>();
  const names = new Set<string>();
  let picked = 0;
  for (const ident of opts.identities) {
    if (picked >= ORDER.length && !connRng.chance(coverage)) continue;
    const options = feasible(ident);
    const wanted = ORDER[picked % ORDER.length] as HoopLinkKind;
    const link = options.includes(wanted) ? wanted : connRng.pick(options);
    picked++;
    const fam = familyOf(ident.kind);
    const prefix = link === 'config' ? 'batch' : fam === 'aws' ? 'aws' : fam === 'gcp' ? 'gcp' : fam === 'k8s' ? 'k8s' : 'app';
    let name = `${prefix}-${slug(ident.id)}`;
    for (let n = 2; names.has(name); n++) name = `${prefix}-${slug(ident.id)}-${n}`;
    names.add(name);
    const built = buildConnection(ident, link, name, connRng, agentId, seed);
    connections.push(built.connection);
    truth.push({ name, identityId: ident.id, link, ...(link === 'config' ? { pattern: name } : {}), ...(built.holdsKey ? { holdsKey: true } : {}) });
    if (link === 'federation' && ident.principal !== undefined) principalOf.set(name, ident.principal);
  }
  for (const [name, type, subtype] of UNLINKABLE) {
    connections.push({
      id: uuid(connRng),
      name,
      type,
      subtype,
      command: [],
      secret: { 'envvar:HOST': b64(`${name}.internal`), 'envvar:USER': b64('app'), 'envvar:PASS': b64(`_aws:${name}:password`) },
      agent_id: agentId,
      resource_name: name,
      status: 'online',
      reviewers: [],
      connection_tags: { environment: 'prod' },
      access_mode_runbooks: 'enabled',
      access_mode_exec: 'enabled',
      access_mode_connect: 'enabled',
      access_schema: 'enabled',
      attributes: [],
    });
    truth.push({ name, link: 'none' });
  }

  // Machine identities and API keys.
  const miRng = rng.fork('machines');
  const machineIdentities: HoopMachineIdentity[] = MACHINES.map((name) => ({
    id: uuid(miRng),
    name,
    description: `${name} workload`,
    connection_names: connections.filter(() => miRng.chance(0.3)).map((c) => c.name),
    attributes: [],
    created_at: iso(nowMs - miRng.int(100, 400) * DAY_MS),
  }));
  const apiKeys: HoopApiKey[] = API_KEYS.map((name, i) => {
    const revoked = name === 'old-jenkins';
    const created = nowMs - miRng.int(100, 500) * DAY_MS;
    return {
      id: uuid(miRng),
      org_id: orgId,
      name,
      masked_key: `hpk_${miRng.chars(4, HEX)}****`,
      status: revoked ? 'revoked' : 'active',
      groups: i === 2 ? ['auditor'] : ['admin'],
      created_by: users[0]?.email ?? '',
      created_at: iso(created),
      ...(revoked ? { deactivated_at: iso(created + 30 * DAY_MS) } : {}),
    };
  });

  // Admin audit log, newest first.
  const auditRng = rng.fork('audit');
  const auditLogs: HoopAuditLog[] = [];
  const admins = users.filter((u) => u.role === 'admin');
  for (let i = 0; i < 30; i++) {
    const admin = auditRng.pick(admins.length > 0 ? admins : users);
    const what = auditRng.pick([
      ['connections', 'create', 'POST', '/api/connections'],
      ['connections', 'update', 'PATCH', `/api/connections/${auditRng.pick(connections).name}`],
      ['api-keys', 'create', 'POST', '/api/api-keys'],
      ['machineidentities', 'update', 'PUT', `/api/machineidentities/${auditRng.pick(MACHINES)}`],
      ['users', 'update', 'PUT', `/api/users/${auditRng.pick(users).email}`],
      ['api-keys', 'revoke', 'DELETE', '/api/api-keys/old-jenkins'],
    ] as const);
    const ok = auditRng.chance(0.9);
    auditLogs.push({
      id: uuid(auditRng),
      org_id: orgId,
      actor_subject: admin.id,
      actor_email: admin.email,
      actor_name: admin.name,
      created_at: iso(nowMs - auditRng.int(0, 89 * 24 * 60) * 60_000),
      resource_type: what[0],
      action: what[1],
      http_method: what[2],
      http_status: ok ? (what[2] === 'POST' ? 201 : what[2] === 'DELETE' ? 204 : 200) : 422,
      http_path: what[3],
      client_ip: `10.20.${auditRng.int(0, 255)}.${auditRng.int(1, 254)}`,
      request_payload_redacted: what[0] === 'connections' ? { name: 'x', secret: '[REDACTED]' } : null,
      outcome: ok,
      error_message: ok ? '' : 'validation failed',
    });
  }
  auditLogs.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));

  // Sessions: lazy, newest first.
  const sessionCount = Math.max(0, Math.floor(opts.sessionCount ?? connections.length * (opts.sessionsPerIdentity ?? 10)));
  const spanMs = (opts.spanDays ?? 90) * DAY_MS;
  const stepMs = sessionCount > 0 ? spanMs / sessionCount : spanMs;
  const humans = users.filter((u) => u.status !== 'invited');
  const activeKeys = apiKeys;
  const sessionStartMs = (i: number): number => {
    const u = hash32(`${seed}:${i}`) / 4294967296;
    return Math.floor((nowMs - (i + u) * stepMs) / 1000) * 1000;
  };
  const idPrefix = fakeHex(`${seed}/session-ids`, 20);
  const sessionId = (i: number): string => {
    const tail = i.toString(16).padStart(12, '0');
    return `${idPrefix.slice(0, 8)}-${idPrefix.slice(8, 12)}-4${idPrefix.slice(12, 15)}-a${idPrefix.slice(15, 18)}-${tail}`;
  };
  const plantedIndex = sessionCount === 0 ? -1 : hash32(`${seed}/planted`) % Math.min(sessionCount, 50);
  const plantedSecret = `FAKE${fakeBase64(`${seed}/planted-secret`, 36)}`;

  // The first machine identity bound to each connection, as generated (sessions are history): a
  // search of every identity's connection list per session took 87 s of a 1,000,000-session export.
  const machineOf = new Map<string, (typeof machineIdentities)[number]>();
  for (const m of machineIdentities) for (const name of m.connection_names) if (!machineOf.has(name)) machineOf.set(name, m);
  const actorFor = (r: Rng, conn: HoopConnection): Actor => {
    const roll = r.next();
    const mi = machineOf.get(conn.name);
    if (roll < 0.35 || (mi !== undefined && roll < 0.6)) {
      const m = mi ?? r.pick(machineIdentities);
      return { identity_type: 'machine', user: '', user_id: m.id, user_name: m.name, machine_identity_id: m.id };
    }
    if (roll < 0.5) {
      const k = r.pick(activeKeys);
      return { identity_type: 'user', user: k.name, user_id: k.id, user_name: k.name };
    }
    const h = r.pick(humans.length > 0 ? humans : users);
    return { identity_type: 'user', user: h.email, user_id: h.id, user_name: h.name };
  };

  // Sessions are history: they draw from the connections as generated, not from the live list
  // that the write routes change (a connection registered today has no sessions last month).
  const historic: readonly HoopConnection[] = connections.map((c) => structuredClone(c));
  const sessionAt = (i: number): HoopSession => {
    if (!Number.isInteger(i) || i < 0 || i >= sessionCount) throw new RangeError(`no session ${i}`);
    const r = createRng(`hoop/${seed}/session/${i}`);
    const drawn = historic[r.int(0, historic.length - 1)] as HoopConnection;
    // The planted secret sits on a linked AWS connection, so the collector maps (and redacts) it.
    const conn = i === plantedIndex ? (historic.find((c) => c.subtype === 'aws-cli') ?? drawn) : drawn;
    const start = sessionStartMs(i);
    const actor = actorFor(r, conn);
    const verb = conn.access_mode_connect === 'enabled' && r.chance(0.3) ? 'connect' : 'exec';
    const review = r.chance(0.8) ? null : { id: uuid(r), type: verb === 'connect' ? ('jit' as const) : ('onetime' as const), status: r.chance(0.8) ? ('APPROVED' as const) : ('REJECTED' as const), created_at: iso(start) };
    const open = review?.status !== 'REJECTED' && start > nowMs - 2 * 3_600_000 && r.chance(0.5);
    const ready = !open && review?.status === 'APPROVED' && r.chance(0.1);
    const status = open ? 'open' : ready ? 'ready' : 'done';
    const durationMs = verb === 'connect' ? r.int(60, 7200) * 1000 : r.int(50, 30_000);
    const end = status === 'done' ? Math.min(nowMs, start + durationMs) : null;
    const exitCode = status !== 'done' || review?.status === 'REJECTED' ? null : r.weighted([[0, 85], [1, 8], [2, 3], [-2, 2], [254, 2]] as const);
    const scripts = SCRIPTS[conn.subtype === 'aws-cli' ? 'aws-cli' : conn.subtype] ?? SCRIPTS['bash'] ?? [];
    let script = r.pick(scripts);
    if (i === plantedIndex) script = `export AWS_SECRET_ACCESS_KEY=${plantedSecret}\naws s3 ls s3://finance-exports --recursive`;
    const federated = principalOf.get(conn.name);
    const metadata: HoopSession['metadata'] = federated
      ? { federation: { provider: 'gcp_iam', hook_source: 'builtin', resolved_principal: federated, admin_principal: `hoop-federation@${federated.split('@')[1] ?? 'sandbox.iam.gserviceaccount.com'}`, token_expires_at: iso(start + 3_600_000), fallback_applied: false } }
      : r.chance(0.2)
        ? { reason: r.pick(['nightly-etl', 'incident-123', 'debug']) }
        : null;
    const eventSize = r.int(100, 50_000);
    return {
      id: sessionId(i),
      org_id: orgId,
      script: { data: script },
      script_size: Buffer.byteLength(script),
      labels: null,
      integrations_metadata: null,
      metadata,
      metrics: { event_size: eventSize, truncated: false },
      user: actor.user,
      user_id: actor.user_id,
      user_name: actor.user_name,
      type: conn.type,
      connection_subtype: conn.subtype,
      connection: conn.name,
      role_name: conn.name,
      resource_name: conn.resource_name,
      connection_tags: { ...conn.connection_tags },
      review,
      verb,
      status,
      exit_code: exitCode,
      event_size: eventSize,
      ...(r.chance(0.1) ? { correlation_id: `task-${r.int(1000, 99999)}` } : {}),
      start_date: iso(start),
      end_date: end === null ? null : iso(end),
      ai_analysis: null,
      guardrails_info: null,
      identity_type: actor.identity_type,
      ...(actor.machine_identity_id !== undefined ? { machine_identity_id: actor.machine_identity_id } : {}),
    };
  };

  const indexOf = (id: string): number | undefined => {
    const m = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-([0-9a-f]{12})$/.exec(id);
    if (!m) return undefined;
    const i = parseInt(m[1] as string, 16);
    return i < sessionCount && sessionId(i) === id ? i : undefined;
  };

  /** First index whose start is below `ms` (strictly), or `<= ms` when inclusive. */
  const firstAtOrBefore = (ms: number, strict: boolean): number => {
    let lo = 0;
    let hi = sessionCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = sessionStartMs(mid);
      if (strict ? t < ms : t <= ms) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };

  return {
    seed,
    nowMs,
    gateway,
    orgId,
    users,
    machineIdentities,
    apiKeys,
    connections,
    agents: [{ id: agentId, name: 'default', mode: 'standard', status: 'CONNECTED', metadata: { hostname: `agent.${domain}`, version: '1.44.0', platform: 'amd64' } }],
    plugins: [],
    truth,
    auditLogs,
    sessionCount,
    spanMs,
    planted: { sessionId: plantedIndex >= 0 ? sessionId(plantedIndex) : '', index: plantedIndex, secret: plantedSecret },
    sessionStartMs,
    sessionAt,
    indexOf,
    indexRange: (startMs, endMs) => {
      const lo = firstAtOrBefore(endMs, false);
      const hi = firstAtOrBefore(startMs, true);
      return [lo, Math.max(lo, hi)];
    },
    *sessions() {
      for (let i = 0; i < sessionCount; i++) yield sessionAt(i);
    },
  };
}

/** Connection-map entries (`gateway.connectionMap`) that link the estate's `config`-only connections. */
export function hoopConnectionMap(estate: HoopEstate): { pattern: string; identity: string }[] {
  return estate.truth.filter((t) => t.link === 'config' && t.identityId !== undefined).map((t) => ({ pattern: t.pattern ?? t.name, identity: t.identityId as string }));
}
