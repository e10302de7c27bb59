import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseNotifyFormat, parseNotifySeverity, parseWebhookUrl } from '../../src/cli/notify.ts';
import type { FindingRecord, Severity } from '../../src/model/index.ts';
import { escapeSlack, hasChanges, jsonPayload, postWebhook, selectChanges, slackPayload, webhookLabel, type ScanChanges } from '../../src/pipeline/notify.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

function record(id: string, severity: Severity, status: FindingRecord['status'], message = `finding ${id}`): FindingRecord {
  return {
    id,
    ruleId: 'identity.admin',
    title: 'Administrator rights',
    severity,
    subjectType: 'identity',
    subjectId: `aws:111122223333:user/${id}`,
    identityId: `aws:111122223333:user/${id}`,
    provider: 'aws',
    scope: '111122223333',
    message,
    evidence: { preview: 'AKIA…XYZ', secretFingerprint: 'fp' },
    remediation: 'Remove it',
    references: [],
    status,
    firstSeenScan: 's1',
    lastSeenScan: 's1',
    firstSeenAt: '2025-01-01T00:00:00.000Z',
  };
}

describe('selectChanges', () => {
  const findings = [record('crit-new', 'critical', 'new'), record('high-open', 'high', 'open'), record('med-new', 'medium', 'new'), record('high-exempt', 'high', 'exempt')];
  const resolved = [record('high-gone', 'high', 'resolved'), record('low-gone', 'low', 'resolved')];

  it.each([
    { min: 'critical' as const, new: ['crit-new'], resolved: [] },
    { min: 'high' as const, new: ['crit-new'], resolved: ['high-gone'] },
    { min: 'medium' as const, new: ['crit-new', 'med-new'], resolved: ['high-gone'] },
    { min: 'info' as const, new: ['crit-new', 'med-new'], resolved: ['high-gone', 'low-gone'] },
  ])('at or above $min: only new (not open, not exempt) and resolved findings', ({ min, new: fresh, resolved: gone }) => {
    const c = selectChanges(findings, resolved, min);
    expect(c.new.map((f) => f.id)).toEqual(fresh);
    expect(c.resolved.map((f) => f.id)).toEqual(gone);
    expect(hasChanges(c)).toBe(fresh.length + gone.length > 0);
  });

  it('is quiet when nothing is new or resolved', () => {
    expect(hasChanges(selectChanges([record('a', 'critical', 'open')], [], 'info'))).toBe(false);
  });

  it('carries no evidence (previews, fingerprints) and no remediation text', () => {
    const [f] = selectChanges(findings, [], 'critical').new;
    expect(Object.keys(f ?? {}).sort()).toEqual(['id', 'identityId', 'message', 'provider', 'ruleId', 'scope', 'severity', 'title']);
  });
});

function changes(newCount: number, resolvedCount = 0, message = 'IAM user x has admin'): ScanChanges {
  return {
    scan: { id: 's_1', status: 'complete', startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:01:00.000Z' },
    minSeverity: 'high',
    ...selectChanges(
      Array.from({ length: newCount }, (_, i) => record(`n${String(i).padStart(4, '0')}`, 'high', 'new', message)),
      Array.from({ length: resolvedCount }, (_, i) => record(`r${i}`, 'critical', 'resolved')),
      'high',
    ),
  };
}

describe('payloads', () => {
  it('Slack: a text fallback and header, section and context blocks', () => {
    const p = slackPayload(changes(2, 1));
    expect(p.text).toContain('2 new, 1 resolved');
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(JSON.stringify(p.blocks[1])).toContain('New findings (2)');
    expect(JSON.stringify(p.blocks[2])).toContain('Resolved findings (1)');
  });

  it('Slack: bounded sections with "N more"', () => {
    const p = slackPayload(changes(500, 0, 'x'.repeat(400)));
    const section = p.blocks[1] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toMatch(/…and \d+ more/);
  });

  it.each([
    { name: 'a channel ping', text: '<!channel> hi', hasNot: ['<!channel>'] },
    { name: 'a user mention', text: '<@U123>', hasNot: ['<@U123>'] },
    { name: 'a link', text: '<https://evil.example|click>', hasNot: ['<https://'] },
    { name: 'a bare @here', text: '@here look', hasNot: ['@here'] },
  ])('Slack text escapes $name', ({ text, hasNot }) => {
    const out = escapeSlack(text);
    for (const s of hasNot) expect(out).not.toContain(s);
    const p = JSON.stringify(slackPayload(changes(1, 0, text)));
    for (const s of hasNot) expect(p).not.toContain(s);
  });

  it('Slack text leaves plain text alone', () => {
    expect(escapeSlack('ci-deployer has admin')).toBe('ci-deployer has admin');
  });

  it('JSON: counts, lists, scan and threshold; long lists bounded and flagged', () => {
    const p = jsonPayload(changes(2, 1));
    expect(p).toMatchObject({ tool: 'sprawl', minSeverity: 'high', counts: { new: 2, resolved: 1 }, truncated: false, scan: { id: 's_1' } });
    const big = jsonPayload(changes(250));
    expect(big).toMatchObject({ counts: { new: 250, resolved: 0 }, truncated: true });
    expect((big.new as unknown[]).length).toBe(200);
  });
});

describe('webhook URL handling', () => {
  it.each([
    { url: 'https://hooks.slack.com/services/T000/B000/SECRETTOKEN', label: 'https://hooks.slack.com/…' },
    { url: 'https://user:pass@example.test/hook?token=SECRET', label: 'https://example.test/…' },
  ])('shows only the origin of $label', ({ url, label }) => {
    expect(webhookLabel(url)).toBe(label);
  });

  it.each([
    { value: 'not a url', message: /--notify: expected an http:\/\/ or https:\/\/ webhook URL/ },
    { value: 'ftp://example.test/SECRET', message: /got a ftp: URL/ },
    { value: 'file:///etc/passwd', message: /got a file: URL/ },
  ])('rejects $value without echoing it', ({ value, message }) => {
    expect(() => parseWebhookUrl(value)).toThrow(message);
    try {
      parseWebhookUrl(value);
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRET');
    }
  });

  it.each(['https://hooks.example.test/x', 'http://127.0.0.1:8080/hook'])('accepts %s', (url) => {
    expect(parseWebhookUrl(url)).toBe(url);
  });

  it.each([
    { fn: () => parseNotifyFormat('xml'), message: /--notify-format: expected one of slack, json, got "xml"/ },
    { fn: () => parseNotifySeverity('urgent'), message: /--notify-min-severity: expected one of critical, high, medium, low, info, got "urgent"/ },
  ])('names the option in a bad value: $message', ({ fn, message }) => {
    expect(fn).toThrow(message);
  });
});

describe('postWebhook against a local receiver', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(() => receiver.reset());

  const post = (path = '/hooks/SECRET-TOKEN') => postWebhook(receiver.url(path), { text: 'hi' }, { timeoutMs: 500, retryDelayMs: 10 });

  it.each([
    { name: '200', answers: [200], result: { ok: true, attempts: 1 }, requests: 1 },
    { name: '500 then 200 (one retry)', answers: [500, 200], result: { ok: true, attempts: 2 }, requests: 2 },
    { name: '500 twice', answers: [500, 500], result: { ok: false, attempts: 2, error: 'HTTP 500' }, requests: 2 },
    { name: '429 then 200', answers: [429, 200], result: { ok: true, attempts: 2 }, requests: 2 },
    { name: '404 (not retried)', answers: [404], result: { ok: false, attempts: 1, error: 'HTTP 404' }, requests: 1 },
  ])('$name', async ({ answers, result, requests }) => {
    receiver.answer(...answers);
    expect(await post()).toEqual(result);
    expect(receiver.received).toHaveLength(requests);
    expect(receiver.received[0]).toMatchObject({ method: 'POST', contentType: 'application/json', body: '{"text":"hi"}' });
  });

  it('gives up after a timeout on each of two attempts', async () => {
    receiver.answer('hang', 'hang');
    const r = await post();
    expect(r).toMatchObject({ ok: false, attempts: 2 });
    expect(r.ok ? '' : r.error).toMatch(/no answer within 500 ms/);
  });

  it('reports a refused connection without the URL path', async () => {
    const r = await postWebhook('http://127.0.0.1:1/hooks/SECRET-TOKEN', {}, { timeoutMs: 500, retryDelayMs: 10 });
    expect(r).toMatchObject({ ok: false, attempts: 2 });
    expect(JSON.stringify(r)).not.toContain('SECRET-TOKEN');
  });
});
