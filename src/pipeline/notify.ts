/**
 * `sprawl scan --notify URL`: after a scan, the findings at or above a severity that are new or
 * resolved since the previous scan, posted to a webhook (Slack-compatible or plain JSON). Nothing
 * is posted when nothing changed. The payload carries what a report shows of a finding (no
 * evidence, no secret); the webhook URL itself is a secret and is only ever shown as its origin.
 */
import type { FindingRecord, ScanInfo, Severity } from '../model/index.ts';
import { severityRank } from '../model/index.ts';
import { SEVERITY_LABEL } from '../reports/format.ts';
import { loadFindings, loadResolvedFindings, type Store } from '../store/index.ts';

export type NotifyFormat = 'slack' | 'json';

export const NOTIFY_FORMATS: readonly NotifyFormat[] = ['slack', 'json'];

/** One finding as the webhook receives it. */
export interface NotifyFinding {
  id: string;
  severity: Severity;
  ruleId: string;
  title: string;
  identityId: string;
  provider: string;
  scope: string;
  message: string;
}

export interface ScanChanges {
  scan: Pick<ScanInfo, 'id' | 'status' | 'startedAt' | 'finishedAt'>;
  minSeverity: Severity;
  new: NotifyFinding[];
  resolved: NotifyFinding[];
}

/** Findings listed at most per list (the counts are always whole). */
const MAX_JSON_FINDINGS = 200;
const MAX_SLACK_FINDINGS = 10;
/** Slack's limit for a section's text is 3,000 characters. */
const MAX_SLACK_SECTION = 2_900;

function toNotifyFinding(f: FindingRecord): NotifyFinding {
  return { id: f.id, severity: f.severity, ruleId: f.ruleId, title: f.title, identityId: f.identityId, provider: f.provider, scope: f.scope, message: f.message };
}

function worstFirst(a: NotifyFinding, b: NotifyFinding): number {
  return severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The new and resolved findings at or above `minSeverity`, worst first. */
export function selectChanges(findings: readonly FindingRecord[], resolved: readonly FindingRecord[], minSeverity: Severity): { new: NotifyFinding[]; resolved: NotifyFinding[] } {
  const min = severityRank(minSeverity);
  const pick = (list: readonly FindingRecord[]) => list.filter((f) => severityRank(f.severity) >= min).map(toNotifyFinding).sort(worstFirst);
  return { new: pick(findings.filter((f) => f.status === 'new')), resolved: pick(resolved) };
}

export function hasChanges(changes: Pick<ScanChanges, 'new' | 'resolved'>): boolean {
  return changes.new.length > 0 || changes.resolved.length > 0;
}

/** What changed in a stored scan, relative to the scan analyzed before it. */
export async function loadScanChanges(store: Store, scan: ScanInfo, minSeverity: Severity): Promise<ScanChanges> {
  const [findings, resolved] = await Promise.all([loadFindings(store, scan.id), loadResolvedFindings(store, scan.id)]);
  const { id, status, startedAt, finishedAt } = scan;
  return { scan: { id, status, startedAt, finishedAt }, minSeverity, ...selectChanges(findings, resolved, minSeverity) };
}

function headline(c: ScanChanges): string {
  return `sprawl scan ${c.scan.id}: ${c.new.length} new, ${c.resolved.length} resolved finding${c.new.length + c.resolved.length === 1 ? '' : 's'} at or above ${c.minSeverity}`;
}

/** Plain JSON: the counts, and the lists (bounded; `truncated` says when some were left out). */
export function jsonPayload(c: ScanChanges): Record<string, unknown> {
  return {
    tool: 'sprawl',
    text: headline(c),
    scan: { id: c.scan.id, status: c.scan.status, startedAt: c.scan.startedAt, finishedAt: c.scan.finishedAt ?? null },
    minSeverity: c.minSeverity,
    counts: { new: c.new.length, resolved: c.resolved.length },
    new: c.new.slice(0, MAX_JSON_FINDINGS),
    resolved: c.resolved.slice(0, MAX_JSON_FINDINGS),
    truncated: c.new.length > MAX_JSON_FINDINGS || c.resolved.length > MAX_JSON_FINDINGS,
  };
}

/**
 * Text for Slack's mrkdwn: &, < and > escaped (so no <!channel>, <@user> or <url|link> gets
 * through) and a zero-width joiner after @ so that no @here or @name pings anyone.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '@\u200D');
}

function slackList(title: string, list: readonly NotifyFinding[]): string {
  const lines = [`*${title}*`];
  let length = lines[0]!.length;
  let shown = 0;
  for (const f of list.slice(0, MAX_SLACK_FINDINGS)) {
    const line = `• ${SEVERITY_LABEL[f.severity]}: ${escapeSlack(f.title)}: ${escapeSlack(f.message.slice(0, 300))}`;
    if (length + line.length + 80 > MAX_SLACK_SECTION) break;
    lines.push(line);
    length += line.length + 1;
    shown++;
  }
  if (shown < list.length) lines.push(`…and ${list.length - shown} more`);
  return lines.join('\n');
}

/** Slack-compatible: a plain-text fallback and blocks (header, the two lists, the scan). */
export function slackPayload(c: ScanChanges): { text: string; blocks: Record<string, unknown>[] } {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: `sprawl: ${c.new.length} new, ${c.resolved.length} resolved` } }];
  if (c.new.length > 0) blocks.push(section(slackList(`New findings (${c.new.length})`, c.new)));
  if (c.resolved.length > 0) blocks.push(section(slackList(`Resolved findings (${c.resolved.length})`, c.resolved)));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Scan ${escapeSlack(c.scan.id)} (${c.scan.status}), findings at or above ${c.minSeverity}` }] });
  return { text: escapeSlack(headline(c)), blocks };
}

export function notifyPayload(format: NotifyFormat, c: ScanChanges): Record<string, unknown> {
  return format === 'slack' ? slackPayload(c) : jsonPayload(c);
}

/** A webhook URL as it may be shown: its origin only (Slack's path, a query or user info are secrets). */
export function webhookLabel(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(unparsable URL)';
  }
}

export interface PostOptions {
  /** Per attempt. */
  timeoutMs?: number;
  /** Before the one retry. */
  retryDelayMs?: number;
}

export type PostResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

/** Statuses worth one more try: the receiver may answer the next time. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function attempt(url: string, body: string, timeoutMs: number): Promise<{ ok: boolean; retry: boolean; error: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    if (res.ok) return { ok: true, retry: false, error: '' };
    return { ok: false, retry: retryable(res.status), error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause instanceof Error ? e.cause.message : e.message);
    // The message of a failed fetch can quote the URL; only its origin may be shown.
    return { ok: false, retry: true, error: reason.split(url).join(webhookLabel(url)) };
  }
}

/** POSTs JSON to the webhook: a timeout per attempt, one retry on a network error, a timeout or a 5xx/408/429. */
export async function postWebhook(url: string, payload: unknown, opts: PostOptions = {}): Promise<PostResult> {
  const body = JSON.stringify(payload);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const first = await attempt(url, body, timeoutMs);
  if (first.ok) return { ok: true, attempts: 1 };
  if (!first.retry) return { ok: false, attempts: 1, error: first.error };
  await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 1_000));
  const second = await attempt(url, body, timeoutMs);
  return second.ok ? { ok: true, attempts: 2 } : { ok: false, attempts: 2, error: second.error };
}
