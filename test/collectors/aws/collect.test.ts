import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectInto } from '../../helpers/collect.ts';
import { createAwsCollector } from '../../../src/collectors/aws/index.ts';
import type { AwsCollectorConfig } from '../../../src/collectors/aws/index.ts';
import type { CollectorContext, ProgressDelta } from '../../../src/collectors/context.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Credential, Grant, Identity, InventoryRecord, SourceOutcome } from '../../../src/model/index.ts';
import { countMachineIdentities } from '../../../src/sandbox/estate.ts';
import type { AwsAccount } from '../../../src/sandbox/estate.ts';
import { startSandbox } from '../../../src/sandbox/index.ts';
import type { Sandbox } from '../../../src/sandbox/index.ts';

const NOW = '2025-06-01T00:00:00Z';
const collect = createAwsCollector({ polling: { initialDelayMs: 20, maxDelayMs: 100 } });

let sb: Sandbox;

interface Run {
  outcomes: SourceOutcome[];
  records: InventoryRecord[];
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
  progress: { started: string[]; finished: SourceOutcome[]; totals: Required<ProgressDelta> };
}

function config(overrides: Record<string, unknown> = {}): AwsCollectorConfig {
  const c = configSchema.parse({ aws: { ...sb.config.aws, maxAttempts: 3, ...overrides } });
  if (!c.aws) throw new Error('no aws config');
  return { aws: c.aws, owners: c.owners };
}

async function run(cfg: AwsCollectorConfig, extra: Partial<CollectorContext> = {}): Promise<Run> {
  const r = await collectInto(collect, cfg, { now: NOW, ...extra });
  return { ...r, progress: { started: r.started, finished: r.finished, totals: r.totals } };
}

const machineUsers = (a: AwsAccount) => a.users.filter((u) => u.nature === 'machine');
const expectedIds = (accounts: readonly AwsAccount[]): string[] =>
  accounts
    .flatMap((a) => [...machineUsers(a).map((u) => `aws:${a.id}:user/${u.name}`), ...a.roles.filter((r) => r.kind !== 'sso').map((r) => `aws:${a.id}:role/${r.name}`)])
    .sort();

beforeAll(async () => {
  sb = await startSandbox({ seed: 'collector', size: 150, now: NOW, aws: { reportDelayMs: 10 } });
  vi.stubEnv('AWS_ACCESS_KEY_ID', sb.env.AWS_ACCESS_KEY_ID);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', sb.env.AWS_SECRET_ACCESS_KEY);
  vi.stubEnv('AWS_REGION', sb.env.AWS_REGION);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_PROFILE', '');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await sb.stop();
});

beforeEach(() => {
  for (const k of Object.keys(sb.aws.faults)) delete sb.aws.faults[k as keyof typeof sb.aws.faults];
  sb.aws.calls.reset();
});

describe('collectAws against the sandbox (real SDK, assume-role into every account)', () => {
  it('inventories every account, paging to the end, with humans and SSO roles left out', async () => {
    const r = await run(config({ pageSize: 7 }));
    const accounts = sb.estate.aws.accounts;
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    expect(r.outcomes.map((o) => o.status)).toEqual(accounts.map(() => 'ok'));
    expect(r.outcomes.map((o) => o.source)).toEqual(accounts.map((a) => `aws:${a.id}`));
    expect(r.outcomes.reduce((n, o) => n + o.items, 0)).toBe(r.records.length);

    expect(r.identities.map((i) => i.id).sort()).toEqual(expectedIds(accounts));
    const n = countMachineIdentities(sb.estate);
    expect(r.identities.length).toBe(n.users + n.roles);
    // Several GAAD pages per account.
    expect(sb.aws.calls.count('GetAccountAuthorizationDetails')).toBeGreaterThan(accounts.length * 3);
    expect(sb.aws.calls.count('AssumeRole')).toBe(accounts.length);

    const humans = accounts.flatMap((a) => a.users.filter((u) => u.nature === 'human').map((u) => `aws:${a.id}:user/${u.name}`));
    expect(humans.length).toBeGreaterThan(0);
    const ids = new Set(r.identities.map((i) => i.id));
    for (const h of humans) expect(ids.has(h)).toBe(false);
    expect(r.identities.some((i) => i.name.startsWith('AWSReservedSSO_'))).toBe(false);

    expect(r.progress.started).toEqual(expect.arrayContaining(accounts.map((a) => `aws:${a.id}`)));
    expect(r.progress.finished).toHaveLength(accounts.length);
    expect(r.progress.totals.pages).toBe(sb.aws.calls.count() - sb.aws.calls.count('AssumeRole'));
    expect(r.progress.totals.items).toBe(r.records.length);
  });

  it('builds identities, credentials and grants faithful to the estate', async () => {
    const r = await run(config());
    const byId = new Map(r.identities.map((i) => [i.id, i]));
    for (const a of sb.estate.aws.accounts) {
      for (const u of machineUsers(a)) {
        const id = `aws:${a.id}:user/${u.name}`;
        const identity = byId.get(id);
        expect(identity?.kind).toBe('aws-iam-user');
        expect(identity?.scope).toBe(a.id);
        expect(identity?.nativeId).toBe(u.arn);
        expect(identity?.labels).toEqual(Object.fromEntries(u.tags.map((t) => [t.key, t.value])));
        const owner = u.tags.find((t) => t.key === 'owner')?.value ?? u.tags.find((t) => t.key === 'team')?.value;
        expect(identity?.owner).toBe(owner);
        expect(identity?.machineReason).toBeTruthy();
        const creds = r.credentials.filter((c) => c.identityId === id);
        expect(creds.map((c) => c.publicId)).toEqual(u.accessKeys.map((k) => k.id));
        for (const k of u.accessKeys) {
          const c = creds.find((x) => x.publicId === k.id);
          expect(c?.kind).toBe('aws-access-key');
          expect(c?.active).toBe(k.status === 'Active');
          expect(c?.createdAt).toBe(new Date(k.createdAt).toISOString());
          expect(c?.lastUsedAt).toBe(k.lastUsed ? new Date(k.lastUsed.at).toISOString() : undefined);
          expect(c?.lastUsedService).toBe(k.lastUsed?.service);
          expect(c?.lastUsedRegion).toBe(k.lastUsed?.region);
        }
      }
      for (const role of a.roles.filter((x) => x.kind !== 'sso')) {
        const identity = byId.get(`aws:${a.id}:role/${role.name}`);
        expect(identity?.kind).toBe('aws-iam-role');
        expect(identity?.managed).toBe(role.kind === 'service-linked');
        expect(identity?.lastUsedAt).toBe(role.lastUsed ? new Date(role.lastUsed.at).toISOString() : undefined);
      }
    }
    expect(r.identities.some((i) => i.managed)).toBe(true);

    // Grants: attached, inline and via group, with the privilege class.
    const admin = sb.estate.aws.accounts.flatMap((a) => machineUsers(a).filter((u) => u.attached.includes('arn:aws:iam::aws:policy/AdministratorAccess')).map((u) => `aws:${a.id}:user/${u.name}`));
    expect(admin.length).toBeGreaterThan(0);
    for (const id of admin) expect(r.grants).toContainEqual(expect.objectContaining({ identityId: id, role: 'arn:aws:iam::aws:policy/AdministratorAccess', privilege: 'admin', via: 'attached', permissions: ['*'] }));
    const grouped = r.grants.filter((g) => g.via === 'group');
    expect(grouped.length).toBeGreaterThan(0);
    expect(grouped.every((g) => g.viaName !== undefined)).toBe(true);
    expect(grouped.filter((g) => g.viaName === 'Admins').every((g) => g.privilege === 'admin')).toBe(true);
    expect(grouped.filter((g) => g.viaName === 'ReadOnly').every((g) => g.privilege === 'read')).toBe(true);
    expect(r.grants.some((g) => g.via === 'inline')).toBe(true);
    expect(r.grants.filter((g) => g.role.endsWith(':policy/legacy-full-access')).every((g) => g.privilege === 'admin')).toBe(true);
    expect(r.grants.filter((g) => g.role.endsWith(':policy/bucket-owner-star')).every((g) => g.privilege === 'write')).toBe(true);
  });

  it('keeps the number of calls bounded: bulk reads plus one ListAccessKeys per machine user with keys', async () => {
    await run(config());
    const accounts = sb.estate.aws.accounts;
    const withKeys = accounts.reduce((n, a) => n + machineUsers(a).filter((u) => u.accessKeys.length > 0).length, 0);
    const twinKeys = accounts.reduce((n, a) => n + machineUsers(a).filter((u) => u.accessKeys.length === 2 && u.accessKeys[0]?.createdAt === u.accessKeys[1]?.createdAt).length * 2, 0);
    expect(sb.aws.calls.count('ListAccessKeys')).toBe(withKeys);
    expect(sb.aws.calls.count('GetAccessKeyLastUsed')).toBe(twinKeys);
    expect(sb.aws.calls.count('GetCredentialReport')).toBe(accounts.length);
    const managedArns = new Set(
      accounts.flatMap((a) => {
        const groups = new Map(a.groups.map((g) => [g.name, g]));
        return [
          ...machineUsers(a).flatMap((u) => [...u.attached, ...u.groups.flatMap((g) => groups.get(g)?.attached ?? [])]),
          ...a.roles.filter((r) => r.kind !== 'sso').flatMap((r) => r.attached),
        ].filter((arn) => arn.startsWith('arn:aws:iam::aws:'));
      }),
    );
    expect(sb.aws.calls.count('GetPolicy')).toBe(managedArns.size);
    expect(sb.aws.calls.count('GetPolicyVersion')).toBe(managedArns.size);
    for (const perUser of ['ListUserTags', 'ListAttachedUserPolicies', 'ListUserPolicies', 'GetUserPolicy', 'ListUsers', 'ListRoles', 'GetUser']) {
      expect(sb.aws.calls.count(perUser)).toBe(0);
    }
    // ListAccessKeys only for machine users (never for people).
    const humanNames = new Set(accounts.flatMap((a) => a.users.filter((u) => u.nature === 'human').map((u) => u.name)));
    expect(sb.aws.calls.log.filter((c) => c.action === 'ListAccessKeys' && humanNames.has(c.userName ?? '')).length).toBe(0);
  });

  it('retries throttled calls (SDK retry) and reports the retries in progress', async () => {
    sb.aws.faults.throttle = { action: 'GetAccountAuthorizationDetails', times: 2 };
    const r = await run(config());
    expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(sb.aws.faults.throttle.times).toBe(0);
    expect(r.progress.totals.retries).toBeGreaterThanOrEqual(2);
    expect(r.identities.length).toBe(expectedIds(sb.estate.aws.accounts).length);
  });

  it('a 403 on one account fails that source only; the other accounts are kept', async () => {
    const [, denied] = sb.estate.aws.accounts;
    if (!denied) throw new Error('need two accounts');
    sb.aws.faults.forbiddenAccounts = [denied.id];
    const r = await run(config());
    const failed = r.outcomes.find((o) => o.source === `aws:${denied.id}`);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/^AccessDenied.*not authorized to perform: sts:AssumeRole/);
    expect(failed?.error).not.toMatch(/sandbox\//);
    const others = sb.estate.aws.accounts.filter((a) => a.id !== denied.id);
    expect(r.outcomes.filter((o) => o.status === 'ok').map((o) => o.source)).toEqual(others.map((a) => `aws:${a.id}`));
    expect(r.identities.map((i) => i.id).sort()).toEqual(expectedIds(others));
    expect(r.records.some((x) => 'scope' in x.record && x.record.scope === denied.id)).toBe(false);
  });

  it('a call failing after its retries (500s on ListAccessKeys) fails that account with the error code', async () => {
    const [first] = sb.estate.aws.accounts;
    if (!first) throw new Error('no account');
    sb.aws.faults.serverError = { action: 'ListAccessKeys', account: first.id, times: 10_000 };
    const r = await run(config({ maxAttempts: 2 }));
    const failed = r.outcomes.find((o) => o.source === `aws:${first.id}`);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/ServiceFailure \(HTTP 500\)/);
    expect(r.outcomes.filter((o) => o.status === 'ok')).toHaveLength(sb.estate.aws.accounts.length - 1);
    // The failed account stopped early instead of listing every user's keys.
    const machinesWithKeys = machineUsers(first).filter((u) => u.accessKeys.length > 0).length;
    expect(sb.aws.calls.count('ListAccessKeys', first.id)).toBeLessThanOrEqual(Math.min(machinesWithKeys, 8) * 2 + 16);
  });

  it('without accounts, scans the account of the default credentials', async () => {
    const r = await run(config({ accounts: [] }));
    const mgmt = sb.estate.aws.accounts.find((a) => a.id === sb.estate.aws.managementAccountId);
    if (!mgmt) throw new Error('no management account');
    expect(r.outcomes).toEqual([{ source: `aws:${mgmt.id}`, status: 'ok', items: r.records.length }]);
    expect(r.identities.map((i) => i.id).sort()).toEqual(expectedIds([mgmt]));
    expect(sb.aws.calls.count('AssumeRole')).toBe(0);
  });

  it('reports a mismatched account id as a failed source', async () => {
    const [a, b] = sb.estate.aws.accounts;
    if (!a || !b) throw new Error('need two accounts');
    const r = await run(config({ accounts: [{ id: b.id, roleArn: `arn:aws:iam::${a.id}:role/SprawlAuditRole`, externalId: sb.estate.aws.externalId }] }));
    expect(r.outcomes[0]?.status).toBe('failed');
    expect(r.outcomes[0]?.error).toMatch(/^WrongAccount/);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await run(config(), { signal: ac.signal });
    expect(r.outcomes.every((o) => o.status === 'failed' && o.error === 'interrupted')).toBe(true);
    expect(r.records).toHaveLength(0);
  });
});

describe('effective access (the principal as a whole)', () => {
  it('gives every collected user and role one effective grant, judged with all its policies', async () => {
    const r = await run(config());
    const effective = r.grants.filter((g) => g.via === 'effective');
    const withPolicies = new Set(r.grants.filter((g) => g.via !== 'effective').map((g) => g.identityId));
    for (const id of withPolicies) expect(effective.filter((g) => g.identityId === id), id).toHaveLength(1);
    // an identity with an admin policy and nothing taking it away is admin as a whole; an explicit
    // Deny of IAM (the generator's deny-iam guardrail) takes it away
    const perPolicyAdmin = new Set(r.grants.filter((g) => g.via !== 'effective' && g.privilege === 'admin').map((g) => g.identityId));
    const denied = new Set(sb.estate.aws.accounts.flatMap((a) => a.users.filter((u) => u.inline.some((p) => (p.grants?.denies ?? []).length > 0)).map((u) => `aws:${a.id}:user/${u.name}`)));
    expect(perPolicyAdmin.size).toBeGreaterThan(0);
    expect([...perPolicyAdmin].some((id) => denied.has(id))).toBe(true);
    for (const id of perPolicyAdmin) expect(effective.find((g) => g.identityId === id)?.privilege, id).toBe(denied.has(id) ? 'write' : 'admin');
    // read-only identities stay read
    for (const g of effective.filter((x) => x.privilege === 'read')) expect(g.permissions.filter((p) => p.startsWith('escalation:'))).toEqual([]);
  });
});
