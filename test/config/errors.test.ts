import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigText } from '../../src/config/load.ts';
import { editDistance } from '../../src/config/suggest.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sprawl-config-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems of a config text, as the loader reports them (file named `sprawl.yaml`). */
function problems(text: string): string[] {
  try {
    parseConfigText(text, 'sprawl.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const ACCOUNT = '123456789012';
const ARN = `arn:aws:iam::${ACCOUNT}:role/sprawl-audit`;

/**
 * Every kind of wrong value, in every section: the YAML, then what one problem line must say
 * (the full key path first, the file position last).
 */
const CASES: { kind: string; yaml: string; problem: RegExp }[] = [
  // wrong type
  { kind: 'wrong type (string for a number)', yaml: 'policy:\n  unusedDays: soon\n', problem: /^policy\.unusedDays: expected a number, got "soon" \(sprawl\.yaml:2:15\)$/ },
  { kind: 'wrong type (mapping for a list)', yaml: `aws:\n  accounts:\n    id: "${ACCOUNT}"\n`, problem: /^aws\.accounts: expected a list, got a mapping \(sprawl\.yaml:3:5\)$/ },
  { kind: 'wrong type (string for a boolean)', yaml: 'gcp:\n  projects: [acme-prod]\n  activity: "yes please"\n', problem: /^gcp\.activity: expected true or false, got "yes please" \(sprawl\.yaml:3:13\)$/ },
  { kind: 'wrong type (number for a string)', yaml: 'store: 42\n', problem: /^store: expected a string, got 42 \(sprawl\.yaml:1:8\)$/ },
  { kind: 'wrong type (list for a section)', yaml: 'kubernetes:\n  - prod\n', problem: /^kubernetes: expected a mapping, got a list \(sprawl\.yaml:2:3\)$/ },
  { kind: 'wrong type (top level is a list)', yaml: '- aws\n- gcp\n', problem: /^\(top level\): expected a mapping, got a list \(sprawl\.yaml:1:1\)$/ },
  { kind: 'wrong type (fraction for a whole number)', yaml: 'azure:\n  concurrency: 2.5\n', problem: /^azure\.concurrency: expected a whole number, got 2\.5 \(sprawl\.yaml:2:16\)$/ },
  { kind: 'wrong type in a list item', yaml: 'repos:\n  - path: ./api\n  - path: ./web\n    history: sometimes\n', problem: /^repos\[1\]\.history: expected true or false, got "sometimes" \(sprawl\.yaml:4:14\)$/ },
  // unknown keys, with a suggestion when one is close
  { kind: 'unknown key with a suggestion', yaml: 'aws:\n  acounts: []\n', problem: /^aws: unknown key "acounts" \(did you mean "accounts"\?\) \(sprawl\.yaml:2:3\)$/ },
  { kind: 'unknown key in a list item', yaml: `aws:\n  accounts:\n    - id: "${ACCOUNT}"\n    - id: "${ACCOUNT}"\n    - rolearn: ${ARN}\n`, problem: /^aws\.accounts\[2\]: unknown key "rolearn" \(did you mean "roleArn"\?\) \(sprawl\.yaml:5:7\)$/ },
  { kind: 'unknown key deep in a section', yaml: 'enforce:\n  gateway:\n    cutof: delete\n', problem: /^enforce\.gateway: unknown key "cutof" \(did you mean "cutoff"\?\) \(sprawl\.yaml:3:5\)$/ },
  { kind: 'unknown key with nothing close', yaml: 'github:\n  organizations: [acme]\n  frobnicate: true\n', problem: /^github: unknown key "frobnicate" \(check the spelling; `sprawl init` writes every supported key\) \(sprawl\.yaml:3:3\)$/ },
  { kind: 'unknown section (report)', yaml: 'report:\n  format: html\n', problem: /^the top level: unknown key "report" \(did you mean "repos"\?\) \(sprawl\.yaml:1:1\)$/ },
  { kind: 'unknown section (sources)', yaml: 'sources:\n  aws: {}\n', problem: /^the top level: unknown key "sources" \(check the spelling.*\) \(sprawl\.yaml:1:1\)$/ },
  // out-of-range numbers
  { kind: 'number below the minimum', yaml: 'policy:\n  keyRotationDays: 0\n', problem: /^policy\.keyRotationDays: expected a value >= 1, got 0 \(sprawl\.yaml:2:20\)$/ },
  { kind: 'number above the maximum', yaml: 'aws:\n  concurrency: 1000\n', problem: /^aws\.concurrency: expected a value <= 64, got 1000 \(sprawl\.yaml:2:16\)$/ },
  { kind: 'negative count', yaml: 'kubernetes:\n  maxRetries: -1\n', problem: /^kubernetes\.maxRetries: expected a value >= 0, got -1 \(sprawl\.yaml:2:15\)$/ },
  { kind: 'out of range (analysis)', yaml: 'analysis:\n  sharedActorsMin: 1\n', problem: /^analysis\.sharedActorsMin: expected a value >= 2, got 1 \(sprawl\.yaml:2:20\)$/ },
  { kind: 'out of range (enforce)', yaml: 'enforce:\n  graceDays: 100000\n', problem: /^enforce\.graceDays: expected a value <= 3650, got 100000/ },
  { kind: 'out of range (secrets)', yaml: 'secrets:\n  maxFileBytes: 0\n', problem: /^secrets\.maxFileBytes: expected a value >= 1, got 0/ },
  { kind: 'out of range (github)', yaml: 'github:\n  organizations: [acme]\n  perPage: 500\n', problem: /^github\.perPage: expected a value <= 100, got 500 \(sprawl\.yaml:3:12\)$/ },
  // bad enums
  { kind: 'bad enum (azure)', yaml: 'azure:\n  firstPartyApps: hide\n', problem: /^azure\.firstPartyApps: expected one of "skip", "managed", got "hide" \(sprawl\.yaml:2:19\)$/ },
  { kind: 'bad enum (enforce)', yaml: 'enforce:\n  gateway:\n    cutoff: nuke\n', problem: /^enforce\.gateway\.cutoff: expected one of "disable", "delete", got "nuke"/ },
  { kind: 'bad enum (secrets)', yaml: 'secrets:\n  failOn: urgent\n', problem: /^secrets\.failOn: expected one of "critical", "high", "medium", "low", "info", got "urgent"/ },
  { kind: 'bad version', yaml: 'version: 2\n', problem: /^version: expected one of 1, got 2 \(sprawl\.yaml:1:10\)$/ },
  // bad formats: durations and dates, URLs, regexes, globs, ids
  { kind: 'bad duration (days must be positive)', yaml: 'gateway:\n  url: https://gw.example\n  since: 0\n', problem: /^gateway\.since: expected a value > 0, got 0 \(sprawl\.yaml:3:10\)$/ },
  { kind: 'bad duration (a string)', yaml: 'gateway:\n  url: https://gw.example\n  windowHours: 1d\n', problem: /^gateway\.windowHours: expected a number, got "1d"/ },
  { kind: 'bad date', yaml: 'analysis:\n  exemptions:\n    - { identity: "aws:*", rule: "*", reason: accepted, approver: cso, expires: next week }\n', problem: /^analysis\.exemptions\[0\]\.expires: expected an ISO date \(YYYY-MM-DD\) or time.*, got "next week"/ },
  { kind: 'bad URL (aws)', yaml: 'aws:\n  endpoint: "http//localhost"\n', problem: /^aws\.endpoint: expected a URL such as https:\/\/host:port, got "http\/\/localhost"/ },
  { kind: 'URL without a scheme (github)', yaml: 'github:\n  organizations: [acme]\n  baseUrl: ghe.example:8443\n', problem: /^github\.baseUrl: expected a URL such as https:\/\/host:port, got "ghe\.example:8443" \(sprawl\.yaml:3:12\)$/ },
  { kind: 'bad URL (gateway)', yaml: 'gateway:\n  url: gateway dot example\n', problem: /^gateway\.url: expected a URL such as https:\/\/host:port, got "gateway dot example" \(sprawl\.yaml:2:8\)$/ },
  { kind: 'bad URL (azure)', yaml: 'azure:\n  graphEndpoint: "http//graph"\n', problem: /^azure\.graphEndpoint: expected a URL/ },
  { kind: 'bad regex', yaml: 'aws:\n  machineUsers:\n    machinePatterns: ["^svc-", "(unclosed"]\n', problem: /^aws\.machineUsers\.machinePatterns\[1\]: expected a valid regular expression, got "\(unclosed" \(sprawl\.yaml:3:32\)$/ },
  { kind: 'bad regex in a connection pattern', yaml: 'gateway:\n  url: https://gw.example\n  connectionMap:\n    - { pattern: "/etl-[/", identity: "aws:1:user/x" }\n', problem: /^gateway\.connectionMap\[0\]\.pattern: expected a glob \(batch-\*\) or a valid regular expression in slashes.*, got "\/etl-\[\/"/ },
  { kind: 'bad glob (namespace pattern)', yaml: 'kubernetes:\n  systemNamespaces: ["kube-system", "Ops_*"]\n', problem: /^kubernetes\.systemNamespaces\[1\]: expected a namespace name or a pattern with \* \(e\.g\. \*-system\), got "Ops_\*"/ },
  { kind: 'bad account id', yaml: 'aws:\n  accounts:\n    - id: "12345"\n', problem: /^aws\.accounts\[0\]\.id: expected a 12-digit AWS account id, got "12345" \(sprawl\.yaml:3:11\)$/ },
  { kind: 'bad role ARN', yaml: `aws:\n  accounts:\n    - id: "${ACCOUNT}"\n    - id: "${ACCOUNT}"\n    - roleArn: arn:aws:iam::${ACCOUNT}:user/x\n`, problem: /^aws\.accounts\[2\]\.roleArn: expected an IAM role ARN.*, got "arn:aws:iam::123456789012:user\/x" \(sprawl\.yaml:5:16\)$/ },
  { kind: 'bad GUID', yaml: 'azure:\n  subscriptions: [not-a-guid]\n', problem: /^azure\.subscriptions\[0\]: expected a subscription id \(GUID\), got "not-a-guid"/ },
  { kind: 'bad uuid', yaml: 'enforce:\n  gateway:\n    agentId: agent-7\n', problem: /^enforce\.gateway\.agentId: expected a hoop agent id \(uuid\), got "agent-7"/ },
  { kind: 'bad project id', yaml: 'gcp:\n  projects: [Acme_Prod]\n', problem: /^gcp\.projects\[0\]: expected a GCP project id.*, got "Acme_Prod"/ },
  { kind: 'bad organization login', yaml: 'github:\n  organizations: ["-acme"]\n', problem: /^github\.organizations\[0\]: expected a GitHub organization login, got "-acme"/ },
  { kind: 'bad env var name', yaml: 'gateway:\n  url: https://gw.example\n  apiKeyEnv: hoop-key\n', problem: /^gateway\.apiKeyEnv: expected a string matching \/.*\/, got "hoop-key"/ },
  { kind: 'empty string', yaml: 'repos:\n  - path: ""\n', problem: /^repos\[0\]\.path: expected at least 1 character\(s\), got ""/ },
  // missing required keys
  { kind: 'missing required key (github)', yaml: 'github:\n  perPage: 50\n', problem: /^github\.organizations: expected a list, got nothing \(sprawl\.yaml:2:3\)$/ },
  { kind: 'missing required key (repos)', yaml: 'repos:\n  - name: api\n', problem: /^repos\[0\]\.path: expected a string, got nothing \(sprawl\.yaml:2:5\)$/ },
  { kind: 'missing required key (exemption)', yaml: 'analysis:\n  exemptions:\n    - { identity: "aws:*", rule: "*", approver: cso, expires: 2030-01-01 }\n', problem: /^analysis\.exemptions\[0\]\.reason: expected a string, got nothing/ },
  { kind: 'missing required key (github app)', yaml: 'github:\n  organizations: [acme]\n  app: { appId: 12 }\n', problem: /^github\.app\.privateKeyFile: expected a string, got nothing/ },
  { kind: 'missing one of several keys (gcp)', yaml: 'gcp:\n  concurrency: 2\n', problem: /^gcp: list the projects, folders or organization to scan \(sprawl\.yaml:2:3\)$/ },
  { kind: 'missing one of several keys (gateway)', yaml: 'gateway:\n  files: [sessions.jsonl]\n', problem: /^gateway: give the gateway name when reading files only \(sprawl\.yaml:2:3\)$/ },
  { kind: 'empty list where one item is required', yaml: 'github:\n  organizations: []\n', problem: /^github\.organizations: expected list at least one organization, got a list|^github\.organizations: expected at least 1 item\(s\), got a list/ },
  // environment variable references: not expanded, so refused
  { kind: 'env var reference (${VAR})', yaml: 'store: ${SPRAWL_DB}\n', problem: /^store: "\$\{SPRAWL_DB\}" looks like an environment variable reference; sprawl does not expand variables.* \(sprawl\.yaml:1:8\)$/ },
  { kind: 'env var reference with a default', yaml: 'aws:\n  profile: "${AWS_PROFILE:-default}"\n', problem: /^aws\.profile: "\$\{AWS_PROFILE:-default\}" looks like an environment variable reference/ },
  { kind: 'env var reference ($VAR)', yaml: 'gateway:\n  url: https://gw.example\n  apiKeyEnv: $HOOP_API_KEY\n', problem: /^gateway\.apiKeyEnv: "\$HOOP_API_KEY" looks like an environment variable reference/ },
  // YAML syntax: the file, line and column
  { kind: 'bad YAML (unclosed flow list)', yaml: 'aws:\n  accounts: [\n', problem: /^sprawl\.yaml:3:1: line 3, column 1: / },
  { kind: 'bad YAML (tab indentation)', yaml: 'aws:\n\tregion: eu-west-1\n', problem: /^sprawl\.yaml:2:1: line 2, column 1: .*[Tt]ab/ },
  { kind: 'bad YAML (duplicate key)', yaml: 'policy:\n  unusedDays: 30\n  unusedDays: 60\n', problem: /^sprawl\.yaml:3:3: line 3, column 3: Map keys must be unique/ },
  { kind: 'bad YAML (unterminated string)', yaml: 'store: "oops\n', problem: /^sprawl\.yaml:2:1: line 2, column 1: Missing closing "quote/ },
];

describe('config errors', () => {
  it.each(CASES)('$kind', ({ yaml, problem }) => {
    const found = problems(yaml);
    expect(found.some((p) => problem.test(p)), `${problem}\nnot among:\n${found.join('\n')}`).toBe(true);
  });

  it('reports every problem of a file at once, each with its own key path', () => {
    const found = problems(`aws:\n  accounts:\n    - id: "12345"\n      roleArn: nope\npolicy:\n  unusedDays: soon\nsecrets:\n  failOn: urgent\n`);
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['aws.accounts[0].id', 'aws.accounts[0].roleArn', 'policy.unusedDays', 'secrets.failOn']);
  });

  it.each([
    { kind: 'the empty file', yaml: '' },
    { kind: 'comments only', yaml: '# nothing yet\n' },
    { kind: 'a regex ending in $', yaml: 'aws:\n  machineUsers:\n    machinePatterns: ["^svc-.*$", "[$]x"]\n' },
    { kind: 'a dollar sign in a value that is not a reference', yaml: 'repos:\n  - path: ./price$list\n    name: "$5 tools"\n' },
    { kind: 'an unquoted account id that YAML reads as a number', yaml: 'aws:\n  accounts:\n    - id: 012345678901\n' },
    { kind: 'an unquoted date', yaml: 'analysis:\n  exemptions:\n    - { identity: "aws:*", rule: "*", reason: accepted, approver: cso, expires: 2030-01-01 }\n' },
    { kind: 'a glob and a regex connection pattern', yaml: 'gateway:\n  url: https://gw.example\n  connectionMap:\n    - { pattern: "batch-*", identity: a }\n    - { pattern: "/^etl-.+$/i", identity: b }\n' },
    { kind: 'a CRLF file with a BOM', yaml: '\uFEFFpolicy:\r\n  unusedDays: 30\r\n' },
  ])('accepts $kind', ({ yaml }) => {
    expect(problems(yaml)).toEqual([]);
  });

  it('names the file in the message when loading one', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'kubernetes:\n  pageSize: lots\n');
    expect(() => loadConfig(path)).toThrow(new RegExp(`invalid config in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\n  - kubernetes\\.pageSize: expected a number, got "lots" \\(${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:13\\)`));
  });

  it.each([
    ['accounts', 'acounts', 1],
    ['roleArn', 'rolearn', 0],
    ['cutoff', 'cutof', 1],
    ['abc', 'xyz', 3],
  ])('edit distance %s ~ %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('exits 2 through the CLI with the problems on stderr and no stack trace', async () => {
    const cwd = mkdtempSync(join(dir, 'cli-'));
    writeFileSync(join(cwd, 'sprawl.yaml'), 'aws:\n  accounts:\n    - id: "123"\n  concurency: 4\nstore: ${SPRAWL_DB}\n');
    const r = await runCli(['scan', '--dry-run'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`invalid config in ${join(cwd, 'sprawl.yaml')}:`);
    expect(r.stderr).toContain('aws.accounts[0].id: expected a 12-digit AWS account id, got "123"');
    expect(r.stderr).toContain('aws: unknown key "concurency" (did you mean "concurrency"?)');
    expect(r.stderr).toContain('store: "${SPRAWL_DB}" looks like an environment variable reference');
    expect(r.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
    const yaml = await runCli(['scan', '--dry-run'], { cwd: mkdtempSync(join(dir, 'cli-')), env: {} }).then(async () => {
      const c = mkdtempSync(join(dir, 'cli-'));
      writeFileSync(join(c, 'sprawl.yml'), 'aws:\n  region: [eu-west-1\n');
      return runCli(['scan', '--dry-run'], { cwd: c });
    });
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/cannot parse .*sprawl\.yml as YAML:\n {2}- .*sprawl\.yml:3:1: line 3, column 1: /);
    expect(yaml.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
  });
});
