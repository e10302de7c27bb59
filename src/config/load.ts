import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { suggestKey } from './suggest.ts';

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
      if (issue.format === 'url') return 'a URL such as https://host:port';
      if (issue.format === 'regex' && 'pattern' in issue && typeof issue.pattern === 'string') return `a string matching ${issue.pattern}`;
      return `a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Where a key path is in the file (`file:line:column`), when the config came from a file. */
export type Locate = (path: readonly PropertyKey[], key?: string) => string | undefined;

/** One line per problem: where, what was expected, what was there (and the file position when known). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, locate?: Locate): string[] {
  const at = (path: readonly PropertyKey[], key?: string): string => {
    const pos = locate?.(path, key);
    return pos ? ` (${pos})` : '';
  };
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? keyPath(issue.path) : 'the top level';
      return issue.keys.map((k) => {
        const hint = suggestKey(configSchema, issue.path, k);
        return `${where}: unknown key "${k}"${hint ? ` (did you mean "${hint}"?)` : ' (check the spelling; `sprawl init` writes every supported key)'}${at(issue.path, k)}`;
      });
    }
    const value = valueAt(input, issue.path);
    // A check on a whole section reads as an instruction; one on a value, as what was expected.
    if (issue.code === 'custom' && (value === null || typeof value === 'object' || value === undefined)) return [`${keyPath(issue.path)}: ${issue.message}${at(issue.path)}`];
    return [`${keyPath(issue.path)}: expected ${expectation(issue)}, got ${describeReceived(value)}${at(issue.path)}`];
  });
}

const ENV_REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\}|^\$[A-Z_][A-Z0-9_]*$/;

/** Strings that look like `${VAR}` references: sprawl does not expand them, so they are errors rather than literal values. */
function envReferences(input: unknown, path: PropertyKey[] = []): { path: PropertyKey[]; value: string }[] {
  if (typeof input === 'string') return ENV_REFERENCE.test(input) ? [{ path, value: input }] : [];
  if (Array.isArray(input)) return input.flatMap((v, i) => envReferences(v, [...path, i]));
  if (input !== null && typeof input === 'object') return Object.entries(input).flatMap(([k, v]) => envReferences(v, [...path, k]));
  return [];
}

/** Validates a parsed config object. `where` names the file in errors. */
export function parseConfig(input: unknown, where: string, locate?: Locate): Config {
  const refs = envReferences(input).map((r) => {
    const pos = locate?.(r.path);
    return `${keyPath(r.path)}: ${JSON.stringify(r.value)} looks like an environment variable reference; sprawl does not expand variables in the config file (write the value, or use the setting's environment variable: --db/SPRAWL_DB, apiKeyEnv, GITHUB_TOKEN...)${pos ? ` (${pos})` : ''}`;
  });
  const result = configSchema.safeParse(input ?? {});
  const problems = [...refs, ...(result.success ? [] : describeIssues(result.error.issues, input, locate))];
  if (!result.success || problems.length > 0) throw new ConfigError(`invalid config in ${where}:`, problems);
  return result.data;
}

/** `file:line:column` of the node at `path` (of the key `key` under it), or of its nearest existing parent. */
function locator(doc: Document, lines: LineCounter, where: string): Locate {
  const position = (offset: number): string => {
    const p = lines.linePos(offset);
    return `${where}:${p.line}:${p.col}`;
  };
  return (path, key) => {
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      if (!node || typeof node !== 'object') continue;
      if (key !== undefined && n === path.length && isMap(node)) {
        const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === key);
        const range = isScalar(pair?.key) ? pair.key.range : undefined;
        if (range) return position(range[0]);
      }
      const range = (node as { range?: [number, number, number] | null }).range;
      if (range) return position(range[0]);
    }
    return undefined;
  };
}

/** Parses YAML text, reporting syntax errors with their line and column. */
export function parseConfigText(text: string, where: string): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `cannot parse ${where} as YAML:`,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `${where}:${pos.line}:${pos.col}: line ${pos.line}, column ${pos.col}: ` : ''}${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    );
  }
  let value: unknown;
  try {
    // an alias to an anchor never set (`*x`), or more aliases than the cap (a "billion laughs" file)
    value = doc.toJS();
  } catch (err) {
    throw new ConfigError(`cannot parse ${where} as YAML:`, [`${where}: ${(err as Error).message}`]);
  }
  return parseConfig(value, where, locator(doc, lines, where));
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
