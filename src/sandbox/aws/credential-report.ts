/** The IAM credential report of one account, as real IAM writes it (CSV, one row per user, root first). */
import type { AwsAccessKey, AwsAccount } from '../estate.ts';

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** `2024-01-02T03:04:05Z` → `2024-01-02T03:04:05+00:00` (the report's time format). */
export function reportTime(iso: string): string {
  return iso.replace(/(\.\d+)?Z$/, '+00:00');
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function keySlot(key: AwsAccessKey | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  return [
    String(key.status === 'Active'),
    reportTime(key.createdAt),
    key.lastUsed ? reportTime(key.lastUsed.at) : 'N/A',
    key.lastUsed ? key.lastUsed.region : 'N/A',
    key.lastUsed ? key.lastUsed.service : 'N/A',
  ];
}

const NO_CERTS = ['false', 'N/A', 'false', 'N/A'];

export function credentialReportCsv(account: AwsAccount): string {
  const lines: string[] = [CREDENTIAL_REPORT_COLUMNS.join(',')];
  const root = account.root;
  lines.push(
    [
      '<root_account>',
      `arn:aws:iam::${account.id}:root`,
      reportTime(account.createdAt),
      'not_supported',
      root.passwordLastUsedAt ? reportTime(root.passwordLastUsedAt) : 'no_information',
      'not_supported',
      'not_supported',
      String(root.mfa),
      ...keySlot(root.accessKeys[0]),
      ...keySlot(root.accessKeys[1]),
      ...NO_CERTS,
    ].join(','),
  );
  for (const u of account.users) {
    const pw = u.password;
    lines.push(
      [
        csvField(u.name),
        csvField(u.arn),
        reportTime(u.createdAt),
        String(pw !== undefined),
        pw ? (pw.lastUsedAt ? reportTime(pw.lastUsedAt) : 'no_information') : 'N/A',
        pw ? reportTime(pw.changedAt) : 'N/A',
        'N/A',
        String(u.mfa),
        ...keySlot(u.accessKeys[0]),
        ...keySlot(u.accessKeys[1]),
        ...NO_CERTS,
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
