/**
 * Ground truth of the correlation rules (every provider, the gateway, the repository): orphaned,
 * shared, gateway bypass, ungoverned, unused privilege, leaked and unknown-origin keys. Built from
 * the generator's data only: each provider's identities with their owner tags, last uses and keys
 * (`catalogue`), the gateway's connections (`estate.hoop.truth`), users and sessions, and the keys
 * the sandbox repository commits.
 */
import { createHmac } from 'node:crypto';
import type { HoopSession } from '../../providers/hoop/types.ts';
import { awsManagedPolicyByArn } from '../aws/policies.ts';
import type { PolicyDocument } from '../aws/policies.ts';
import { SCRIPT_READS } from '../hoop/estate.ts';
import type { Mark, TruthContext } from './types.ts';

const DAY_MS = 86_400_000;
/** The config's default `owners.tagKeys`, in order of preference. */
const OWNER_KEYS = ['owner', 'Owner', 'team', 'Team', 'sprawl:owner'] as const;
const K8S_SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

interface Key {
  publicId: string;
  /** Can authenticate now: active, not expired, not provider-managed. */
  usable: boolean;
  lastUsedMs?: number;
}

/** One identity of the scan as the generator made it. */
interface Subject {
  id: string;
  kind: string;
  managed: boolean;
  disabled: boolean;
  owner?: string;
  /** Latest provider-side use (the identity's own, its keys', its workloads'). */
  lastUseMs?: number;
  keys: Key[];
  /** Workloads (`<ns>/<app>`) of running pods, for Kubernetes service accounts. */
  workloads?: string[];
}

const ms = (iso: string | null | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};
const latest = (...times: (number | undefined)[]): number | undefined => {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
};
const ownerOf = (values: Record<string, string | undefined>): string | undefined => {
  for (const k of OWNER_KEYS) {
    const v = values[k]?.trim();
    if (v) return v;
  }
  return undefined;
};

function awsSubjects(ctx: TruthContext): Subject[] {
  const out: Subject[] = [];
  for (const a of ctx.estate.aws.accounts) {
    for (const u of a.users) {
      if (u.nature !== 'machine') continue;
      const keys = u.accessKeys.map((k) => ({ publicId: k.id, usable: k.status === 'Active', lastUsedMs: ms(k.lastUsed?.at) }));
      const owner = ownerOf(Object.fromEntries(u.tags.map((t) => [t.key, t.value])));
      out.push({ id: `aws:${a.id}:user/${u.name}`, kind: 'aws-iam-user', managed: false, disabled: false, ...(owner ? { owner } : {}), lastUseMs: latest(ms(u.password?.lastUsedAt), ...keys.map((k) => k.lastUsedMs)), keys });
    }
    for (const r of a.roles) {
      if (r.kind === 'sso') continue;
      const owner = ownerOf(Object.fromEntries(r.tags.map((t) => [t.key, t.value])));
      out.push({ id: `aws:${a.id}:role/${r.name}`, kind: 'aws-iam-role', managed: r.kind === 'service-linked', disabled: false, ...(owner ? { owner } : {}), lastUseMs: ms(r.lastUsed?.at), keys: [] });
    }
  }
  return out;
}

function gcpSubjects(ctx: TruthContext): Subject[] {
  const now = ctx.now.getTime();
  return ctx.estate.gcp.projects.flatMap((p) =>
    p.serviceAccounts.map((sa): Subject => {
      const keys = sa.keys.map((k) => ({ publicId: k.id, usable: k.type === 'USER_MANAGED' && !k.disabled && (ms(k.validBefore) ?? Infinity) > now, lastUsedMs: ms(k.lastAuthenticatedAt) }));
      const owner = /\bowner\s*[:=]\s*([\w.@-]+)/i.exec(sa.description)?.[1];
      return { id: `gcp:${p.projectId}:sa/${sa.email.toLowerCase()}`, kind: 'gcp-service-account', managed: false, disabled: sa.disabled, ...(owner ? { owner } : {}), lastUseMs: latest(ms(sa.lastAuthenticatedAt), ...keys.map((k) => k.lastUsedMs)), keys };
    }),
  );
}

function azureSubjects(ctx: TruthContext): Subject[] {
  const az = ctx.estate.azure;
  const upn = new Map(az.users.map((u) => [u.id, u.userPrincipalName]));
  const firstUser = (ids: readonly string[]): string | undefined => ids.map((id) => upn.get(id)).find((u) => u !== undefined);
  return az.servicePrincipals.map((sp): Subject => {
    const app = az.applications.find((x) => x.appId === sp.appId);
    const tags: Record<string, string> = {};
    for (const t of sp.tags) {
      const m = /^([^:=]+)[:=](.*)$/.exec(t);
      if (m) tags[(m[1] as string).trim()] = (m[2] as string).trim();
    }
    const owner = firstUser(sp.ownerIds) ?? firstUser(app?.ownerIds ?? []) ?? ownerOf(tags);
    const signIn = az.signIns.find((s) => s.servicePrincipalId === sp.id || s.appId === sp.appId);
    const keyUses = az.credentialSignIns.filter((c) => c.appId === sp.appId).map((c) => ms(c.lastSignIn));
    const lastUseMs = latest(ms(signIn?.lastSignIn), ms(signIn?.applicationClient), ms(signIn?.applicationResource), ms(signIn?.delegatedClient), ms(signIn?.delegatedResource), ...keyUses);
    return {
      id: `azure:${az.tenantId}:sp/${sp.id}`,
      kind: sp.servicePrincipalType === 'ManagedIdentity' ? 'azure-managed-identity' : 'azure-service-principal',
      managed: sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID && sp.servicePrincipalType !== 'ManagedIdentity',
      disabled: !sp.accountEnabled,
      ...(owner ? { owner } : {}),
      ...(lastUseMs !== undefined ? { lastUseMs } : {}),
      keys: [],
    };
  });
}

function githubSubjects(ctx: TruthContext): Subject[] {
  const out: Subject[] = [];
  for (const org of ctx.estate.github.orgs) {
    for (const repo of org.repos) {
      for (const k of repo.deployKeys) {
        out.push({ id: `github:${org.login}:deploy-key/${repo.name}/${k.id}`, kind: 'github-deploy-key', managed: false, disabled: false, ...(k.addedBy ? { owner: k.addedBy } : {}), lastUseMs: ms(k.lastUsed), keys: [] });
      }
    }
    for (const i of org.installations) out.push({ id: `github:${org.login}:app/${i.id}`, kind: 'github-app-installation', managed: false, disabled: i.suspendedAt !== null, keys: [] });
    for (const p of org.patGrants) {
      out.push({ id: `github:${org.login}:pat/${p.tokenId}`, kind: 'github-fine-grained-pat', managed: false, disabled: false, owner: p.ownerLogin, lastUseMs: ms(p.tokenLastUsedAt), keys: [] });
    }
  }
  return out;
}

function kubernetesSubjects(ctx: TruthContext): Subject[] {
  const now = ctx.now.getTime();
  const out: Subject[] = [];
  for (const c of ctx.estate.kubernetes.clusters) {
    for (const sa of c.serviceAccounts) {
      const ns = sa.metadata.namespace ?? 'default';
      const running = c.pods.filter((p) => (p.metadata.namespace ?? 'default') === ns && p.spec.serviceAccountName === sa.metadata.name && p.status.phase === 'Running');
      const keys = (sa.secrets ?? []).map((ref): Key => {
        const labels = c.secrets.find((s) => s.metadata.name === ref.name && (s.metadata.namespace ?? 'default') === ns)?.metadata.labels ?? {};
        return { publicId: `${ns}/${ref.name}`, usable: labels['kubernetes.io/legacy-token-invalid-since'] === undefined, lastUsedMs: ms(labels['kubernetes.io/legacy-token-last-used']) };
      });
      const meta = sa.metadata;
      const owner = ownerOf(Object.fromEntries(OWNER_KEYS.map((k) => [k, meta.labels?.[k] ?? meta.annotations?.[k]])));
      out.push({
        id: `k8s:${c.name}:ns/${ns}/sa/${meta.name}`,
        kind: 'k8s-service-account',
        managed: K8S_SYSTEM_NAMESPACES.has(ns),
        disabled: false,
        ...(owner ? { owner } : {}),
        // A running pod uses the account at scan time.
        lastUseMs: latest(running.length > 0 ? now : undefined, ...keys.map((k) => k.lastUsedMs)),
        keys,
        workloads: [...new Set(running.map((p) => `${ns}/${p.metadata.labels?.['app'] ?? p.metadata.name}`))],
      });
    }
  }
  return out;
}

function catalogue(ctx: TruthContext): Subject[] {
  return [...awsSubjects(ctx), ...gcpSubjects(ctx), ...azureSubjects(ctx), ...githubSubjects(ctx), ...kubernetesSubjects(ctx)];
}

/** The gateway as the generator built it: which identity each connection acts as, and its sessions per identity. */
interface Gateway {
  /** Identity id -> names of the connections that act as it (federated ones only once a session shows it). */
  connections: Map<string, string[]>;
  sessions: Map<string, HoopSession[]>;
}

function gateway(ctx: TruthContext): Gateway {
  const hoop = ctx.estate.hoop;
  const identityOf = new Map(hoop.truth.filter((t) => t.identityId !== undefined).map((t) => [t.name, t]));
  const sessions = new Map<string, HoopSession[]>();
  for (const s of hoop.sessions()) {
    const t = identityOf.get(s.connection);
    if (!t?.identityId) continue;
    sessions.set(t.identityId, [...(sessions.get(t.identityId) ?? []), s]);
  }
  const connections = new Map<string, string[]>();
  for (const t of identityOf.values()) {
    const id = t.identityId as string;
    // A federated connection names no identity itself: only its sessions' resolved principal does.
    if (t.link === 'federation' && !(sessions.get(id) ?? []).some((s) => s.connection === t.name)) continue;
    connections.set(id, [...(connections.get(id) ?? []), t.name]);
  }
  return { connections, sessions };
}

/** No resolvable owner, or an owner e-mail whose gateway accounts are all not active. */
function orphaned(ctx: TruthContext, subjects: readonly Subject[], mark: Mark): void {
  const statuses = new Map<string, string[]>();
  for (const u of ctx.estate.hoop.users) {
    const email = u.email.trim().toLowerCase();
    statuses.set(email, [...(statuses.get(email) ?? []), u.status.toLowerCase()]);
  }
  for (const s of subjects) {
    if (s.managed || s.disabled) continue;
    if (s.owner === undefined) {
      mark('identity.orphaned', s.id, 'no owner tag, label, description or provider owner');
      continue;
    }
    const gw = statuses.get(s.owner.toLowerCase());
    if (s.owner.includes('@') && gw !== undefined && !gw.includes('active')) mark('identity.orphaned', s.id, `owner ${s.owner} is ${gw.join('/')} in the gateway`);
  }
}

/** Gateway actors at or above the minimum, or pods of enough distinct workloads. */
function shared(ctx: TruthContext, subjects: readonly Subject[], gw: Gateway, mark: Mark): void {
  for (const s of subjects) {
    if (s.managed || s.disabled) continue;
    const actors = new Set((gw.sessions.get(s.id) ?? []).map((x) => (x.user || x.user_name).trim().toLowerCase()).filter(Boolean));
    if (actors.size >= ctx.analysis.sharedActorsMin) mark('identity.shared', s.id, `${actors.size} gateway actors`);
    if ((s.workloads?.length ?? 0) >= ctx.analysis.sharedWorkloadsMin) mark('identity.shared', s.id, `${s.workloads?.length ?? 0} workloads run as it`);
  }
}

/** A usable key used after the first gateway session, outside every session (with the clock skew). */
function gatewayBypass(ctx: TruthContext, subjects: readonly Subject[], gw: Gateway, mark: Mark): void {
  const skew = ctx.analysis.gatewayClockSkewSeconds * 1000;
  for (const s of subjects) {
    if (s.managed || !gw.connections.has(s.id)) continue;
    const windows = (gw.sessions.get(s.id) ?? []).map((x) => {
      const start = Date.parse(x.start_date);
      const end = ms(x.end_date);
      return { start, end: end !== undefined && end > start ? end : start };
    });
    if (windows.length === 0) continue;
    const since = Math.min(...windows.map((w) => w.start));
    for (const k of s.keys) {
      if (!k.usable || k.lastUsedMs === undefined || k.lastUsedMs - since <= skew) continue;
      const t = k.lastUsedMs;
      if (windows.some((w) => t >= w.start - skew && t <= w.end + skew)) continue;
      mark('credential.gateway-bypass', s.id, `key ${k.publicId} used ${new Date(t).toISOString()}, no gateway session then`);
    }
  }
}

/**
 * Identities whose access a gateway connection can hold (a key or token it can be given), used
 * within the unused window, with no connection. Roles, managed identities, deploy keys and app
 * installations cannot be put behind a connection (see the rule's doc comment).
 */
const FRONTABLE = new Set(['aws-iam-user', 'gcp-service-account', 'azure-service-principal', 'github-fine-grained-pat', 'k8s-service-account']);

function ungoverned(ctx: TruthContext, subjects: readonly Subject[], gw: Gateway, mark: Mark): void {
  if (ctx.estate.hoop.connections.length === 0) return;
  for (const s of subjects) {
    if (s.managed || s.disabled || !FRONTABLE.has(s.kind) || gw.connections.has(s.id) || s.lastUseMs === undefined) continue;
    const days = Math.floor((ctx.now.getTime() - s.lastUseMs) / DAY_MS);
    if (days <= ctx.policy.unusedDays) mark('identity.ungoverned', s.id, `used ${days} days ago, no gateway connection`);
  }
}

/**
 * Whether an AWS action only reads, by its access level in the AWS service authorization
 * reference (Get/List/Describe..., `iam:GenerateCredentialReport`, `iam:Simulate*`); wildcards
 * over a service or everything include writes.
 */
const awsReads = (action: string): boolean => /^[\w-]+:(Get|List|Describe|BatchGet|BatchCheck|Lookup|Query|Scan|Filter|Generate|Simulate|Head|Search|Select)/.test(action);

function documentReads(doc: PolicyDocument | undefined): boolean {
  return [doc?.Statement ?? []].flat().every((st) => st.Effect === 'Deny' || (st.NotAction === undefined && [st.Action ?? []].flat().every(awsReads)));
}

/** Identities whose grants all only read (AWS machine users, GCP service accounts, Kubernetes service accounts). */
function readOnlyIdentities(ctx: TruthContext): Set<string> {
  const out = new Set<string>();
  for (const a of ctx.estate.aws.accounts) {
    const docOf = (arn: string): PolicyDocument | undefined => awsManagedPolicyByArn(arn)?.document ?? a.policies.find((p) => p.arn === arn)?.versions.find((v, _, all) => v.id === a.policies.find((p) => p.arn === arn)?.defaultVersionId || all.length === 1)?.document;
    for (const u of a.users) {
      const groups = a.groups.filter((g) => u.groups.includes(g.name));
      const docs = [...u.attached, ...groups.flatMap((g) => g.attached)].map(docOf);
      const inline = [...u.inline, ...groups.flatMap((g) => g.inline)].map((i) => i.document);
      if ([...docs, ...inline].every(documentReads)) out.add(`aws:${a.id}:user/${u.name}`);
    }
  }
  const gcp = ctx.estate.gcp;
  const policies = [gcp.organization.policy, ...gcp.folders.map((f) => f.policy), ...gcp.projects.map((p) => p.policy)];
  const gcpReads = (role: string): boolean => ['roles/viewer', 'roles/browser', 'roles/iam.securityReviewer'].includes(role) || /(viewer|reader|lister|browser)$/i.test(role.split('/').pop()?.split('.').pop() ?? '');
  const lapsed = (expr: string | undefined): boolean => {
    const m = /request\.time\s*<\s*timestamp\(["']([^"']+)["']\)/.exec(expr ?? '');
    return m !== null && !(expr ?? '').includes('||') && Date.parse(m[1] as string) <= ctx.now.getTime();
  };
  for (const p of gcp.projects) {
    for (const sa of p.serviceAccounts) {
      const member = `serviceaccount:${sa.email.toLowerCase()}`;
      const roles = policies.flatMap((pol) => pol.bindings.filter((b) => b.members.some((m) => m.toLowerCase() === member) && !lapsed(b.condition?.expression)).map((b) => b.role));
      if (roles.every(gcpReads)) out.add(`gcp:${p.projectId}:sa/${sa.email.toLowerCase()}`);
    }
  }
  for (const c of ctx.estate.kubernetes.clusters) {
    const rulesOf = (kind: string, name: string, ns: string | undefined): { verbs: string[] }[] => {
      if (kind === 'Role') return c.roles.find((r) => r.metadata.name === name && r.metadata.namespace === ns)?.rules ?? [];
      const role = c.clusterRoles.find((r) => r.metadata.name === name);
      if (!role) return [];
      const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
      const aggregated = c.clusterRoles.filter((r) => r !== role && selectors.some((sel) => Object.entries(sel.matchLabels).every(([k, v]) => r.metadata.labels?.[k] === v)));
      return [...role.rules, ...aggregated.flatMap((r) => rulesOf('ClusterRole', r.metadata.name, undefined))];
    };
    for (const sa of c.serviceAccounts) {
      const ns = sa.metadata.namespace ?? 'default';
      const bound = [...c.clusterRoleBindings, ...c.roleBindings].filter((b) => (b.subjects ?? []).some((x) => x.kind === 'ServiceAccount' && x.name === sa.metadata.name && (x.namespace ?? b.metadata.namespace) === ns));
      const verbs = bound.flatMap((b) => rulesOf(b.roleRef.kind, b.roleRef.name, b.metadata.namespace).flatMap((r) => r.verbs));
      if (verbs.every((v) => ['get', 'list', 'watch'].includes(v))) out.add(`k8s:${c.name}:ns/${ns}/sa/${sa.metadata.name}`);
    }
  }
  return out;
}

/** Write or admin access, yet at least three sessions with a known command and all of them reads. */
function unusedPrivilege(subjects: readonly Subject[], gw: Gateway, readOnly: ReadonlySet<string>, mark: Mark): void {
  for (const s of subjects) {
    if (s.managed || s.disabled || readOnly.has(s.id) || !gw.sessions.has(s.id)) continue;
    const judged = (gw.sessions.get(s.id) ?? []).map((x) => SCRIPT_READS.get(x.script?.data ?? '')).filter((r) => r !== undefined);
    if (judged.length >= 3 && judged.every(Boolean)) mark('identity.unused-privilege', s.id, `write or admin grants, ${judged.length} gateway sessions all reads`);
  }
}

/** Committed keys: of an estate user (leaked), or of no account (unknown origin, one per fingerprint). */
function leaks(ctx: TruthContext, subjects: readonly Subject[], mark: Mark): void {
  if (!ctx.repo) return;
  for (const keyId of ctx.repo.committedKeyIds) {
    const owner = subjects.find((s) => s.keys.some((k) => k.publicId === keyId));
    if (owner) mark('credential.leaked', owner.id, `key ${keyId} committed to ${ctx.repo.name}`);
  }
  for (const keyId of ctx.repo.unknownKeyIds) {
    // The repository scanner's fingerprint: HMAC-SHA256 of the key id under the default fingerprint key.
    const fingerprint = createHmac('sha256', 'sprawl-fingerprint-v1').update(keyId, 'utf8').digest('hex');
    mark('leak.unknown-origin', `unknown:${fingerprint}`, `key ${keyId} of no scanned account committed to ${ctx.repo.name}`);
  }
}

export function correlationTruth(ctx: TruthContext, mark: Mark): void {
  const subjects = catalogue(ctx);
  const gw = gateway(ctx);
  orphaned(ctx, subjects, mark);
  shared(ctx, subjects, gw, mark);
  gatewayBypass(ctx, subjects, gw, mark);
  ungoverned(ctx, subjects, gw, mark);
  unusedPrivilege(subjects, gw, readOnlyIdentities(ctx), mark);
  leaks(ctx, subjects, mark);
}
