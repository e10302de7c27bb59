/**
 * Baselines: the findings a team has accepted, recorded by fingerprint (never the secret) so later
 * scans report only new ones. File format:
 * `{ "version": 1, "tool": "sprawl", "fingerprints": [{ fingerprint, ruleId, path, line }] }`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretFinding } from './types.ts';

export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  path: string;
  line: number;
}

export interface BaselineFile {
  version: 1;
  tool: 'sprawl';
  fingerprints: BaselineEntry[];
}

export class BaselineError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`baseline ${file}: ${message}`);
    this.name = 'BaselineError';
    this.file = file;
  }
}

/** The fingerprints a baseline file accepts. Throws a BaselineError naming the file when it is unreadable or malformed. */
export function readBaseline(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaselineError(file, code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BaselineError(file, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new BaselineError(file, 'expected a JSON object');
  const obj = data as Record<string, unknown>;
  if (obj.tool !== 'sprawl') throw new BaselineError(file, `not a sprawl baseline ("tool" is ${JSON.stringify(obj.tool)}, expected "sprawl")`);
  if (obj.version !== 1) throw new BaselineError(file, `unsupported version ${JSON.stringify(obj.version)} (expected 1)`);
  if (!Array.isArray(obj.fingerprints)) throw new BaselineError(file, '"fingerprints" must be an array');
  const set = new Set<string>();
  obj.fingerprints.forEach((entry: unknown, i) => {
    const fp = typeof entry === 'object' && entry !== null ? (entry as { fingerprint?: unknown }).fingerprint : undefined;
    if (typeof fp !== 'string' || !/^[0-9a-f]{8,128}$/i.test(fp)) throw new BaselineError(file, `fingerprints[${i}]: expected an object with a hex "fingerprint"`);
    set.add(fp.toLowerCase());
  });
  return set;
}

/** Writes the findings' fingerprints (sorted, one entry per fingerprint and place; no secrets). */
export function writeBaseline(file: string, findings: readonly SecretFinding[]): void {
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    const e: BaselineEntry = { fingerprint: f.fingerprint.toLowerCase(), ruleId: f.ruleId, path: f.location.path, line: f.line };
    entries.set(`${e.fingerprint}\0${e.path}\0${e.line}`, e);
  }
  const fingerprints = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || (a.fingerprint < b.fingerprint ? -1 : 1)));
  const body: BaselineFile = { version: 1, tool: 'sprawl', fingerprints };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o644 });
}

/** The findings whose fingerprint the baseline does not hold. */
export function applyBaseline(findings: readonly SecretFinding[], baseline: ReadonlySet<string>): SecretFinding[] {
  return findings.filter((f) => !baseline.has(f.fingerprint.toLowerCase()));
}
