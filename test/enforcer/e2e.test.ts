/**
 * The enforcer end to end against the built-in emulators: the demo's estate (seed `demo`, size
 * 150: every provider, the gateway and a repository with committed keys) is scanned into a
 * store, planned, applied for real through the real SDK clients, checked in the emulators' own
 * state (which the write APIs mutate), scanned again, applied again (a no-op), and rolled back;
 * then, on a second copy of the estate, stage 2 runs "fifteen days later" (the grace period is 14).
 *
 * Secret values never reach an assertion's message: connections' secret maps are compared by
 * digest, and what a test decodes of them (public key ids) is compared as booleans.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noProgress } from '../../src/collectors/context.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { loadActionRegistry } from '../../src/enforcer/actions/index.ts';
import type { ActionContext } from '../../src/enforcer/actions/types.ts';
import { applyPlan, PlanRefusedError, selfCredentials, type ActionRegistry, type ActionResult, type ApplyReport } from '../../src/enforcer/apply.ts';
import { rollbackPlan, type RollbackReport } from '../../src/enforcer/rollback.ts';
import type { ActionKind, FindingRecord, Inventory, Plan, PlanAction, VerdictKind } from '../../src/model/index.ts';
import { planScan } from '../../src/pipeline/plan.ts';
import { runScan, type ScanResult } from '../../src/pipeline/scan.ts';
import { decodeSprawlTag, SPRAWL_TAG } from '../../src/providers/hoop/tags.ts';
import type { HoopConnection } from '../../src/providers/hoop/types.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { sshFingerprint } from '../../src/sandbox/github/estate.ts';
import { createSandboxRepo } from '../../src/sandbox/repos.ts';
import { loadFindings, loadInventory, loadJournal, loadResolvedFindings, loadVerdicts, openStore, verifyJournal, type JournalEntry, type Store } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';

const SEED = 'demo';
const SIZE = 150;
const DAY = 86_400_000;
const PROTECTED = /sprawl itself authenticates/;

// ---------------------------------------------------------------------------------------------
// A sandbox, a store and the enforcer's wiring, as `sprawl demo --enforce` has them

interface World {
  sandbox: Sandbox;
  dir: string;
  store: Store;
  config: Config;
  registry: ActionRegistry;
  protect: Set<string>;
}

const ENV_BEFORE = { ...process.env };

async function openWorld(withRepo: boolean): Promise<World> {
  const sandbox = await startSandbox({ seed: SEED, size: SIZE });
  const dir = mkdtempSync(join(tmpdir(), 'sprawl-e2e-'));
  try {
    // The fake sandbox credentials go where real ones would: the SDKs' default chains.
    Object.assign(process.env, sandbox.env);
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    const repos = withRepo ? [createSandboxRepo(sandbox.estate, join(dir, 'repo'))].map((r) => ({ path: r.dir, name: r.name })) : [];
    const config = parseConfig({ ...sandbox.config, repos }, 'the sandbox');
    const store = await openStore(join(dir, 'sprawl.db'));
    return { sandbox, dir, store, config, registry: await loadActionRegistry(), protect: selfCredentials(process.env, config) };
  } catch (err) {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function closeWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.store.close();
  await w.sandbox.stop();
  rmSync(w.dir, { recursive: true, force: true });
  for (const k of Object.keys(w.sandbox.env)) {
    if (ENV_BEFORE[k] === undefined) delete process.env[k];
    else process.env[k] = ENV_BEFORE[k];
  }
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN']) if (ENV_BEFORE[k] !== undefined) process.env[k] = ENV_BEFORE[k];
}

const ctxOf = (w: World, now: () => Date = () => new Date()): ActionContext => ({ config: w.config, env: process.env, log: silentLogger, now });

async function scan(w: World, now?: () => Date): Promise<ScanResult> {
  const result = await runScan({ store: w.store, config: w.config, log: silentLogger, progress: noProgress, ...(now ? { now } : {}) });
  expect(result.scan.status, JSON.stringify(result.scan.sources.filter((s) => s.status !== 'ok'))).toBe('complete');
  return result;
}

function apply(w: World, plan: Plan, opts: { now?: () => Date; force?: boolean } = {}): Promise<ApplyReport> {
  return applyPlan({ store: w.store, plan, registry: w.registry, ctx: ctxOf(w, opts.now), execute: true, protect: w.protect, ...(opts.force ? { force: true } : {}) });
}

const laterBy = (days: number) => (): Date => new Date(Date.now() + days * DAY);

// ---------------------------------------------------------------------------------------------
// Reading results

type Pair = { action: PlanAction; result: ActionResult };

function pairs(plan: Plan, report: ApplyReport): Pair[] {
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  return report.results.map((result) => {
    const action = byId.get(result.actionId);
    if (!action) throw new Error(`result for ${result.actionId}, which is not in plan ${plan.id}`);
    return { action, result };
  });
}

const appliedOf = (ps: readonly Pair[], kind?: ActionKind): PlanAction[] =>
  ps.filter((p) => p.result.result === 'applied' && (kind === undefined || p.action.kind === kind)).map((p) => p.action);

/** `kind target: why` of each result that is not one of `ok` (for failure messages: errors and reasons never hold secrets). */
function unexpected(ps: readonly Pair[], ok: readonly ActionResult['result'][]): string[] {
  return ps
    .filter((p) => !ok.includes(p.result.result))
    .map(({ action, result }) => {
      const why = result.result === 'failed' ? result.error : result.result === 'skipped' || result.result === 'waiting' ? result.reason : '';
      return `${result.result} ${action.kind} ${action.target} (stage ${action.stage}): ${why}`;
    });
}

function str(a: PlanAction, name: string): string {
  const v = a.params[name];
  if (typeof v !== 'string' || v === '') throw new Error(`${a.kind} ${a.target}: no parameter ${name}`);
  return v;
}

function strs(a: PlanAction, name: string): string[] {
  const v = a.params[name];
  if (!Array.isArray(v)) throw new Error(`${a.kind} ${a.target}: no list parameter ${name}`);
  return v;
}

/** The public id of the last credential the journal says the action minted. */
function mintedBy(journal: readonly JournalEntry[], actionId: string): string | undefined {
  const minted = journal.filter((e) => e.actionId === actionId && e.phase === 'apply' && e.status === 'minted');
  const id = minted.at(-1)?.detail.publicId;
  return typeof id === 'string' ? id : undefined;
}

const digest = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');

function isBase64(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0 && v.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').toString('base64') === v;
}

const plain = (v: string | null | undefined): string => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '');

// ---------------------------------------------------------------------------------------------
// The emulators' state

function awsUser(sb: Sandbox, account: string, user: string) {
  return sb.estate.aws.accounts.find((a) => a.id === account)?.users.find((u) => u.name === user);
}

/** Active, Inactive or absent. */
function awsKey(sb: Sandbox, a: PlanAction, keyId = str(a, 'accessKeyId')): string {
  return awsUser(sb, str(a, 'account'), str(a, 'user'))?.accessKeys.find((k) => k.id === keyId)?.status ?? 'absent';
}

function awsRole(sb: Sandbox, a: PlanAction) {
  return sb.estate.aws.accounts.find((x) => x.id === str(a, 'account'))?.roles.find((r) => r.name === str(a, 'role'));
}

/** enabled, disabled or absent. */
function gcpKey(sb: Sandbox, a: PlanAction, keyId = str(a, 'keyId')): string {
  const sa = sb.estate.gcp.projects.find((p) => p.projectId === str(a, 'project'))?.serviceAccounts.find((s) => s.email === str(a, 'email'));
  const key = sa?.keys.find((k) => k.id === keyId);
  return key === undefined ? 'absent' : key.disabled ? 'disabled' : 'enabled';
}

function k8sCluster(sb: Sandbox, a: PlanAction) {
  const cluster = sb.estate.kubernetes.clusters.find((c) => c.name === str(a, 'cluster'));
  if (!cluster) throw new Error(`${a.kind} ${a.target}: no cluster ${str(a, 'cluster')} in the sandbox`);
  return cluster;
}

/** The (Cluster)RoleBindings naming the action's service account, sorted; `none` when there is none. */
function k8sBindings(sb: Sandbox, a: PlanAction): string {
  const cluster = k8sCluster(sb, a);
  const [ns, name] = [str(a, 'namespace'), str(a, 'serviceAccount')];
  const out: string[] = [];
  for (const [kind, list] of [['RoleBinding', cluster.roleBindings], ['ClusterRoleBinding', cluster.clusterRoleBindings]] as const) {
    for (const b of list) {
      const names = (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === name && (s.namespace ?? b.metadata.namespace) === ns);
      if (names) out.push(`${kind} ${b.metadata.namespace ?? ''}/${b.metadata.name} -> ${b.roleRef.kind} ${b.roleRef.name}`);
    }
  }
  return out.length ? out.sort().join('; ') : 'none';
}

/** present or absent: the legacy token Secret `namespace/name`. */
function k8sSecret(sb: Sandbox, a: PlanAction): string {
  const [ns, name] = str(a, 'secret').split('/');
  return k8sCluster(sb, a).secrets.some((s) => s.metadata.namespace === ns && s.metadata.name === name) ? 'present' : 'absent';
}

/** The role assignments of the action's principal (scope and role), sorted; `none` when there is none. */
function azureAssignments(sb: Sandbox, a: PlanAction): string {
  const objectId = str(a, 'objectId').toLowerCase();
  const list = sb.estate.azure.roleAssignments.filter((r) => r.principalId.toLowerCase() === objectId).map((r) => `${r.scope.toLowerCase()} ${r.roleDefinitionName}`);
  return list.length ? list.sort().join('; ') : 'none';
}

/** present or absent: a secret or certificate with this key id on any application or service principal. */
function azureCredential(sb: Sandbox, keyId: string): string {
  const k = keyId.toLowerCase();
  const holders = [...sb.estate.azure.applications, ...sb.estate.azure.servicePrincipals];
  return holders.some((h) => [...h.passwordCredentials, ...h.keyCredentials].some((c) => c.keyId.toLowerCase() === k)) ? 'present' : 'absent';
}

/** present or absent: the deploy key with the action's fingerprint in its repository (rollback adds it back under a new id). */
function deployKey(sb: Sandbox, a: PlanAction): string {
  const repo = sb.estate.github.orgs.find((o) => o.login.toLowerCase() === str(a, 'org').toLowerCase())?.repos.find((r) => r.name === str(a, 'repo'));
  return repo?.deployKeys.some((k) => sshFingerprint(k.key) === str(a, 'fingerprint')) ? 'present' : 'absent';
}

const connectionNamed = (sb: Sandbox, name: string): HoopConnection | undefined => sb.hoop.estate.connections.find((c) => c.name === name);

const taggedWith = (sb: Sandbox, identityId: string): HoopConnection[] =>
  sb.hoop.estate.connections.filter((c) => c.connection_tags[SPRAWL_TAG] !== undefined && decodeSprawlTag(c.connection_tags[SPRAWL_TAG]) === identityId);

/**
 * Whether the emulator holds the minted credential as live, and the connection's secrets name it
 * (where they carry a public id: the AWS key id, the GCP key file's private_key_id).
 */
function holdsMinted(sb: Sandbox, a: PlanAction, conn: HoopConnection, minted: string): boolean {
  const secret = (key: string): string => plain(conn.secret[key]);
  switch (a.provider) {
    case 'aws':
      return awsKey(sb, a, minted) === 'Active' && secret('envvar:AWS_ACCESS_KEY_ID') === minted;
    case 'gcp': {
      if (a.params['keyless'] === true) return secret('envvar:CLOUDSDK_CORE_PROJECT') === str(a, 'project');
      let keyFileId: unknown;
      try {
        keyFileId = (JSON.parse(secret('filesystem:GOOGLE_APPLICATION_CREDENTIALS')) as { private_key_id?: unknown }).private_key_id;
      } catch {
        return false;
      }
      return gcpKey(sb, a, minted) === 'enabled' && keyFileId === minted;
    }
    case 'azure':
      return azureCredential(sb, minted) === 'present' && secret('envvar:AZURE_CLIENT_ID') === str(a, 'appId');
    case 'kubernetes':
      return sb.kubernetes.tokens.some((t) => t.jti === minted && t.cluster === str(a, 'cluster') && t.namespace === str(a, 'namespace') && t.serviceAccount === str(a, 'serviceAccount'));
    default:
      return false;
  }
}

/** Every piece of emulator state an action can change, as one digest. */
function stateDigest(sb: Sandbox): string {
  const { aws, gcp, azure, github, kubernetes } = sb.estate;
  return digest({
    aws: aws.accounts.map((a) => ({ users: a.users.map((u) => [u.name, u.accessKeys, u.inline]), roles: a.roles.map((r) => [r.name, r.inline, r.attached]) })),
    gcp: gcp.projects.map((p) => p.serviceAccounts.map((s) => [s.email, s.disabled, s.keys])),
    azure: [azure.roleAssignments, azure.applications.map((x) => [x.passwordCredentials, x.keyCredentials]), azure.servicePrincipals.map((x) => [x.passwordCredentials, x.keyCredentials])],
    github: github.orgs.map((o) => o.repos.map((r) => r.deployKeys)),
    kubernetes: kubernetes.clusters.map((c) => [c.serviceAccounts, c.secrets, c.roleBindings, c.clusterRoleBindings]),
    tokens: sb.kubernetes.tokens.length,
    hoop: sb.hoop.estate.connections,
  });
}

// ---------------------------------------------------------------------------------------------
// What each stage-1 action does to its target, and what its rollback restores. Values are what
// the observer returns; `before` means "as it was before the apply", `some` anything but `none`.

interface Effect {
  kind: ActionKind;
  observe: (sb: Sandbox, a: PlanAction) => string;
  before: string;
  applied: string;
  rolledBack: string;
}

const STAGE_ONE: readonly Effect[] = [
  { kind: 'aws.key.deactivate', observe: (sb, a) => awsKey(sb, a), before: 'Active', applied: 'Inactive', rolledBack: 'Active' },
  // The slot-freeing delete of an inactive key: irreversible, so it stays deleted.
  { kind: 'aws.key.delete', observe: (sb, a) => awsKey(sb, a), before: 'Inactive', applied: 'absent', rolledBack: 'absent' },
  { kind: 'aws.role.deny', observe: (sb, a) => (awsRole(sb, a)?.inline.some((p) => p.name === str(a, 'policyName')) ? 'denied' : 'open'), before: 'open', applied: 'denied', rolledBack: 'open' },
  { kind: 'gcp.key.disable', observe: (sb, a) => gcpKey(sb, a), before: 'enabled', applied: 'disabled', rolledBack: 'enabled' },
  { kind: 'k8s.bindings.remove', observe: k8sBindings, before: 'some', applied: 'none', rolledBack: 'before' },
  { kind: 'azure.role-assignments.remove', observe: azureAssignments, before: 'some', applied: 'none', rolledBack: 'before' },
  { kind: 'github.deploy-key.delete', observe: deployKey, before: 'present', applied: 'absent', rolledBack: 'present' },
];

function expectState(effect: Effect, sb: Sandbox, a: PlanAction, want: string, before: string | undefined, when: string): void {
  const now = effect.observe(sb, a);
  const label = `${a.kind} ${a.target} of ${a.identityName}, ${when}`;
  if (want === 'before') expect(now, label).toBe(before);
  else if (want === 'some') expect(now, label).not.toBe('none');
  else expect(now, label).toBe(want);
}

// ---------------------------------------------------------------------------------------------

describe('the demo estate: plan, apply stage 1, scan again, apply again, roll back', () => {
  let w: World;
  let plan: Plan;
  let scan1: ScanResult;
  let inventory1: Inventory;
  let report: ApplyReport;
  let applied: Pair[];
  let appliedAt: number;
  /** Per action id, its target's state before the apply (the effect's observation). */
  const before = new Map<string, string>();
  /** Connections of the gateway before the apply: name to the digest of the secret map. */
  const connectionsBefore = new Map<string, string>();

  beforeAll(async () => {
    w = await openWorld(true);
    scan1 = await scan(w);
    inventory1 = await loadInventory(w.store, scan1.scan.id);
    plan = await planScan({ store: w.store, config: w.config.enforce });
    for (const a of plan.actions) {
      const effect = STAGE_ONE.find((e) => e.kind === a.kind);
      if (effect && a.stage === 1) before.set(a.id, effect.observe(w.sandbox, a));
    }
    for (const c of w.sandbox.hoop.estate.connections) connectionsBefore.set(c.name, digest(c.secret));
    appliedAt = Date.now();
    report = await apply(w, plan);
    applied = pairs(plan, report);
  }, 90_000);

  afterAll(() => closeWorld(w));

  it('applies every stage-1 action but those retiring sprawl\'s own credential, and holds stage 2 back', () => {
    expect(report.dryRun).toBe(false);
    expect(['all', 'some']).toContain(report.outcome);
    expect(report.results).toHaveLength(plan.actions.length);
    expect(unexpected(applied, ['applied', 'skipped', 'waiting', 'manual'])).toEqual([]);
    // Skipped: only the guard on the scanner's own key (the sandbox's AWS_ACCESS_KEY_ID).
    const skipped = applied.filter((p) => p.result.result === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const { action, result } of skipped) {
      expect(result.result === 'skipped' ? result.reason : '', `${action.kind} ${action.target}`).toMatch(PROTECTED);
      expect(w.protect.has(action.target) || w.protect.has(action.identityId), `${action.kind} ${action.target} retires what sprawl runs with`).toBe(true);
    }
    expect(skipped.map((p) => p.action.target)).toContain(w.sandbox.env.AWS_ACCESS_KEY_ID);
    const { scanner } = w.sandbox.estate.aws;
    const scannerKey = awsUser(w.sandbox, scanner.accountId, scanner.userName)?.accessKeys.find((k) => k.id === scanner.accessKeyId);
    expect(scannerKey?.status, 'the key sprawl scans with').toBe('Active');
    // Stage 1 applied (or skipped by the guard, or manual); stage 2 waits for its grace period.
    expect(unexpected(applied.filter((p) => p.action.stage === 1), ['applied', 'skipped', 'manual'])).toEqual([]);
    expect(unexpected(applied.filter((p) => p.action.stage === 2), ['waiting', 'skipped'])).toEqual([]);
    for (const { action, result } of applied) {
      if (result.result === 'waiting' && result.dueAt !== undefined) {
        expect(Date.parse(result.dueAt), `${action.kind} ${action.target} due`).toBeGreaterThanOrEqual(appliedAt + (action.graceDays ?? 0) * DAY - 60_000);
      }
    }
    // The demo estate exercises every provider's stage-1 actions and both gateway actions.
    const kinds = new Set(appliedOf(applied).map((a) => a.kind));
    for (const kind of ['gateway.register', 'gateway.rotate', ...STAGE_ONE.map((e) => e.kind)]) expect([...kinds], kind).toContain(kind);
  });

  it('registers a connection on the gateway for every identity gateway.register migrated, tagged with it, holding the fresh credential', async () => {
    const journal = await loadJournal(w.store, { planId: plan.id });
    const registered = appliedOf(applied, 'gateway.register');
    expect(registered.length).toBeGreaterThan(0);
    for (const a of registered) {
      expect(connectionsBefore.has(a.target), `${a.target} existed before the apply`).toBe(false);
      const conn = connectionNamed(w.sandbox, a.target);
      expect(conn, `connection ${a.target} of ${a.identityId}`).toBeDefined();
      if (!conn) continue;
      expect(decodeSprawlTag(conn.connection_tags[SPRAWL_TAG] ?? ''), `${a.target} tag`).toBe(a.identityId);
      expect(taggedWith(w.sandbox, a.identityId).map((c) => c.name), `connections tagged with ${a.identityId}`).toEqual([a.target]);
      expect([conn.type, conn.subtype, conn.agent_id], a.target).toEqual([str(a, 'type'), str(a, 'subtype'), w.config.enforce.gateway.agentId]);
      expect(Object.keys(conn.secret).sort(), `${a.target} secret keys`).toEqual([...strs(a, 'secretKeys')].sort());
      for (const [key, value] of Object.entries(conn.secret)) expect(isBase64(value), `${a.target} ${key} is base64`).toBe(true);
      const minted = mintedBy(journal, a.id);
      expect(minted, `${a.target}: the journal records the minted credential`).toBeDefined();
      expect(holdsMinted(w.sandbox, a, conn, minted ?? ''), `${a.target} holds ${a.identityName}'s fresh credential ${minted ?? ''}, live in the emulator`).toBe(true);
    }
  });

  it('replaces the secrets of every connection gateway.rotate rotated, and tags it with its identity', async () => {
    const journal = await loadJournal(w.store, { planId: plan.id });
    const rotated = appliedOf(applied, 'gateway.rotate');
    expect(rotated.length).toBeGreaterThan(0);
    for (const a of rotated) {
      const conn = connectionNamed(w.sandbox, a.target);
      expect(conn, `connection ${a.target}`).toBeDefined();
      if (!conn) continue;
      expect(connectionsBefore.has(a.target), `${a.target} existed before`).toBe(true);
      expect(digest(conn.secret) !== connectionsBefore.get(a.target), `${a.target}: secret map replaced`).toBe(true);
      expect(decodeSprawlTag(conn.connection_tags[SPRAWL_TAG] ?? ''), `${a.target} tag`).toBe(a.identityId);
      for (const key of strs(a, 'secretKeys')) expect(isBase64(conn.secret[key]), `${a.target} ${key} is set, base64`).toBe(true);
      const minted = mintedBy(journal, a.id);
      expect(minted, `${a.target}: the journal records the minted credential`).toBeDefined();
      expect(holdsMinted(w.sandbox, a, conn, minted ?? ''), `${a.target} holds ${a.identityName}'s fresh credential ${minted ?? ''}, live in the emulator`).toBe(true);
      // The fresh credential is not one the scan saw.
      expect(inventory1.credentials.some((c) => c.identityId === a.identityId && c.publicId === minted), `${minted ?? ''} is new`).toBe(false);
    }
  });

  it.each(STAGE_ONE.map((e) => [e.kind, e] as const))('%s changed every target it applied to in the emulator', (_kind, effect) => {
    const done = applied.filter((p) => p.action.kind === effect.kind && p.action.stage === 1 && p.result.result === 'applied');
    // At least one changed something (a revoked identity may have had no bindings or role assignments left: a no-op).
    expect(done.filter((p) => p.result.result === 'applied' && p.result.outcome.status === 'done').length, `${effect.kind} actions that changed something`).toBeGreaterThan(0);
    for (const { action: a, result } of done) {
      // Observed before the apply: what a change found, or already what a no-op wanted.
      const was = before.get(a.id) ?? '';
      const noop = result.result === 'applied' && result.outcome.status === 'noop';
      const label = `${a.kind} ${a.target} before the apply (${noop ? 'noop' : 'done'})`;
      if (noop) expect(was, label).toBe(effect.applied);
      else if (effect.before === 'some') expect(was, label).not.toBe('none');
      else expect(was, label).toBe(effect.before);
      expectState(effect, w.sandbox, a, effect.applied, was, 'after the apply');
    }
  });

  it('applying the same plan again changes nothing', async () => {
    const digestBefore = stateDigest(w.sandbox);
    const again = pairs(plan, await apply(w, plan));
    expect(unexpected(again, ['already', 'waiting', 'skipped', 'manual'])).toEqual([]);
    expect(again.filter((p) => p.result.result === 'already').map((p) => p.action.id).sort()).toEqual(appliedOf(applied).map((a) => a.id).sort());
    expect(stateDigest(w.sandbox) === digestBefore, 'the emulators are unchanged').toBe(true);
  });

  describe('a new scan', () => {
    let scan2: ScanResult;
    let findings1: FindingRecord[];
    let findings2: Map<string, FindingRecord>;
    let resolved2: Set<string>;
    /** Credential ids (of the first scan) that an applied stage-1 action retired. */
    const retired = new Set<string>();

    beforeAll(async () => {
      const retiring = new Set(['aws.key.deactivate', 'aws.key.delete', 'gcp.key.disable']);
      for (const a of appliedOf(applied).filter((x) => retiring.has(x.kind))) {
        for (const c of inventory1.credentials) if (c.identityId === a.identityId && c.publicId === a.target) retired.add(c.id);
      }
      findings1 = await loadFindings(w.store, scan1.scan.id);
      scan2 = await scan(w);
      findings2 = new Map((await loadFindings(w.store, scan2.scan.id)).map((f) => [f.id, f]));
      resolved2 = new Set((await loadResolvedFindings(w.store, scan2.scan.id)).map((f) => f.id));
    }, 60_000);

    it('sees the retired credentials inactive', async () => {
      const inventory2 = await loadInventory(w.store, scan2.scan.id);
      expect(retired.size).toBeGreaterThan(0);
      for (const id of retired) {
        const c = inventory2.credentials.find((x) => x.id === id);
        // Deleted (the slot-freeing delete) or listed as inactive.
        expect(c?.active ?? false, `credential ${id} active in the new scan`).toBe(false);
      }
    });

    it('resolves the findings that named a retired credential; a committed one stays, low, as inactive', () => {
      const named = findings1.filter((f) => f.subjectType === 'credential' && retired.has(f.subjectId));
      expect(named.length).toBeGreaterThan(0);
      expect(new Set(named.map((f) => f.ruleId))).toContain('credential.key-age');
      for (const f of named) {
        const now = findings2.get(f.id);
        const label = `${f.ruleId} on ${f.subjectId}`;
        if (f.ruleId === 'credential.leaked') {
          // Committed to a repository for good: reported until the key is deleted, but low once it cannot authenticate.
          expect(now?.severity, label).toBe('low');
          expect(now?.evidence.active, label).toBe(false);
        } else {
          expect(resolved2.has(f.id), `${label} (now ${now?.status ?? 'absent'}) resolved`).toBe(true);
          expect(now, label).toBeUndefined();
        }
      }
    });

    it('no longer says migrate of an identity whose every credential was moved behind the gateway and retired', async () => {
      const verdicts1 = new Map((await loadVerdicts(w.store, scan1.scan.id)).map((v) => [v.identityId, v.verdict]));
      const verdicts2 = new Map((await loadVerdicts(w.store, scan2.scan.id)).map((v) => [v.identityId, v.verdict]));
      const moved = new Set(appliedOf(applied).filter((a) => a.kind === 'gateway.register' || a.kind === 'gateway.rotate').map((a) => a.identityId));
      const settled = [...moved].filter((id) => inventory1.credentials.filter((c) => c.identityId === id).every((c) => retired.has(c.id)));
      const wasMigrate = settled.filter((id) => verdicts1.get(id) === 'migrate');
      expect(wasMigrate.length, 'migrated identities whose every credential was retired').toBeGreaterThan(0);
      const leakedStill = new Set([...findings2.values()].filter((f) => f.ruleId === 'credential.leaked').map((f) => f.identityId));
      const wrong: string[] = [];
      for (const id of settled) {
        const v: VerdictKind | undefined = verdicts2.get(id);
        // A committed key keeps its identity at rotate (delete it) until stage 2 deletes it; otherwise nothing is left to do.
        const want = leakedStill.has(id) ? 'rotate' : 'keep';
        if (v !== want) wrong.push(`${id}: ${verdicts1.get(id) ?? '?'} -> ${v ?? 'none'}, expected ${want}`);
      }
      expect(wrong).toEqual([]);
    });

    it('applying the plan again after the scan is refused as stale, and changes nothing when forced', async () => {
      await expect(apply(w, plan)).rejects.toThrow(PlanRefusedError);
      const digestBefore = stateDigest(w.sandbox);
      const again = pairs(plan, await apply(w, plan, { force: true }));
      expect(unexpected(again, ['already', 'waiting', 'skipped', 'manual'])).toEqual([]);
      expect(again.filter((p) => p.result.result === 'skipped').every((p) => p.result.result === 'skipped' && PROTECTED.test(p.result.reason))).toBe(true);
      expect(stateDigest(w.sandbox) === digestBefore, 'the emulators are unchanged').toBe(true);
    });
  });

  describe('rollback', () => {
    let rollback: RollbackReport;
    let rolled: Map<string, RollbackReport['results'][number]>;
    let journal: JournalEntry[];

    beforeAll(async () => {
      journal = await loadJournal(w.store, { planId: plan.id });
      rollback = await rollbackPlan({ store: w.store, plan, registry: w.registry, ctx: ctxOf(w), execute: true });
      rolled = new Map(rollback.results.map((r) => [r.actionId, r]));
    }, 60_000);

    it('undoes every reversible applied action, and only says so of the irreversible ones', () => {
      const failed = rollback.results.flatMap((r) => (r.result === 'failed' ? [`${r.actionId}: ${r.error}`] : []));
      expect(failed).toEqual([]);
      const done = appliedOf(applied);
      expect(rollback.results).toHaveLength(done.length);
      for (const a of done) {
        const r = rolled.get(a.id);
        if (a.reversible) expect(r?.result, `${a.kind} ${a.target}`).toBe('undone');
        else {
          expect(r?.result, `${a.kind} ${a.target}`).toBe('skipped');
          expect(r?.result === 'skipped' ? r.reason : '', `${a.kind} ${a.target}`).toMatch(/cannot be undone/);
        }
      }
    });

    it.each(STAGE_ONE.map((e) => [e.kind, e] as const))('%s: its targets are as before the apply (or stay changed when irreversible)', (_kind, effect) => {
      const done = appliedOf(applied, effect.kind).filter((a) => a.stage === 1);
      expect(done.length).toBeGreaterThan(0);
      for (const a of done) expectState(effect, w.sandbox, a, effect.rolledBack, before.get(a.id), 'after the rollback');
    });

    it('removes every registered connection from the gateway and discards its credential; rotated ones stay', () => {
      for (const a of appliedOf(applied, 'gateway.register')) {
        expect(connectionNamed(w.sandbox, a.target), `connection ${a.target}`).toBeUndefined();
        expect(taggedWith(w.sandbox, a.identityId).map((c) => c.name), `connections tagged with ${a.identityId}`).toEqual([]);
        const minted = mintedBy(journal, a.id) ?? '';
        if (a.provider === 'aws') expect(awsKey(w.sandbox, a, minted), `${a.identityName}'s minted key ${minted}`).toBe('absent');
        if (a.provider === 'gcp' && a.params['keyless'] !== true) expect(gcpKey(w.sandbox, a, minted), `${a.identityName}'s minted key ${minted}`).toBe('absent');
        if (a.provider === 'azure') expect(azureCredential(w.sandbox, minted), `${a.identityName}'s minted secret ${minted}`).toBe('absent');
      }
      for (const a of appliedOf(applied, 'gateway.rotate')) expect(connectionNamed(w.sandbox, a.target), `connection ${a.target}`).toBeDefined();
      // Only the connections the apply registered are gone.
      expect(w.sandbox.hoop.estate.connections.map((c) => c.name).sort()).toEqual([...connectionsBefore.keys()].sort());
    });

    it('keeps a journal whose hash chain verifies, with one undo per undone action; a second rollback undoes nothing', async () => {
      const verified = await verifyJournal(w.store);
      expect(verified.problems).toEqual([]);
      const undos = (await loadJournal(w.store, { planId: plan.id })).filter((e) => e.phase === 'undo' && (e.status === 'done' || e.status === 'noop'));
      expect(undos.map((e) => e.actionId).sort()).toEqual(rollback.results.filter((r) => r.result === 'undone').map((r) => r.actionId).sort());
      expect(verified.rows).toBeGreaterThan(undos.length);
      const second = await rollbackPlan({ store: w.store, plan, registry: w.registry, ctx: ctxOf(w), execute: true });
      expect(second.results.filter((r) => r.result !== 'skipped')).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** What each stage-2 deletion leaves in the emulator. */
const STAGE_TWO: readonly { kind: ActionKind; gone: (sb: Sandbox, a: PlanAction) => string }[] = [
  { kind: 'aws.key.delete', gone: (sb, a) => awsKey(sb, a) },
  { kind: 'aws.role.delete', gone: (sb, a) => (awsRole(sb, a) ? 'present' : 'absent') },
  { kind: 'gcp.key.delete', gone: (sb, a) => gcpKey(sb, a) },
  { kind: 'azure.secret.delete', gone: (sb, a) => azureCredential(sb, str(a, 'keyId')) },
  { kind: 'k8s.token.delete', gone: k8sSecret },
];

describe('the demo estate fifteen days later: stage 2', () => {
  let w: World;
  let plan: Plan;
  let inventory1: Inventory;
  let stage1: Pair[];
  let stage2: Pair[];
  const later = laterBy(15);

  beforeAll(async () => {
    w = await openWorld(false);
    const scan1 = await scan(w);
    inventory1 = await loadInventory(w.store, scan1.scan.id);
    plan = await planScan({ store: w.store, config: w.config.enforce });
    stage1 = pairs(plan, await apply(w, plan));
    await scan(w, later);
  }, 90_000);

  afterAll(() => closeWorld(w));

  it('refuses the plan without --force once the estate changed, then applies stage 2 with it', async () => {
    expect(unexpected(stage1, ['applied', 'skipped', 'waiting', 'manual'])).toEqual([]);
    await expect(apply(w, plan, { now: later })).rejects.toThrow(/stale/);
    const report = await apply(w, plan, { now: later, force: true });
    stage2 = pairs(plan, report);
    expect(['all', 'some']).toContain(report.outcome);
    expect(unexpected(stage2, ['applied', 'already', 'skipped', 'waiting', 'manual'])).toEqual([]);
    for (const { action, result } of stage2) if (result.result === 'skipped') expect(result.reason, `${action.kind} ${action.target}`).toMatch(PROTECTED);
    // What waits still is what depends on a step this very run applied that is not itself a deletion
    // (the other key of a two-key user, deactivated behind the gateway just now): grace periods do not
    // stack behind deletions (the account after its tokens, the user after its keys).
    const appliedNow = new Set(appliedOf(stage2).filter((a) => !a.kind.endsWith('.delete')).map((a) => a.id));
    for (const { action, result } of stage2.filter((p) => p.result.result === 'waiting')) {
      expect(action.stage, `${action.kind} ${action.target}`).toBe(2);
      expect(action.dependsOn.some((d) => appliedNow.has(d)), `${action.kind} ${action.target} waits for a step applied just now`).toBe(true);
      expect(result.result === 'waiting' ? result.reason : '', `${action.kind} ${action.target}`).toMatch(/^due /);
    }
    // Every stage-2 action applied in this run, none in the first.
    expect(appliedOf(stage2).every((a) => a.stage === 2)).toBe(true);
    expect(appliedOf(stage2).length).toBeGreaterThan(0);
  });

  it.each(STAGE_TWO.map((e) => [e.kind, e] as const))('%s: every target it applied to is gone from the emulator', (_kind, effect) => {
    const done = appliedOf(stage2, effect.kind);
    expect(done.length, `applied ${effect.kind} actions`).toBeGreaterThan(0);
    for (const a of done) expect(effect.gone(w.sandbox, a), `${a.kind} ${a.target} of ${a.identityName}`).toBe('absent');
  });

  it('moves a user holding two access keys behind the gateway once the freed slot is deleted', async () => {
    const journal = await loadJournal(w.store, { planId: plan.id });
    const byId = new Map(plan.actions.map((a) => [a.id, a]));
    const slotted = appliedOf(stage2).filter((a) => a.provider === 'aws' && a.kind.startsWith('gateway.'));
    expect(slotted.length, 'stage-2 gateway steps of users with two keys').toBeGreaterThan(0);
    for (const a of slotted) {
      const keys1 = inventory1.credentials.filter((c) => c.identityId === a.identityId && c.kind === 'aws-access-key');
      expect(keys1.length, a.identityName).toBe(2);
      // Its slot: deactivated in stage 1, deleted now.
      const [slot] = a.dependsOn.map((d) => byId.get(d));
      expect(slot?.kind, a.identityName).toBe('aws.key.delete');
      if (slot) expect(awsKey(w.sandbox, slot), `slot key ${slot.target}`).toBe('absent');
      const conn = connectionNamed(w.sandbox, a.target);
      expect(conn, `connection ${a.target}`).toBeDefined();
      if (!conn) continue;
      expect(decodeSprawlTag(conn.connection_tags[SPRAWL_TAG] ?? ''), `${a.target} tag`).toBe(a.identityId);
      const minted = mintedBy(journal, a.id) ?? '';
      expect(holdsMinted(w.sandbox, a, conn, minted), `${a.target} holds ${a.identityName}'s fresh key ${minted}`).toBe(true);
      // The user's other old key is deactivated behind the gateway step.
      for (const k of keys1.filter((c) => c.publicId !== slot?.target)) {
        const off = plan.actions.find((x) => x.kind === 'aws.key.deactivate' && x.identityId === a.identityId && x.target === k.publicId);
        expect(off?.dependsOn, `${k.publicId} retired after ${a.target}`).toContain(a.id);
        if (off) expect(awsKey(w.sandbox, off), `${a.identityName}'s old key ${k.publicId}`).toBe('Inactive');
      }
    }
  });

  it('a scan after stage 2 no longer says migrate of an identity whose old credentials were all deleted (AWS, GCP, Azure, Kubernetes)', async () => {
    const scan3 = await scan(w, later);
    const verdicts = new Map((await loadVerdicts(w.store, scan3.scan.id)).map((v) => [v.identityId, v.verdict]));
    const inventory3 = await loadInventory(w.store, scan3.scan.id);
    const deleted = new Set(appliedOf(stage2).filter((a) => STAGE_TWO.some((e) => e.kind === a.kind)).map((a) => `${a.identityId} ${a.target}`));
    const moved = [...new Set(appliedOf([...stage1, ...stage2]).filter((a) => a.kind.startsWith('gateway.')).map((a) => a.identityId))];
    // Azure included: a client secret's value names no key id, so the connection's sprawl-credential tag says which one the gateway holds.
    const settled = moved.filter((id) => inventory1.credentials.some((c) => c.identityId === id) && inventory1.credentials.filter((c) => c.identityId === id).every((c) => deleted.has(`${id} ${c.publicId}`)));
    expect(settled.length).toBeGreaterThan(0);
    expect(settled.some((id) => id.startsWith('azure:'))).toBe(true);
    for (const id of settled) {
      expect(verdicts.get(id), id).not.toBe('migrate');
      for (const c of inventory1.credentials.filter((x) => x.identityId === id)) expect(inventory3.credentials.some((x) => x.id === c.id), `${c.publicId} of ${id} still listed`).toBe(false);
    }
  });

  it('rolls back only what no deletion built on, and the journal verifies', async () => {
    const rollback = await rollbackPlan({ store: w.store, plan, registry: w.registry, ctx: ctxOf(w, later), execute: true });
    expect(rollback.results.filter((r) => r.result === 'failed')).toEqual([]);
    const byId = new Map(plan.actions.map((a) => [a.id, a]));
    const deletedOnTop = (a: PlanAction): boolean => plan.actions.some((x) => x.dependsOn.includes(a.id) && !x.reversible && appliedOf([...stage1, ...stage2]).some((y) => y.id === x.id));
    let undone = 0;
    for (const r of rollback.results) {
      const a = byId.get(r.actionId);
      if (!a) throw new Error(`rollback of ${r.actionId}, not in the plan`);
      const label = `${a.kind} ${a.target}`;
      if (!a.reversible) expect(r.result, label).toBe('skipped');
      else if (deletedOnTop(a)) {
        expect(r.result, label).toBe('skipped');
        expect(r.result === 'skipped' ? r.reason : '', label).toMatch(/already applied on top of it and cannot be undone/);
      } else {
        expect(r.result, label).toBe('undone');
        undone++;
      }
      // A deactivated key whose deletion applied stays deleted.
      if (a.kind === 'aws.key.deactivate' && deletedOnTop(a)) expect(awsKey(w.sandbox, a), label).toBe('absent');
      if (a.kind === 'aws.key.deactivate' && !deletedOnTop(a) && r.result === 'undone') expect(awsKey(w.sandbox, a), label).toBe('Active');
    }
    expect(undone).toBeGreaterThan(0);
    expect((await verifyJournal(w.store)).problems).toEqual([]);
  });
});
