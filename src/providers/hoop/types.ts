/**
 * The hoop.dev gateway's JSON shapes, as far as sprawl reads them (reference: hoop-gateway.md
 * §1.3 Session, §3.2 Connection, §1.8 users, §2 audit logs, §5 machine identities and API keys).
 * Fields sprawl does not read are left out or kept loose.
 */

export interface HoopReview {
  id?: string;
  type?: 'onetime' | 'jit';
  status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'REVOKED' | 'PROCESSING' | 'EXECUTED' | 'UNKNOWN';
  created_at?: string;
}

export interface HoopFederationMetadata {
  provider?: string;
  hook_source?: string;
  resolved_principal?: string;
  admin_principal?: string;
  token_expires_at?: string;
  fallback_applied?: boolean;
}

export interface HoopSession {
  id: string;
  org_id: string;
  /** The input; `null` in list responses, filled on GET by id. */
  script: { data: string } | null;
  script_size: number;
  labels: Record<string, string> | null;
  integrations_metadata: Record<string, unknown> | null;
  metadata: ({ federation?: HoopFederationMetadata } & Record<string, unknown>) | null;
  metrics: Record<string, unknown> | null;
  /** Email for people, key name for hpk_ keys, subject for service accounts, `""` for machine identities. */
  user: string;
  user_id: string;
  user_name: string;
  type: string;
  connection_subtype: string;
  connection: string;
  role_name: string;
  resource_name: string;
  connection_tags: Record<string, string> | null;
  review: HoopReview | null;
  verb: 'connect' | 'exec';
  status: 'open' | 'ready' | 'done';
  exit_code: number | null;
  event_size: number;
  session_batch_id?: string;
  correlation_id?: string;
  start_date: string;
  end_date: string | null;
  ai_analysis: Record<string, unknown> | null;
  guardrails_info: unknown[] | null;
  identity_type: 'user' | 'machine';
  machine_identity_id?: string;
}

export interface HoopSessionList {
  data: HoopSession[];
  total: number | null;
  total_is_capped: boolean;
  has_next_page: boolean;
}

export interface HoopConnection {
  id: string;
  name: string;
  type: string;
  subtype: string;
  command: string[];
  /** `envvar:NAME` / `filesystem:NAME` to base64 values; `null` values with hide_role_info. */
  secret: Record<string, string | null>;
  agent_id: string;
  resource_name: string;
  status: 'online' | 'offline';
  reviewers: string[];
  connection_tags: Record<string, string>;
  access_mode_runbooks: 'enabled' | 'disabled';
  access_mode_exec: 'enabled' | 'disabled';
  access_mode_connect: 'enabled' | 'disabled';
  access_schema: 'enabled' | 'disabled';
  attributes: string[];
  secrets_updated_at?: string;
}

export interface HoopUser {
  id: string;
  name: string;
  email: string;
  status: string;
  role: string;
  groups: string[];
  slack_id: string;
  picture: string;
  verified: boolean;
}

export interface HoopMachineIdentity {
  id: string;
  name: string;
  description: string;
  connection_names: string[];
  attributes: string[];
  created_at: string;
}

export interface HoopApiKey {
  id: string;
  org_id: string;
  name: string;
  masked_key: string;
  status: 'active' | 'revoked';
  groups: string[];
  created_by: string;
  created_at: string;
  deactivated_at?: string;
}

export interface HoopAuditLog {
  id: string;
  org_id: string;
  actor_subject: string;
  actor_email: string;
  actor_name: string;
  created_at: string;
  resource_type: string;
  action: 'create' | 'update' | 'delete' | 'revoke';
  http_method: string;
  http_status: number;
  http_path: string;
  client_ip: string;
  request_payload_redacted: Record<string, unknown> | null;
  outcome: boolean;
  error_message: string;
}

/**
 * `GET /api/audit/logs` page. ASSUMPTION: the reference gives the paging parameters (`page`,
 * `page_size` 1-100, default 50) but not the envelope; sprawl assumes the connections' paginated
 * envelope `{ data, pages: { total, page, size } }` and also accepts a plain array.
 */
export interface HoopAuditLogPage {
  data: HoopAuditLog[];
  pages: { total: number; page: number; size: number };
}
