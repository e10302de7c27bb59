/**
 * The records every stage speaks (ARCHITECTURE.md, "The records"). Plain data, no I/O.
 * Times are ISO-8601 strings (UTC) so records survive JSON and both SQL dialects unchanged.
 */

export type Provider = 'aws' | 'gcp' | 'azure' | 'github' | 'kubernetes';

export type IdentityKind =
  | 'aws-iam-user'
  | 'aws-iam-role'
  | 'gcp-service-account'
  | 'azure-service-principal'
  | 'azure-managed-identity'
  | 'github-app-installation'
  | 'github-deploy-key'
  | 'github-fine-grained-pat'
  | 'k8s-service-account';

export type CredentialKind =
  | 'aws-access-key'
  | 'gcp-sa-key'
  | 'azure-client-secret'
  | 'azure-certificate'
  | 'github-deploy-key'
  | 'github-pat'
  | 'k8s-token-secret';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

export type PrivilegeClass = 'admin' | 'write' | 'read';

export interface Identity {
  /** Stable URN, e.g. `aws:123456789012:user/ci-deployer` (see ids.ts). */
  id: string;
  provider: Provider;
  kind: IdentityKind;
  /** Account, project, subscription, org or cluster the identity lives in. */
  scope: string;
  name: string;
  /** Provider-native id (ARN, unique id, object id). */
  nativeId?: string;
  createdAt?: string;
  /** Resolved from tags, labels, annotations or the config's owner rules. */
  owner?: string;
  labels: Record<string, string>;
  disabled: boolean;
  /** Provider-managed: cannot be revoked (service-linked roles, Google-managed agents, ...). */
  managed: boolean;
  /** Last use of the identity itself when the provider reports it (e.g. RoleLastUsed). */
  lastUsedAt?: string;
  /** Why the collector counts this identity as non-human (tag, naming rule, no console password). */
  machineReason?: string;
}

export interface Credential {
  /** `${identityId}/key/${publicId}` style URN (see ids.ts). */
  id: string;
  identityId: string;
  kind: CredentialKind;
  /** The part a leaked secret is matched on: AKIA.. key id, GCP private_key_id, SSH fingerprint. */
  publicId: string;
  createdAt?: string;
  expiresAt?: string;
  lastUsedAt?: string;
  /** Service the credential was last used with (AWS `ServiceName`), when known. */
  lastUsedService?: string;
  lastUsedRegion?: string;
  active: boolean;
  /** Created and rotated by the provider, never handed out (GCP system-managed keys): cannot leak or be revoked. */
  managed?: boolean;
  /** Display name or description the owner gave it (Azure secret display name), when any. */
  displayName?: string;
}

/** `effective`: the principal's access as a whole (all its grants together, Denies and boundaries applied). */
export type GrantVia = 'attached' | 'inline' | 'group' | 'binding' | 'effective';

export interface Grant {
  identityId: string;
  /** Where the grant applies: account, project, resource ARN, namespace. */
  scope: string;
  /** Role or policy name (or ARN). */
  role: string;
  /** The permissions it expands to (actions), when known. */
  permissions: string[];
  privilege: PrivilegeClass;
  via: GrantVia;
  /** Group name, binding name... */
  viaName?: string;
}

export type ActivitySource = 'provider' | 'gateway';

export interface Activity {
  identityId: string;
  credentialId?: string;
  at: string;
  source: ActivitySource;
  /** Who used it (gateway user, pod, CI job). */
  actor?: string;
  /** For gateway sessions: a person or a machine (hoop machine identity, API key, service account). */
  actorKind?: 'human' | 'machine';
  target?: string;
  verb?: string;
  /** Gateway session: its id, connection, end, status (open, ready, done) and review state. */
  sessionId?: string;
  connectionId?: string;
  endAt?: string;
  status?: string;
  review?: string;
  /** The command or query text, truncated, with secrets redacted. */
  command?: string;
}

/** A connection of the access gateway: what holds a credential on an identity's behalf. */
export interface GatewayConnection {
  /** `hoop:<gateway>:conn/<name>` */
  id: string;
  /** The gateway (its host name). */
  gateway: string;
  name: string;
  type: string;
  subtype?: string;
  tags: Record<string, string>;
  /** Names of the secrets it holds (`envvar:AWS_ACCESS_KEY_ID`), never their values. */
  secretKeys: string[];
  /** The identity it acts as, when linked. */
  identityId?: string;
  linkedBy?: 'sprawl-tag' | 'cloud-principal' | 'credential' | 'federation' | 'config';
  /**
   * The identity's credential the connection holds, when the gateway returns secret values and
   * one of them is that credential (matched in memory; only the credential id is kept).
   */
  credentialId?: string;
  createdAt?: string;
}

/** A user of the access gateway: a person, or a machine (machine identity, API key). */
export interface GatewayUser {
  /** `hoop:<gateway>:user/<id>` */
  id: string;
  gateway: string;
  email?: string;
  name?: string;
  /** `active`, `inactive`, `invited`, ... as the gateway says. */
  status: string;
  kind: 'human' | 'machine';
}

export interface LeakLocation {
  repo?: string;
  path: string;
  line: number;
  column?: number;
  commit?: string;
  author?: string;
  time?: string;
}

export interface Leak {
  /** Stable: hash of fingerprint + repo + path + line + commit. */
  id: string;
  /** Detection rule id, e.g. `aws-access-key-id`. */
  rule: string;
  /** The detection rule's severity. */
  severity: Severity;
  location: LeakLocation;
  /** Keyed hash of the secret, never the secret. */
  fingerprint: string;
  /** Redacted preview, e.g. `AKIA…MPLE`. */
  preview: string;
  /** The part that names the credential (AWS key id, GCP private_key_id): what links it to the inventory. */
  publicId?: string;
  /** The inventory credential it matches, when one does (set by the analysis). */
  credentialId?: string;
}

export interface ComplianceRef {
  framework: 'CIS' | 'SOC2' | 'ISO27001' | 'NIST800-53';
  control: string;
  title?: string;
}

export type FindingStatus = 'new' | 'open' | 'resolved' | 'exempt';

export type SubjectType = 'identity' | 'credential' | 'grant' | 'leak';

export interface Finding {
  /** Stable: hash of rule id + subject id (see ids.ts findingId). */
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  subjectType: SubjectType;
  subjectId: string;
  /** The identity the finding is about (for credentials and grants, their owner identity). */
  identityId: string;
  provider: Provider;
  scope: string;
  /** One sentence, specific to this subject. */
  message: string;
  /** Facts that made the rule fire (dates, ages, policy names...), never secrets. */
  evidence: Record<string, string | number | boolean | null>;
  remediation: string;
  references: ComplianceRef[];
}

export type VerdictKind = 'keep' | 'migrate' | 'rotate' | 'revoke' | 'exempt';

export interface Verdict {
  identityId: string;
  verdict: VerdictKind;
  reasons: string[];
  /** Finding ids that led to the verdict. */
  findingIds: string[];
  /** For exempt: until when. */
  expiresAt?: string;
}

/** Use counted over an identity's activities of one source. */
export interface UseCount {
  count: number;
  /** The latest activity time (epoch ms). */
  last?: number;
}

/** A gateway session's span (epoch ms; `end` is `start` when the session has no later end). */
export interface SessionWindow {
  start: number;
  end: number;
}

/** What analysis and reports need of one identity's activities. */
export interface IdentityUse {
  /** Latest activity of any source (epoch ms). */
  last?: number;
  provider: UseCount;
  gateway: UseCount;
  /** Distinct gateway actors as recorded ('' for a session without one). */
  gatewayActors: Set<string>;
  /** Distinct `pod/<namespace>/<pod>` provider actors (Kubernetes workloads). */
  podActors: Set<string>;
  /**
   * Gateway sessions whose command says read or write (`judged`), how many of those write, and
   * the first three distinct judged commands in activity order.
   */
  commands: { judged: number; writes: number; samples: string[] };
  /**
   * Gateway sessions with a connection and a start time, per connection id, in activity order,
   * packed as [start, end, start, end, ...] (epoch ms): a million sessions are 16 MB this way,
   * and were about 200 MB as one object each. Read them with `sessionWindows`.
   */
  windows: Map<string, number[]>;
}

/**
 * An inventory's activities folded per identity and per credential: what every rule and report
 * reads of them. A store holds a million gateway sessions at 100,000 identities; loading them as
 * records took gigabytes, the digest holds counts, times and distinct values.
 */
export interface ActivityDigest {
  identities: Map<string, IdentityUse>;
  /** Latest activity naming each credential (epoch ms). */
  credentials: Map<string, number>;
}

/** The inventory one scan holds: what analyzers read. */
export interface Inventory {
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
  /**
   * The activity records. Empty when the inventory was loaded with its activities digested
   * (`activityDigest` set): analysis and reports read the digest, never these.
   */
  activities: Activity[];
  /** The activities, folded as they were read from the store (see ActivityDigest). */
  activityDigest?: ActivityDigest;
  /** Secrets found in repositories (committed keys). */
  leaks: Leak[];
  /** The access gateway's connections and users. */
  connections: GatewayConnection[];
  gatewayUsers: GatewayUser[];
}

export type InventoryRecord =
  | { type: 'identity'; record: Identity }
  | { type: 'credential'; record: Credential }
  | { type: 'grant'; record: Grant }
  | { type: 'activity'; record: Activity }
  | { type: 'leak'; record: Leak }
  | { type: 'connection'; record: GatewayConnection }
  | { type: 'gateway-user'; record: GatewayUser };

export type ScanStatus = 'running' | 'complete' | 'partial' | 'failed' | 'interrupted';

export interface SourceOutcome {
  /** e.g. `aws:123456789012` */
  source: string;
  status: 'ok' | 'failed';
  items: number;
  /** Why it failed (error code and message, no secrets). */
  error?: string;
}

export interface ScanInfo {
  id: string;
  startedAt: string;
  finishedAt?: string;
  status: ScanStatus;
  sources: SourceOutcome[];
  runId?: string;
  /** The time the latest analysis judged the scan as of (`sprawl analyze --as-of`); ages in reports count to it. */
  analyzedAt?: string;
  /** One shard of a sharded run (`3/16`): collected only; `sprawl analyze --run` merges the shards into the run's scan. */
  shard?: string;
}

/** A finding as stored for one scan, with its lifecycle across scans. */
export interface FindingRecord extends Finding {
  /** new: first seen in this scan; open: seen before too; resolved/exempt as marked. */
  status: FindingStatus;
  firstSeenScan: string;
  lastSeenScan: string;
  firstSeenAt: string;
  /** Set when status is exempt: the config's exemption that set the finding aside in this scan. */
  exemption?: FindingExemption;
}

/** An accepted risk as the config states it (`analysis.exemptions`). */
export interface FindingExemption {
  /** Identity id or glob. */
  identity: string;
  /** Rule id or `*`. */
  rule: string;
  reason: string;
  approver: string;
  /** ISO date or time. */
  expires: string;
}
