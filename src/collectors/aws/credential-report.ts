/**
 * The IAM credential report: generate, poll with a bounded backoff, fetch, and parse.
 * It is one call per account for every user's password and access-key slots, which spares
 * thousands of per-user calls.
 */
import { GenerateCredentialReportCommand, GetCredentialReportCommand } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import { describeAwsError } from '../../providers/aws/client.ts';
import { parseCsvRecords } from './csv.ts';
import type { CallRunner } from './calls.ts';
import { sleep } from './calls.ts';

export interface ReportKeySlot {
  slot: 1 | 2;
  active: boolean;
  /** ISO time; the key's creation time unless it was rotated in place. */
  lastRotated?: string;
  lastUsedAt?: string;
  lastUsedRegion?: string;
  lastUsedService?: string;
}

export interface CredentialReportRow {
  user: string;
  arn: string;
  createdAt?: string;
  /** Undefined for the root account (`not_supported`). */
  passwordEnabled?: boolean;
  passwordLastUsed?: string;
  passwordLastChanged?: string;
  mfaActive: boolean;
  /** Slots that hold a key (a rotation date or an active flag), slot 1 first. */
  keys: ReportKeySlot[];
}

const ABSENT = new Set(['', 'N/A', 'n/a', 'no_information', 'not_supported']);

/** A report value: undefined for N/A, no_information, not_supported. */
function value(v: string | undefined): string | undefined {
  return v === undefined || ABSENT.has(v.trim()) ? undefined : v.trim();
}

/** Report times (`2024-01-02T03:04:05+00:00`) as ISO-8601 UTC; undefined when absent or unparseable. */
export function reportDate(v: string | undefined): string | undefined {
  const s = value(v);
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function bool(v: string | undefined): boolean | undefined {
  const s = value(v)?.toLowerCase();
  return s === 'true' ? true : s === 'false' ? false : undefined;
}

export function parseCredentialReport(csv: string): CredentialReportRow[] {
  return parseCsvRecords(csv).map((r) => {
    const keys: ReportKeySlot[] = [];
    for (const slot of [1, 2] as const) {
      const active = bool(r[`access_key_${slot}_active`]) ?? false;
      const lastRotated = reportDate(r[`access_key_${slot}_last_rotated`]);
      if (!active && lastRotated === undefined) continue;
      const k: ReportKeySlot = { slot, active };
      if (lastRotated !== undefined) k.lastRotated = lastRotated;
      const lastUsedAt = reportDate(r[`access_key_${slot}_last_used_date`]);
      if (lastUsedAt !== undefined) k.lastUsedAt = lastUsedAt;
      const region = value(r[`access_key_${slot}_last_used_region`]);
      if (region !== undefined) k.lastUsedRegion = region;
      const service = value(r[`access_key_${slot}_last_used_service`]);
      if (service !== undefined) k.lastUsedService = service;
      keys.push(k);
    }
    const row: CredentialReportRow = { user: r.user ?? '', arn: r.arn ?? '', mfaActive: bool(r.mfa_active) ?? false, keys };
    const createdAt = reportDate(r.user_creation_time);
    if (createdAt !== undefined) row.createdAt = createdAt;
    const pw = bool(r.password_enabled);
    if (pw !== undefined) row.passwordEnabled = pw;
    const used = reportDate(r.password_last_used);
    if (used !== undefined) row.passwordLastUsed = used;
    const changed = reportDate(r.password_last_changed);
    if (changed !== undefined) row.passwordLastChanged = changed;
    return row;
  });
}

export interface ReportPolling {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up after this long. */
  timeoutMs: number;
}

export const DEFAULT_REPORT_POLLING: ReportPolling = { initialDelayMs: 100, maxDelayMs: 2_000, timeoutMs: 300_000 };

const NOT_READY = new Set(['ReportInProgress', 'CredentialReportNotReadyException', 'ReportNotPresent', 'CredentialReportNotPresentException', 'ReportExpired', 'CredentialReportExpiredException']);

/** Generates (or reuses) the report, waits until it is complete, and returns its CSV text. */
export async function fetchCredentialReport(iam: IAMClient, run: CallRunner, polling: ReportPolling = DEFAULT_REPORT_POLLING, signal?: AbortSignal): Promise<string> {
  const deadline = Date.now() + polling.timeoutMs;
  let delay = polling.initialDelayMs;
  for (;;) {
    const gen = await run((abortSignal) => iam.send(new GenerateCredentialReportCommand({}), { abortSignal }));
    if (gen.State === 'COMPLETE') {
      try {
        const rep = await run((abortSignal) => iam.send(new GetCredentialReportCommand({}), { abortSignal }));
        if (!rep.Content) throw new Error('GetCredentialReport returned no content');
        return Buffer.from(rep.Content).toString('utf8');
      } catch (err) {
        if (!NOT_READY.has(describeAwsError(err).code)) throw err;
      }
    }
    if (Date.now() + delay > deadline) throw new Error(`credential report not ready after ${Math.round(polling.timeoutMs / 1000)}s`);
    await sleep(delay, signal);
    delay = Math.min(delay * 2, polling.maxDelayMs);
  }
}
