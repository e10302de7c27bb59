import { z } from 'zod';

/**
 * The `gcp:` section of the config file.
 *
 * Credentials: Application Default Credentials (`gcloud auth application-default login`,
 * GOOGLE_APPLICATION_CREDENTIALS, the metadata server, workload identity federation), scope
 * `cloud-platform`. The environment variable `SPRAWL_GCP_ACCESS_TOKEN` replaces them with a
 * static OAuth2 bearer token (a `gcloud auth print-access-token`, or the sandbox's token); it is
 * never written to the config or the store.
 *
 * Roles the scanner needs: `roles/iam.securityReviewer` (service accounts, keys, IAM policies),
 * `roles/browser` on folders/organization (project discovery) and
 * `roles/policyanalyzer.activityAnalysisViewer` (last authentication; optional, see `activity`).
 */

/** Numeric ids (folders, organizations): YAML may read them as numbers. */
const numericId = (what: string) =>
  z.preprocess(
    (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : typeof v === 'string' ? v.replace(/^(folders|organizations)\//, '') : v),
    z.string().regex(/^\d{1,20}$/, `a numeric ${what} id`),
  );

/** 6 to 30 characters: lowercase letters, digits, hyphens; starts with a letter, does not end with a hyphen. */
const projectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id (6-30 lowercase letters, digits, hyphens)');

export const gcpSchema = z.strictObject({
  /** Projects to scan, by id. */
  projects: z.array(projectId).default([]),
  /** Folders whose projects (and sub-folders' projects) are discovered and scanned; their IAM policies are read. */
  folders: z.array(numericId('folder')).default([]),
  /** Organization whose projects are all discovered and scanned; its IAM policy is read. */
  organization: numericId('organization').optional(),
  /** One origin serving every GCP API (the sandbox, a private endpoint). Default: each API's Google endpoint. */
  endpoint: z.url().optional(),
  /** Concurrent API calls per project. */
  concurrency: z.int().min(1).max(64).default(8),
  /** Page size of list calls (service accounts: at most 100). */
  pageSize: z.int().min(1).max(100).default(100),
  /** Retries of a call on throttling (429) and 5xx, with exponential backoff. */
  maxRetries: z.int().min(0).max(10).default(5),
  /** Timeout of one request attempt, in milliseconds. */
  requestTimeoutMs: z.int().min(1000).max(600_000).default(60_000),
  /** List Google-managed service agents found in IAM bindings as managed identities. */
  includeAgents: z.boolean().default(true),
  /** Read last-authentication times from the Policy Analyzer (Activity Analyzer). */
  activity: z.boolean().default(true),
}).refine((c) => c.projects.length > 0 || c.folders.length > 0 || c.organization !== undefined, { message: 'list the projects, folders or organization to scan' });

export type GcpConfig = z.infer<typeof gcpSchema>;

/** The environment variable holding a static bearer token (instead of Application Default Credentials). */
export const GCP_ACCESS_TOKEN_ENV = 'SPRAWL_GCP_ACCESS_TOKEN';
