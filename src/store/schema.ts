/**
 * The tables, as kysely sees them. One schema for SQLite and PostgreSQL: times are ISO-8601 text,
 * booleans are 0/1 integers, lists and maps are JSON text, so both dialects store the same values.
 */
export interface ScansTable {
  id: string;
  run_id: string | null;
  started_at: string;
  finished_at: string | null;
  status: string;
  /** JSON: SourceOutcome[] */
  sources: string;
  tool_version: string;
  host: string | null;
  pid: number | null;
  /** The time the latest analysis judged the scan as of (`analyze --as-of`); null before any. */
  analyzed_at: string | null;
  /** `I/N` for one shard of a sharded run (collected, never analyzed or reported itself); null otherwise. */
  shard: string | null;
  /** A running scan refreshes it; a scan of another host without one for long is taken for dead (migration 0010). */
  heartbeat_at: string | null;
  /** Why a scan failed without finishing (its process died); null otherwise. */
  error: string | null;
  /** Where `pid` names the same process: host name, boot id, pid namespace (migration 0010). */
  pid_scope: string | null;
}

export interface IdentitiesTable {
  scan_id: string;
  id: string;
  provider: string;
  kind: string;
  scope: string;
  name: string;
  native_id: string | null;
  created_at: string | null;
  owner: string | null;
  labels: string;
  disabled: number;
  managed: number;
  last_used_at: string | null;
  machine_reason: string | null;
}

export interface CredentialsTable {
  scan_id: string;
  id: string;
  identity_id: string;
  kind: string;
  public_id: string;
  created_at: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_service: string | null;
  last_used_region: string | null;
  active: number;
  managed: number;
  display_name: string | null;
}

export interface GrantsTable {
  scan_id: string;
  id: string;
  identity_id: string;
  scope: string;
  role: string;
  permissions: string;
  privilege: string;
  via: string;
  via_name: string | null;
}

export interface ActivitiesTable {
  scan_id: string;
  identity_id: string;
  credential_id: string | null;
  at: string;
  source: string;
  actor: string | null;
  target: string | null;
  verb: string | null;
  actor_kind: string | null;
  session_id: string | null;
  connection_id: string | null;
  end_at: string | null;
  status: string | null;
  review: string | null;
  command: string | null;
}

export interface GatewayConnectionsTable {
  scan_id: string;
  id: string;
  gateway: string;
  name: string;
  type: string;
  subtype: string | null;
  tags: string;
  secret_keys: string;
  identity_id: string | null;
  linked_by: string | null;
  created_at: string | null;
  credential_id: string | null;
}

export interface GatewayUsersTable {
  scan_id: string;
  id: string;
  gateway: string;
  email: string | null;
  name: string | null;
  status: string;
  kind: string;
}

export interface LeaksTable {
  scan_id: string;
  id: string;
  rule: string;
  severity: string;
  repo: string | null;
  path: string;
  line: number;
  col: number | null;
  commit_sha: string | null;
  author: string | null;
  time: string | null;
  fingerprint: string;
  preview: string;
  public_id: string | null;
  credential_id: string | null;
}

/** One row per finding id: its lifecycle across scans. */
export interface FindingsTable {
  id: string;
  rule_id: string;
  subject_type: string;
  subject_id: string;
  identity_id: string;
  provider: string;
  scope: string;
  first_seen_scan: string;
  first_seen_at: string;
  last_seen_scan: string;
  last_seen_at: string;
  /** open | resolved | exempt */
  state: string;
  resolved_scan: string | null;
}

/** What a finding said in one scan. */
export interface ScanFindingsTable {
  scan_id: string;
  finding_id: string;
  rule_id: string;
  severity: string;
  title: string;
  message: string;
  evidence: string;
  remediation: string;
  refs: string;
  /** JSON: the exemption that set this finding aside in this scan ({ identity, rule, reason, approver, expires }); null when not exempted. */
  exemption: string | null;
}

export interface VerdictsTable {
  scan_id: string;
  identity_id: string;
  verdict: string;
  reasons: string;
  finding_ids: string;
  expires_at: string | null;
}

export interface Database {
  scans: ScansTable;
  identities: IdentitiesTable;
  credentials: CredentialsTable;
  grants: GrantsTable;
  activities: ActivitiesTable;
  leaks: LeaksTable;
  gateway_connections: GatewayConnectionsTable;
  gateway_users: GatewayUsersTable;
  findings: FindingsTable;
  scan_findings: ScanFindingsTable;
  verdicts: VerdictsTable;
  plans: PlansTable;
  journal: JournalTable;
}

export interface PlansTable {
  id: string;
  digest: string;
  scan_id: string;
  created_at: string;
  stored_at: string;
  approved_by: string | null;
  approved_at: string | null;
  /** JSON: the Plan as applied. */
  body: string;
}

export interface JournalTable {
  /** 1, 2, 3...: the chain's order. */
  seq: number;
  at: string;
  plan_id: string;
  action_id: string;
  kind: string;
  identity_id: string;
  /** apply | undo */
  phase: string;
  /** started | minted | done | noop | failed */
  status: string;
  /** JSON: before, request, after, error, publicId: never a secret. */
  detail: string;
  prev_hash: string;
  hash: string;
}
