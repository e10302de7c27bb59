/** Fake rules and findings for the output tests: hits built the way the engine builds them, from a known fake secret. */
import { createHash } from 'node:crypto';
import type { Severity } from '../../../../src/model/index.ts';
import type { ScanStats, SecretFinding, SecretRule, SourceLocation } from '../../../../src/collectors/repos/types.ts';

/** Never a real credential; every output test asserts this string (and its middle) is absent. */
export const FAKE_SECRET = 'sprawlFAKEsecretZq8vK2mN4pR7tW1xY3bC';
export const FAKE_MIDDLE = FAKE_SECRET.slice(4, -4);

function rule(id: string, family: string, severity: Severity, title: string): SecretRule {
  return {
    id,
    family,
    title,
    description: `${title}: a credential committed to the repository. Rotate it, then remove it.`,
    severity,
    keywords: [id.split('-')[0]!],
    pattern: /(?<secret>x)/g,
    samples: { match: [], noMatch: [] },
  };
}

export const RULES: readonly SecretRule[] = [
  rule('aws-secret-access-key', 'aws', 'critical', 'AWS secret access key'),
  rule('github-pat', 'github', 'high', 'GitHub personal access token'),
  rule('generic-password', 'generic', 'medium', 'Password assignment'),
  rule('jwt', 'jwt', 'low', 'JSON Web Token'),
  rule('slack-webhook-url', 'slack', 'info', 'Slack webhook URL'),
];

export interface FakeHit {
  ruleId?: string;
  severity?: Severity;
  path?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  location?: Partial<SourceLocation>;
  allowed?: boolean;
  secret?: string;
}

/** A finding as the engine would report `secret`: keyed fingerprint and redacted preview, never the value. */
export function finding(hit: FakeHit = {}): SecretFinding {
  const secret = hit.secret ?? FAKE_SECRET;
  const ruleId = hit.ruleId ?? 'aws-secret-access-key';
  const column = hit.column ?? 7;
  return {
    ruleId,
    severity: hit.severity ?? RULES.find((r) => r.id === ruleId)?.severity ?? 'high',
    line: hit.line ?? 3,
    column,
    endLine: hit.endLine ?? hit.line ?? 3,
    endColumn: hit.endColumn ?? column + secret.length,
    fingerprint: createHash('sha256').update(`test-key:${secret}`).digest('hex'),
    preview: `${secret.slice(0, 4)}…${secret.slice(-4)}`,
    allowed: hit.allowed ?? false,
    location: { path: hit.path ?? 'src/config.ts', ...hit.location },
  };
}

export function stats(over: Partial<ScanStats> = {}): ScanStats {
  return { filesScanned: 120, bytesScanned: 3 * 1024 * 1024, skippedBinary: 4, skippedLarge: 1, errors: [], durationMs: 1234, ...over };
}
