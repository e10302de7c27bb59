import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

/** A config problem: exit code 2, with the file and the key path in the message. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.problems = problems;
  }
}

export const DEFAULT_CONFIG_FILES = ['sprawl.yaml', 'sprawl.yml'];

/** `aws.accounts[0].id` from a zod issue path. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

function describeReceived(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function expectation(issue: z.core.$ZodIssue): string {
  const custom = !/^(Invalid|Too (small|big))/.test(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      if (custom) return issue.message;
      return issue.format === 'url' ? 'a URL such as https://host:port' : `a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** One line per problem: where, what was expected, what was there. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? keyPath(issue.path) : 'the top level';
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; \`sprawl init\` writes every supported key)`;
    }
    return `${keyPath(issue.path)}: expected ${expectation(issue)}, got ${describeReceived(valueAt(input, issue.path))}`;
  });
}

/** Validates a parsed config object. `where` names the file in errors. */
export function parseConfig(input: unknown, where: string): Config {
  const result = configSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`invalid config in ${where}:`, describeIssues(result.error.issues, input));
  return result.data;
}

/** Parses YAML text, reporting syntax errors with their line and column. */
export function parseConfigText(text: string, where: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `cannot parse ${where} as YAML:`,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    );
  }
  return parseConfig(doc.toJS(), where);
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or undefined when none exists and defaults apply. */
  path?: string;
}

/**
 * Loads `--config FILE`, or sprawl.yaml / sprawl.yml in the working directory. An explicit file
 * that does not exist is an error; with no file at all the defaults apply (nothing to scan).
 */
export function loadConfig(explicit?: string, cwd = process.cwd()): LoadedConfig {
  const candidates = explicit ? [explicit] : DEFAULT_CONFIG_FILES;
  for (const candidate of candidates) {
    const path = resolve(cwd, candidate);
    if (!existsSync(path)) {
      if (explicit) throw new ConfigError(`config file not found: ${path}`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
    }
    return { config: parseConfigText(text, path), path };
  }
  return { config: parseConfig({}, 'the defaults') };
}
