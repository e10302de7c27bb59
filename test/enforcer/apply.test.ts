/**
 * The apply engine, journal and rollback with sprawl's own action interface implemented by test
 * doubles that keep their state in memory (the real provider actions are tested against the
 * emulators in test/enforcer/actions/ and end to end in test/enforcer/e2e.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enforceSchema } from '../../src/config/enforce-schema.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Outcome } from '../../src/enforcer/actions/types.ts';
import { applyPlan, PlanRefusedError, selfCredentials, type ActionRegistry } from '../../src/enforcer/apply.ts';
import { buildPlan } from '../../src/enforcer/plan.ts';
import { rollbackPlan } from '../../src/enforcer/rollback.ts';
import type { Credential, Identity, Plan, Verdict } from '../../src/model/index.ts';
import { createInventoryWriter, createScan, finishScan, loadJournal, openStore, saveAnalysis, verifyJournal, type Store } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { NOW, key, role, user } from '../analyzers/factories.ts';
import type { connection } from '../analyzers/gateway-factories.ts';

const AGENT = '1837453e-01fc-46f3-9e4c-dcf22d395393';
const DAY = 86_400_000;

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-apply-'));
  store = await openStore(join(dir, 's.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A scan of `identities` with their credentials, and one verdict each. */
async function scanOf(id: string, at: Date, parts: { identities: Identity[]; credentials: Credential[]; verdicts: Verdict[]; connections?: ReturnType<typeof connection>[] }): Promise<void> {
  await createScan(store, { id, startedAt: at.toISOString(), toolVersion: 't' });
  const w = createInventoryWriter(store, id);
  for (const i of parts.identities) w.write({ type: 'identity', record: i });
  for (const c of parts.credentials) w.write({ type: 'credential', record: c });
  for (const c of parts.connections ?? []) w.write({ type: 'connection', record: c });
  await w.flush();
  await finishScan(store, id, { status: 'complete', sources: [{ source: 'aws:111122223333', status: 'ok', items: 1 }], finishedAt: at.toISOString() });
  await saveAnalysis(store, { id, at: at.toISOString(), okSources: ['aws:111122223333'] }, [], parts.verdicts);
}

/** In-memory provider: keys with a status, connections by name. */
function fakeEstate() {
  const keys = new Map<string, 'Active' | 'Inactive' | 'deleted'>();
  const connections = new Map<string, { secretKeyId: string }>();
  const calls: string[] = [];
  let failOn: string | undefined;
  let minted = 0;
  const minter: CredentialMinter = {
    kinds: ['aws-iam-user'],
    mint: (a) => {
      const id = `AKIANEW${String(++minted).padStart(13, 'A')}`;
      keys.set(id, 'Active');
      calls.push(`mint ${String(a.params.user)}`);
      return Promise.resolve({ publicId: id, secrets: { 'envvar:AWS_ACCESS_KEY_ID': id, 'envvar:AWS_SECRET_ACCESS_KEY': 'FAKE-SECRET-VALUE-0001' } });
    },
    discard: (_a, id) => {
      keys.set(id, 'deleted');
      calls.push(`discard ${id}`);
      return Promise.resolve();
    },
  };
  const fail = (what: string): void => {
    if (failOn !== undefined && what.startsWith(failOn)) throw new Error(`injected failure on ${what}`);
  };
  const handlers: ActionHandler[] = [
    {
      kinds: ['aws.key.deactivate'],
      apply: (a) => {
        const id = String(a.params.accessKeyId);
        fail(`deactivate ${id}`);
        const before = keys.get(id) ?? 'Active';
        calls.push(`deactivate ${id}`);
        if (before === 'Inactive') return Promise.resolve<Outcome>({ status: 'noop', before: { status: before }, request: null, after: { status: before } });
        keys.set(id, 'Inactive');
        return Promise.resolve<Outcome>({ status: 'done', before: { status: before }, request: { UpdateAccessKey: id }, after: { status: 'Inactive' } });
      },
      undo: (a, applied) => {
        const id = String(a.params.accessKeyId);
        calls.push(`reactivate ${id}`);
        keys.set(id, (applied.before as { status: 'Active' }).status);
        return Promise.resolve<Outcome>({ status: 'done', before: { status: 'Inactive' }, request: { UpdateAccessKey: id }, after: { status: 'Active' } });
      },
    },
    {
      kinds: ['aws.key.delete', 'aws.user.delete'],
      apply: (a) => {
        const id = String(a.params.accessKeyId ?? a.params.user);
        fail(`delete ${id}`);
        calls.push(`delete ${id}`);
        const gone = keys.get(id) === 'deleted';
        keys.set(id, 'deleted');
        return Promise.resolve<Outcome>({ status: gone ? 'noop' : 'done', before: null, request: { delete: id }, after: null });
      },
    },
  ];
  const gateway = (minters: readonly CredentialMinter[]): ActionHandler[] => [
    {
      kinds: ['gateway.register'],
      apply: async (a, ctx): Promise<Outcome> => {
        const name = String(a.params.connection);
        if (connections.has(name)) return { status: 'noop', before: { exists: true }, request: null, after: { credentialPublicId: connections.get(name)!.secretKeyId } };
        const m = minters.find((x) => x.kinds.includes('aws-iam-user'))!;
        const cred = await m.mint(a, ctx);
        fail(`register ${name}`);
        connections.set(name, { secretKeyId: cred.publicId });
        calls.push(`register ${name}`);
        return { status: 'done', before: { exists: false }, request: { POST: '/api/connections', secret: '<redacted>' }, after: { connectionId: name, credentialPublicId: cred.publicId } };
      },
      undo: async (a, applied, ctx) => {
        connections.delete(String(a.params.connection));
        const id = (applied.after as { credentialPublicId: string }).credentialPublicId;
        await minters[0]!.discard(a, id, ctx);
        calls.push(`unregister ${String(a.params.connection)}`);
        return { status: 'done', before: null, request: null, after: null };
      },
    },
  ];
  const registry: ActionRegistry = { handlers, minters: [minter], gateway };
  return {
    keys,
    connections,
    calls,
    registry,
    failOn: (what: string | undefined) => (failOn = what),
  };
}

const ctxAt = (t: Date): ActionContext => ({ config: configSchema.parse({}), env: {}, log: silentLogger, now: () => t });

// Two users of one key each (a user with two keys first frees a slot: that is the planner's, tested in plan.test.ts).
const etl = user('etl');
const loader = user('loader');
const k1 = key(etl, 'a');
const k2 = key(loader, 'b');
const runner = role('runner');

async function migratePlan(): Promise<Plan> {
  const migrate = [etl, loader].map((i): Verdict => ({ identityId: i.id, verdict: 'migrate', reasons: [], findingIds: [] }));
  await scanOf('s1', NOW, { identities: [etl, loader, runner], credentials: [k1, k2], verdicts: [...migrate, { identityId: runner.id, verdict: 'keep', reasons: [], findingIds: [] }] });
  return buildPlan({
    scan: { id: 's1', startedAt: NOW.toISOString() },
    inventory: { identities: [etl, loader, runner], credentials: [k1, k2], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] },
    verdicts: migrate,
    findings: [],
    config: enforceSchema.parse({ gateway: { agentId: AGENT } }),
    now: NOW,
  });
}

describe('applyPlan', () => {
  it('dry run: says what it would do, changes and journals nothing', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    const r = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: false });
    expect(r.dryRun).toBe(true);
    expect(r.results.map((x) => x.result)).toEqual(['would', 'would', 'would', 'would', 'waiting', 'waiting']);
    expect(fake.calls).toEqual([]);
    expect(await loadJournal(store)).toEqual([]);
  });

  it('applies stage 1 in order, journals each step, and changes nothing the second time', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    const first = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(first.results.map((x) => x.result)).toEqual(['applied', 'applied', 'applied', 'applied', 'waiting', 'waiting']);
    expect(first.outcome).toBe('all');
    expect(fake.calls).toEqual(['mint etl', 'register ' + String(plan.actions[0]!.params.connection), `deactivate ${k1.publicId}`, 'mint loader', 'register ' + String(plan.actions[2]!.params.connection), `deactivate ${k2.publicId}`]);
    const journal = await loadJournal(store, { planId: plan.id });
    const onePerUser = ['gateway.register:started', 'gateway.register:minted', 'gateway.register:done', 'aws.key.deactivate:started', 'aws.key.deactivate:done'];
    expect(journal.map((e) => `${e.kind}:${e.status}`)).toEqual([...onePerUser, ...onePerUser]);
    expect(JSON.stringify(journal)).not.toContain('FAKE-SECRET-VALUE-0001');
    fake.calls.length = 0;
    const again = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(again.results.map((x) => x.result)).toEqual(['already', 'already', 'already', 'already', 'waiting', 'waiting']);
    expect(fake.calls).toEqual([]);
  });

  it('runs stage 2 after the grace period, unless the identity was used since stage 1', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    const early = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(new Date(NOW.getTime() + 13 * DAY)), execute: true });
    expect(early.results.filter((x) => x.result === 'waiting')).toHaveLength(2);
    // a newer scan shows k2 used after it was deactivated: its deletion is held, k1's goes ahead
    const later = new Date(NOW.getTime() + 15 * DAY);
    await scanOf('s2', later, {
      identities: [etl, loader, runner],
      credentials: [{ ...k1, active: false }, { ...k2, active: false, lastUsedAt: new Date(NOW.getTime() + 2 * DAY).toISOString() }],
      verdicts: [],
    });
    const due = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(later), execute: true, force: true });
    const byTarget = Object.fromEntries(due.results.map((x, i) => [`${plan.actions[i]!.kind} ${plan.actions[i]!.target}`, x]));
    expect(byTarget[`aws.key.delete ${k1.publicId}`]?.result).toBe('applied');
    expect(byTarget[`aws.key.delete ${k2.publicId}`]).toMatchObject({ result: 'skipped', reason: expect.stringMatching(/held: loader was used at .* after it was disabled/) as unknown });
  });

  it('a deletion behind another deletion waits one grace period, not two', async () => {
    await scanOf('s1', NOW, { identities: [etl], credentials: [k1], verdicts: [{ identityId: etl.id, verdict: 'revoke', reasons: [], findingIds: [] }] });
    const plan = buildPlan({
      scan: { id: 's1', startedAt: NOW.toISOString() },
      inventory: { identities: [etl], credentials: [k1], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] },
      verdicts: [{ identityId: etl.id, verdict: 'revoke', reasons: [], findingIds: [] }],
      findings: [],
      config: enforceSchema.parse({ gateway: { agentId: AGENT } }),
      now: NOW,
    });
    expect(plan.actions.map((a) => a.kind)).toEqual(['aws.key.deactivate', 'aws.key.delete', 'aws.user.delete']);
    const fake = fakeEstate();
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    const early = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(new Date(NOW.getTime() + 13 * DAY)), execute: true });
    expect(early.results.map((x) => x.result)).toEqual(['already', 'waiting', 'waiting']);
    const due = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(new Date(NOW.getTime() + 15 * DAY)), execute: true });
    expect(due.results.map((x) => x.result)).toEqual(['already', 'applied', 'applied']);
  });

  it('a deletion with nothing to cut off first (a user without keys) waits the grace period from the first apply', async () => {
    const idle = user('idle');
    await scanOf('s1', NOW, { identities: [idle], credentials: [], verdicts: [{ identityId: idle.id, verdict: 'revoke', reasons: [], findingIds: [] }] });
    const plan = buildPlan({
      scan: { id: 's1', startedAt: NOW.toISOString() },
      inventory: { identities: [idle], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] },
      verdicts: [{ identityId: idle.id, verdict: 'revoke', reasons: [], findingIds: [] }],
      findings: [],
      config: enforceSchema.parse({ gateway: { agentId: AGENT } }),
      now: NOW,
    });
    expect(plan.actions.map((a) => `${a.kind} ${a.dependsOn.length}`)).toEqual(['aws.user.delete 0']);
    const fake = fakeEstate();
    const first = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(first.results.map((x) => x.result)).toEqual(['waiting']);
    expect(first.outcome).toBe('nothing');
    const early = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(new Date(NOW.getTime() + 10 * DAY)), execute: true });
    expect(early.results.map((x) => x.result)).toEqual(['waiting']);
    const due = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(new Date(NOW.getTime() + 15 * DAY)), execute: true });
    expect(due.results.map((x) => x.result)).toEqual(['applied']);
    expect(fake.calls).toEqual(['delete idle']);
  });

  it('a re-run of a plan with a refused action says some, as the first run did', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    const protect = new Set([k1.publicId]);
    expect((await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true, protect })).outcome).toBe('some');
    expect((await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true, protect })).outcome).toBe('some');
    expect((await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true })).outcome).toBe('all');
    expect((await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true })).outcome).toBe('nothing');
  });

  it('reports a failed action, blocks what depends on it, goes on with the rest, and retries it next time', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    fake.failOn(`deactivate ${k1.publicId}`);
    const r = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(r.results.map((x) => x.result)).toEqual(['applied', 'failed', 'applied', 'applied', 'skipped', 'waiting']);
    expect(r.outcome).toBe('some');
    fake.failOn(undefined);
    const retry = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(retry.results.map((x) => x.result)).toEqual(['already', 'applied', 'already', 'already', 'waiting', 'waiting']);
  });

  it('resumes after a crash: a half-done action runs again and the orphaned fresh key is discarded', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    // the first run minted a key, then died before registering the connection
    fake.failOn('register');
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    const orphans = [...fake.keys.keys()].filter((id) => id.startsWith('AKIANEW'));
    expect(orphans).toHaveLength(2);
    // simulate the crash: drop the 'failed' row's effect by not having it (a killed process writes none)
    fake.failOn(undefined);
    const resumed = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(resumed.results[0]?.result).toBe('applied');
    for (const orphan of orphans) expect(fake.keys.get(orphan)).toBe('deleted');
    expect(fake.connections.size).toBe(2);
    for (const c of fake.connections.values()) expect(orphans).not.toContain(c.secretKeyId);
  });

  it('refuses a plan without the approval the config requires, and a stale plan unless forced', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    await expect(applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true, requireApproval: true })).rejects.toThrow(/has no approval/);
    await scanOf('s2', new Date(NOW.getTime() + DAY), { identities: [etl, loader, runner], credentials: [{ ...k1, active: false }, k2], verdicts: [] });
    await expect(applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true })).rejects.toThrow(PlanRefusedError);
    await expect(applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true })).rejects.toThrow(/stale: 1 of its identities changed .* aws:111122223333:user\/etl/);
    const forced = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true, force: true });
    expect(forced.results.filter((x) => x.result === 'applied').length).toBeGreaterThan(0);
  });

  it('never acts on an identity exempt or managed in the latest scan', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    await scanOf('s2', new Date(NOW.getTime() + DAY), { identities: [etl, loader, runner], credentials: [k1, k2], verdicts: [etl, loader].map((i): Verdict => ({ identityId: i.id, verdict: 'exempt', reasons: [], findingIds: [] })) });
    const r = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(r.results.every((x) => x.result === 'skipped' && /exempt/.test(x.reason))).toBe(true);
    expect(r.outcome).toBe('none');
    expect(fake.calls).toEqual([]);
  });
});

describe('the guard on sprawl\'s own credentials', () => {
  const cases: { name: string; protect: () => string[]; skipped: string[] }[] = [
    { name: 'the key sprawl runs with is left alone, the others are retired', protect: () => [k1.publicId], skipped: [`aws.key.deactivate ${k1.publicId}`, `aws.key.delete ${k1.publicId}`] },
    { name: 'an identity sprawl runs as keeps its keys', protect: () => [etl.id], skipped: [`aws.key.deactivate ${k1.publicId}`, `aws.key.delete ${k1.publicId}`] },
    { name: 'a credential of another identity changes nothing', protect: () => ['AKIAOTHERKEYQQQQQQQQ', runner.id], skipped: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const plan = await migratePlan();
      const fake = fakeEstate();
      const r = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true, protect: new Set(c.protect()) });
      const byId = new Map(plan.actions.map((a) => [a.id, a]));
      const skipped = r.results
        .filter((x) => x.result === 'skipped' && /sprawl itself authenticates/.test(x.reason))
        .map((x) => `${byId.get(x.actionId)!.kind} ${byId.get(x.actionId)!.target}`);
      expect(skipped.sort()).toEqual([...c.skipped].sort());
      // the gateway side always goes ahead: the migration itself is not sprawl's credential
      expect(r.results.some((x) => byId.get(x.actionId)!.kind === 'gateway.register' && x.result === 'applied')).toBe(true);
      for (const k of [k1, k2]) expect(fake.keys.get(k.publicId)).toBe(c.skipped.includes(`aws.key.deactivate ${k.publicId}`) ? undefined : 'Inactive');
    });
  }

  it('selfCredentials reads the AWS key, the GCP key file and the assumed roles', () => {
    const file = join(dir, 'sa.json');
    writeFileSync(file, JSON.stringify({ type: 'service_account', private_key_id: '0123456789abcdef0123456789abcdef01234567' }));
    const config = configSchema.parse({ aws: { accounts: [{ id: '111122223333', roleArn: 'arn:aws:iam::111122223333:role/ops/sprawl-reader' }] } });
    const ids = selfCredentials({ AWS_ACCESS_KEY_ID: 'AKIAQQQQQQQQQQQQQQQQ', GOOGLE_APPLICATION_CREDENTIALS: file }, config);
    expect([...ids].sort()).toEqual(['0123456789abcdef0123456789abcdef01234567', 'AKIAQQQQQQQQQQQQQQQQ', 'aws:111122223333:role/sprawl-reader'].sort());
    expect([...selfCredentials({ GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'missing.json') })]).toEqual([]);
  });
});

describe('rollbackPlan', () => {
  it('undoes applied stage-1 actions newest first, and only once', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    fake.calls.length = 0;
    const r = await rollbackPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(r.results.map((x) => x.result)).toEqual(['undone', 'undone', 'undone', 'undone']);
    expect(fake.calls[0]).toBe(`reactivate ${k2.publicId}`);
    expect(fake.calls.at(-1)).toMatch(/^unregister /);
    expect(fake.keys.get(k1.publicId)).toBe('Active');
    expect(fake.connections.size).toBe(0);
    fake.calls.length = 0;
    const again = await rollbackPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(again.results).toEqual([]);
    expect(fake.calls).toEqual([]);
    // and apply does it all again
    const reapplied = await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(reapplied.results.slice(0, 4).map((x) => x.result)).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('undoes one action by id, and refuses what a deletion already built on', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(new Date(NOW.getTime() + 15 * DAY)), execute: true });
    const deactivate = plan.actions.find((a) => a.kind === 'aws.key.deactivate')!;
    const r = await rollbackPlan({ store, plan, actionId: deactivate.id, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(r.results).toEqual([{ actionId: deactivate.id, result: 'skipped', reason: expect.stringMatching(/aws.key.delete .* already applied on top of it/) as unknown }]);
  });
});

describe('journal verify', () => {
  it('passes an untouched chain and names an edited, a deleted and a replaced row', async () => {
    const plan = await migratePlan();
    const fake = fakeEstate();
    await applyPlan({ store, plan, registry: fake.registry, ctx: ctxAt(NOW), execute: true });
    expect(await verifyJournal(store)).toEqual({ rows: 10, problems: [] });

    await store.db.updateTable('journal').set({ detail: '{"error":"nothing happened"}' }).where('seq', '=', 3).execute();
    expect((await verifyJournal(store)).problems).toEqual([{ seq: 3, problem: 'its content does not match its hash (the row was edited)' }]);

    await store.db.deleteFrom('journal').where('seq', '=', 5).execute();
    const problems = (await verifyJournal(store)).problems;
    expect(problems).toContainEqual({ seq: 6, problem: 'rows 5 before it are missing (deleted)' });
    expect(problems).toContainEqual({ seq: 6, problem: 'it does not point to the row before it (a row was deleted, inserted or replaced)' });
  });
});
