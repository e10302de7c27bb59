/**
 * `sprawl import aws-credential-report FILE`: users, their console password and access-key slots
 * from an IAM credential report. Machine users only (people left out, as in the live collector);
 * keys are named by slot (see aws-keys.ts); no grants (the report has none).
 */
import type { CredentialReportRow } from '../collectors/aws/credential-report.ts';
import { classifyUser, compileMachineRules } from '../collectors/aws/machine.ts';
import { buildIdentity } from '../collectors/aws/records.ts';
import type { MachineRules, OwnersConfig } from '../config/schema.ts';
import type { InventoryRecord } from '../model/index.ts';
import { keyRecords, rootRecords, slotKeys, userLastUsed } from './aws-keys.ts';
import { ROOT_USER, readCredentialReport } from './credential-report.ts';
import { atLine, createWarningSink, failedResult, importSources } from './types.ts';
import type { ImportResult, WarningSink } from './types.ts';

export interface CredentialReportImportOptions {
  /** Shown in warnings and source names. */
  file: string;
  /** Overrides the account the rows' ARNs name. */
  accountId?: string;
  machineRules: MachineRules;
  owners: OwnersConfig;
}

const KIND = 'aws-credential-report';

/** The account to use: the given one (warning when the file names another) or the single one in the file. */
export function pickAccount(found: readonly string[], given: string | undefined, file: string, sink: WarningSink): { accountId: string } | { fatal: string } {
  if (given !== undefined) {
    const others = found.filter((a) => a !== given);
    if (others.length > 0) sink.note(file, `the file names account(s) ${others.join(', ')}, not the given ${given}: records are filed under ${given}`);
    return { accountId: given };
  }
  if (found.length === 1 && found[0] !== undefined) return { accountId: found[0] };
  if (found.length === 0) return { fatal: `${file}: no account id: no ARN names one (pass the account id)` };
  return { fatal: `${file}: the file mixes accounts ${found.join(', ')}: import each account's file on its own` };
}

/** Records of one machine user from its report row (identity, slot keys, last-use activities). */
export function reportUserRecords(accountId: string, row: CredentialReportRow, machineReason: string, owners: OwnersConfig): InventoryRecord[] {
  const keys = slotKeys(row.user, row.keys);
  const used = userLastUsed(row, keys);
  const identity = buildIdentity({
    accountId,
    kind: 'user',
    name: row.user,
    ...(row.arn ? { arn: row.arn } : {}),
    ...(row.createdAt !== undefined ? { createdAt: row.createdAt } : {}),
    labels: {},
    ownerTagKeys: owners.tagKeys,
    managed: false,
    ...(used !== undefined ? { lastUsedAt: used } : {}),
    machineReason,
  });
  return [{ type: 'identity', record: identity }, ...keyRecords(identity.id, keys)];
}

export function importAwsCredentialReport(text: string, opts: CredentialReportImportOptions): ImportResult {
  const sink = createWarningSink();
  const report = readCredentialReport(text, opts.file, sink);
  if (report.fatal !== undefined) return failedResult(KIND, opts.file, sink, report.fatal);
  if (report.rows.length === 0) return failedResult(KIND, opts.file, sink, `${opts.file}: no usable row in the credential report`);
  const picked = pickAccount(report.accounts, opts.accountId, opts.file, sink);
  if ('fatal' in picked) return failedResult(KIND, opts.file, sink, picked.fatal);
  const { accountId } = picked;

  const rules = compileMachineRules(opts.machineRules);
  const records: InventoryRecord[] = [];
  const counts = { rows: report.rowsRead, users: 0, machineUsers: 0, humans: 0, rootKeys: 0 };
  for (const row of report.rows) {
    if (row.user === ROOT_USER) {
      const root = rootRecords(accountId, row);
      counts.rootKeys = row.keys.length;
      const active = row.keys.filter((k) => k.active).length;
      if (active > 0) sink.note(atLine(opts.file, row.line), `the root account has ${active} active access key(s) (CIS AWS 1.4): reported as identity aws:${accountId}:root`);
      records.push(...root);
      continue;
    }
    counts.users++;
    // The report has no tags: tag rules cannot apply (noted once below).
    const cls = classifyUser({ name: row.user, tags: {} }, row.passwordEnabled, rules);
    if (!cls.machine) {
      counts.humans++;
      continue;
    }
    counts.machineUsers++;
    records.push(...reportUserRecords(accountId, row, cls.reason, opts.owners));
  }
  if (rules.tagKeys.length > 0 && counts.users > 0) {
    sink.note(opts.file, 'the credential report has no tags: users were classified by name and console password only (import the authorization details too for tag rules)');
  }
  return { records, sources: importSources(KIND, opts.file, records.length, sink), warnings: sink.warnings, partial: sink.rejected.length > 0, counts };
}
