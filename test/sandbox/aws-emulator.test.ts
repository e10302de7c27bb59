import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  ListUsersCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import type { GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/providers/aws/client.ts';
import type { AwsClientSettings, AwsClients } from '../../src/providers/aws/client.ts';
import { CREDENTIAL_REPORT_COLUMNS } from '../../src/sandbox/aws/index.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';

const NOW = '2025-06-01T00:00:00Z';

let sb: Sandbox;
let settings: AwsClientSettings;
let base: () => Promise<{ accessKeyId: string; secretAccessKey: string }>;
const clients: AwsClients[] = [];

function clientsFor(accountIndex: number | undefined, opts: { externalId?: string | null; maxAttempts?: number } = {}): AwsClients {
  const a = accountIndex === undefined ? undefined : sb.config.aws.accounts?.[accountIndex];
  const externalId = opts.externalId === null ? undefined : (opts.externalId ?? a?.externalId);
  const c = createAwsClients(
    { ...settings, maxAttempts: opts.maxAttempts ?? settings.maxAttempts },
    { base, ...(a?.roleArn ? { assumeRole: { roleArn: a.roleArn, ...(externalId !== undefined ? { externalId } : {}) } } : {}) },
  );
  clients.push(c);
  return c;
}

const errorOf = async (p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> => {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
};

beforeAll(async () => {
  sb = await startSandbox({ seed: 'emulator', size: 80, now: NOW, aws: { reportDelayMs: 150 } });
  settings = { region: 'us-east-1', endpoint: sb.aws.endpoint, maxAttempts: 3, retryMode: 'standard', requestTimeoutMs: 10_000, connectionTimeoutMs: 2_000 };
  base = () => Promise.resolve({ accessKeyId: sb.env.AWS_ACCESS_KEY_ID, secretAccessKey: sb.env.AWS_SECRET_ACCESS_KEY });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await sb.stop();
});

beforeEach(() => {
  for (const k of Object.keys(sb.aws.faults)) delete sb.aws.faults[k as keyof typeof sb.aws.faults];
  sb.aws.calls.reset();
});

describe('sandbox config and credentials', () => {
  it('hands out an endpoint on loopback, fake credentials and one account entry per estate account', () => {
    expect(sb.aws.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.env.AWS_SECRET_ACCESS_KEY.startsWith('sandbox/')).toBe(true);
    expect(sb.env.AWS_ACCESS_KEY_ID).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(sb.config.aws.accounts?.map((a) => a.id)).toEqual(sb.estate.aws.accounts.map((a) => a.id));
  });
});

describe('STS', () => {
  it('GetCallerIdentity with the base credentials answers the management account', async () => {
    const out = await clientsFor(undefined).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(sb.estate.aws.managementAccountId);
    expect(out.Arn).toBe(`arn:aws:iam::${sb.estate.aws.managementAccountId}:user/sprawl-scanner`);
  });

  it('AssumeRole gives ASIA credentials of the target account', async () => {
    const target = sb.estate.aws.accounts[1];
    const out = await clientsFor(1).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(target?.id);
    expect(out.Arn).toMatch(new RegExp(`^arn:aws:sts::${target?.id}:assumed-role/SprawlAuditRole/`));
    expect(sb.aws.calls.count('AssumeRole')).toBe(1);
  });

  it('AssumeRole without the external id is AccessDenied (403)', async () => {
    const err = await errorOf(clientsFor(1, { externalId: null }).sts.send(new GetCallerIdentityCommand({})));
    expect(err.message).toMatch(/not authorized to perform: sts:AssumeRole/);
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('the scanner\'s own key, once deactivated, signs nothing (InvalidClientTokenId), and works again when reactivated', async () => {
    const { accountId, userName } = sb.estate.aws.scanner;
    const key = sb.estate.aws.accounts.find((a) => a.id === accountId)?.users.find((u) => u.name === userName)?.accessKeys.find((k) => k.id === sb.env.AWS_ACCESS_KEY_ID);
    expect(key?.status).toBe('Active');
    const sts = new STSClient({ region: 'us-east-1', endpoint: sb.aws.endpoint, credentials: { accessKeyId: sb.env.AWS_ACCESS_KEY_ID, secretAccessKey: sb.env.AWS_SECRET_ACCESS_KEY } });
    try {
      key!.status = 'Inactive';
      expect((await errorOf(sts.send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
      key!.status = 'Active';
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(accountId);
    } finally {
      key!.status = 'Active';
      sts.destroy();
    }
  });

  it('an unknown access key is InvalidClientTokenId', async () => {
    const sts = new STSClient({ region: 'us-east-1', endpoint: sb.aws.endpoint, credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN22', secretAccessKey: 'sandbox/x' } });
    const err = await errorOf(sts.send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe('InvalidClientTokenId');
    sts.destroy();
  });
});

describe('IAM reads', () => {
  it('ListUsers pages with MaxItems and omits the Marker on the last page', async () => {
    const iam = clientsFor(1).iam;
    const account = sb.estate.aws.accounts[1];
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: iam, pageSize: 3 }, {})) names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
    expect(names).toEqual(account?.users.map((u) => u.name));
    expect(sb.aws.calls.count('ListUsers')).toBe(Math.ceil((account?.users.length ?? 0) / 3));
    const last = await iam.send(new ListUsersCommand({ MaxItems: 1000 }));
    expect(last.IsTruncated).toBe(false);
    expect(last.Marker).toBeUndefined();
    expect(last.Users?.[0]?.CreateDate).toBeInstanceOf(Date);
  });

  it('GetAccountAuthorizationDetails pages across users, groups, roles and local policies', async () => {
    const iam = clientsFor(2).iam;
    const account = sb.estate.aws.accounts[2];
    const users: UserDetail[] = [];
    const groups: GroupDetail[] = [];
    const roles: RoleDetail[] = [];
    const policies: ManagedPolicyDetail[] = [];
    for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 4 }, { Filter: ['User', 'Role', 'Group', 'LocalManagedPolicy'] })) {
      users.push(...(page.UserDetailList ?? []));
      groups.push(...(page.GroupDetailList ?? []));
      roles.push(...(page.RoleDetailList ?? []));
      policies.push(...(page.Policies ?? []));
    }
    if (!account) throw new Error('no account');
    const total = account.users.length + account.groups.length + account.roles.length + account.policies.length;
    expect(sb.aws.calls.count('GetAccountAuthorizationDetails')).toBe(Math.ceil(total / 4));
    expect(users.map((u) => u.UserName)).toEqual(account.users.map((u) => u.name));
    expect(groups.map((g) => g.GroupName)).toEqual(account.groups.map((g) => g.name));
    expect(roles.map((r) => r.RoleName)).toEqual(account.roles.map((r) => r.name));
    expect(policies.map((p) => p.Arn)).toEqual(account.policies.map((p) => p.arn));

    // Policy documents are URL-encoded JSON, as real IAM sends them.
    const audit = roles.find((r) => r.RoleName === 'SprawlAuditRole');
    expect(audit?.AssumeRolePolicyDocument).toMatch(/^%7B/);
    expect(JSON.parse(decodeURIComponent(audit?.AssumeRolePolicyDocument ?? ''))).toEqual(account.roles.find((r) => r.name === 'SprawlAuditRole')?.trust);
    const ciDeploy = policies.find((p) => p.PolicyName === 'ci-deploy');
    expect(ciDeploy?.PolicyVersionList?.length).toBe(2);
    expect(ciDeploy?.PolicyVersionList?.find((v) => v.IsDefaultVersion)?.VersionId).toBe(ciDeploy?.DefaultVersionId);
    const sl = roles.find((r) => r.Path?.startsWith('/aws-service-role/'));
    expect(sl?.AttachedManagedPolicies?.[0]?.PolicyArn).toMatch(/^arn:aws:iam::aws:policy\/aws-service-role\//);
    const used = roles.find((r) => r.RoleLastUsed?.LastUsedDate);
    expect(used?.RoleLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    const admins = groups.find((g) => g.GroupName === 'Admins');
    expect(admins?.AttachedManagedPolicies).toEqual([{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }]);
  });

  it('ListRoles, per-user lists and GetUserPolicy', async () => {
    const iam = clientsFor(0).iam;
    const account = sb.estate.aws.accounts[0];
    const roles = await iam.send(new ListRolesCommand({ PathPrefix: '/aws-service-role/' }));
    expect(roles.Roles?.length).toBe(account?.roles.filter((r) => r.path.startsWith('/aws-service-role/')).length);

    const withInline = account?.users.find((u) => u.inline.length > 0 && u.tags.length > 0 && u.attached.length > 0);
    if (!withInline) throw new Error('estate has no user with inline, tags and attached policies');
    const tags = await iam.send(new ListUserTagsCommand({ UserName: withInline.name }));
    expect(tags.Tags).toEqual(withInline.tags.map((t) => ({ Key: t.key, Value: t.value })));
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: withInline.name }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual(withInline.attached);
    const names = await iam.send(new ListUserPoliciesCommand({ UserName: withInline.name }));
    expect(names.PolicyNames).toEqual(withInline.inline.map((p) => p.name));
    const pol = await iam.send(new GetUserPolicyCommand({ UserName: withInline.name, PolicyName: withInline.inline[0]?.name }));
    expect(JSON.parse(decodeURIComponent(pol.PolicyDocument ?? ''))).toEqual(withInline.inline[0]?.document);

    const missing = await errorOf(iam.send(new ListAccessKeysCommand({ UserName: 'nobody-here' })));
    expect(missing.name).toBe('NoSuchEntityException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });

  it('ListAccessKeys pages per user; GetAccessKeyLastUsed says N/A for a never-used key', async () => {
    const idx = sb.estate.aws.accounts.findIndex((a) => a.users.some((u) => u.accessKeys.length === 2));
    const user = sb.estate.aws.accounts[idx]?.users.find((u) => u.accessKeys.length === 2);
    if (!user) throw new Error('estate has no user with two keys');
    const iam = clientsFor(idx).iam;
    const first = await iam.send(new ListAccessKeysCommand({ UserName: user.name, MaxItems: 1 }));
    expect(first.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([user.accessKeys[0]?.id]);
    expect(first.Marker).toBeTruthy();
    const second = await iam.send(new ListAccessKeysCommand({ UserName: user.name, MaxItems: 1, Marker: first.Marker }));
    expect(second.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([user.accessKeys[1]?.id]);
    expect(second.Marker).toBeUndefined();
    expect(second.AccessKeyMetadata?.[0]?.CreateDate?.toISOString()).toBe(new Date(user.accessKeys[1]?.createdAt ?? '').toISOString());

    const neverIdx = sb.estate.aws.accounts.findIndex((a) => a.users.some((u) => u.accessKeys.some((k) => !k.lastUsed)));
    const never = sb.estate.aws.accounts[neverIdx]?.users.flatMap((u) => u.accessKeys).find((k) => !k.lastUsed);
    const lu = await clientsFor(neverIdx).iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: never?.id }));
    expect(lu.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
  });

  it('GetPolicy and GetPolicyVersion serve AWS-managed policies', async () => {
    const iam = clientsFor(0).iam;
    const arn = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(p.Policy?.PolicyName).toBe('AdministratorAccess');
    const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy?.DefaultVersionId }));
    expect(JSON.parse(decodeURIComponent(v.PolicyVersion?.Document ?? ''))).toEqual({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
  });
});

describe('credential report', () => {
  it('is absent, then in progress, then complete, with the real columns and values', async () => {
    const idx = 3 % sb.estate.aws.accounts.length;
    const iam = clientsFor(idx).iam;
    const account = sb.estate.aws.accounts[idx];
    const absent = await errorOf(iam.send(new GetCredentialReportCommand({})));
    expect(absent.name).toBe('CredentialReportNotPresentException');
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    const early = await errorOf(iam.send(new GetCredentialReportCommand({})));
    expect(early.name).toBe('CredentialReportNotReadyException');
    expect(early.$metadata?.httpStatusCode).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const rep = await iam.send(new GetCredentialReportCommand({}));
    expect(rep.ReportFormat).toBe('text/csv');
    const lines = Buffer.from(rep.Content ?? new Uint8Array()).toString('utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(CREDENTIAL_REPORT_COLUMNS.join(','));
    expect(lines[1]).toMatch(new RegExp(`^<root_account>,arn:aws:iam::${account?.id}:root,\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00,not_supported,`));
    expect(lines.length).toBe(2 + (account?.users.length ?? 0));
    const noKeys = account?.users.find((u) => u.accessKeys.length === 0 && !u.password);
    if (noKeys) {
      const row = lines.find((l) => l.startsWith(noKeys.name + ','))?.split(',');
      expect(row?.slice(3, 14)).toEqual(['false', 'N/A', 'N/A', 'N/A', 'false', 'false', 'N/A', 'N/A', 'N/A', 'N/A', 'false']);
    }
  });
});

describe('errors and faults', () => {
  it('an unknown action is a query-style InvalidAction 400', async () => {
    const res = await fetch(sb.aws.endpoint + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `AWS4-HMAC-SHA256 Credential=${sb.env.AWS_ACCESS_KEY_ID}/20250601/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x` },
      body: 'Action=FlyToTheMoon&Version=2010-05-08',
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
    expect(body).toContain('<Code>InvalidAction</Code>');
  });

  it('throttling is retried by the SDK and counted per attempt', async () => {
    const iam = clientsFor(0).iam;
    await iam.send(new ListUsersCommand({})); // assume the role first
    sb.aws.calls.reset();
    sb.aws.faults.throttle = { action: 'ListUsers', times: 1 };
    const out = await iam.send(new ListUsersCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    expect(sb.aws.calls.count('ListUsers')).toBe(2);
    expect(sb.aws.faults.throttle.times).toBe(0);
  });

  it('a 500 is retried; past maxAttempts the error surfaces', async () => {
    const iam = clientsFor(0, { maxAttempts: 2 }).iam;
    await iam.send(new ListUsersCommand({}));
    sb.aws.faults.serverError = { action: 'ListRoles', times: 1 };
    expect((await iam.send(new ListRolesCommand({}))).$metadata.attempts).toBe(2);
    sb.aws.faults.serverError = { action: 'ListRoles', times: 5 };
    const err = await errorOf(iam.send(new ListRolesCommand({})));
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(err.$metadata?.attempts).toBe(2);
  });

  it('forbiddenAccounts denies AssumeRole into the account and calls made in it', async () => {
    const inside = clientsFor(1).iam;
    await inside.send(new ListUsersCommand({}));
    const forbidden = sb.estate.aws.accounts[1]?.id ?? '';
    sb.aws.faults.forbiddenAccounts = [forbidden];
    const denied = await errorOf(inside.send(new ListUsersCommand({})));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    const assume = await errorOf(clientsFor(1).sts.send(new GetCallerIdentityCommand({})));
    expect(assume.$metadata?.httpStatusCode).toBe(403);
    // Other accounts are untouched.
    expect((await clientsFor(2).iam.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(0);
    expect(sb.aws.calls.log.filter((c) => c.account === forbidden && c.status === 403).length).toBeGreaterThanOrEqual(1);
  });

  it('delayMs slows every response', async () => {
    const iam = clientsFor(0).iam;
    await iam.send(new ListUsersCommand({}));
    sb.aws.faults.delayMs = 60;
    const t = Date.now();
    await iam.send(new ListUsersCommand({}));
    expect(Date.now() - t).toBeGreaterThanOrEqual(55);
  });
});
