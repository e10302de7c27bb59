/** The emulator's view of the estate: per-account indexes, sessions, errors and paging. */
import type { AwsAccessKey, AwsAccount, AwsGroup, AwsLocalPolicy, AwsRole, AwsUser, Estate } from '../estate.ts';
import { BASE32, createRng, isoSeconds } from '../random.ts';

/** An error the emulator answers with (query-protocol ErrorResponse). */
export class AwsFault extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: 'Sender' | 'Receiver';
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.type = status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const noSuchEntity = (message: string): AwsFault => new AwsFault(404, 'NoSuchEntity', message);
export const invalidInput = (message: string): AwsFault => new AwsFault(400, 'InvalidInput', message);
export const accessDenied = (message: string): AwsFault => new AwsFault(403, 'AccessDenied', message);

export interface AccountIndex {
  account: AwsAccount;
  users: Map<string, AwsUser>;
  keys: Map<string, { user: AwsUser; key: AwsAccessKey }>;
  roles: Map<string, AwsRole>;
  groups: Map<string, AwsGroup>;
  localPolicies: Map<string, AwsLocalPolicy>;
  /** How many users, groups and roles attach each policy ARN. */
  attachments: Map<string, number>;
  /** Credential report: when generation started; the CSV once complete. */
  report?: { startedAt: number; csv?: string; generatedAt: string };
  /** IAM objects the estate does not model, kept by the emulator only (changed by its write actions). */
  extras: IamExtras;
}

export type CredentialStatus = 'Active' | 'Inactive';

/** An MFA device: virtual ones (serial = ARN) outlive their deactivation until DeleteVirtualMFADevice. */
export interface MfaDevice {
  serial: string;
  virtual: boolean;
  /** The user it is enabled for; absent once deactivated. */
  user?: string;
  enabledAt?: string;
}

export interface SshPublicKey {
  id: string;
  body: string;
  fingerprint: string;
  status: CredentialStatus;
  uploadedAt: string;
}

export interface SigningCertificate {
  id: string;
  body: string;
  status: CredentialStatus;
  uploadedAt: string;
}

export interface ServiceSpecificCredential {
  id: string;
  serviceName: string;
  serviceUserName: string;
  status: CredentialStatus;
  createdAt: string;
}

export interface InstanceProfile {
  name: string;
  /** `AIPA...` */
  id: string;
  path: string;
  arn: string;
  createdAt: string;
  /** Role names (IAM allows one). */
  roles: string[];
}

export interface IamExtras {
  /** By serial number. */
  mfaDevices: Map<string, MfaDevice>;
  /** By user name. */
  sshKeys: Map<string, SshPublicKey[]>;
  certificates: Map<string, SigningCertificate[]>;
  serviceCredentials: Map<string, ServiceSpecificCredential[]>;
  /** By instance profile name. */
  instanceProfiles: Map<string, InstanceProfile>;
}

/** A stable IAM-style id (`AIPA` + 17 characters) derived from a seed text. */
export function stableId(prefix: string, seed: string): string {
  return prefix + createRng(seed).chars(17, BASE32);
}

const trustsService = (r: AwsRole, service: string): boolean => JSON.stringify(r.trust).includes(`"${service}"`);

/** The extras implied by the estate: a virtual MFA device per user with MFA, an instance profile per EC2 role. */
function initialExtras(account: AwsAccount): IamExtras {
  const mfaDevices = new Map<string, MfaDevice>();
  for (const u of account.users) {
    if (!u.mfa) continue;
    const serial = `arn:aws:iam::${account.id}:mfa/${u.name}`;
    mfaDevices.set(serial, { serial, virtual: true, user: u.name, enabledAt: u.createdAt });
  }
  const instanceProfiles = new Map<string, InstanceProfile>();
  for (const r of account.roles) {
    if (r.kind !== 'workload' || !trustsService(r, 'ec2.amazonaws.com')) continue;
    const arn = `arn:aws:iam::${account.id}:instance-profile/${r.name}`;
    instanceProfiles.set(r.name, { name: r.name, id: stableId('AIPA', arn), path: '/', arn, createdAt: r.createdAt, roles: [r.name] });
  }
  return { mfaDevices, sshKeys: new Map(), certificates: new Map(), serviceCredentials: new Map(), instanceProfiles };
}

export function indexAccount(account: AwsAccount): AccountIndex {
  const users = new Map<string, AwsUser>();
  const keys = new Map<string, { user: AwsUser; key: AwsAccessKey }>();
  const attachments = new Map<string, number>();
  const count = (arns: readonly string[]): void => {
    for (const arn of arns) attachments.set(arn, (attachments.get(arn) ?? 0) + 1);
  };
  for (const u of account.users) {
    users.set(u.name, u);
    for (const k of u.accessKeys) keys.set(k.id, { user: u, key: k });
    count(u.attached);
  }
  for (const g of account.groups) count(g.attached);
  for (const r of account.roles) count(r.attached);
  return {
    account,
    users,
    keys,
    roles: new Map(account.roles.map((r) => [r.name, r])),
    groups: new Map(account.groups.map((g) => [g.name, g])),
    localPolicies: new Map(account.policies.map((p) => [p.arn, p])),
    attachments,
    extras: initialExtras(account),
  };
}

export interface Caller {
  accountId: string;
  arn: string;
  userId: string;
  /** The IAM user behind base credentials; undefined for role sessions. */
  userName?: string;
}

export interface Session {
  accountId: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  expiresAt: number;
}

export interface EmulatorState {
  estate: Estate;
  accounts: Map<string, AccountIndex>;
  /** Temporary credentials handed out by AssumeRole, by access key id. */
  sessions: Map<string, Session>;
  /** How long a credential report takes to generate. */
  reportDelayMs: number;
  /** The estate's clock: its `now` plus the wall-clock time since the emulator started (ISO, seconds). */
  now(): string;
}

export function createState(estate: Estate, reportDelayMs: number): EmulatorState {
  const accounts = new Map<string, AccountIndex>();
  for (const a of estate.aws.accounts) accounts.set(a.id, indexAccount(a));
  const startedAt = Date.now();
  const base = Date.parse(estate.now);
  return { estate, accounts, sessions: new Map(), reportDelayMs, now: () => isoSeconds(base + (Date.now() - startedAt)) };
}

export function accountOf(state: EmulatorState, accountId: string): AccountIndex {
  const a = state.accounts.get(accountId);
  if (!a) throw accessDenied(`account ${accountId} is not part of this sandbox`);
  return a;
}

// ------------------------------------------------------------------------------------- paging

const MARKER_PREFIX = 'sbx1:';

export function encodeMarker(offset: number): string {
  return Buffer.from(MARKER_PREFIX + String(offset)).toString('base64url');
}

function decodeMarker(marker: string): number {
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  const n = text.startsWith(MARKER_PREFIX) ? Number(text.slice(MARKER_PREFIX.length)) : NaN;
  if (!Number.isInteger(n) || n < 0) throw invalidInput('Invalid Marker.');
  return n;
}

export interface PageWindow {
  start: number;
  end: number;
  /** Present only when more items follow (the SDK's paginators stop when it is absent). */
  marker?: string;
}

/** Reads Marker/MaxItems (default 100, at most 1000) and returns the window over `total` items. */
export function pageWindow(params: URLSearchParams, total: number): PageWindow {
  const rawMax = params.get('MaxItems');
  const max = rawMax === null ? 100 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new AwsFault(400, 'ValidationError', `1 validation error detected: Value '${rawMax ?? ''}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`);
  }
  const marker = params.get('Marker');
  const start = marker ? decodeMarker(marker) : 0;
  const end = Math.min(total, start + max);
  return end < total ? { start, end, marker: encodeMarker(end) } : { start, end };
}

export function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null || v === '') {
    throw new AwsFault(400, 'ValidationError', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

/** `Name.member.1`, `Name.member.2`, ... */
export function memberList(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    const v = params.get(`${name}.member.${i}`);
    if (v === null) return out;
    out.push(v);
  }
}

/** The user named by `UserName`, or the caller's own user when absent (as IAM does). */
export function userOf(a: AccountIndex, params: URLSearchParams, caller: Caller): AwsUser {
  const name = params.get('UserName') ?? caller.userName;
  if (!name) throw new AwsFault(400, 'ValidationError', 'Must specify userName when calling with non-User credentials');
  const u = a.users.get(name);
  if (!u) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return u;
}

export function roleOf(a: AccountIndex, params: URLSearchParams): AwsRole {
  const name = required(params, 'RoleName');
  const r = a.roles.get(name);
  if (!r) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return r;
}
