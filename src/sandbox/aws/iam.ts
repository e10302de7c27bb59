/** IAM actions of the emulator. Each handler returns the XML inside `<{Op}Result>` (or undefined for none). */
import type { AwsAccessKey, AwsGroup, AwsLocalPolicy, AwsRole, AwsTag, AwsUser, InlinePolicy } from '../estate.ts';
import { credentialReportCsv } from './credential-report.ts';
import { awsManagedPolicyByArn } from './policies.ts';
import type { AwsManagedPolicy } from './policies.ts';
import { AwsFault, accountOf, invalidInput, memberList, noSuchEntity, pageWindow, required, roleOf, userOf } from './state.ts';
import type { AccountIndex, Caller, EmulatorState } from './state.ts';
import { el, encodePolicy, esc, members, wrap } from './xml.ts';
import { IAM_WRITE_HANDLERS, briefRoleXml, instanceProfilesXml, keyXml } from './writes.ts';

export type IamHandler = (params: URLSearchParams, caller: Caller, state: EmulatorState) => string | undefined;

const policyNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

const tagsXml = (tags: readonly AwsTag[]): string => members('Tags', tags, (t) => el('Key', t.key) + el('Value', t.value));
const attachedXml = (name: string, arns: readonly string[]): string => members(name, arns, (a) => el('PolicyName', policyNameOf(a)) + el('PolicyArn', a));
const inlineXml = (name: string, policies: readonly InlinePolicy[]): string =>
  members(name, policies, (p) => el('PolicyName', p.name) + el('PolicyDocument', encodePolicy(p.document)));
const paged = (truncatedMarker: string | undefined): string => el('IsTruncated', truncatedMarker !== undefined) + el('Marker', truncatedMarker);

function userXml(u: AwsUser): string {
  return el('Path', u.path) + el('UserName', u.name) + el('UserId', u.id) + el('Arn', u.arn) + el('CreateDate', u.createdAt) + el('PasswordLastUsed', u.password?.lastUsedAt);
}

function roleXml(r: AwsRole): string {
  return (
    briefRoleXml(r) +
    el('Description', r.description) +
    el('MaxSessionDuration', r.maxSessionDuration)
  );
}

function roleLastUsedXml(r: AwsRole): string {
  return wrap('RoleLastUsed', r.lastUsed ? el('LastUsedDate', r.lastUsed.at) + el('Region', r.lastUsed.region) : '');
}

type AnyPolicy = { kind: 'aws'; policy: AwsManagedPolicy } | { kind: 'local'; policy: AwsLocalPolicy };

function policyOf(a: AccountIndex, arn: string): AnyPolicy {
  const aws = awsManagedPolicyByArn(arn);
  if (aws) return { kind: 'aws', policy: aws };
  const local = a.localPolicies.get(arn);
  if (local) return { kind: 'local', policy: local };
  if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
  throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
}

function policyXml(a: AccountIndex, p: AnyPolicy): string {
  const x = p.policy;
  return (
    el('PolicyName', x.name) +
    el('PolicyId', x.id) +
    el('Arn', x.arn) +
    el('Path', x.path) +
    el('DefaultVersionId', x.defaultVersionId) +
    el('AttachmentCount', a.attachments.get(x.arn) ?? 0) +
    el('PermissionsBoundaryUsageCount', 0) +
    el('IsAttachable', true) +
    el('Description', x.description) +
    el('CreateDate', x.createdAt) +
    el('UpdateDate', x.updatedAt)
  );
}

function versionsOf(p: AnyPolicy): { id: string; document: AwsManagedPolicy['document']; createdAt: string; isDefault: boolean }[] {
  if (p.kind === 'aws') return [{ id: p.policy.defaultVersionId, document: p.policy.document, createdAt: p.policy.updatedAt, isDefault: true }];
  return p.policy.versions.map((v) => ({ ...v, isDefault: v.id === p.policy.defaultVersionId }));
}

// ------------------------------------------------------------------- GetAccountAuthorizationDetails

const ENTITY_FILTERS = ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
type EntityFilter = (typeof ENTITY_FILTERS)[number];

function gaad(params: URLSearchParams, caller: Caller, state: EmulatorState): string {
  const a = accountOf(state, caller.accountId);
  const requested = memberList(params, 'Filter');
  for (const f of requested) if (!(ENTITY_FILTERS as readonly string[]).includes(f)) throw new AwsFault(400, 'ValidationError', `Invalid filter value: ${f}`);
  const filters = new Set<EntityFilter>(requested.length > 0 ? (requested as EntityFilter[]) : ENTITY_FILTERS);
  const awsPolicies = filters.has('AWSManagedPolicy')
    ? [...a.attachments.keys()].map((arn) => awsManagedPolicyByArn(arn)).filter((p): p is AwsManagedPolicy => p !== undefined)
    : [];
  const segments: { users: AwsUser[]; groups: AwsGroup[]; roles: AwsRole[]; policies: AnyPolicy[] } = {
    users: filters.has('User') ? a.account.users : [],
    groups: filters.has('Group') ? a.account.groups : [],
    roles: filters.has('Role') ? a.account.roles : [],
    policies: [
      ...(filters.has('LocalManagedPolicy') ? a.account.policies.map((p): AnyPolicy => ({ kind: 'local', policy: p })) : []),
      ...awsPolicies.map((p): AnyPolicy => ({ kind: 'aws', policy: p })),
    ],
  };
  const total = segments.users.length + segments.groups.length + segments.roles.length + segments.policies.length;
  const w = pageWindow(params, total);
  // Slice the virtual concatenation users ++ groups ++ roles ++ policies.
  let offset = 0;
  const slice = <T>(items: T[]): T[] => {
    const from = Math.max(0, w.start - offset);
    const to = Math.max(0, Math.min(items.length, w.end - offset));
    offset += items.length;
    return from < to ? items.slice(from, to) : [];
  };
  const users = slice(segments.users);
  const groups = slice(segments.groups);
  const roles = slice(segments.roles);
  const policies = slice(segments.policies);
  return (
    members(
      'UserDetailList',
      users,
      (u) =>
        el('Path', u.path) +
        el('UserName', u.name) +
        el('UserId', u.id) +
        el('Arn', u.arn) +
        el('CreateDate', u.createdAt) +
        inlineXml('UserPolicyList', u.inline) +
        members('GroupList', u.groups, esc) +
        attachedXml('AttachedManagedPolicies', u.attached) +
        tagsXml(u.tags),
    ) +
    members(
      'GroupDetailList',
      groups,
      (g) =>
        el('Path', g.path) +
        el('GroupName', g.name) +
        el('GroupId', g.id) +
        el('Arn', g.arn) +
        el('CreateDate', g.createdAt) +
        inlineXml('GroupPolicyList', g.inline) +
        attachedXml('AttachedManagedPolicies', g.attached),
    ) +
    members(
      'RoleDetailList',
      roles,
      (r) =>
        el('Path', r.path) +
        el('RoleName', r.name) +
        el('RoleId', r.id) +
        el('Arn', r.arn) +
        el('CreateDate', r.createdAt) +
        el('AssumeRolePolicyDocument', encodePolicy(r.trust)) +
        instanceProfilesXml('InstanceProfileList', a, r) +
        inlineXml('RolePolicyList', r.inline) +
        attachedXml('AttachedManagedPolicies', r.attached) +
        tagsXml(r.tags) +
        roleLastUsedXml(r),
    ) +
    members(
      'Policies',
      policies,
      (p) =>
        policyXml(a, p) +
        members('PolicyVersionList', versionsOf(p), (v) => el('Document', encodePolicy(v.document)) + el('VersionId', v.id) + el('IsDefaultVersion', v.isDefault) + el('CreateDate', v.createdAt)),
    ) +
    paged(w.marker)
  );
}

// ------------------------------------------------------------------------- credential report

function generateCredentialReport(_params: URLSearchParams, caller: Caller, state: EmulatorState): string {
  const a = accountOf(state, caller.accountId);
  const now = Date.now();
  if (!a.report) {
    a.report = { startedAt: now, generatedAt: state.estate.now };
    return el('State', 'STARTED') + el('Description', 'No report exists. Starting a new report generation task');
  }
  if (a.report.csv === undefined && now - a.report.startedAt < state.reportDelayMs) return el('State', 'INPROGRESS');
  a.report.csv ??= credentialReportCsv(a.account);
  return el('State', 'COMPLETE');
}

function getCredentialReport(_params: URLSearchParams, caller: Caller, state: EmulatorState): string {
  const a = accountOf(state, caller.accountId);
  if (!a.report) throw new AwsFault(410, 'ReportNotPresent', 'Credential report does not exist. Use GenerateCredentialReport to generate a report.');
  if (a.report.csv === undefined) {
    if (Date.now() - a.report.startedAt < state.reportDelayMs) throw new AwsFault(404, 'ReportInProgress', 'Credential report is being generated.');
    a.report.csv = credentialReportCsv(a.account);
  }
  return el('Content', Buffer.from(a.report.csv, 'utf8').toString('base64')) + el('ReportFormat', 'text/csv') + el('GeneratedTime', a.report.generatedAt);
}

// ------------------------------------------------------------------------------ the handlers


function findKey(a: AccountIndex, params: URLSearchParams): { user: AwsUser; key: AwsAccessKey } {
  const id = required(params, 'AccessKeyId');
  const hit = a.keys.get(id);
  if (!hit) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  const userName = params.get('UserName');
  if (userName && hit.user.name !== userName) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  return hit;
}

export const IAM_HANDLERS: Record<string, IamHandler> = {
  ...IAM_WRITE_HANDLERS,
  GetAccountAuthorizationDetails: gaad,
  GenerateCredentialReport: generateCredentialReport,
  GetCredentialReport: getCredentialReport,

  ListUsers(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const prefix = params.get('PathPrefix') ?? '/';
    const all = prefix === '/' ? a.account.users : a.account.users.filter((u) => u.path.startsWith(prefix));
    const w = pageWindow(params, all.length);
    return members('Users', all.slice(w.start, w.end), userXml) + paged(w.marker);
  },

  GetUser(params, caller, state) {
    return wrap('User', userXml(userOf(accountOf(state, caller.accountId), params, caller)));
  },

  ListRoles(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const prefix = params.get('PathPrefix') ?? '/';
    const all = prefix === '/' ? a.account.roles : a.account.roles.filter((r) => r.path.startsWith(prefix));
    const w = pageWindow(params, all.length);
    return members('Roles', all.slice(w.start, w.end), roleXml) + paged(w.marker);
  },

  GetRole(params, caller, state) {
    const r = roleOf(accountOf(state, caller.accountId), params);
    return wrap('Role', roleXml(r) + tagsXml(r.tags) + roleLastUsedXml(r));
  },

  ListAccessKeys(params, caller, state) {
    const u = userOf(accountOf(state, caller.accountId), params, caller);
    const w = pageWindow(params, u.accessKeys.length);
    return members('AccessKeyMetadata', u.accessKeys.slice(w.start, w.end), (k) => keyXml(u, k)) + paged(w.marker);
  },

  GetAccessKeyLastUsed(params, caller, state) {
    const { user, key } = findKey(accountOf(state, caller.accountId), params);
    const used = key.lastUsed;
    return (
      el('UserName', user.name) +
      wrap('AccessKeyLastUsed', used ? el('LastUsedDate', used.at) + el('ServiceName', used.service) + el('Region', used.region) : el('ServiceName', 'N/A') + el('Region', 'N/A'))
    );
  },

  UpdateAccessKey(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const { key } = findKey(a, params);
    const status = required(params, 'Status');
    if (status !== 'Active' && status !== 'Inactive') throw new AwsFault(400, 'ValidationError', `Value '${status}' at 'status' failed to satisfy constraint`);
    key.status = status;
    a.report = undefined;
    return undefined;
  },

  DeleteAccessKey(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const { user, key } = findKey(a, params);
    user.accessKeys = user.accessKeys.filter((k) => k !== key);
    a.keys.delete(key.id);
    a.report = undefined;
    return undefined;
  },

  GetPolicy(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    return wrap('Policy', policyXml(a, policyOf(a, required(params, 'PolicyArn'))));
  },

  GetPolicyVersion(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const p = policyOf(a, required(params, 'PolicyArn'));
    const versionId = required(params, 'VersionId');
    const v = versionsOf(p).find((x) => x.id === versionId);
    if (!v) throw noSuchEntity(`Policy ${p.policy.arn} version ${versionId} does not exist or is not attachable.`);
    return wrap('PolicyVersion', el('Document', encodePolicy(v.document)) + el('VersionId', v.id) + el('IsDefaultVersion', v.isDefault) + el('CreateDate', v.createdAt));
  },

  ListUserTags(params, caller, state) {
    const u = userOf(accountOf(state, caller.accountId), params, caller);
    const w = pageWindow(params, u.tags.length);
    return tagsXml(u.tags.slice(w.start, w.end)) + paged(w.marker);
  },

  ListAttachedUserPolicies(params, caller, state) {
    const u = userOf(accountOf(state, caller.accountId), params, caller);
    const w = pageWindow(params, u.attached.length);
    return attachedXml('AttachedPolicies', u.attached.slice(w.start, w.end)) + paged(w.marker);
  },

  ListUserPolicies(params, caller, state) {
    const u = userOf(accountOf(state, caller.accountId), params, caller);
    const w = pageWindow(params, u.inline.length);
    return members('PolicyNames', u.inline.slice(w.start, w.end), (p) => esc(p.name)) + paged(w.marker);
  },

  GetUserPolicy(params, caller, state) {
    const u = userOf(accountOf(state, caller.accountId), params, caller);
    const name = required(params, 'PolicyName');
    const p = u.inline.find((x) => x.name === name);
    if (!p) throw noSuchEntity(`The user policy with name ${name} cannot be found.`);
    return el('UserName', u.name) + el('PolicyName', p.name) + el('PolicyDocument', encodePolicy(p.document));
  },

  ListGroupsForUser(params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const u = userOf(a, params, caller);
    const groups = u.groups.map((g) => a.groups.get(g)).filter((g): g is AwsGroup => g !== undefined);
    const w = pageWindow(params, groups.length);
    return (
      members('Groups', groups.slice(w.start, w.end), (g) => el('Path', g.path) + el('GroupName', g.name) + el('GroupId', g.id) + el('Arn', g.arn) + el('CreateDate', g.createdAt)) +
      paged(w.marker)
    );
  },

  ListAttachedRolePolicies(params, caller, state) {
    const r = roleOf(accountOf(state, caller.accountId), params);
    const w = pageWindow(params, r.attached.length);
    return attachedXml('AttachedPolicies', r.attached.slice(w.start, w.end)) + paged(w.marker);
  },

  ListRolePolicies(params, caller, state) {
    const r = roleOf(accountOf(state, caller.accountId), params);
    const w = pageWindow(params, r.inline.length);
    return members('PolicyNames', r.inline.slice(w.start, w.end), (p) => esc(p.name)) + paged(w.marker);
  },

  ListRoleTags(params, caller, state) {
    const r = roleOf(accountOf(state, caller.accountId), params);
    const w = pageWindow(params, r.tags.length);
    return tagsXml(r.tags.slice(w.start, w.end)) + paged(w.marker);
  },

  GetAccountSummary(_params, caller, state) {
    const a = accountOf(state, caller.accountId);
    const entries: [string, number][] = [
      ['Users', a.account.users.length],
      ['Roles', a.account.roles.length],
      ['Groups', a.account.groups.length],
      ['Policies', a.account.policies.length],
      ['AccountMFAEnabled', a.account.root.mfa ? 1 : 0],
      ['AccountAccessKeysPresent', a.account.root.accessKeys.length > 0 ? 1 : 0],
    ];
    return wrap('SummaryMap', entries.map(([k, v]) => `<entry>${el('key', k)}${el('value', v)}</entry>`).join(''));
  },
};
