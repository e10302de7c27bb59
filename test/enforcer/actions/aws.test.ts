/**
 * The AWS actions and minter against the AWS emulator, through the real SDK clients built as the
 * collector builds them (the config's endpoint and region, each account's role assumed with its
 * external id); every change is checked in the emulator's estate and, where it matters, in what
 * the collector sees on its next scan.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateLoginProfileCommand,
  CreateServiceSpecificCredentialCommand,
  DeleteRoleCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  GetRolePolicyCommand,
  ListInstanceProfilesForRoleCommand,
  PutRolePolicyCommand,
  RemoveUserFromGroupCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsCollector } from '../../../src/collectors/aws/index.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Config } from '../../../src/config/schema.ts';
import { awsHandlers, awsMinter, DENY_POLICY_NAME, isDenyAll } from '../../../src/enforcer/actions/aws.ts';
import type { ActionContext, ActionHandler, Json } from '../../../src/enforcer/actions/types.ts';
import type { ActionKind, Credential, Identity, PlanAction } from '../../../src/model/index.ts';
import { accountClients, baseCredentialsFromEnv } from '../../../src/providers/aws/accounts.ts';
import { awsClientSettings } from '../../../src/providers/aws/client.ts';
import { startAwsEmulator } from '../../../src/sandbox/aws/index.ts';
import type { AwsEmulator } from '../../../src/sandbox/aws/index.ts';
import { generateEstate } from '../../../src/sandbox/estate.ts';
import type { AwsAccount, AwsRole, AwsUser, Estate } from '../../../src/sandbox/estate.ts';
import type { LogFields, Logger } from '../../../src/util/log.ts';
import { collectInto } from '../../helpers/collect.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const estate: Estate = generateEstate({ seed: 'enforce-aws', size: 200, now: NOW.toISOString() });
const SECRET = 'sandbox-enforce-secret';
let emu: AwsEmulator;
let config: Config;
const logged: string[] = [];
const log = (m: string, f?: LogFields): void => void logged.push(`${m} ${JSON.stringify(f ?? {})}`);
const recordingLog: Logger = { debug: log, info: log, warn: log, error: log };

const env = (): NodeJS.ProcessEnv => ({ AWS_ACCESS_KEY_ID: estate.aws.scanner.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET });
const ctx = (over: Partial<ActionContext> = {}): ActionContext => ({ config, env: env(), log: recordingLog, now: () => NOW, ...over });

beforeAll(async () => {
  emu = await startAwsEmulator(estate, { reportDelayMs: 5 });
  const { auditRoleName, externalId } = estate.aws;
  config = configSchema.parse({
    aws: {
      endpoint: emu.endpoint,
      region: 'eu-west-1',
      maxAttempts: 2,
      accounts: estate.aws.accounts.map((a) => ({ id: a.id, name: a.name, roleArn: `arn:aws:iam::${a.id}:role/${auditRoleName}`, externalId })),
    },
  });
  // The collector reads the process's environment (the SDK default chain).
  vi.stubEnv('AWS_ACCESS_KEY_ID', estate.aws.scanner.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', SECRET);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_PROFILE', '');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await emu.stop();
});

beforeEach(() => {
  for (const k of Object.keys(emu.faults)) delete emu.faults[k as keyof typeof emu.faults];
});

async function scan(): Promise<{ identities: Identity[]; credentials: Credential[] }> {
  const collect = createAwsCollector({ polling: { initialDelayMs: 5, maxDelayMs: 20 } });
  const { aws, owners } = config;
  if (!aws) throw new Error('no aws config');
  const r = await collectInto(collect, { aws, owners }, { now: NOW });
  expect(r.outcomes.map((o) => o.status)).toEqual(estate.aws.accounts.map(() => 'ok'));
  return r;
}

function handler(kind: ActionKind): ActionHandler {
  const h = awsHandlers.find((x) => x.kinds.includes(kind));
  if (!h) throw new Error(`no handler for ${kind}`);
  return h;
}

function action(kind: ActionKind, params: PlanAction['params']): PlanAction {
  const role = typeof params.role === 'string';
  const name = String(role ? params.role : params.user);
  return {
    id: `a_${kind}`,
    kind,
    identityId: `aws:${String(params.account)}:${role ? 'role' : 'user'}/${name}`,
    identityName: name,
    provider: 'aws',
    scope: String(params.account),
    verdict: 'revoke',
    target: String(params.accessKeyId ?? name),
    stage: kind.endsWith('delete') ? 2 : 1,
    reversible: !kind.endsWith('delete'),
    dependsOn: [],
    params: { identityKind: role ? 'aws-iam-role' : 'aws-iam-user', ...params },
    summary: kind,
  };
}

// Targets are taken once each: tests do not share them. The scanner and the audit role are never targets.
const taken = new Set<string>();
const accounts = (): AwsAccount[] => estate.aws.accounts;
function pickUser(filter: (u: AwsUser, a: AwsAccount) => boolean): { account: AwsAccount; user: AwsUser } {
  for (const account of accounts()) {
    for (const user of account.users) {
      const key = `${account.id}/user/${user.name}`;
      if (taken.has(key) || user.name === estate.aws.scanner.userName || !filter(user, account)) continue;
      taken.add(key);
      return { account, user };
    }
  }
  throw new Error('no user left that fits');
}
function pickRole(filter: (r: AwsRole, a: AwsAccount) => boolean): { account: AwsAccount; role: AwsRole } {
  for (const account of accounts()) {
    for (const role of account.roles) {
      const key = `${account.id}/role/${role.name}`;
      if (taken.has(key) || role.name === estate.aws.auditRoleName || !filter(role, account)) continue;
      taken.add(key);
      return { account, role };
    }
  }
  throw new Error('no role left that fits');
}

const userNow = (a: AwsAccount, name: string): AwsUser | undefined => a.users.find((u) => u.name === name);
const roleNow = (a: AwsAccount, name: string): AwsRole | undefined => a.roles.find((r) => r.name === name);
const keyNow = (a: AwsAccount, user: string, id: string) => userNow(a, user)?.accessKeys.find((k) => k.id === id);
const isMachine = (u: AwsUser): boolean => u.nature === 'machine';
const ec2Role = (r: AwsRole): boolean => r.kind === 'workload' && JSON.stringify(r.trust).includes('ec2.amazonaws.com');

/** IAM in one account, for setting up what the estate does not have (SSH keys, certificates). */
function iamOf(accountId: string) {
  const aws = config.aws;
  if (!aws) throw new Error('no aws config');
  const settings = awsClientSettings(aws);
  return accountClients(settings, aws, accountId, { base: baseCredentialsFromEnv(settings, env()), sessionName: 'test-setup' });
}

describe('aws.key.deactivate and aws.key.delete', () => {
  it('deactivates an active key, is a noop the second time, and undo makes it active again (the collector sees both)', async () => {
    const { account, user } = pickUser((u) => isMachine(u) && u.accessKeys.some((k) => k.status === 'Active'));
    const key = user.accessKeys.find((k) => k.status === 'Active');
    if (!key) throw new Error('unreachable');
    const a = action('aws.key.deactivate', { account: account.id, user: user.name, accessKeyId: key.id });
    const h = handler('aws.key.deactivate');

    const done = await h.apply(a, ctx());
    expect(done).toMatchObject({ status: 'done', before: { exists: true, status: 'Active' }, request: { action: 'UpdateAccessKey', Status: 'Inactive' }, after: { status: 'Inactive' } });
    expect(keyNow(account, user.name, key.id)?.status).toBe('Inactive');
    const seen = (await scan()).credentials.find((c) => c.publicId === key.id);
    expect(seen?.active).toBe(false);

    expect((await h.apply(a, ctx())).status).toBe('noop');

    if (!h.undo) throw new Error('no undo');
    const undone = await h.undo(a, done, ctx());
    expect(undone).toMatchObject({ status: 'done', before: { status: 'Inactive' }, after: { status: 'Active' } });
    expect(keyNow(account, user.name, key.id)?.status).toBe('Active');
    expect((await scan()).credentials.find((c) => c.publicId === key.id)?.active).toBe(true);
    expect((await h.undo(a, done, ctx())).status).toBe('noop');
  });

  it('leaves a key that was already inactive alone, on apply and on undo', async () => {
    const { account, user } = pickUser((u) => u.accessKeys.some((k) => k.status === 'Inactive'));
    const key = user.accessKeys.find((k) => k.status === 'Inactive');
    if (!key) throw new Error('unreachable');
    const a = action('aws.key.deactivate', { account: account.id, user: user.name, accessKeyId: key.id });
    const h = handler('aws.key.deactivate');
    const applied = await h.apply(a, ctx());
    expect(applied).toMatchObject({ status: 'noop', request: null, before: { exists: true, status: 'Inactive' } });
    expect((await h.undo?.(a, applied, ctx()))?.status).toBe('noop');
    expect(keyNow(account, user.name, key.id)?.status).toBe('Inactive');
  });

  it('deletes a key once; the collector no longer lists it', async () => {
    const { account, user } = pickUser((u) => isMachine(u) && u.accessKeys.length > 0);
    const key = user.accessKeys[0];
    if (!key) throw new Error('unreachable');
    const a = action('aws.key.delete', { account: account.id, user: user.name, accessKeyId: key.id });
    const h = handler('aws.key.delete');
    const done = await h.apply(a, ctx());
    expect(done).toMatchObject({ status: 'done', before: { exists: true, status: key.status }, request: { action: 'DeleteAccessKey', AccessKeyId: key.id }, after: { exists: false } });
    expect(keyNow(account, user.name, key.id)).toBeUndefined();
    expect((await scan()).credentials.some((c) => c.publicId === key.id)).toBe(false);
    expect(await h.apply(a, ctx())).toMatchObject({ status: 'noop', before: { exists: false } });
  });

  it.each([
    ['aws.key.deactivate', 'an unknown key', { accessKeyId: 'AKIAUNKNOWNUNKNOWN23' }],
    ['aws.key.delete', 'an unknown key', { accessKeyId: 'AKIAUNKNOWNUNKNOWN23' }],
    ['aws.key.deactivate', 'a user that does not exist', { user: 'no-such-user', accessKeyId: 'AKIAUNKNOWNUNKNOWN23' }],
    ['aws.key.delete', 'a user that does not exist', { user: 'no-such-user', accessKeyId: 'AKIAUNKNOWNUNKNOWN23' }],
  ] as const)('%s of %s is a noop', async (kind, _what, params) => {
    const { account, user } = pickUser(() => true);
    const out = await handler(kind).apply(action(kind, { account: account.id, user: user.name, ...params }), ctx());
    expect(out).toEqual({ status: 'noop', before: { exists: false }, request: null, after: { exists: false } });
  });

  it('cannot reactivate a key deleted since it was deactivated', async () => {
    const { account, user } = pickUser((u) => isMachine(u) && u.accessKeys.some((k) => k.status === 'Active'));
    const key = user.accessKeys.find((k) => k.status === 'Active');
    if (!key) throw new Error('unreachable');
    const params = { account: account.id, user: user.name, accessKeyId: key.id };
    const done = await handler('aws.key.deactivate').apply(action('aws.key.deactivate', params), ctx());
    await handler('aws.key.delete').apply(action('aws.key.delete', params), ctx());
    await expect(handler('aws.key.deactivate').undo?.(action('aws.key.deactivate', params), done, ctx())).rejects.toThrow(
      `aws ${account.id} user ${user.name} access key ${key.id}: cannot be reactivated, it no longer exists`,
    );
  });
});

describe('aws.role.deny', () => {
  it('puts a Deny-everything inline policy on the role, is a noop the second time, and undo removes it', async () => {
    const { account, role } = pickRole((r) => r.kind === 'workload');
    const a = action('aws.role.deny', { account: account.id, role: role.name, policyName: DENY_POLICY_NAME });
    const h = handler('aws.role.deny');
    const inlineBefore = role.inline.map((p) => p.name);

    const done = await h.apply(a, ctx());
    expect(done).toMatchObject({ status: 'done', before: { exists: true, policy: null }, request: { action: 'PutRolePolicy', PolicyName: DENY_POLICY_NAME } });
    const put = roleNow(account, role.name)?.inline.find((p) => p.name === DENY_POLICY_NAME);
    expect(isDenyAll(put?.document as unknown as Json)).toBe(true);
    expect(isDenyAll((done.after as { policy: Json }).policy)).toBe(true);
    expect((await h.apply(a, ctx())).status).toBe('noop');

    const undone = await h.undo?.(a, done, ctx());
    expect(undone).toMatchObject({ status: 'done', request: { action: 'DeleteRolePolicy', PolicyName: DENY_POLICY_NAME }, after: { exists: true, policy: null } });
    expect(roleNow(account, role.name)?.inline.map((p) => p.name)).toEqual(inlineBefore);
    expect((await h.undo?.(a, done, ctx()))?.status).toBe('noop');
  });

  it('uses the policy name of the params, and puts back a different policy of that name on undo', async () => {
    const { account, role } = pickRole((r) => r.kind === 'workload' && r.inline.length > 0);
    const existing = role.inline[0];
    if (!existing) throw new Error('unreachable');
    const a = action('aws.role.deny', { account: account.id, role: role.name, policyName: existing.name });
    const h = handler('aws.role.deny');
    const done = await h.apply(a, ctx());
    expect(done.status).toBe('done');
    expect((done.before as { policy: Json }).policy).toEqual(JSON.parse(JSON.stringify(existing.document)));
    expect(isDenyAll(roleNow(account, role.name)?.inline.find((p) => p.name === existing.name)?.document as unknown as Json)).toBe(true);
    const undone = await h.undo?.(a, done, ctx());
    expect(undone).toMatchObject({ status: 'done', request: { action: 'PutRolePolicy', PolicyName: existing.name } });
    expect(roleNow(account, role.name)?.inline.find((p) => p.name === existing.name)?.document).toEqual(JSON.parse(JSON.stringify(existing.document)));
  });

  it('is a noop for a role that no longer exists', async () => {
    const out = await handler('aws.role.deny').apply(action('aws.role.deny', { account: accounts()[0]?.id ?? '', role: 'no-such-role' }), ctx());
    expect(out).toEqual({ status: 'noop', before: { exists: false }, request: null, after: { exists: false } });
  });

  it('fails on a service-linked role with an error naming it and the IAM code', async () => {
    const { account, role } = pickRole((r) => r.kind === 'service-linked');
    await expect(handler('aws.role.deny').apply(action('aws.role.deny', { account: account.id, role: role.name }), ctx())).rejects.toThrow(
      new RegExp(`^aws ${account.id} role ${role.name}: PutRolePolicy UnmodifiableEntity \\(HTTP 400\\)`),
    );
  });
});

describe('aws.role.delete', () => {
  it('removes the role from its instance profiles, detaches and deletes its policies, deletes it, and records them all', async () => {
    const { account, role } = pickRole((r) => ec2Role(r) && r.attached.length > 0);
    const h = handler('aws.role.delete');
    const a = action('aws.role.delete', { account: account.id, role: role.name });
    await handler('aws.role.deny').apply(action('aws.role.deny', { account: account.id, role: role.name }), ctx());
    const attached = [...role.attached];
    const inline = roleNow(account, role.name)?.inline.map((p) => p.name) ?? [];

    const done = await h.apply(a, ctx());
    expect(done.status).toBe('done');
    const before = done.before as { attached: { arn: string }[]; inline: { name: string; document: Json }[]; instanceProfiles: string[]; arn: string };
    expect(before.arn).toBe(role.arn);
    expect(before.attached.map((p) => p.arn)).toEqual(attached);
    expect(before.inline.map((p) => p.name)).toEqual(inline);
    expect(before.inline.some((p) => p.name === DENY_POLICY_NAME && isDenyAll(p.document))).toBe(true);
    expect(before.instanceProfiles).toEqual([role.name]);
    expect((done.request as { calls: { action: string }[] }).calls.map((c) => c.action).at(-1)).toBe('DeleteRole');
    expect(done.after).toEqual({ exists: false });
    expect(roleNow(account, role.name)).toBeUndefined();
    expect((await scan()).identities.some((i) => i.id === `aws:${account.id}:role/${role.name}`)).toBe(false);

    expect(await h.apply(a, ctx())).toEqual({ status: 'noop', before: { exists: false }, request: null, after: { exists: false } });
  });

  it('fails on a service-linked role and leaves it in place', async () => {
    const { account, role } = pickRole((r) => r.kind === 'service-linked');
    await expect(handler('aws.role.delete').apply(action('aws.role.delete', { account: account.id, role: role.name }), ctx())).rejects.toThrow(/UnmodifiableEntity/);
    expect(roleNow(account, role.name)).toBeDefined();
  });
});

describe('aws.user.delete', () => {
  it('removes everything IAM requires first, deletes the user, and records what it removed', async () => {
    const { account, user } = pickUser((u) => u.accessKeys.length > 0 && u.password !== undefined && u.mfa && u.groups.length > 0);
    const { user: plain } = pickUser((u, a) => a === account && isMachine(u) && u.inline.length + u.attached.length > 0);
    for (const name of [user.name, plain.name]) expect(userNow(account, name)).toBeDefined();
    // What the estate does not model: an SSH key, a signing certificate, a CodeCommit credential.
    const iam = iamOf(account.id);
    try {
      await iam.iam.send(new UploadSSHPublicKeyCommand({ UserName: user.name, SSHPublicKeyBody: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBLyjGqnBcfh0IgCeIhmVVIVxaH7M0d5fcyxDEKA3rfw test' }));
      await iam.iam.send(new UploadSigningCertificateCommand({ UserName: user.name, CertificateBody: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }));
      await iam.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: user.name, ServiceName: 'codecommit.amazonaws.com' }));
    } finally {
      iam.destroy();
    }
    const keys = user.accessKeys.map((k) => k.id);
    const groups = [...user.groups];
    const attached = [...user.attached];
    const inline = user.inline.map((p) => p.name);

    const h = handler('aws.user.delete');
    const a = action('aws.user.delete', { account: account.id, user: user.name });
    const done = await h.apply(a, ctx());
    expect(done.status).toBe('done');
    const before = done.before as Record<string, Json> & { accessKeys: { accessKeyId: string }[]; mfaDevices: { serialNumber: string }[] };
    expect(before.accessKeys.map((k) => k.accessKeyId)).toEqual(keys);
    expect(before.loginProfile).toMatchObject({ passwordResetRequired: false });
    expect(before.mfaDevices.map((d) => d.serialNumber)).toEqual([`arn:aws:iam::${account.id}:mfa/${user.name}`]);
    expect(before.signingCertificates).toHaveLength(1);
    expect(before.sshPublicKeys).toHaveLength(1);
    expect(before.serviceSpecificCredentials).toMatchObject([{ serviceName: 'codecommit.amazonaws.com', status: 'Active' }]);
    expect(before.groups).toEqual(groups);
    expect((before.attached as { arn: string }[]).map((p) => p.arn)).toEqual(attached);
    expect((before.inline as { name: string }[]).map((p) => p.name)).toEqual(inline);
    const calls = (done.request as { calls: { action: string }[] }).calls.map((c) => c.action);
    expect(calls).toEqual(expect.arrayContaining(['DeleteLoginProfile', 'DeactivateMFADevice', 'DeleteVirtualMFADevice', 'DeleteSigningCertificate', 'DeleteSSHPublicKey', 'DeleteServiceSpecificCredential', 'RemoveUserFromGroup']));
    expect(calls.at(-1)).toBe('DeleteUser');
    expect(JSON.stringify(done)).not.toMatch(/Password|SecretAccessKey/);
    expect(userNow(account, user.name)).toBeUndefined();
    expect(await h.apply(a, ctx())).toEqual({ status: 'noop', before: { exists: false }, request: null, after: { exists: false } });

    // A machine user with policies: gone from the collector's next scan too.
    const out = await h.apply(action('aws.user.delete', { account: account.id, user: plain.name }), ctx());
    expect(out.status).toBe('done');
    const r = await scan();
    for (const name of [user.name, plain.name]) expect(r.identities.some((i) => i.id === `aws:${account.id}:user/${name}`)).toBe(false);
  });
});

describe('awsMinter', () => {
  const gateway = (account: string, user: string, extra: PlanAction['params'] = {}): PlanAction => ({
    ...action('gateway.register', { account, user, ...extra }),
    target: `aws-${user}`,
  });

  it('creates an access key the collector then lists (created now, never used), and discards it', async () => {
    const { account, user } = pickUser((u) => isMachine(u) && u.accessKeys.length < 2);
    const a = gateway(account.id, user.name, { region: 'eu-central-1' });
    const logStart = logged.length;
    const minted = await awsMinter.mint(a, ctx());
    expect(minted.publicId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(Object.keys(minted.secrets).sort()).toEqual(['envvar:AWS_ACCESS_KEY_ID', 'envvar:AWS_REGION', 'envvar:AWS_SECRET_ACCESS_KEY']);
    expect(minted.secrets['envvar:AWS_ACCESS_KEY_ID']).toBe(minted.publicId);
    expect(minted.secrets['envvar:AWS_REGION']).toBe('eu-central-1');
    const secret = minted.secrets['envvar:AWS_SECRET_ACCESS_KEY'] ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(logged.slice(logStart).join('\n')).toContain(minted.publicId);
    expect(logged.join('\n')).not.toContain(secret);

    const key = keyNow(account, user.name, minted.publicId);
    expect(key).toMatchObject({ status: 'Active' });
    expect(key?.lastUsed).toBeUndefined();
    const seen = (await scan()).credentials.find((c) => c.publicId === minted.publicId);
    expect(seen).toMatchObject({ active: true, identityId: `aws:${account.id}:user/${user.name}` });
    expect(seen?.lastUsedAt).toBeUndefined();
    expect(Math.abs(Date.parse(seen?.createdAt ?? '') - NOW.getTime())).toBeLessThan(120_000);

    await awsMinter.discard(a, minted.publicId, ctx());
    expect(keyNow(account, user.name, minted.publicId)).toBeUndefined();
    await expect(awsMinter.discard(a, minted.publicId, ctx())).resolves.toBeUndefined();
  });

  it('uses the region of the aws config when the action names none', async () => {
    const { account, user } = pickUser((u) => u.accessKeys.length === 0);
    const a = gateway(account.id, user.name);
    const minted = await awsMinter.mint(a, ctx());
    expect(minted.secrets['envvar:AWS_REGION']).toBe('eu-west-1');
    await awsMinter.discard(a, minted.publicId, ctx());
  });

  it.each([
    ['a user with 2 keys already', (u: AwsUser) => u.accessKeys.length === 2, /already has 2 access keys .*free a slot first/],
    ['a user that does not exist', () => true, /user no-such-user: cannot create an access key, the user does not exist/],
  ] as const)('refuses %s', async (what, filter, message) => {
    const { account, user } = pickUser(filter);
    const name = what.includes('not exist') ? 'no-such-user' : user.name;
    const before = userNow(account, name)?.accessKeys.length;
    await expect(awsMinter.mint(gateway(account.id, name), ctx())).rejects.toThrow(message);
    expect(userNow(account, name)?.accessKeys.length).toBe(before);
  });
});

describe('accounts and credentials', () => {
  it.each([
    ['an account the config does not list', () => ({}), '999999999999', /aws 999999999999: the account is not in the aws.accounts of the config/],
    ['an account whose role cannot be assumed', () => ({ forbiddenAccounts: [accounts()[1]?.id ?? ''] }), '', /AccessDenied/],
    ['unknown base credentials', () => ({}), 'bad-env', /InvalidClientTokenId/],
  ] as const)('fails on %s, before changing anything', async (_what, faults, which, message) => {
    const { account, user } = pickUser((u, a) => a === accounts()[1] && u.accessKeys.some((k) => k.status === 'Active'));
    const key = user.accessKeys.find((k) => k.status === 'Active');
    if (!key) throw new Error('unreachable');
    Object.assign(emu.faults, faults());
    const acct = which === '999999999999' ? which : account.id;
    const c = which === 'bad-env' ? ctx({ env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN23', AWS_SECRET_ACCESS_KEY: 'x' } }) : ctx();
    await expect(handler('aws.key.deactivate').apply(action('aws.key.deactivate', { account: acct, user: user.name, accessKeyId: key.id }), c)).rejects.toThrow(message);
    expect(keyNow(account, user.name, key.id)?.status).toBe('Active');
  });

  it('every kind it claims has a handler, each once', () => {
    const kinds = awsHandlers.flatMap((h) => h.kinds);
    expect([...kinds].sort()).toEqual(['aws.key.deactivate', 'aws.key.delete', 'aws.role.delete', 'aws.role.deny', 'aws.user.delete']);
    expect(awsMinter.kinds).toEqual(['aws-iam-user']);
  });
});

describe("the emulator's IAM writes answer like IAM", () => {
  async function sendIn(account: AwsAccount, fn: (iam: IAMClient) => Promise<unknown>): Promise<unknown> {
    const c = iamOf(account.id);
    try {
      return await fn(c.iam);
    } finally {
      c.destroy();
    }
  }
  const user = (f: (u: AwsUser, a: AwsAccount) => boolean, fn: (iam: IAMClient, u: AwsUser, a: AwsAccount) => Promise<unknown>) => () => {
    const { account, user: u } = pickUser(f);
    return sendIn(account, (iam) => fn(iam, u, account));
  };
  const role = (f: (r: AwsRole) => boolean, fn: (iam: IAMClient, r: AwsRole, a: AwsAccount) => Promise<unknown>) => () => {
    const { account, role: r } = pickRole(f);
    return sendIn(account, (iam) => fn(iam, r, account));
  };
  const workload = (r: AwsRole): boolean => r.kind === 'workload';

  const cases: [string, () => Promise<unknown>, string, number][] = [
    ['a third access key', user((u) => u.accessKeys.length === 2, (iam, u) => iam.send(new CreateAccessKeyCommand({ UserName: u.name }))), 'LimitExceeded', 409],
    ['DeleteUser of a user with a login profile', user((u) => u.password !== undefined, (iam, u) => iam.send(new DeleteUserCommand({ UserName: u.name }))), 'DeleteConflict', 409],
    ['DeleteUser of a user with keys', user((u) => !u.password && u.accessKeys.length > 0, (iam, u) => iam.send(new DeleteUserCommand({ UserName: u.name }))), 'DeleteConflict', 409],
    ['DeleteUser of an unknown user', user(() => true, (iam) => iam.send(new DeleteUserCommand({ UserName: 'no-such-user' }))), 'NoSuchEntity', 404],
    ['a second login profile', user((u) => u.password !== undefined, (iam, u) => iam.send(new CreateLoginProfileCommand({ UserName: u.name, Password: 'x' }))), 'EntityAlreadyExists', 409],
    ['DeleteRole of a role with policies', role((r) => workload(r) && r.attached.length > 0, (iam, r) => iam.send(new DeleteRoleCommand({ RoleName: r.name }))), 'DeleteConflict', 409],
    ['DeleteRole of a service-linked role', role((r) => r.kind === 'service-linked', (iam, r) => iam.send(new DeleteRoleCommand({ RoleName: r.name }))), 'UnmodifiableEntity', 400],
    ['a malformed policy document', role(workload, (iam, r) => iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: 'p', PolicyDocument: '{nope' }))), 'MalformedPolicyDocument', 400],
    ['an invalid policy name', role(workload, (iam, r) => iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: 'a b', PolicyDocument: '{"Statement":[]}' }))), 'ValidationError', 400],
    [
      'an oversized inline policy',
      role(workload, (iam, r) => iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: 'big', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'x'.repeat(11_000), Resource: '*' }] }) }))),
      'LimitExceeded',
      409,
    ],
    ['GetRolePolicy of an unknown policy', role(workload, (iam, r) => iam.send(new GetRolePolicyCommand({ RoleName: r.name, PolicyName: 'none' }))), 'NoSuchEntity', 404],
    ['DeleteVirtualMFADevice of a device in use', user((u) => u.mfa, (iam, u, a) => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: `arn:aws:iam::${a.id}:mfa/${u.name}` }))), 'DeleteConflict', 409],
    ['RemoveUserFromGroup of a non-member', user((u, a) => u.groups.length === 0 && a.groups.length > 0, (iam, u, a) => iam.send(new RemoveUserFromGroupCommand({ UserName: u.name, GroupName: a.groups[0]?.name ?? '' }))), 'NoSuchEntity', 404],
    [
      'a second role in an instance profile',
      role(ec2Role, async (iam, r) => {
        await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'test-profile' }));
        await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'test-profile', RoleName: r.name }));
        const listed = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: r.name }));
        expect(listed.InstanceProfiles?.map((p) => [p.InstanceProfileName, p.Roles?.map((x) => x.RoleName)]).sort()).toEqual([[r.name, [r.name]], ['test-profile', [r.name]]]);
        return iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'test-profile', RoleName: r.name }));
      }),
      'LimitExceeded',
      409,
    ],
    ['an unknown service for a service-specific credential', user(() => true, (iam, u) => iam.send(new CreateServiceSpecificCredentialCommand({ UserName: u.name, ServiceName: 's3.amazonaws.com' }))), 'NotSupportedService', 404],
  ];

  it.each(cases)('%s', async (_what, send, code, status) => {
    await expect(send()).rejects.toMatchObject({ Code: code, $metadata: { httpStatusCode: status } });
  });
});
