/**
 * Property-based fuzzing of the config loader (src/config/load.ts): arbitrary YAML text, arbitrary
 * JSON-like values and mutations of a valid config never make it throw anything but ConfigError,
 * whose every problem line starts with the key path it is about; valid configs round-trip (parse,
 * dump as YAML, parse again: the same config). fast-check prints the seed and the shrunk
 * counterexample of a failure; re-run with that seed to reproduce it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfig, parseConfigText } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { STARTER_CONFIG } from '../../src/config/starter.ts';
import { jsonish as jsonishOf } from './arbitraries.ts';

const RUNS = 300;

/**
 * A problem line names its place first: a key path (`aws.accounts[0].id`, `(top level)`, `the top
 * level`) or, for YAML syntax, the file position (`sprawl.yaml:3:7`, `line 3, column 7`), then `: `.
 */
const PROBLEM_LINE = /^(?:\(top level\)|the top level|(?:sprawl\.yaml:\d+:\d+: )?line \d+, column \d+|sprawl\.yaml:\d+:\d+|[^\s:][^:]*?): \S/;

type Outcome = { ok: true; config: Config } | { ok: false; error: ConfigError };

/** Runs the loader; any throw that is not a ConfigError fails the property (it propagates). */
function attempt(run: () => Config): Outcome {
  try {
    return { ok: true, config: run() };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, error: err };
    throw err;
  }
}

function checkError(o: Outcome): void {
  if (o.ok) return;
  expect(o.error.name).toBe('ConfigError');
  expect(o.error.message).toMatch(/sprawl\.yaml/);
  for (const p of o.error.problems) expect(p).toMatch(PROBLEM_LINE);
}

const ACCOUNT = '123456789012';

/** A valid config touching every section (input shape: defaults fill the rest). */
const VALID: Record<string, unknown> = {
  version: 1,
  store: '.sprawl/fuzz.db',
  policy: { keyRotationDays: 90, unusedDays: 45 },
  owners: { tagKeys: ['owner', 'team'] },
  aws: {
    region: 'eu-west-1',
    concurrency: 4,
    accounts: [
      { id: ACCOUNT, name: 'prod', roleArn: `arn:aws:iam::${ACCOUNT}:role/SprawlAudit`, externalId: 'ext-123' },
      { id: '210987654321', name: 'dev' },
    ],
  },
  gcp: { projects: ['acme-prod'], activity: true },
  azure: { tenantId: '00000000-0000-4000-8000-000000000001' },
  github: { organizations: ['acme'] },
  kubernetes: { contexts: ['prod', 'staging-*'] },
  gateway: { url: 'https://hoop.example.com:8009', connectionMap: [{ pattern: 'pg-prod-*', identity: `aws:${ACCOUNT}:user/etl-bot` }] },
  secrets: { allowPaths: ['test/fixtures/**'] },
  repos: [{ path: './api', history: true }, { path: './web', name: 'acme/web' }],
};

/** JSON-like values, including the shapes YAML produces (null, nested maps and lists, odd keys). */
const jsonish = jsonishOf({
  leaves: [fc.constantFrom('', '1', 'true', '123456789012', 'us-east-1', 'https://x', '*', '~', '[', '{')],
  keys: ['__proto__', 'constructor', 'toString', 'aws', 'id', 'version'],
  maxItems: 4,
});

type Path = (string | number)[];

/** Every path in a JSON value (containers and leaves). */
function pathsOf(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

type Mutation = { op: 'set'; value: unknown } | { op: 'delete' } | { op: 'add'; key: string; value: unknown };

/** A deep copy of `root` with one mutation at `path`. */
function mutate(root: unknown, path: Path, m: Mutation): unknown {
  const copy: unknown = structuredClone(root);
  if (path.length === 0) return m.op === 'set' ? m.value : m.op === 'delete' ? undefined : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.op === 'set') parent[last] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    else parent[last] = m.value;
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  jsonish.map((value) => ({ op: 'set' as const, value })),
  fc.constant({ op: 'delete' as const }),
  fc.tuple(fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('__proto__', 'acounts', 'regoin')), jsonish).map(([key, value]) => ({ op: 'add' as const, key, value })),
);

const VALID_PATHS = pathsOf(VALID);

describe('config loader under fuzzing', () => {
  it('the valid base config is valid (the mutations start from a config that loads)', () => {
    expect(attempt(() => parseConfig(VALID, 'sprawl.yaml')).ok).toBe(true);
    expect(attempt(() => parseConfigText(STARTER_CONFIG, 'sprawl.yaml')).ok).toBe(true);
  });

  it('arbitrary text: a config or a ConfigError naming the place', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom(...' \n\t:-[]{}#&*!|>\'"%@`,?aw1'.split('')), maxLength: 120 })), (text) => {
        checkError(attempt(() => parseConfigText(text, 'sprawl.yaml')));
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary values: a config or a ConfigError whose every problem starts with a key path', () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        checkError(attempt(() => parseConfig(value, 'sprawl.yaml')));
        checkError(attempt(() => parseConfigText(stringify(value), 'sprawl.yaml')));
      }),
      { numRuns: RUNS },
    );
  });

  it('one mutation of a valid config: a config or a ConfigError naming a key path', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_PATHS), mutation, (path, m) => {
        const input = mutate(VALID, path, m);
        const o = attempt(() => parseConfig(input, 'sprawl.yaml'));
        checkError(o);
        if (!o.ok) expect(o.error.problems.length).toBeGreaterThan(0);
        // the same mutation through YAML text (what a user edits)
        checkError(attempt(() => parseConfigText(stringify(input ?? null), 'sprawl.yaml')));
      }),
      { numRuns: RUNS },
    );
  });

  it('a wrong value at a known key is reported at that key', () => {
    // Cases that must fire: a value of the wrong type replaces a leaf; the error names its path.
    const leaves = VALID_PATHS.filter((p) => p.length > 0 && typeof p[p.length - 1] === 'string' && true);
    fc.assert(
      fc.property(fc.constantFrom(...leaves), fc.constantFrom<unknown>({ nested: { deeper: 1 } }, [[1, 2]], -3.5), (path, value) => {
        const original = pathsValue(VALID, path);
        fc.pre(typeof original !== 'object' || original === null);
        const o = attempt(() => parseConfig(mutate(VALID, path, { op: 'set', value }), 'sprawl.yaml'));
        expect(o.ok).toBe(false);
        if (o.ok) return;
        const where = keyPathOf(path);
        expect(o.error.problems.some((p) => p.startsWith(`${where}:`))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('valid configs round-trip: parsed, dumped as YAML and parsed again they are the same config', () => {
    // Mutations that keep the config valid: each kept; a loaded config, loaded again, is unchanged.
    const arb = fc.tuple(fc.constantFrom(...VALID_PATHS), mutation).map(([path, m]) => mutate(VALID, path, m));
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(arb, fc.constant<unknown>(VALID), fc.constant<unknown>({})), (input) => {
        const first = attempt(() => parseConfig(input, 'sprawl.yaml'));
        fc.pre(first.ok);
        if (!first.ok) return;
        valid++;
        const again = attempt(() => parseConfig(first.config, 'sprawl.yaml'));
        expect(again.ok && again.config).toEqual(first.config);
        const viaText = attempt(() => parseConfigText(stringify(first.config), 'sprawl.yaml'));
        expect(viaText.ok && viaText.config).toEqual(first.config);
      }),
      { numRuns: RUNS },
    );
    expect(valid).toBeGreaterThan(10);
  });
});

function pathsValue(root: unknown, path: Path): unknown {
  let cur = root;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

function keyPathOf(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
