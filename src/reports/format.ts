/** Display strings the report model precomputes, so templates hold markup only. */
import type { ComplianceRef, FindingStatus, PrivilegeClass, Provider, ScanStatus, Severity, VerdictKind } from '../model/index.ts';

const DAY_MS = 86_400_000;

/** "2025-06-01 12:00 UTC"; an unparsable time is shown as given. */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** "2025-06-01". */
export function formatDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 10);
}

/** Whole days from `iso` to `asOf`, or null when unknown. */
export function ageInDays(iso: string | undefined, asOf: number): number | null {
  if (iso === undefined) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.floor((asOf - t) / DAY_MS);
}

/** `1 action`, `3 actions`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatDays(days: number | null): string {
  if (days === null) return '—';
  return days === 1 ? '1 day' : `${days} days`;
}

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

export const STATUS_LABEL: Record<FindingStatus, string> = { new: 'New', open: 'Open', resolved: 'Resolved', exempt: 'Exempt' };

export const SCAN_STATUS_LABEL: Record<ScanStatus, string> = {
  running: 'Running',
  complete: 'Complete',
  partial: 'Partial',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

export const PROVIDER_LABEL: Record<Provider, string> = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure', github: 'GitHub', kubernetes: 'Kubernetes' };

export const VERDICT_ORDER: readonly VerdictKind[] = ['revoke', 'migrate', 'rotate', 'exempt', 'keep'];

export const VERDICT_LABEL: Record<VerdictKind, string> = {
  revoke: 'Revoke',
  migrate: 'Migrate to gateway',
  rotate: 'Rotate',
  exempt: 'Exempt',
  keep: 'Keep',
};

export type PrivilegeLevel = PrivilegeClass | 'none';

export const PRIVILEGE_RANK: Record<PrivilegeLevel, number> = { admin: 3, write: 2, read: 1, none: 0 };

export const PRIVILEGE_LABEL: Record<PrivilegeLevel, string> = { admin: 'Admin', write: 'Write', read: 'Read', none: 'None' };

const FRAMEWORK_LABEL: Record<ComplianceRef['framework'], string> = { CIS: 'CIS', SOC2: 'SOC 2', ISO27001: 'ISO 27001', 'NIST800-53': 'NIST 800-53' };

/** "CIS AWS 1.14", "SOC 2 CC6.1". */
export function formatReference(ref: ComplianceRef): string {
  return `${FRAMEWORK_LABEL[ref.framework]} ${ref.control}`;
}

const EVIDENCE_LABEL: Record<string, string> = {
  publicId: 'Key id',
  credentialKind: 'Credential kind',
  identityKind: 'Identity kind',
  createdAt: 'Created',
  expiresAt: 'Expires',
  lastUsedAt: 'Last used',
  lastUsedService: 'Last used with',
  ageDays: 'Age (days)',
  idleDays: 'Idle (days)',
  thresholdDays: 'Threshold (days)',
  neverUsed: 'Never used',
  policies: 'Policies',
  grantedVia: 'Granted through',
  adminGrants: 'Administrator grants',
  activeLongLivedCredentials: 'Active long-lived credentials',
  credentialIds: 'Key ids',
};

/** A readable label for an evidence key: known keys by name, others split from camelCase. */
export function evidenceLabel(key: string): string {
  const known = EVIDENCE_LABEL[key];
  if (known !== undefined) return known;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatEvidenceValue(value: string | number | boolean | null): string {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}
