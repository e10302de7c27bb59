import { z } from 'zod';
import { httpUrl } from './url.ts';

/**
 * The `github:` section of the config file.
 *
 * Credentials: a token from the environment variable `GITHUB_TOKEN` (a fine-grained or classic
 * PAT, or an installation token; never written to the config or the store), or a GitHub App
 * (`app`: its id and the path of its private key file; the key is never inline). With an app and
 * no `installationId`, each organization's installation of the app is looked up.
 *
 * Permissions the scanner needs (read-only): repository Administration (deploy keys,
 * environments), Secrets (Actions secret names), Secret scanning alerts, organization
 * Administration (app installations) and Personal access tokens (grants and requests; GitHub
 * serves those only to GitHub Apps).
 */
const orgName = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'a GitHub organization login');
const repoFullName = z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'owner/repository');

export const githubSchema = z.strictObject({
  /** Organizations to scan, by login. */
  organizations: z.array(orgName).min(1, 'list at least one organization'),
  /** API root; GitHub Enterprise Server: `https://ghe.example/api/v3`. Default `https://api.github.com`. */
  baseUrl: httpUrl().optional(),
  /** Authenticate as a GitHub App instead of GITHUB_TOKEN. */
  app: z
    .strictObject({
      appId: z.union([z.int().positive(), z.string().regex(/^\d+$/)]),
      /** Path of the app's PEM private key. */
      privateKeyFile: z.string().min(1),
      /** One installation for every organization; default: each organization's installation. */
      installationId: z.int().positive().optional(),
    })
    .optional(),
  /** Concurrent per-repository calls per organization (the throttling plugin also caps at 10 in flight). */
  concurrency: z.int().min(1).max(32).default(4),
  /** Page size of list calls (GitHub's maximum is 100). */
  perPage: z.int().min(1).max(100).default(100),
  /** Retries of a call on 5xx, and of a rate-limited call (primary or secondary) after its wait. */
  maxRetries: z.int().min(0).max(10).default(3),
  /** Longest rate-limit wait the scanner accepts (seconds); a longer one fails the source. */
  maxRateLimitWaitSeconds: z.int().min(1).max(3600).default(120),
  /** Timeout of one request (milliseconds). */
  requestTimeoutMs: z.int().min(1000).max(600_000).default(60_000),
  /** Read secret scanning alerts (GitHub Advanced Security); an organization without it is skipped with a warning. */
  secretScanning: z.boolean().default(true),
  /** Fetch the first location (path, line) of each open secret scanning alert: one call per alert. */
  alertLocations: z.boolean().default(true),
  /** Include archived repositories. */
  includeArchived: z.boolean().default(true),
  /** Scan the organizations' repositories' history for committed keys. */
  committedKeys: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Existing checkouts by full name (`acme/api`): scanned instead of cloned. */
      localCheckouts: z.record(repoFullName, z.string().min(1)).default({}),
      /** Where repositories are mirrored (`git clone --mirror`, token sent as an http.extraheader). Without it, only local checkouts are scanned. */
      cloneDir: z.string().min(1).optional(),
      /** At most this many repositories per organization. */
      maxRepos: z.int().min(1).optional(),
    })
    .prefault({}),
});

export type GithubConfig = z.infer<typeof githubSchema>;

/** The environment variable holding the token (PAT or installation token). */
export const GITHUB_TOKEN_ENV = 'GITHUB_TOKEN';
export const GITHUB_DEFAULT_BASE_URL = 'https://api.github.com';
