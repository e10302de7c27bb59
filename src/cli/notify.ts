/** `sprawl scan --notify URL`: the options, and posting what changed once the scan is recorded. */
import type { Command } from 'commander';
import type { Severity } from '../model/index.ts';
import { hasChanges, loadScanChanges, notifyPayload, NOTIFY_FORMATS, postWebhook, webhookLabel, type NotifyFormat, type PostOptions } from '../pipeline/notify.ts';
import type { ScanResult } from '../pipeline/scan.ts';
import type { Store } from '../store/index.ts';
import { UsageError, severityParser, type Runtime } from './common.ts';

export interface NotifyOptions {
  notify?: string;
  notifyFormat?: NotifyFormat;
  notifyMinSeverity?: Severity;
}

export const DEFAULT_NOTIFY_SEVERITY: Severity = 'high';

/** An http(s) URL. The value is never echoed: a webhook URL is a secret. */
export function parseWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--notify: expected an http:// or https:// webhook URL, got something that is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--notify: expected an http:// or https:// webhook URL, got a ${url.protocol} URL`);
  return url.toString();
}

export function parseNotifyFormat(value: string): NotifyFormat {
  if (!(NOTIFY_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--notify-format: expected one of ${NOTIFY_FORMATS.join(', ')}, got "${value}"`);
  return value as NotifyFormat;
}

export const parseNotifySeverity = severityParser('--notify-min-severity');

/** The --notify options, as `sprawl scan` and `sprawl analyze --run` take them; `when` says when it posts. */
export function addNotifyOptions(cmd: Command, when: string): Command {
  return cmd
    .option('--notify <url>', `${when}, post the findings new or resolved since the previous scan to this webhook (only when there are some; a failing webhook is a warning, not a failed scan)`, parseWebhookUrl)
    .option('--notify-format <format>', 'slack (Slack-compatible text and blocks) or json (the lists)', parseNotifyFormat, 'slack' as const)
    .option('--notify-min-severity <severity>', 'only findings at or above this severity count as a change (default: high)', parseNotifySeverity);
}

/**
 * Posts the findings new or resolved since the previous scan, when there are any at or above the
 * threshold. A webhook that fails is a warning: the scan is recorded and its exit code unchanged.
 */
export async function notifyAfterScan(rt: Runtime, store: Store, result: ScanResult, opts: NotifyOptions, post: PostOptions = {}): Promise<void> {
  if (!opts.notify) return;
  const target = webhookLabel(opts.notify);
  if (!result.analysis) {
    rt.log.warn(`notify: scan ${result.scan.id} is ${result.scan.status} and was not analyzed; nothing posted to ${target}`);
    return;
  }
  const min = opts.notifyMinSeverity ?? DEFAULT_NOTIFY_SEVERITY;
  const changes = await loadScanChanges(store, result.scan, min);
  if (!hasChanges(changes)) {
    rt.log.info(`notify: no finding at or above ${min} is new or resolved; nothing posted`);
    return;
  }
  const sent = await postWebhook(opts.notify, notifyPayload(opts.notifyFormat ?? 'slack', changes), post);
  if (sent.ok) rt.log.info(`notify: posted ${changes.new.length} new, ${changes.resolved.length} resolved to ${target}`);
  else rt.log.warn(`notify: could not post to ${target} (${sent.error}, ${sent.attempts} attempt${sent.attempts === 1 ? '' : 's'}); the scan is recorded as usual`);
}
