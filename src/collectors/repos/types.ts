/**
 * Committed-key detection: the shared types of the engine (text -> hits), the sources (working
 * tree, staged changes, commit ranges, full history) and the outputs. A raw secret never leaves the
 * engine: a hit carries a keyed fingerprint and a redacted preview, never the value.
 */
import type { CredentialKind, Severity } from '../../model/index.ts';

/** A detection rule, as data (ARCHITECTURE.md, "Interfaces"). */
export interface SecretRule {
  /** Stable id, e.g. `aws-access-key-id`; used in SARIF, baselines, allowlists. */
  id: string;
  /** Provider or kind family: aws, gcp, azure, github, gitlab, kubernetes, private-key, jwt, slack, stripe, generic. */
  family: string;
  /** Short name shown in reports. */
  title: string;
  /** Help text: what it is, why it matters, how to remediate (SARIF rule help). */
  description: string;
  severity: Severity;
  /**
   * Lower-case literals, at least one of which occurs in (or right around) every true match: the
   * fast pre-filter. The rule's pattern only runs near a keyword occurrence.
   */
  keywords: string[];
  /**
   * The pattern, run near keyword occurrences. Must have a named group `secret` (the value that is
   * fingerprinted); may have others the validator or publicId use. Flags must include `g` or `y`.
   */
  pattern: RegExp;
  /**
   * How far around a keyword occurrence the pattern may reach, in characters beyond the keyword's
   * line (which is always searched, bounded to 1 KB each side). Multi-line formats (PEM blocks,
   * pretty-printed JSON, kubeconfigs) set it; the default is the keyword's line only.
   */
  window?: { before: number; after: number };
  /** Minimum Shannon entropy (bits per character) of the secret, when the format is not self-checking. */
  minEntropy?: number;
  /** Structure or checksum check; false drops the match. */
  validate?: (secret: string, groups: Record<string, string | undefined>) => boolean;
  /** The part that identifies the credential in an inventory (AWS key id, GCP private_key_id). Not secret. */
  publicId?: (secret: string, groups: Record<string, string | undefined>) => string | undefined;
  /** What kind of inventory credential the publicId matches. */
  credentialKind?: CredentialKind;
  /** Samples the tests run: each `match` must give exactly this rule a hit, each `noMatch` none. */
  samples: { match: string[]; noMatch: string[] };
}

/** One detection in one text. No secret inside. */
export interface SecretHit {
  ruleId: string;
  severity: Severity;
  /** 1-based line and column of the secret's first character; endColumn exclusive, on `endLine`. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Keyed hash (hex) of the secret: the same secret anywhere is the same fingerprint. */
  fingerprint: string;
  /** Redacted preview, e.g. `AKIA…7Q2X`. */
  preview: string;
  publicId?: string;
  /** The line carries a `sprawl:allow` comment. */
  allowed: boolean;
}

/** Where a scanned text came from. */
export interface SourceLocation {
  /** Repository (path or name) the file belongs to, when known. */
  repo?: string;
  path: string;
  /** For history and ranges: the commit that introduced it. */
  commit?: string;
  author?: string;
  /** ISO time of that commit. */
  time?: string;
  /** Git blob id, when scanned from the object database. */
  blob?: string;
}

/** A hit where it was found: what every output format and the store receive. */
export interface SecretFinding extends SecretHit {
  location: SourceLocation;
}

export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
  skippedBinary: number;
  skippedLarge: number;
  /** Hits dropped for an inline `sprawl:allow` comment (repository scans). */
  allowedInline?: number;
  /** Unreadable files and such: path and reason. */
  errors: { path: string; error: string }[];
  /** Files whose scan hit the time cap (also in `errors`): scanned in part, the hits found before kept. */
  cutOff?: { path: string; commit?: string; afterMs: number }[];
  durationMs: number;
}
