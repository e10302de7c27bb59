/**
 * One AWS account, one source (`aws:<accountId>`): who we are (STS), the authorization details
 * and the credential report in bulk, then per-object calls only where those lack data
 * (ListAccessKeys for machine users that have keys, GetAccessKeyLastUsed for keys the report
 * cannot tell apart, GetPolicy/GetPolicyVersion once per AWS-managed policy).
 */
import { allOrAbort, linkedAbort } from '../../util/abort.ts';
import { faultReason } from '../../providers/faults.ts';
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { AccessKeyMetadata, GroupDetail, IAMClient, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsAccountConfig, AwsConfig, OwnersConfig } from '../../config/schema.ts';
import type { Grant, InventoryRecord, SourceOutcome } from '../../model/index.ts';
import { awsIdentityId } from '../../model/index.ts';
import { createAwsClients, describeAwsError } from '../../providers/aws/client.ts';
import type { AwsClientSettings, AwsCredentialProvider } from '../../providers/aws/client.ts';
import { createLimit } from '../../util/limit.ts';
import type { CollectorContext, ProgressDelta } from '../context.ts';
import { fetchAuthorizationDetails } from './authorization-details.ts';
import type { AuthorizationDetails } from './authorization-details.ts';
import { AbortedError, createRunner, pageAll } from './calls.ts';
import type { CallRunner, Limit } from './calls.ts';
import { fetchCredentialReport, parseCredentialReport } from './credential-report.ts';
import type { CredentialReportRow, ReportPolling } from './credential-report.ts';
import { matchKeySlots } from './keys.ts';
import { classifyUser } from './machine.ts';
import type { CompiledMachineRules } from './machine.ts';
import { fetchManagedPolicyDocument, isAwsManagedPolicy } from './managed-policies.ts';
import type { ManagedPolicyCache } from './managed-policies.ts';
import { effectiveGrants } from './effective.ts';
import type { PrincipalPolicies } from './effective.ts';
import { analyzePolicy, decodePolicyDocument, privilegeByName } from './policy.ts';
import type { PolicyAnalysis } from './policy.ts';
import { SERVICE_LINKED_PATH, SSO_RESERVED_PATH, buildCredential, buildGrant, buildIdentity, keyActivity, latest, roleReason, tagsToLabels, toIso } from './records.ts';
import type { KeyInput } from './records.ts';

export interface AccountJob {
  account: AwsAccountConfig;
  aws: AwsConfig;
  owners: OwnersConfig;
  settings: AwsClientSettings;
  base: AwsCredentialProvider;
  rules: CompiledMachineRules;
  managedPolicies: ManagedPolicyCache;
  /** Collector-wide limits every call also runs under (inside the account's own limit). */
  limits: readonly Limit[];
  polling: ReportPolling;
  ctx: CollectorContext;
}

class SourceError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const accountOfRoleArn = (arn: string | undefined): string | undefined => (arn ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1] : undefined);

function failureReason(err: unknown, timeoutMs?: number): string {
  if (err instanceof AbortedError) return 'interrupted';
  if (err instanceof SourceError) return `${err.code}: ${err.message}`;
  const facts = describeAwsError(err);
  const { code, message, status } = facts;
  return faultReason(err, facts, `${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`, timeoutMs !== undefined ? { timeoutMs } : {});
}

const isNoSuchEntity = (err: unknown): boolean => /^(NoSuchEntity|NoSuchEntityException)$/.test(describeAwsError(err).code);

export async function collectAccount(job: AccountJob): Promise<SourceOutcome> {
  const { ctx, account: cfg } = job;
  const expected = cfg.id ?? accountOfRoleArn(cfg.roleArn);
  let source = `aws:${expected ?? 'default'}`;
  let started = false;
  const start = (): void => {
    if (!started) ctx.progress.start(source);
    started = true;
  };
  if (expected) start();

  // Aborted when the scan is interrupted or when this account hits a fatal error (queued calls stop).
  const { controller: abort, dispose } = linkedAbort(ctx.signal);

  const report = (delta: ProgressDelta): void => {
    if (started) ctx.progress.update(source, delta);
  };
  const accountLimit = createLimit(Math.max(1, job.aws.concurrency));
  const { run } = createRunner([accountLimit, ...job.limits], report, abort.signal);
  const clients = createAwsClients(job.settings, {
    base: job.base,
    ...(cfg.roleArn !== undefined ? { assumeRole: { roleArn: cfg.roleArn, sessionName: 'sprawl-scan', ...(cfg.externalId !== undefined ? { externalId: cfg.externalId } : {}) } } : {}),
  });

  let outcome: SourceOutcome;
  try {
    const who = await run((abortSignal) => clients.sts.send(new GetCallerIdentityCommand({}), { abortSignal }));
    const accountId = who.Account;
    if (!accountId) throw new SourceError('InvalidResponse', 'GetCallerIdentity returned no account');
    if (expected !== undefined && cfg.id !== undefined && accountId !== cfg.id) {
      throw new SourceError('WrongAccount', `the credentials resolve to account ${accountId}, not the configured ${cfg.id}`);
    }
    if (!started) {
      source = `aws:${accountId}`;
      start();
    }
    const records = await gather(job, clients.iam, run, accountId, abort);
    for (const r of records) ctx.emit(r);
    report({ items: records.length });
    outcome = { source, status: 'ok', items: records.length };
  } catch (err) {
    abort.abort();
    start();
    outcome = { source, status: 'failed', items: 0, error: failureReason(ctx.signal?.aborted ? new AbortedError() : err, job.settings.requestTimeoutMs) };
    ctx.log.warn('aws account failed', { source, error: outcome.error });
  } finally {
    dispose();
    clients.destroy();
  }
  ctx.progress.finish(source, outcome);
  return outcome;
}


interface MachineUser {
  detail: UserDetail;
  name: string;
  labels: Record<string, string>;
  row: CredentialReportRow | undefined;
  reason: string;
}

async function gather(job: AccountJob, iam: IAMClient, run: CallRunner, accountId: string, abort: AbortController): Promise<InventoryRecord[]> {
  const { aws, ctx } = job;
  const [details, csv] = await allOrAbort<AuthorizationDetails | string>(
    [fetchAuthorizationDetails(iam, run, { pageSize: aws.pageSize, includeRoles: aws.includeRoles }), fetchCredentialReport(iam, run, job.polling, abort.signal)],
    abort,
  ).then(([d, c]) => [d as AuthorizationDetails, c as string] as const);

  const rows = new Map<string, CredentialReportRow>();
  for (const r of parseCredentialReport(csv)) if (r.user !== '<root_account>') rows.set(r.user, r);

  const machines: MachineUser[] = [];
  let humans = 0;
  for (const u of details.users) {
    if (!u.UserName) continue;
    const labels = tagsToLabels(u.Tags);
    const row = rows.get(u.UserName);
    const cls = classifyUser({ name: u.UserName, tags: labels }, row?.passwordEnabled, job.rules);
    if (cls.machine) machines.push({ detail: u, name: u.UserName, labels, row, reason: cls.reason });
    else humans++;
  }
  const roles = details.roles.filter((r) => !(r.Path ?? '').startsWith(SSO_RESERVED_PATH));
  ctx.log.debug('aws account inventory', { account: accountId, users: details.users.length, machineUsers: machines.length, humans, roles: roles.length });

  // Access keys: only for machine users the report shows with keys (or that it does not list).
  const keyLists = await allOrAbort(
    machines.map(async (m) => (m.row && m.row.keys.length === 0 ? [] : listAccessKeys(iam, run, m.name, aws.pageSize))),
    abort,
  );
  const keysByUser = new Map<string, KeyInput[]>();
  const lastUsedLookups: Promise<void>[] = [];
  machines.forEach((m, i) => {
    const listed = keyLists[i] ?? [];
    const keys: KeyInput[] = listed.filter((k) => k.AccessKeyId).map((k) => ({ id: k.AccessKeyId as string, active: k.Status === 'Active', ...(k.CreateDate ? { createdAt: k.CreateDate.toISOString() } : {}) }));
    const { matched, unmatched } = matchKeySlots(keys, m.row?.keys ?? []);
    for (const k of keys) {
      const slot = matched.get(k.id);
      if (slot) {
        if (slot.lastUsedAt !== undefined) k.lastUsedAt = slot.lastUsedAt;
        if (slot.lastUsedService !== undefined) k.lastUsedService = slot.lastUsedService;
        if (slot.lastUsedRegion !== undefined) k.lastUsedRegion = slot.lastUsedRegion;
      } else if (unmatched.includes(k.id)) {
        lastUsedLookups.push(lookupLastUsed(iam, run, k));
      }
    }
    keysByUser.set(m.name, keys);
  });
  await allOrAbort(lastUsedLookups, abort);

  // Policy documents: local ones came with the details; AWS-managed ones once per ARN.
  const managedArns = new Set<string>();
  const noteArns = (list: readonly { PolicyArn?: string | undefined }[] | undefined): void => {
    for (const p of list ?? []) if (p.PolicyArn && isAwsManagedPolicy(p.PolicyArn)) managedArns.add(p.PolicyArn);
  };
  const boundaryOf = (b: { PermissionsBoundaryArn?: string | undefined } | undefined): { PolicyArn?: string }[] =>
    b?.PermissionsBoundaryArn ? [{ PolicyArn: b.PermissionsBoundaryArn }] : [];
  for (const m of machines) {
    noteArns(m.detail.AttachedManagedPolicies);
    noteArns(boundaryOf(m.detail.PermissionsBoundary));
    for (const g of m.detail.GroupList ?? []) noteArns(details.groups.get(g)?.AttachedManagedPolicies);
  }
  for (const r of roles) {
    noteArns(r.AttachedManagedPolicies);
    noteArns(boundaryOf(r.PermissionsBoundary));
  }
  const managedDocs = new Map<string, string | undefined>();
  await allOrAbort(
    [...managedArns].map(async (arn) => {
      try {
        managedDocs.set(arn, await fetchManagedPolicyDocument(job.managedPolicies, iam, run, arn));
      } catch (err) {
        if (!isNoSuchEntity(err)) throw err;
        ctx.log.warn('aws managed policy not found', { arn });
        managedDocs.set(arn, undefined);
      }
    }),
    abort,
  );

  const analyses = new Map<string, PolicyAnalysis>();
  const analyze = (key: string, encoded: string | undefined, arn?: string): PolicyAnalysis => {
    let a = analyses.get(key);
    if (a) return a;
    if (encoded === undefined) a = { permissions: [], privilege: privilegeByName(arn ?? key) };
    else {
      try {
        a = analyzePolicy(decodePolicyDocument(encoded), arn !== undefined ? { arn } : {});
      } catch {
        ctx.log.warn('aws policy document unreadable', { account: accountId, policy: arn ?? key });
        a = { permissions: [], privilege: privilegeByName(arn ?? key) };
      }
    }
    analyses.set(key, a);
    return a;
  };
  const managedGrants = (identityId: string, list: readonly { PolicyArn?: string | undefined }[] | undefined, via: Grant['via'], viaName?: string): Grant[] =>
    (list ?? [])
      .filter((p): p is { PolicyArn: string } => typeof p.PolicyArn === 'string')
      .map((p) => {
        const doc = details.localPolicies.has(p.PolicyArn) ? details.localPolicies.get(p.PolicyArn) : managedDocs.get(p.PolicyArn);
        return buildGrant(identityId, accountId, p.PolicyArn, analyze(p.PolicyArn, doc, p.PolicyArn), via, viaName);
      });
  const inlineGrants = (identityId: string, list: readonly { PolicyName?: string | undefined; PolicyDocument?: string | undefined }[] | undefined, via: Grant['via'], viaName?: string): Grant[] =>
    (list ?? [])
      .filter((p) => p.PolicyName !== undefined)
      .map((p) => buildGrant(identityId, accountId, p.PolicyName as string, analyze(`doc:${p.PolicyDocument ?? ''}`, p.PolicyDocument), via, viaName));
  const docOfArn = (arn: string | undefined): string | undefined => (arn === undefined ? undefined : details.localPolicies.has(arn) ? details.localPolicies.get(arn) : managedDocs.get(arn));
  const attachedDocs = (list: readonly { PolicyArn?: string | undefined }[] | undefined): (string | undefined)[] => (list ?? []).map((p) => docOfArn(p.PolicyArn));
  const inlineDocs = (list: readonly { PolicyDocument?: string | undefined }[] | undefined): (string | undefined)[] => (list ?? []).map((p) => p.PolicyDocument);
  const principals: PrincipalPolicies[] = [];
  const groupGrants = (identityId: string, g: GroupDetail | undefined): Grant[] =>
    g?.GroupName ? [...managedGrants(identityId, g.AttachedManagedPolicies, 'group', g.GroupName), ...inlineGrants(identityId, g.GroupPolicyList, 'group', g.GroupName)] : [];

  const out: InventoryRecord[] = [];
  for (const m of machines) {
    const keys = keysByUser.get(m.name) ?? [];
    const identity = buildIdentity({
      accountId,
      kind: 'user',
      name: m.name,
      ...(m.detail.Arn !== undefined ? { arn: m.detail.Arn } : {}),
      ...(m.detail.CreateDate ? { createdAt: m.detail.CreateDate.toISOString() } : {}),
      labels: m.labels,
      ownerTagKeys: job.owners.tagKeys,
      managed: false,
      ...optional('lastUsedAt', latest(m.row?.passwordLastUsed, ...keys.map((k) => k.lastUsedAt))),
      machineReason: m.reason,
    });
    out.push({ type: 'identity', record: identity });
    for (const k of keys) {
      const c = buildCredential(identity.id, k);
      out.push({ type: 'credential', record: c });
      const act = keyActivity(c);
      if (act) out.push({ type: 'activity', record: act });
    }
    const grants = [
      ...managedGrants(identity.id, m.detail.AttachedManagedPolicies, 'attached'),
      ...inlineGrants(identity.id, m.detail.UserPolicyList, 'inline'),
      ...(m.detail.GroupList ?? []).flatMap((g) => groupGrants(identity.id, details.groups.get(g))),
    ];
    for (const g of grants) out.push({ type: 'grant', record: g });
    if (m.detail.Arn) {
      const groups = (m.detail.GroupList ?? []).map((g) => details.groups.get(g));
      const boundary = docOfArn(m.detail.PermissionsBoundary?.PermissionsBoundaryArn);
      principals.push({
        arn: m.detail.Arn,
        identityId: identity.id,
        policies: [
          ...attachedDocs(m.detail.AttachedManagedPolicies),
          ...inlineDocs(m.detail.UserPolicyList),
          ...groups.flatMap((g) => [...attachedDocs(g?.AttachedManagedPolicies), ...inlineDocs(g?.GroupPolicyList)]),
        ],
        ...(boundary !== undefined ? { boundary } : {}),
      });
    }
  }
  for (const r of roles) {
    out.push(...roleRecords(r, accountId, job, managedGrants, inlineGrants));
    if (r.Arn && r.RoleName) {
      const boundary = docOfArn(r.PermissionsBoundary?.PermissionsBoundaryArn);
      principals.push({
        arn: r.Arn,
        identityId: awsIdentityId(accountId, 'role', r.RoleName),
        policies: [...attachedDocs(r.AttachedManagedPolicies), ...inlineDocs(r.RolePolicyList)],
        ...(boundary !== undefined ? { boundary } : {}),
        ...(r.AssumeRolePolicyDocument !== undefined ? { trust: r.AssumeRolePolicyDocument } : {}),
      });
    }
  }
  // The principal as a whole: all its policies together, Denies and boundaries applied, escalation paths.
  const effective = effectiveGrants(accountId, principals, (what) => ctx.log.warn('aws policy document unreadable', { account: accountId, policy: what }));
  for (const g of effective) out.push({ type: 'grant', record: g });
  return out;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function roleRecords(
  r: RoleDetail,
  accountId: string,
  job: AccountJob,
  managedGrants: (id: string, list: RoleDetail['AttachedManagedPolicies'], via: Grant['via']) => Grant[],
  inlineGrants: (id: string, list: RoleDetail['RolePolicyList'], via: Grant['via']) => Grant[],
): InventoryRecord[] {
  if (!r.RoleName) return [];
  const lastUsedAt = toIso(r.RoleLastUsed?.LastUsedDate);
  const identity = buildIdentity({
    accountId,
    kind: 'role',
    name: r.RoleName,
    ...(r.Arn !== undefined ? { arn: r.Arn } : {}),
    ...optional('createdAt', toIso(r.CreateDate)),
    labels: tagsToLabels(r.Tags),
    ownerTagKeys: job.owners.tagKeys,
    managed: (r.Path ?? '').startsWith(SERVICE_LINKED_PATH),
    ...optional('lastUsedAt', lastUsedAt),
    machineReason: roleReason(r.Path, r.AssumeRolePolicyDocument),
  });
  const out: InventoryRecord[] = [{ type: 'identity', record: identity }];
  if (lastUsedAt !== undefined) {
    out.push({ type: 'activity', record: { identityId: identity.id, at: lastUsedAt, source: 'provider', verb: 'sts:AssumeRole', ...optional('target', r.RoleLastUsed?.Region) } });
  }
  for (const g of [...managedGrants(identity.id, r.AttachedManagedPolicies, 'attached'), ...inlineGrants(identity.id, r.RolePolicyList, 'inline')]) out.push({ type: 'grant', record: g });
  return out;
}

async function listAccessKeys(iam: IAMClient, run: CallRunner, userName: string, pageSize: number): Promise<AccessKeyMetadata[]> {
  const keys: AccessKeyMetadata[] = [];
  try {
    await pageAll(
      run,
      (marker, abortSignal) => iam.send(new ListAccessKeysCommand({ UserName: userName, MaxItems: pageSize, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
      (page) => keys.push(...(page.AccessKeyMetadata ?? [])),
    );
  } catch (err) {
    if (!isNoSuchEntity(err)) throw err; // the user was deleted since the details were read
  }
  return keys;
}

async function lookupLastUsed(iam: IAMClient, run: CallRunner, key: KeyInput): Promise<void> {
  try {
    const out = await run((abortSignal) => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id }), { abortSignal }));
    const used = out.AccessKeyLastUsed;
    const at = toIso(used?.LastUsedDate);
    if (at !== undefined) key.lastUsedAt = at;
    if (used?.ServiceName && used.ServiceName !== 'N/A') key.lastUsedService = used.ServiceName;
    if (used?.Region && used.Region !== 'N/A') key.lastUsedRegion = used.Region;
  } catch (err) {
    if (!isNoSuchEntity(err)) throw err;
  }
}
