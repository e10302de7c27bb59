import { z } from 'zod';
import { analysisSchema } from './analysis-schema.ts';
import { enforceSchema } from './enforce-schema.ts';
import { azureSchema } from './azure-schema.ts';
import { gatewaySchema } from './gateway-schema.ts';
import { gcpSchema } from './gcp-schema.ts';
import { githubSchema } from './github-schema.ts';
import { kubernetesSchema } from './kubernetes-schema.ts';

/**
 * AWS account ids are 12 digits. YAML reads an unquoted id as a number and drops leading zeros;
 * every account id has exactly 12 digits, so the zeros are put back.
 */
const accountId = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e12 ? String(v).padStart(12, '0') : v),
  z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
);
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
const regex = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'a valid regular expression');

export const awsAccountSchema = z.strictObject({
  /** Account to scan. Without roleArn the default credentials are used and this must match them. */
  id: accountId.optional(),
  /** Friendly name shown in reports. */
  name: z.string().min(1).optional(),
  /** Role to assume in the account (read-only: IAMReadOnlyAccess or SecurityAudit). */
  roleArn: roleArn.optional(),
  externalId: z.string().min(2).optional(),
});

export const machineRulesSchema = z.strictObject({
  /** Tag keys whose value says what the user is (e.g. `sprawl:type=machine`). */
  tagKeys: z.array(z.string().min(1)).default(['sprawl:type', 'identity-type', 'type']),
  machineTagValues: z.array(z.string().min(1)).default(['machine', 'service', 'bot', 'ci', 'automation', 'service-account']),
  humanTagValues: z.array(z.string().min(1)).default(['human', 'person', 'user', 'employee']),
  /** User names matching any of these are machines (regular expressions, case-insensitive). */
  machinePatterns: z.array(regex).default(['^(svc|ci|cd|bot|app|sa|deploy|build|terraform|automation)[-_.]', '[-_.](svc|bot|ci|deploy|deployer|automation|service|sa)$']),
  /** User names matching any of these are people, whatever else is true. */
  humanPatterns: z.array(regex).default([]),
  /** A user with no console password (credential report) counts as a machine. */
  noConsolePasswordIsMachine: z.boolean().default(true),
});

export const awsSchema = z.strictObject({
  /** Region used for signing and STS. IAM is global. */
  region: z.string().min(1).default('us-east-1'),
  /** Endpoint override (a local emulator, a VPC endpoint). Default: the real AWS endpoints. */
  endpoint: z.url().optional(),
  /** Named profile from ~/.aws/config; default: the SDK's default chain (env, profile, SSO, IMDS). */
  profile: z.string().min(1).optional(),
  /** Accounts to scan; empty means the account of the default credentials. */
  accounts: z.array(awsAccountSchema).default([]),
  /** Concurrent API calls per account. */
  concurrency: z.int().min(1).max(64).default(8),
  /** Attempts per call, retries on throttling and 5xx included. */
  maxAttempts: z.int().min(1).max(20).default(6),
  /** Timeout of one request attempt (no answer, or a stalled one, within it: the attempt fails and is retried). */
  requestTimeoutMs: z.int().min(1000).max(600_000).default(60_000),
  /** Page size for list calls (MaxItems). */
  pageSize: z.int().min(1).max(1000).default(1000),
  /** Include IAM roles (service-linked roles are kept and marked managed). */
  includeRoles: z.boolean().default(true),
  machineUsers: machineRulesSchema.prefault({}),
});

export const policySchema = z.strictObject({
  /** Access keys older than this many days should be rotated (CIS AWS 1.14: 90). */
  keyRotationDays: z.int().min(1).max(3650).default(90),
  /** Credentials unused for this many days are stale (CIS AWS 1.12: 45). */
  unusedDays: z.int().min(1).max(3650).default(45),
  /** Secrets (Azure client secrets, certificates) may live at most this long from start to end. */
  maxSecretLifetimeDays: z.int().min(1).max(36500).default(365),
  /** A credential expiring within this many days is reported as expiring. */
  expiryWarningDays: z.int().min(0).max(365).default(30),
});

export const ownersSchema = z.strictObject({
  /** Tag or label keys whose value names an identity's owner, in order of preference. */
  tagKeys: z.array(z.string().min(1)).default(['owner', 'Owner', 'team', 'Team', 'sprawl:owner']),
});

const severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);

/** Committed-key detection, shared by `sprawl scan`, `sprawl secrets scan` and `sprawl gate`. */
export const secretsSchema = z.strictObject({
  /** Files larger than this are skipped (and counted). */
  maxFileBytes: z.int().min(1).max(1024 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Paths never scanned (gitignore syntax), on top of .gitignore and .sprawlignore. */
  allowPaths: z.array(z.string().min(1)).default([]),
  /** Detection rules switched off, by id (see `sprawl secrets rules`). */
  disabledRules: z.array(z.string().min(1)).default([]),
  /** Fingerprints recorded here are ignored (written by --write-baseline). */
  baseline: z.string().min(1).optional(),
  /** `sprawl gate` fails on hits at or above this severity. */
  failOn: severity.default('medium'),
  /** Worker threads for large scans; default: the machine's cores. */
  workers: z.int().min(1).max(64).optional(),
  /** Time cap of one file's scan, in ms: a file taking longer is cut off and reported by path (hits found before it kept). */
  fileTimeoutMs: z.int().min(1).max(3_600_000).default(10_000),
});

/** A repository whose history `sprawl scan` searches for committed keys. */
export const repoSchema = z.strictObject({
  /** A local checkout (clone it first; the path is read, never written). */
  path: z.string().min(1),
  /** Name shown in reports (default: the folder name). */
  name: z.string().min(1).optional(),
  /** Every blob reachable from all refs (true), or only the working tree (false). */
  history: z.boolean().default(true),
});

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** Store location: a SQLite file path or a postgres:// URL. `--db` and SPRAWL_DB override it. */
  store: z.string().min(1).optional(),
  policy: policySchema.prefault({}),
  owners: ownersSchema.prefault({}),
  aws: awsSchema.optional(),
  gcp: gcpSchema.optional(),
  azure: azureSchema.optional(),
  github: githubSchema.optional(),
  kubernetes: kubernetesSchema.optional(),
  gateway: gatewaySchema.optional(),
  analysis: analysisSchema.prefault({}),
  enforce: enforceSchema.prefault({}),
  secrets: secretsSchema.prefault({}),
  repos: z.array(repoSchema).default([]),
});

export type Config = z.infer<typeof configSchema>;
export type AwsConfig = z.infer<typeof awsSchema>;
export type AwsAccountConfig = z.infer<typeof awsAccountSchema>;
export type MachineRules = z.infer<typeof machineRulesSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type OwnersConfig = z.infer<typeof ownersSchema>;
export type SecretsConfig = z.infer<typeof secretsSchema>;
export type RepoConfig = z.infer<typeof repoSchema>;
