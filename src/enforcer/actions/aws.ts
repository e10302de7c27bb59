/**
 * AWS enforcer actions, through IAM (the SDK clients the collector uses, built from the same
 * `aws:` config section: endpoint, region, profile, retries; the account's `roleArn` assumed with
 * its `externalId`; base credentials from the context's environment):
 * - aws.key.deactivate / aws.key.delete: an access key (undo of deactivate: Active again);
 * - aws.role.deny: an inline Deny-everything policy on a role (undo: the policy removed, or the
 *   one it replaced put back);
 * - aws.role.delete / aws.user.delete: everything IAM requires removed first, each item recorded
 *   in `before`, then the role or user;
 * - the minter of `aws-iam-user`: a fresh access key (its secret goes only to the gateway).
 * Every apply reads the target first: already in the wanted state, or gone, is a `noop`. Before
 * changing anything, STS confirms the credentials act in the action's account.
 */
import {
  CreateAccessKeyCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListInstanceProfilesForRoleCommand,
  ListMFADevicesCommand,
  ListRolePoliciesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { AccessKeyMetadata, IAMClient, Role, Tag } from '@aws-sdk/client-iam';
import { decodePolicyDocument } from '../../collectors/aws/policy.ts';
import { awsSchema } from '../../config/schema.ts';
import type { AwsConfig } from '../../config/schema.ts';
import type { PlanAction } from '../../model/index.ts';
import { accountClients, baseCredentialsFromEnv } from '../../providers/aws/accounts.ts';
import { awsClientSettings, describeAwsError } from '../../providers/aws/client.ts';
import { NoRoomError } from './types.ts';
import type { ActionContext, ActionHandler, CredentialMinter, Json, MintedCredential } from './types.ts';

/** The inline policy `aws.role.deny` puts on a role unless the plan names another. */
export const DENY_POLICY_NAME = 'sprawl-revoked';
/** IAM's quota of access keys per user. */
export const ACCESS_KEYS_PER_USER = 2;

export const DENY_ALL_DOCUMENT = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'SprawlRevoked', Effect: 'Deny', Action: '*', Resource: '*' }],
} as const;

interface Aws {
  iam: IAMClient;
  account: string;
  signal?: AbortSignal;
}

type CallOptions = { abortSignal?: AbortSignal };

function awsConfigOf(ctx: ActionContext): AwsConfig {
  return ctx.config.aws ?? awsSchema.parse({});
}

function param(action: PlanAction, name: string): string {
  const v = action.params[name];
  if (typeof v !== 'string' || v === '') throw new Error(`aws ${action.target}: ${action.kind} needs the parameter ${name}`);
  return v;
}

/** Runs `fn` with IAM clients acting in the action's account (verified through STS first), then closes them. */
async function inAccount<T>(action: PlanAction, ctx: ActionContext, fn: (aws: Aws) => Promise<T>): Promise<T> {
  const account = param(action, 'account');
  const config = awsConfigOf(ctx);
  const settings = awsClientSettings(config);
  const clients = accountClients(settings, config, account, { base: baseCredentialsFromEnv(settings, ctx.env), sessionName: 'sprawl-enforce' });
  try {
    await clients.verified;
    return await fn({ iam: clients.iam, account, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } finally {
    clients.destroy();
  }
}

/** The provider's error as `<target>: <Operation> <Code> (HTTP n): message`. */
function failed(label: string, operation: string, err: unknown): Error {
  const { code, message, status } = describeAwsError(err);
  return new Error(`${label}: ${operation} ${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, { cause: err });
}

const isNoSuchEntity = (err: unknown): boolean => /^(NoSuchEntity|NoSuchEntityException)$/.test(describeAwsError(err).code);

async function call<T>(aws: Aws, label: string, operation: string, fn: (opts: CallOptions) => Promise<T>): Promise<T> {
  try {
    return await fn(aws.signal ? { abortSignal: aws.signal } : {});
  } catch (err) {
    throw failed(label, operation, err);
  }
}

/** Like `call`, but NoSuchEntity gives undefined. */
async function read<T>(aws: Aws, label: string, operation: string, fn: (opts: CallOptions) => Promise<T>): Promise<T | undefined> {
  try {
    return await fn(aws.signal ? { abortSignal: aws.signal } : {});
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw failed(label, operation, err);
  }
}

/** A removal that may find the item already gone (a second run after a crash): NoSuchEntity is fine. */
async function remove(aws: Aws, label: string, operation: string, fn: (opts: CallOptions) => Promise<unknown>): Promise<void> {
  await read(aws, label, operation, fn);
}

/** Every page of a Marker-based list; undefined when the owner (user, role) does not exist. */
async function listAll<O extends { Marker?: string | undefined }, T>(
  aws: Aws,
  label: string,
  operation: string,
  fetch: (marker: string | undefined, opts: CallOptions) => Promise<O>,
  items: (page: O) => readonly T[] | undefined,
): Promise<T[] | undefined> {
  const out: T[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  do {
    const current = marker;
    const page = await read(aws, label, operation, (opts) => fetch(current, opts));
    if (page === undefined) return undefined;
    out.push(...(items(page) ?? []));
    marker = page.Marker || undefined;
    if (marker !== undefined) {
      if (seen.has(marker)) throw new Error(`${label}: ${operation} returned the same Marker twice`);
      seen.add(marker);
    }
  } while (marker !== undefined);
  return out;
}

function documentOf(encoded: string | undefined): Json {
  if (encoded === undefined) return null;
  try {
    return decodePolicyDocument(encoded) as Json;
  } catch {
    return encoded;
  }
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);
const tagsJson = (tags: readonly Tag[] | undefined): Json => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
const obj = (v: Json): Record<string, Json> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined);

// ------------------------------------------------------------------------------ access keys

interface KeyRef {
  user: string;
  keyId: string;
  label: string;
}

function keyRef(action: PlanAction): KeyRef {
  const account = param(action, 'account');
  const user = param(action, 'user');
  const keyId = param(action, 'accessKeyId');
  return { user, keyId, label: `aws ${account} user ${user} access key ${keyId}` };
}

async function listKeys(aws: Aws, user: string, label: string): Promise<AccessKeyMetadata[] | undefined> {
  return listAll(aws, label, 'ListAccessKeys', (Marker, o) => aws.iam.send(new ListAccessKeysCommand({ UserName: user, ...(Marker ? { Marker } : {}) }), o), (p) => p.AccessKeyMetadata);
}

/** The key, or undefined when it (or its user) no longer exists. */
async function readKey(aws: Aws, ref: KeyRef): Promise<AccessKeyMetadata | undefined> {
  return (await listKeys(aws, ref.user, ref.label))?.find((k) => k.AccessKeyId === ref.keyId);
}

function keyState(k: AccessKeyMetadata | undefined): Json {
  return k ? { exists: true, status: k.Status ?? null, createDate: iso(k.CreateDate) } : { exists: false };
}

async function setKeyStatus(aws: Aws, ref: KeyRef, status: 'Active' | 'Inactive'): Promise<Json> {
  const input = { UserName: ref.user, AccessKeyId: ref.keyId, Status: status };
  await call(aws, ref.label, 'UpdateAccessKey', (o) => aws.iam.send(new UpdateAccessKeyCommand(input), o));
  return { action: 'UpdateAccessKey', ...input };
}

const keyDeactivate: ActionHandler = {
  kinds: ['aws.key.deactivate'],
  async apply(action, ctx) {
    const ref = keyRef(action);
    return inAccount(action, ctx, async (aws) => {
      const key = await readKey(aws, ref);
      const before = keyState(key);
      if (!key || key.Status === 'Inactive') return { status: 'noop', before, request: null, after: before };
      const request = await setKeyStatus(aws, ref, 'Inactive');
      ctx.log.info('aws access key deactivated', { account: aws.account, user: ref.user, accessKeyId: ref.keyId });
      return { status: 'done', before, request, after: keyState(await readKey(aws, ref)) };
    });
  },
  async undo(action, applied, ctx) {
    const ref = keyRef(action);
    return inAccount(action, ctx, async (aws) => {
      const key = await readKey(aws, ref);
      const before = keyState(key);
      // Only what apply changed is restored: a key that was already inactive stays so.
      if (applied.status !== 'done' || obj(applied.before)?.status !== 'Active') return { status: 'noop', before, request: null, after: before };
      if (!key) throw new Error(`${ref.label}: cannot be reactivated, it no longer exists`);
      if (key.Status === 'Active') return { status: 'noop', before, request: null, after: before };
      const request = await setKeyStatus(aws, ref, 'Active');
      ctx.log.info('aws access key reactivated', { account: aws.account, user: ref.user, accessKeyId: ref.keyId });
      return { status: 'done', before, request, after: keyState(await readKey(aws, ref)) };
    });
  },
};

const keyDelete: ActionHandler = {
  kinds: ['aws.key.delete'],
  async apply(action, ctx) {
    const ref = keyRef(action);
    return inAccount(action, ctx, async (aws) => {
      const key = await readKey(aws, ref);
      const before = keyState(key);
      if (!key) return { status: 'noop', before, request: null, after: before };
      const input = { UserName: ref.user, AccessKeyId: ref.keyId };
      await remove(aws, ref.label, 'DeleteAccessKey', (o) => aws.iam.send(new DeleteAccessKeyCommand(input), o));
      ctx.log.info('aws access key deleted', { account: aws.account, user: ref.user, accessKeyId: ref.keyId });
      return { status: 'done', before, request: { action: 'DeleteAccessKey', ...input }, after: keyState(await readKey(aws, ref)) };
    });
  },
};

// ------------------------------------------------------------------------------------- roles

interface RoleRef {
  role: string;
  label: string;
}

function roleRef(action: PlanAction): RoleRef {
  const account = param(action, 'account');
  const role = param(action, 'role');
  return { role, label: `aws ${account} role ${role}` };
}

async function readRole(aws: Aws, ref: RoleRef): Promise<Role | undefined> {
  return (await read(aws, ref.label, 'GetRole', (o) => aws.iam.send(new GetRoleCommand({ RoleName: ref.role }), o)))?.Role;
}

async function readRolePolicy(aws: Aws, ref: RoleRef, name: string): Promise<Json | undefined> {
  const out = await read(aws, ref.label, 'GetRolePolicy', (o) => aws.iam.send(new GetRolePolicyCommand({ RoleName: ref.role, PolicyName: name }), o));
  return out ? documentOf(out.PolicyDocument) : undefined;
}

const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Denies every action on every resource, unconditionally (whatever else the document says). */
export function isDenyAll(doc: Json | undefined): boolean {
  const statements = asList(obj(doc ?? null)?.Statement);
  return statements.some((s) => {
    const st = obj(s);
    return st !== undefined && st.Effect === 'Deny' && st.Condition === undefined && asList(st.Action).includes('*') && asList(st.Resource).includes('*');
  });
}

function denyPolicyName(action: PlanAction): string {
  const v = action.params.policyName;
  return typeof v === 'string' && v !== '' ? v : DENY_POLICY_NAME;
}

async function putRolePolicy(aws: Aws, ref: RoleRef, name: string, document: Json): Promise<Json> {
  await call(aws, ref.label, 'PutRolePolicy', (o) => aws.iam.send(new PutRolePolicyCommand({ RoleName: ref.role, PolicyName: name, PolicyDocument: JSON.stringify(document) }), o));
  return { action: 'PutRolePolicy', RoleName: ref.role, PolicyName: name, PolicyDocument: document };
}

function denyState(role: Role | undefined, name: string, doc: Json | undefined): Json {
  if (!role) return { exists: false };
  return { exists: true, arn: role.Arn ?? null, policyName: name, policy: doc ?? null };
}

const roleDeny: ActionHandler = {
  kinds: ['aws.role.deny'],
  async apply(action, ctx) {
    const ref = roleRef(action);
    const name = denyPolicyName(action);
    return inAccount(action, ctx, async (aws) => {
      const role = await readRole(aws, ref);
      const current = role ? await readRolePolicy(aws, ref, name) : undefined;
      const before = denyState(role, name, current);
      if (!role || isDenyAll(current)) return { status: 'noop', before, request: null, after: before };
      const request = await putRolePolicy(aws, ref, name, DENY_ALL_DOCUMENT as unknown as Json);
      ctx.log.info('aws role denied everything', { account: aws.account, role: ref.role, policy: name });
      return { status: 'done', before, request, after: denyState(role, name, await readRolePolicy(aws, ref, name)) };
    });
  },
  async undo(action, applied, ctx) {
    const ref = roleRef(action);
    const name = denyPolicyName(action);
    return inAccount(action, ctx, async (aws) => {
      const role = await readRole(aws, ref);
      const current = role ? await readRolePolicy(aws, ref, name) : undefined;
      const before = denyState(role, name, current);
      if (applied.status !== 'done' || !role) return { status: 'noop', before, request: null, after: before };
      // A policy of the same name that apply replaced is put back; otherwise the deny policy goes.
      const previous = obj(applied.before)?.policy ?? null;
      let request: Json;
      if (previous !== null) {
        if (!isDenyAll(current) && current !== undefined) return { status: 'noop', before, request: null, after: before };
        request = await putRolePolicy(aws, ref, name, previous);
      } else {
        if (current === undefined) return { status: 'noop', before, request: null, after: before };
        await remove(aws, ref.label, 'DeleteRolePolicy', (o) => aws.iam.send(new DeleteRolePolicyCommand({ RoleName: ref.role, PolicyName: name }), o));
        request = { action: 'DeleteRolePolicy', RoleName: ref.role, PolicyName: name };
      }
      ctx.log.info('aws role deny removed', { account: aws.account, role: ref.role, policy: name });
      return { status: 'done', before, request, after: denyState(role, name, await readRolePolicy(aws, ref, name)) };
    });
  },
};

interface RoleAttachments {
  attached: { name: string; arn: string }[];
  inline: { name: string; document: Json }[];
  instanceProfiles: string[];
}

async function roleAttachments(aws: Aws, ref: RoleRef): Promise<RoleAttachments> {
  const R = ref.role;
  const attached = await listAll(aws, ref.label, 'ListAttachedRolePolicies', (Marker, o) => aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: R, ...(Marker ? { Marker } : {}) }), o), (p) => p.AttachedPolicies);
  const names = await listAll(aws, ref.label, 'ListRolePolicies', (Marker, o) => aws.iam.send(new ListRolePoliciesCommand({ RoleName: R, ...(Marker ? { Marker } : {}) }), o), (p) => p.PolicyNames);
  const profiles = await listAll(aws, ref.label, 'ListInstanceProfilesForRole', (Marker, o) => aws.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: R, ...(Marker ? { Marker } : {}) }), o), (p) => p.InstanceProfiles);
  const inline: RoleAttachments['inline'] = [];
  for (const name of names ?? []) {
    const document = await readRolePolicy(aws, ref, name);
    if (document !== undefined) inline.push({ name, document });
  }
  return {
    attached: (attached ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
    inline,
    instanceProfiles: (profiles ?? []).map((p) => p.InstanceProfileName ?? '').filter((n) => n !== ''),
  };
}

function roleState(role: Role, parts: RoleAttachments): Json {
  return {
    exists: true,
    arn: role.Arn ?? null,
    roleId: role.RoleId ?? null,
    path: role.Path ?? null,
    createDate: iso(role.CreateDate),
    description: role.Description ?? null,
    maxSessionDuration: role.MaxSessionDuration ?? null,
    trust: documentOf(role.AssumeRolePolicyDocument),
    tags: tagsJson(role.Tags),
    attached: parts.attached,
    inline: parts.inline,
    instanceProfiles: parts.instanceProfiles,
  };
}

const roleDelete: ActionHandler = {
  kinds: ['aws.role.delete'],
  async apply(action, ctx) {
    const ref = roleRef(action);
    return inAccount(action, ctx, async (aws) => {
      const role = await readRole(aws, ref);
      if (!role) return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
      const parts = await roleAttachments(aws, ref);
      const before = roleState(role, parts);
      const R = ref.role;
      const calls: Json[] = [];
      for (const p of parts.instanceProfiles) {
        await remove(aws, ref.label, 'RemoveRoleFromInstanceProfile', (o) => aws.iam.send(new RemoveRoleFromInstanceProfileCommand({ RoleName: R, InstanceProfileName: p }), o));
        calls.push({ action: 'RemoveRoleFromInstanceProfile', RoleName: R, InstanceProfileName: p });
      }
      for (const p of parts.attached) {
        await remove(aws, ref.label, 'DetachRolePolicy', (o) => aws.iam.send(new DetachRolePolicyCommand({ RoleName: R, PolicyArn: p.arn }), o));
        calls.push({ action: 'DetachRolePolicy', RoleName: R, PolicyArn: p.arn });
      }
      for (const p of parts.inline) {
        await remove(aws, ref.label, 'DeleteRolePolicy', (o) => aws.iam.send(new DeleteRolePolicyCommand({ RoleName: R, PolicyName: p.name }), o));
        calls.push({ action: 'DeleteRolePolicy', RoleName: R, PolicyName: p.name });
      }
      await remove(aws, ref.label, 'DeleteRole', (o) => aws.iam.send(new DeleteRoleCommand({ RoleName: R }), o));
      calls.push({ action: 'DeleteRole', RoleName: R });
      ctx.log.info('aws role deleted', { account: aws.account, role: R, policies: parts.attached.length + parts.inline.length, instanceProfiles: parts.instanceProfiles.length });
      return { status: 'done', before, request: { calls }, after: (await readRole(aws, ref)) ? { exists: true } : { exists: false } };
    });
  },
};

// ------------------------------------------------------------------------------------- users

interface UserRef {
  user: string;
  label: string;
}

function userRef(action: PlanAction): UserRef {
  const account = param(action, 'account');
  const user = param(action, 'user');
  return { user, label: `aws ${account} user ${user}` };
}

interface UserParts {
  accessKeys: { accessKeyId: string; status: string | null; createDate: string | null }[];
  loginProfile: { createDate: string | null; passwordResetRequired: boolean } | null;
  mfaDevices: { serialNumber: string; enableDate: string | null }[];
  signingCertificates: { certificateId: string; status: string | null }[];
  sshPublicKeys: { sshPublicKeyId: string; status: string | null }[];
  serviceSpecificCredentials: { serviceSpecificCredentialId: string; serviceName: string | null; serviceUserName: string | null; status: string | null }[];
  groups: string[];
  attached: { name: string; arn: string }[];
  inline: { name: string; document: Json }[];
}

async function userParts(aws: Aws, ref: UserRef): Promise<UserParts> {
  const U = ref.user;
  const L = ref.label;
  const m = (Marker: string | undefined): { Marker?: string } => (Marker ? { Marker } : {});
  const keys = (await listKeys(aws, U, L)) ?? [];
  const login = await read(aws, L, 'GetLoginProfile', (o) => aws.iam.send(new GetLoginProfileCommand({ UserName: U }), o));
  const mfa = (await listAll(aws, L, 'ListMFADevices', (M, o) => aws.iam.send(new ListMFADevicesCommand({ UserName: U, ...m(M) }), o), (p) => p.MFADevices)) ?? [];
  const certs = (await listAll(aws, L, 'ListSigningCertificates', (M, o) => aws.iam.send(new ListSigningCertificatesCommand({ UserName: U, ...m(M) }), o), (p) => p.Certificates)) ?? [];
  const ssh = (await listAll(aws, L, 'ListSSHPublicKeys', (M, o) => aws.iam.send(new ListSSHPublicKeysCommand({ UserName: U, ...m(M) }), o), (p) => p.SSHPublicKeys)) ?? [];
  const services =
    (await listAll(aws, L, 'ListServiceSpecificCredentials', (M, o) => aws.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: U, ...m(M) }), o), (p) => p.ServiceSpecificCredentials)) ?? [];
  const groups = (await listAll(aws, L, 'ListGroupsForUser', (M, o) => aws.iam.send(new ListGroupsForUserCommand({ UserName: U, ...m(M) }), o), (p) => p.Groups)) ?? [];
  const attached = (await listAll(aws, L, 'ListAttachedUserPolicies', (M, o) => aws.iam.send(new ListAttachedUserPoliciesCommand({ UserName: U, ...m(M) }), o), (p) => p.AttachedPolicies)) ?? [];
  const names = (await listAll(aws, L, 'ListUserPolicies', (M, o) => aws.iam.send(new ListUserPoliciesCommand({ UserName: U, ...m(M) }), o), (p) => p.PolicyNames)) ?? [];
  const inline: UserParts['inline'] = [];
  for (const name of names) {
    const out = await read(aws, L, 'GetUserPolicy', (o) => aws.iam.send(new GetUserPolicyCommand({ UserName: U, PolicyName: name }), o));
    if (out) inline.push({ name, document: documentOf(out.PolicyDocument) });
  }
  return {
    accessKeys: keys.map((k) => ({ accessKeyId: k.AccessKeyId ?? '', status: k.Status ?? null, createDate: iso(k.CreateDate) })),
    loginProfile: login?.LoginProfile ? { createDate: iso(login.LoginProfile.CreateDate), passwordResetRequired: login.LoginProfile.PasswordResetRequired === true } : null,
    mfaDevices: mfa.map((d) => ({ serialNumber: d.SerialNumber ?? '', enableDate: iso(d.EnableDate) })),
    signingCertificates: certs.map((c) => ({ certificateId: c.CertificateId ?? '', status: c.Status ?? null })),
    sshPublicKeys: ssh.map((k) => ({ sshPublicKeyId: k.SSHPublicKeyId ?? '', status: k.Status ?? null })),
    serviceSpecificCredentials: services.map((c) => ({
      serviceSpecificCredentialId: c.ServiceSpecificCredentialId ?? '',
      serviceName: c.ServiceName ?? null,
      serviceUserName: c.ServiceUserName ?? null,
      status: c.Status ?? null,
    })),
    groups: groups.map((g) => g.GroupName ?? '').filter((n) => n !== ''),
    attached: attached.map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
    inline,
  };
}

/** Removes what DeleteUser requires gone, in IAM's order of dependencies; returns the calls made. */
async function stripUser(aws: Aws, ref: UserRef, parts: UserParts): Promise<Json[]> {
  const U = ref.user;
  const L = ref.label;
  const calls: Json[] = [];
  const step = async (entry: { action: string } & Record<string, Json>, fn: (o: CallOptions) => Promise<unknown>): Promise<void> => {
    await remove(aws, L, entry.action, fn);
    calls.push(entry);
  };
  if (parts.loginProfile) await step({ action: 'DeleteLoginProfile', UserName: U }, (o) => aws.iam.send(new DeleteLoginProfileCommand({ UserName: U }), o));
  for (const d of parts.mfaDevices) {
    const SerialNumber = d.serialNumber;
    await step({ action: 'DeactivateMFADevice', UserName: U, SerialNumber }, (o) => aws.iam.send(new DeactivateMFADeviceCommand({ UserName: U, SerialNumber }), o));
    // A virtual device (its serial is an ARN) outlives its deactivation: it is deleted too.
    if (SerialNumber.startsWith('arn:')) await step({ action: 'DeleteVirtualMFADevice', SerialNumber }, (o) => aws.iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber }), o));
  }
  for (const k of parts.accessKeys) {
    const AccessKeyId = k.accessKeyId;
    await step({ action: 'DeleteAccessKey', UserName: U, AccessKeyId }, (o) => aws.iam.send(new DeleteAccessKeyCommand({ UserName: U, AccessKeyId }), o));
  }
  for (const c of parts.signingCertificates) {
    const CertificateId = c.certificateId;
    await step({ action: 'DeleteSigningCertificate', UserName: U, CertificateId }, (o) => aws.iam.send(new DeleteSigningCertificateCommand({ UserName: U, CertificateId }), o));
  }
  for (const k of parts.sshPublicKeys) {
    const SSHPublicKeyId = k.sshPublicKeyId;
    await step({ action: 'DeleteSSHPublicKey', UserName: U, SSHPublicKeyId }, (o) => aws.iam.send(new DeleteSSHPublicKeyCommand({ UserName: U, SSHPublicKeyId }), o));
  }
  for (const c of parts.serviceSpecificCredentials) {
    const ServiceSpecificCredentialId = c.serviceSpecificCredentialId;
    await step({ action: 'DeleteServiceSpecificCredential', UserName: U, ServiceSpecificCredentialId }, (o) =>
      aws.iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: U, ServiceSpecificCredentialId }), o),
    );
  }
  for (const GroupName of parts.groups) {
    await step({ action: 'RemoveUserFromGroup', UserName: U, GroupName }, (o) => aws.iam.send(new RemoveUserFromGroupCommand({ UserName: U, GroupName }), o));
  }
  for (const p of parts.attached) {
    const PolicyArn = p.arn;
    await step({ action: 'DetachUserPolicy', UserName: U, PolicyArn }, (o) => aws.iam.send(new DetachUserPolicyCommand({ UserName: U, PolicyArn }), o));
  }
  for (const p of parts.inline) {
    const PolicyName = p.name;
    await step({ action: 'DeleteUserPolicy', UserName: U, PolicyName }, (o) => aws.iam.send(new DeleteUserPolicyCommand({ UserName: U, PolicyName }), o));
  }
  return calls;
}

const userDelete: ActionHandler = {
  kinds: ['aws.user.delete'],
  async apply(action, ctx) {
    const ref = userRef(action);
    return inAccount(action, ctx, async (aws) => {
      const got = await read(aws, ref.label, 'GetUser', (o) => aws.iam.send(new GetUserCommand({ UserName: ref.user }), o));
      if (!got?.User) return { status: 'noop', before: { exists: false }, request: null, after: { exists: false } };
      const u = got.User;
      const parts = await userParts(aws, ref);
      const before: Json = { exists: true, arn: u.Arn ?? null, userId: u.UserId ?? null, path: u.Path ?? null, createDate: iso(u.CreateDate), tags: tagsJson(u.Tags), ...parts };
      const calls = await stripUser(aws, ref, parts);
      await remove(aws, ref.label, 'DeleteUser', (o) => aws.iam.send(new DeleteUserCommand({ UserName: ref.user }), o));
      calls.push({ action: 'DeleteUser', UserName: ref.user });
      ctx.log.info('aws user deleted', { account: aws.account, user: ref.user, removed: calls.length - 1 });
      const after = await read(aws, ref.label, 'GetUser', (o) => aws.iam.send(new GetUserCommand({ UserName: ref.user }), o));
      return { status: 'done', before, request: { calls }, after: after?.User ? { exists: true } : { exists: false } };
    });
  },
};

export const awsHandlers: ActionHandler[] = [keyDeactivate, keyDelete, roleDeny, roleDelete, userDelete];

// ------------------------------------------------------------------------------------ minter

export const awsMinter: CredentialMinter = {
  kinds: ['aws-iam-user'],
  async mint(action, ctx): Promise<MintedCredential> {
    const ref = userRef(action);
    const regionParam = action.params.region;
    const region = typeof regionParam === 'string' && regionParam !== '' ? regionParam : awsConfigOf(ctx).region;
    return inAccount(action, ctx, async (aws) => {
      const keys = await listKeys(aws, ref.user, ref.label);
      if (keys === undefined) throw new Error(`${ref.label}: cannot create an access key, the user does not exist`);
      const full = (ids: string): Error =>
        new NoRoomError(`${ref.label}: already has ${ACCESS_KEYS_PER_USER} access keys (${ids}), the most IAM allows; free a slot first (deactivate and delete one) before a fresh key can be made`);
      if (keys.length >= ACCESS_KEYS_PER_USER) throw full(keys.map((k) => `${k.AccessKeyId ?? '?'} ${k.Status ?? ''}`.trim()).join(', '));
      const out = await aws.iam.send(new CreateAccessKeyCommand({ UserName: ref.user }), aws.signal ? { abortSignal: aws.signal } : {}).catch((err: unknown) => {
        throw describeAwsError(err).code.startsWith('LimitExceeded') ? full('one was created meanwhile') : failed(ref.label, 'CreateAccessKey', err);
      });
      const id = out.AccessKey?.AccessKeyId;
      const secret = out.AccessKey?.SecretAccessKey;
      if (!id || !secret) throw new Error(`${ref.label}: CreateAccessKey returned no key`);
      ctx.log.info('aws access key created', { account: aws.account, user: ref.user, accessKeyId: id });
      return {
        publicId: id,
        secrets: { 'envvar:AWS_ACCESS_KEY_ID': id, 'envvar:AWS_SECRET_ACCESS_KEY': secret, 'envvar:AWS_REGION': region },
      };
    });
  },
  async discard(action, publicId, ctx) {
    const ref = userRef(action);
    await inAccount(action, ctx, async (aws) => {
      const label = `${ref.label} access key ${publicId}`;
      const gone = await read(aws, label, 'DeleteAccessKey', (o) => aws.iam.send(new DeleteAccessKeyCommand({ UserName: ref.user, AccessKeyId: publicId }), o));
      ctx.log.info(gone === undefined ? 'aws access key already gone' : 'aws access key discarded', { account: aws.account, user: ref.user, accessKeyId: publicId });
    });
  },
};
