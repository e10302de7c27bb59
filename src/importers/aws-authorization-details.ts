/**
 * `sprawl import aws-authorization-details FILE`: the output of `aws iam
 * get-account-authorization-details` turned into the records the live AWS collector builds for
 * the same account (same ids, kinds, machine reasons, privilege classes), with its builders:
 * machine users (people left out), roles (SSO reserved roles left out, service-linked ones
 * managed), grants from attached, inline and group policies.
 *
 * Differences from a live scan, each reported as a warning when it applies:
 * - users are told apart by tags and names only unless a credential report is given
 *   (`password_enabled` decides the rest, as live);
 * - access keys come from the credential report's slots (`<user>#key1`), since the details have
 *   none; without a report no keys are known;
 * - AWS-managed policies missing from `Policies` (no `--filter AWSManagedPolicy`) are classed by
 *   name (privilegeByName), with no permission list;
 * - permission boundaries and instance profiles are read and ignored, as live.
 */
import type { CredentialReportRow } from '../collectors/aws/credential-report.ts';
import { classifyUser, compileMachineRules } from '../collectors/aws/machine.ts';
import { isAwsManagedPolicy } from '../collectors/aws/managed-policies.ts';
import { analyzePolicy, decodePolicyDocument, privilegeByName } from '../collectors/aws/policy.ts';
import type { PolicyAnalysis } from '../collectors/aws/policy.ts';
import { SERVICE_LINKED_PATH, SSO_RESERVED_PATH, buildGrant, buildIdentity, roleReason } from '../collectors/aws/records.ts';
import type { MachineRules, OwnersConfig } from '../config/schema.ts';
import type { Grant, InventoryRecord } from '../model/index.ts';
import { pickAccount } from './aws-credential-report.ts';
import { keyRecords, rootRecords, slotKeys, userLastUsed } from './aws-keys.ts';
import { readAuthorizationDetails } from './authorization-details-input.ts';
import type { GroupEntry, InlinePolicy, PolicyRef, RoleEntry, UserEntry } from './authorization-details-input.ts';
import { ROOT_USER, accountOfArn } from './credential-report.ts';
import { createWarningSink, failedResult, importSources } from './types.ts';
import type { ImportResult, WarningSink } from './types.ts';

export interface AuthorizationDetailsImportOptions {
  file: string;
  /** Overrides the account the ARNs name. */
  accountId?: string;
  machineRules: MachineRules;
  owners: OwnersConfig;
  /** Rows of the same account's credential report (readCredentialReport or parseCredentialReport). */
  credentialReport?: readonly CredentialReportRow[];
}

const KIND = 'aws-authorization-details';

/** Policy analyses, once per document, with the live collector's fallbacks. */
function createAnalyzer(sink: WarningSink): (document: string | undefined, nameOrArn: string, where: string, arn?: string) => PolicyAnalysis {
  const cache = new Map<string, PolicyAnalysis>();
  return (document, nameOrArn, where, arn) => {
    const cacheKey = `${arn ?? ''}\u0000${document ?? nameOrArn}`;
    const hit = cache.get(cacheKey);
    if (hit) return hit;
    let a: PolicyAnalysis;
    if (document === undefined) a = { permissions: [], privilege: privilegeByName(nameOrArn) };
    else {
      try {
        a = analyzePolicy(decodePolicyDocument(document), arn !== undefined ? { arn } : {});
      } catch (err) {
        sink.note(where, `policy document unreadable (${err instanceof Error ? err.message : String(err)}): privilege guessed from the name`);
        a = { permissions: [], privilege: privilegeByName(nameOrArn) };
      }
    }
    cache.set(cacheKey, a);
    return a;
  };
}

export function importAwsAuthorizationDetails(text: string, opts: AuthorizationDetailsImportOptions): ImportResult {
  const sink = createWarningSink();
  const file = opts.file;
  const details = readAuthorizationDetails(text, file, sink);
  if (details.fatal !== undefined) return failedResult(KIND, file, sink, details.fatal);
  const picked = pickAccount(details.accounts, opts.accountId, file, sink);
  if ('fatal' in picked) return failedResult(KIND, file, sink, picked.fatal);
  const { accountId } = picked;

  const rows = new Map<string, CredentialReportRow>();
  let root: CredentialReportRow | undefined;
  for (const r of opts.credentialReport ?? []) {
    if (r.user === ROOT_USER) root = r;
    else rows.set(r.user, r);
  }
  const reportAccounts = new Set([...rows.values()].map((r) => accountOfArn(r.arn)).filter((a) => a !== undefined));
  if (opts.credentialReport && [...reportAccounts].some((a) => a !== accountId)) {
    sink.note(file, `the credential report is of account(s) ${[...reportAccounts].join(', ')}, not ${accountId}: its rows are matched by user name anyway`);
  }

  const analyze = createAnalyzer(sink);
  const missingAwsManaged = new Set<string>();
  const missingLocal = new Set<string>();
  const managedGrants = (identityId: string, list: readonly PolicyRef[], via: Grant['via'], viaName?: string): Grant[] =>
    list.map((p) => {
      const known = details.policies.has(p.arn);
      if (!known) (isAwsManagedPolicy(p.arn) ? missingAwsManaged : missingLocal).add(p.arn);
      return buildGrant(identityId, accountId, p.arn, analyze(details.policies.get(p.arn), p.arn, p.where, p.arn), via, viaName);
    });
  const inlineGrants = (identityId: string, list: readonly InlinePolicy[], via: Grant['via'], viaName?: string): Grant[] =>
    list.map((p) => buildGrant(identityId, accountId, p.name, analyze(p.document, `doc:${p.document ?? ''}`, `${p.where}.PolicyDocument`), via, viaName));
  const groupGrants = (identityId: string, g: GroupEntry): Grant[] => [...managedGrants(identityId, g.attached, 'group', g.name), ...inlineGrants(identityId, g.inline, 'group', g.name)];

  const rules = compileMachineRules(opts.machineRules);
  const records: InventoryRecord[] = [];
  const counts = { pages: details.pages, users: details.users.length, machineUsers: 0, humans: 0, unclassifiedWithoutReport: 0, roles: 0, ssoRoles: 0, serviceLinkedRoles: 0 };
  for (const u of details.users) {
    const row = rows.get(u.name);
    const cls = classifyUser({ name: u.name, tags: u.tags }, row?.passwordEnabled, rules);
    if (!cls.machine) {
      counts.humans++;
      if (row === undefined && cls.reason === 'not in the credential report') counts.unclassifiedWithoutReport++;
      continue;
    }
    counts.machineUsers++;
    records.push(...userRecords(u, row, cls.reason, accountId, opts.owners, managedGrants, inlineGrants, groupGrants, details.groups, sink));
  }
  for (const r of details.roles) {
    if (r.path.startsWith(SSO_RESERVED_PATH)) {
      counts.ssoRoles++;
      continue;
    }
    counts.roles++;
    if (r.path.startsWith(SERVICE_LINKED_PATH)) counts.serviceLinkedRoles++;
    records.push(...roleRecords(r, accountId, opts.owners, managedGrants, inlineGrants));
  }
  if (root) {
    const active = root.keys.filter((k) => k.active).length;
    if (active > 0) sink.note(file, `the credential report shows ${active} active root access key(s) (CIS AWS 1.4): reported as identity aws:${accountId}:root`);
    records.push(...rootRecords(accountId, root));
  }

  if (!opts.credentialReport) {
    sink.note(
      file,
      `no credential report given: access keys are unknown, and users were classified by tags and names only (${counts.unclassifiedWithoutReport} user(s) without a machine tag or name were counted as people; with the report, those without a console password count as machines)`,
    );
  } else {
    const missing = details.users.filter((u) => !rows.has(u.name)).map((u) => u.name);
    if (missing.length > 0) sink.note(file, `${missing.length} user(s) not in the credential report (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}): classified by tags and names only, keys unknown`);
    const names = new Set(details.users.map((u) => u.name));
    const extra = [...rows.keys()].filter((n) => !names.has(n));
    if (extra.length > 0) sink.note(file, `${extra.length} user(s) in the credential report are missing from the authorization details (${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}): left out; was the output filtered or truncated?`);
  }
  if (missingAwsManaged.size > 0) {
    sink.note(file, `${missingAwsManaged.size} AWS-managed policy(ies) attached but not in Policies (run with --filter including AWSManagedPolicy for their documents): privilege classed by name, permissions unknown: ${[...missingAwsManaged].slice(0, 5).join(', ')}${missingAwsManaged.size > 5 ? ', ...' : ''}`);
  }
  if (missingLocal.size > 0) {
    sink.note(file, `${missingLocal.size} customer-managed policy(ies) attached but not in Policies (was LocalManagedPolicy filtered out?): privilege classed by name: ${[...missingLocal].slice(0, 5).join(', ')}${missingLocal.size > 5 ? ', ...' : ''}`);
  }
  return { records, sources: importSources(KIND, file, records.length, sink), warnings: sink.warnings, partial: sink.rejected.length > 0, counts };
}

type ManagedGrants = (identityId: string, list: readonly PolicyRef[], via: Grant['via'], viaName?: string) => Grant[];
type InlineGrants = (identityId: string, list: readonly InlinePolicy[], via: Grant['via'], viaName?: string) => Grant[];

function userRecords(
  u: UserEntry,
  row: CredentialReportRow | undefined,
  machineReason: string,
  accountId: string,
  owners: OwnersConfig,
  managedGrants: ManagedGrants,
  inlineGrants: InlineGrants,
  groupGrants: (identityId: string, g: GroupEntry) => Grant[],
  groups: ReadonlyMap<string, GroupEntry>,
  sink: WarningSink,
): InventoryRecord[] {
  const keys = slotKeys(u.name, row?.keys ?? []);
  const used = userLastUsed(row, keys);
  const identity = buildIdentity({
    accountId,
    kind: 'user',
    name: u.name,
    ...(u.arn !== undefined ? { arn: u.arn } : {}),
    ...(u.createdAt !== undefined ? { createdAt: u.createdAt } : {}),
    labels: u.tags,
    ownerTagKeys: owners.tagKeys,
    managed: false,
    ...(used !== undefined ? { lastUsedAt: used } : {}),
    machineReason,
  });
  const grants: Grant[] = [...managedGrants(identity.id, u.attached, 'attached'), ...inlineGrants(identity.id, u.inline, 'inline')];
  u.groups.forEach((name, i) => {
    const g = groups.get(name);
    if (g) grants.push(...groupGrants(identity.id, g));
    else sink.note(`${u.where}.GroupList[${i}]`, `group ${name} is not in GroupDetailList: its policies are unknown`);
  });
  return [{ type: 'identity', record: identity }, ...keyRecords(identity.id, keys), ...grants.map((g): InventoryRecord => ({ type: 'grant', record: g }))];
}

function roleRecords(r: RoleEntry, accountId: string, owners: OwnersConfig, managedGrants: ManagedGrants, inlineGrants: InlineGrants): InventoryRecord[] {
  const identity = buildIdentity({
    accountId,
    kind: 'role',
    name: r.name,
    ...(r.arn !== undefined ? { arn: r.arn } : {}),
    ...(r.createdAt !== undefined ? { createdAt: r.createdAt } : {}),
    labels: r.tags,
    ownerTagKeys: owners.tagKeys,
    managed: r.path.startsWith(SERVICE_LINKED_PATH),
    ...(r.lastUsedAt !== undefined ? { lastUsedAt: r.lastUsedAt } : {}),
    machineReason: roleReason(r.path, r.trust),
  });
  const out: InventoryRecord[] = [{ type: 'identity', record: identity }];
  if (r.lastUsedAt !== undefined) {
    out.push({ type: 'activity', record: { identityId: identity.id, at: r.lastUsedAt, source: 'provider', verb: 'sts:AssumeRole', ...(r.lastUsedRegion !== undefined ? { target: r.lastUsedRegion } : {}) } });
  }
  for (const g of [...managedGrants(identity.id, r.attached, 'attached'), ...inlineGrants(identity.id, r.inline, 'inline')]) out.push({ type: 'grant', record: g });
  return out;
}
