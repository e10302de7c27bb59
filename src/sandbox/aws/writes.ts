/**
 * The IAM write actions of the emulator (what the enforcer calls): access keys, the removals
 * DeleteUser and DeleteRole require first (login profile, MFA devices, signing certificates, SSH
 * public keys, service-specific credentials, group memberships, policies, instance profiles),
 * and inline role policies. They mutate the in-memory estate, so a re-scan sees the change, and
 * answer with IAM's own error codes (NoSuchEntity, DeleteConflict, LimitExceeded,
 * UnmodifiableEntity, EntityAlreadyExists, MalformedPolicyDocument, ValidationError).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { AwsAccessKey, AwsRole, AwsUser } from '../estate.ts';
import { BASE32, UPPER_ALNUM } from '../random.ts';
import type { PolicyDocument } from './policies.ts';
import { AwsFault, accountOf, noSuchEntity, pageWindow, required, roleOf, userOf } from './state.ts';
import type { AccountIndex, Caller, EmulatorState, InstanceProfile, MfaDevice } from './state.ts';
import { el, encodePolicy, members, wrap } from './xml.ts';

type Handler = (params: URLSearchParams, caller: Caller, state: EmulatorState) => string | undefined;

export const ACCESS_KEYS_PER_USER = 2;
export const SSH_KEYS_PER_USER = 5;
export const CERTIFICATES_PER_USER = 2;
export const SERVICE_CREDENTIALS_PER_SERVICE = 2;
/** Aggregate size of a role's inline policies, whitespace excluded. */
export const ROLE_INLINE_POLICY_BYTES = 10_240;
const SERVICES_WITH_CREDENTIALS = ['codecommit.amazonaws.com', 'cassandra.amazonaws.com', 'bedrock.amazonaws.com'];

const randomChars = (n: number, alphabet: string): string => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
const paged = (marker: string | undefined): string => el('IsTruncated', marker !== undefined) + el('Marker', marker);
const conflict = (what: string): AwsFault => new AwsFault(409, 'DeleteConflict', `Cannot delete entity, must ${what} first.`);
const limit = (quota: string, n: number): AwsFault => new AwsFault(409, 'LimitExceeded', `Cannot exceed quota for ${quota}: ${n}`);

function validationError(field: string, value: string, constraint: string): AwsFault {
  return new AwsFault(400, 'ValidationError', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** Service-linked and IAM Identity Center roles: only AWS may change them. */
function protectedRole(r: AwsRole): boolean {
  return r.path.startsWith('/aws-service-role/') || r.path.startsWith('/aws-reserved/');
}

function modifiable(r: AwsRole): AwsRole {
  if (protectedRole(r)) throw new AwsFault(400, 'UnmodifiableEntity', `Cannot perform the operation on the protected role '${r.name}' - this role is only modifiable by AWS`);
  return r;
}

function policyName(params: URLSearchParams): string {
  const name = required(params, 'PolicyName');
  if (name.length > 128) throw validationError('policyName', name, 'Member must have length less than or equal to 128');
  if (!/^[\w+=,.@-]+$/.test(name)) throw validationError('policyName', name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return name;
}

function policyDocument(params: URLSearchParams): PolicyDocument {
  const text = required(params, 'PolicyDocument');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new AwsFault(400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
    throw new AwsFault(400, 'MalformedPolicyDocument', 'Policy document must contain a Statement.');
  }
  return doc as PolicyDocument;
}

const policySize = (doc: PolicyDocument): number => JSON.stringify(doc).replace(/\s/g, '').length;

/** One fewer user, group or role attaches `arn`; AWS-managed policies no one attaches leave GAAD. */
function detached(a: AccountIndex, arn: string): void {
  const n = (a.attachments.get(arn) ?? 0) - 1;
  if (n > 0) a.attachments.set(arn, n);
  else a.attachments.delete(arn);
}

function changedUser(a: AccountIndex, u: AwsUser): void {
  u.mfa = [...a.extras.mfaDevices.values()].some((d) => d.user === u.name);
  a.report = undefined;
}

// ----------------------------------------------------------------------------- XML renderers

/** An access key's metadata, as ListAccessKeys and CreateAccessKey render it. */
export const keyXml = (u: AwsUser, k: AwsAccessKey): string => el('UserName', u.name) + el('AccessKeyId', k.id) + el('Status', k.status) + el('CreateDate', k.createdAt);

/** A role as instance profiles list it; GetRole and ListRoles add to it. */
export function briefRoleXml(r: AwsRole): string {
  return (
    el('Path', r.path) +
    el('RoleName', r.name) +
    el('RoleId', r.id) +
    el('Arn', r.arn) +
    el('CreateDate', r.createdAt) +
    el('AssumeRolePolicyDocument', encodePolicy(r.trust))
  );
}

function profileXml(a: AccountIndex, p: InstanceProfile): string {
  const roles = p.roles.map((n) => a.roles.get(n)).filter((r): r is AwsRole => r !== undefined);
  return (
    el('Path', p.path) +
    el('InstanceProfileName', p.name) +
    el('InstanceProfileId', p.id) +
    el('Arn', p.arn) +
    el('CreateDate', p.createdAt) +
    members('Roles', roles, briefRoleXml)
  );
}

const profilesOfRole = (a: AccountIndex, r: AwsRole): InstanceProfile[] => [...a.extras.instanceProfiles.values()].filter((p) => p.roles.includes(r.name));

/** The instance profiles that hold a role, as GetAccountAuthorizationDetails and ListInstanceProfilesForRole list them. */
export function instanceProfilesXml(name: string, a: AccountIndex, r: AwsRole): string {
  return members(name, profilesOfRole(a, r), (p) => profileXml(a, p));
}

/** The user of an action whose UserName is required (it does not default to the caller). */
function namedUser(a: AccountIndex, params: URLSearchParams): AwsUser {
  const name = required(params, 'UserName');
  const u = a.users.get(name);
  if (!u) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return u;
}

const mfaOfUser = (a: AccountIndex, u: AwsUser): MfaDevice[] => [...a.extras.mfaDevices.values()].filter((d) => d.user === u.name);

function listOf<T>(map: Map<string, T[]>, user: string): T[] {
  let list = map.get(user);
  if (!list) {
    list = [];
    map.set(user, list);
  }
  return list;
}

function removeFrom<T extends { id: string }>(map: Map<string, T[]>, user: string, id: string, missing: string): void {
  const list = map.get(user) ?? [];
  if (!list.some((x) => x.id === id)) throw noSuchEntity(missing);
  map.set(user, list.filter((x) => x.id !== id));
}

// ---------------------------------------------------------------------------------- handlers

export const IAM_WRITE_HANDLERS: Record<string, Handler> = {
  // --- access keys
  CreateAccessKey(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    if (u.accessKeys.length >= ACCESS_KEYS_PER_USER) throw limit('AccessKeysPerUser', ACCESS_KEYS_PER_USER);
    let id: string;
    do id = 'AKIA' + randomChars(16, BASE32);
    while (a.keys.has(id));
    const key: AwsAccessKey = { id, status: 'Active', createdAt: state.now() };
    u.accessKeys.push(key);
    a.keys.set(id, { user: u, key });
    a.report = undefined;
    // The secret is made here and forgotten: IAM never shows it again.
    const secret = randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 40);
    return wrap('AccessKey', keyXml(u, key) + el('SecretAccessKey', secret));
  },

  // --- login profile
  GetLoginProfile(params, caller, state) {
    const u = userOf(accountOf(state, caller.accountId), params, caller);
    if (!u.password) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
    return wrap('LoginProfile', el('UserName', u.name) + el('CreateDate', u.password.changedAt) + el('PasswordResetRequired', false));
  },

  CreateLoginProfile(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    required(params, 'Password');
    if (u.password) throw new AwsFault(409, 'EntityAlreadyExists', `Login Profile for user ${u.name} already exists.`);
    u.password = { changedAt: state.now() };
    changedUser(a, u);
    const reset = params.get('PasswordResetRequired') === 'true';
    return wrap('LoginProfile', el('UserName', u.name) + el('CreateDate', u.password.changedAt) + el('PasswordResetRequired', reset));
  },

  DeleteLoginProfile(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    if (!u.password) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
    delete u.password;
    changedUser(a, u);
    return undefined;
  },

  // --- MFA devices
  ListMFADevices(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const all = mfaOfUser(a, u);
    const w = pageWindow(params, all.length);
    return members('MFADevices', all.slice(w.start, w.end), (d) => el('UserName', u.name) + el('SerialNumber', d.serial) + el('EnableDate', d.enabledAt)) + paged(w.marker);
  },

  DeactivateMFADevice(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const serial = required(params, 'SerialNumber');
    const u = userOf(a, params, caller);
    const d = a.extras.mfaDevices.get(serial);
    if (!d || d.user !== u.name) throw noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
    delete d.user;
    delete d.enabledAt;
    if (!d.virtual) a.extras.mfaDevices.delete(serial);
    changedUser(a, u);
    return undefined;
  },

  DeleteVirtualMFADevice(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const serial = required(params, 'SerialNumber');
    const d = a.extras.mfaDevices.get(serial);
    if (!d || !d.virtual) throw noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
    if (d.user !== undefined) throw new AwsFault(409, 'DeleteConflict', 'MFA Device is still in use.');
    a.extras.mfaDevices.delete(serial);
    return undefined;
  },

  // --- signing certificates
  ListSigningCertificates(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const all = a.extras.certificates.get(u.name) ?? [];
    const w = pageWindow(params, all.length);
    return (
      members('Certificates', all.slice(w.start, w.end), (c) => el('UserName', u.name) + el('CertificateId', c.id) + el('CertificateBody', c.body) + el('Status', c.status) + el('UploadDate', c.uploadedAt)) +
      paged(w.marker)
    );
  },

  UploadSigningCertificate(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const body = required(params, 'CertificateBody');
    if (!body.includes('-----BEGIN CERTIFICATE-----')) throw new AwsFault(400, 'MalformedCertificate', 'Unable to parse certificate. Please ensure the certificate is in PEM format.');
    const list = listOf(a.extras.certificates, u.name);
    if (list.length >= CERTIFICATES_PER_USER) throw limit('CertificatesPerUser', CERTIFICATES_PER_USER);
    const cert = { id: randomChars(32, UPPER_ALNUM), body, status: 'Active' as const, uploadedAt: state.now() };
    list.push(cert);
    a.report = undefined;
    return wrap('Certificate', el('UserName', u.name) + el('CertificateId', cert.id) + el('CertificateBody', cert.body) + el('Status', cert.status) + el('UploadDate', cert.uploadedAt));
  },

  DeleteSigningCertificate(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const id = required(params, 'CertificateId');
    removeFrom(a.extras.certificates, u.name, id, `The Certificate with id ${id} cannot be found.`);
    a.report = undefined;
    return undefined;
  },

  // --- SSH public keys (CodeCommit)
  ListSSHPublicKeys(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const all = a.extras.sshKeys.get(u.name) ?? [];
    const w = pageWindow(params, all.length);
    return members('SSHPublicKeys', all.slice(w.start, w.end), (k) => el('UserName', u.name) + el('SSHPublicKeyId', k.id) + el('Status', k.status) + el('UploadDate', k.uploadedAt)) + paged(w.marker);
  },

  UploadSSHPublicKey(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = namedUser(a, params);
    const body = required(params, 'SSHPublicKeyBody');
    const m = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+) ([A-Za-z0-9+/=]+)/.exec(body.trim());
    if (!m) throw new AwsFault(400, 'UnrecognizedPublicKeyEncoding', 'The public key encoding format is unsupported or unrecognized.');
    const list = listOf(a.extras.sshKeys, u.name);
    if (list.length >= SSH_KEYS_PER_USER) throw limit('KeyPairsPerUser', SSH_KEYS_PER_USER);
    const fingerprint = (createHash('md5').update(Buffer.from(m[2] as string, 'base64')).digest('hex').match(/../g) ?? []).join(':');
    if (list.some((k) => k.fingerprint === fingerprint)) throw new AwsFault(400, 'DuplicateSSHPublicKey', 'The SSH public key is already associated with the specified IAM user.');
    const key = { id: 'APKA' + randomChars(16, BASE32), body: body.trim(), fingerprint, status: 'Active' as const, uploadedAt: state.now() };
    list.push(key);
    return wrap(
      'SSHPublicKey',
      el('UserName', u.name) + el('SSHPublicKeyId', key.id) + el('Fingerprint', key.fingerprint) + el('SSHPublicKeyBody', key.body) + el('Status', key.status) + el('UploadDate', key.uploadedAt),
    );
  },

  DeleteSSHPublicKey(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = namedUser(a, params);
    const id = required(params, 'SSHPublicKeyId');
    removeFrom(a.extras.sshKeys, u.name, id, `The Public Key with id ${id} cannot be found.`);
    return undefined;
  },

  // --- service-specific credentials (CodeCommit Git, Keyspaces, Bedrock)
  ListServiceSpecificCredentials(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const service = params.get('ServiceName');
    const all = (a.extras.serviceCredentials.get(u.name) ?? []).filter((c) => !service || c.serviceName === service);
    const w = pageWindow(params, all.length);
    return (
      members(
        'ServiceSpecificCredentials',
        all.slice(w.start, w.end),
        (c) => el('UserName', u.name) + el('Status', c.status) + el('ServiceUserName', c.serviceUserName) + el('CreateDate', c.createdAt) + el('ServiceSpecificCredentialId', c.id) + el('ServiceName', c.serviceName),
      ) + paged(w.marker)
    );
  },

  CreateServiceSpecificCredential(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = namedUser(a, params);
    const service = required(params, 'ServiceName');
    if (!SERVICES_WITH_CREDENTIALS.includes(service)) throw new AwsFault(404, 'NotSupportedService', `Service ${service} is not supported for service specific credentials`);
    const list = listOf(a.extras.serviceCredentials, u.name);
    if (list.filter((c) => c.serviceName === service).length >= SERVICE_CREDENTIALS_PER_SERVICE) throw limit('ServiceSpecificCredentialsPerUserPerService', SERVICE_CREDENTIALS_PER_SERVICE);
    const cred = { id: 'ACCA' + randomChars(17, BASE32), serviceName: service, serviceUserName: `${u.name}-at-${a.account.id}`, status: 'Active' as const, createdAt: state.now() };
    list.push(cred);
    return wrap(
      'ServiceSpecificCredential',
      el('CreateDate', cred.createdAt) +
        el('ServiceName', cred.serviceName) +
        el('ServiceUserName', cred.serviceUserName) +
        el('ServicePassword', randomBytes(33).toString('base64')) +
        el('ServiceSpecificCredentialId', cred.id) +
        el('UserName', u.name) +
        el('Status', cred.status),
    );
  },

  DeleteServiceSpecificCredential(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const id = required(params, 'ServiceSpecificCredentialId');
    removeFrom(a.extras.serviceCredentials, u.name, id, `No such credential ${id} exists`);
    return undefined;
  },

  // --- groups and policies of users
  RemoveUserFromGroup(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const group = required(params, 'GroupName');
    const u = namedUser(a, params);
    if (!a.groups.has(group)) throw noSuchEntity(`The group with name ${group} cannot be found.`);
    if (!u.groups.includes(group)) throw noSuchEntity(`User ${u.name} is not in group ${group}.`);
    u.groups = u.groups.filter((g) => g !== group);
    return undefined;
  },

  DetachUserPolicy(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = namedUser(a, params);
    const arn = required(params, 'PolicyArn');
    if (!u.attached.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
    u.attached = u.attached.filter((x) => x !== arn);
    detached(a, arn);
    return undefined;
  },

  DeleteUserPolicy(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = namedUser(a, params);
    const name = required(params, 'PolicyName');
    if (!u.inline.some((p) => p.name === name)) throw noSuchEntity(`The user policy with name ${name} cannot be found.`);
    u.inline = u.inline.filter((p) => p.name !== name);
    return undefined;
  },

  DeleteUser(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = namedUser(a, params);
    const x = a.extras;
    if (u.password) throw conflict('delete login profile');
    if (u.accessKeys.length > 0) throw conflict('delete access keys');
    if ((x.certificates.get(u.name) ?? []).length > 0) throw conflict('delete signing certificates');
    if ((x.sshKeys.get(u.name) ?? []).length > 0) throw conflict('delete SSH public keys');
    if ((x.serviceCredentials.get(u.name) ?? []).length > 0) throw conflict('delete service specific credentials');
    if (mfaOfUser(a, u).length > 0) throw conflict('delete MFA device');
    if (u.groups.length > 0) throw conflict('remove users from group');
    if (u.attached.length > 0) throw conflict('detach all policies');
    if (u.inline.length > 0) throw conflict('delete policies');
    a.account.users = a.account.users.filter((y) => y !== u);
    a.users.delete(u.name);
    for (const m of [x.certificates, x.sshKeys, x.serviceCredentials]) m.delete(u.name);
    a.report = undefined;
    return undefined;
  },

  // --- roles
  GetRolePolicy(params, caller, state) {
    const r = roleOf(accountOf(state, caller.accountId), params);
    const name = required(params, 'PolicyName');
    const p = r.inline.find((x) => x.name === name);
    if (!p) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
    return el('RoleName', r.name) + el('PolicyName', p.name) + el('PolicyDocument', encodePolicy(p.document));
  },

  PutRolePolicy(params, caller, state) {
    const r = modifiable(roleOf(accountOf(state, caller.accountId), params));
    const name = policyName(params);
    const document = policyDocument(params);
    const others = r.inline.filter((p) => p.name !== name);
    const size = others.reduce((n, p) => n + policySize(p.document), policySize(document));
    if (size > ROLE_INLINE_POLICY_BYTES) throw new AwsFault(409, 'LimitExceeded', `Maximum policy size of ${ROLE_INLINE_POLICY_BYTES} bytes exceeded for role ${r.name}`);
    const at = r.inline.findIndex((p) => p.name === name);
    if (at >= 0) r.inline = r.inline.map((p, i) => (i === at ? { name, document } : p));
    else r.inline = [...r.inline, { name, document }];
    return undefined;
  },

  DeleteRolePolicy(params, caller, state) {
    const r = modifiable(roleOf(accountOf(state, caller.accountId), params));
    const name = required(params, 'PolicyName');
    if (!r.inline.some((p) => p.name === name)) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
    r.inline = r.inline.filter((p) => p.name !== name);
    return undefined;
  },

  DetachRolePolicy(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const r = modifiable(roleOf(a, params));
    const arn = required(params, 'PolicyArn');
    if (!r.attached.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
    r.attached = r.attached.filter((x) => x !== arn);
    detached(a, arn);
    return undefined;
  },

  ListInstanceProfilesForRole(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const r = roleOf(a, params);
    const all = profilesOfRole(a, r);
    const w = pageWindow(params, all.length);
    return members('InstanceProfiles', all.slice(w.start, w.end), (p) => profileXml(a, p)) + paged(w.marker);
  },

  CreateInstanceProfile(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const name = required(params, 'InstanceProfileName');
    if (!/^[\w+=,.@-]{1,128}$/.test(name)) throw validationError('instanceProfileName', name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
    if (a.extras.instanceProfiles.has(name)) throw new AwsFault(409, 'EntityAlreadyExists', `Instance Profile ${name} already exists.`);
    const path = params.get('Path') ?? '/';
    const p: InstanceProfile = { name, id: 'AIPA' + randomChars(17, BASE32), path, arn: `arn:aws:iam::${a.account.id}:instance-profile${path}${name}`, createdAt: state.now(), roles: [] };
    a.extras.instanceProfiles.set(name, p);
    return wrap('InstanceProfile', profileXml(a, p));
  },

  AddRoleToInstanceProfile(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const name = required(params, 'InstanceProfileName');
    const r = roleOf(a, params);
    const p = a.extras.instanceProfiles.get(name);
    if (!p) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
    if (p.roles.length >= 1) throw limit('InstanceSessionsPerInstanceProfile', 1);
    p.roles.push(r.name);
    return undefined;
  },

  RemoveRoleFromInstanceProfile(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const name = required(params, 'InstanceProfileName');
    const r = modifiable(roleOf(a, params));
    const p = a.extras.instanceProfiles.get(name);
    if (!p) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
    if (!p.roles.includes(r.name)) throw noSuchEntity(`The role with name ${r.name} cannot be found in instance profile ${name}.`);
    p.roles = p.roles.filter((n) => n !== r.name);
    return undefined;
  },

  DeleteRole(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const r = modifiable(roleOf(a, params));
    if (r.attached.length > 0) throw conflict('detach all policies');
    if (r.inline.length > 0) throw conflict('delete policies');
    if (profilesOfRole(a, r).length > 0) throw conflict('remove roles from instance profile');
    a.account.roles = a.account.roles.filter((x) => x !== r);
    a.roles.delete(r.name);
    return undefined;
  },
};
