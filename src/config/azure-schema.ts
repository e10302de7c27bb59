import { z } from 'zod';
import { httpUrl } from './url.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = (what: string) => z.string().regex(GUID, `a ${what} (GUID)`);

/**
 * Azure (Entra ID + Resource Manager). Credentials are never in the config:
 *
 * - `SPRAWL_AZURE_ACCESS_TOKEN`: a static bearer token used for both ARM and Graph (short-lived;
 *   handy in CI with `az account get-access-token`, and what the sandbox hands out);
 * - otherwise @azure/identity's DefaultAzureCredential: `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` +
 *   `AZURE_CLIENT_SECRET` (or a certificate) through EnvironmentCredential, workload identity,
 *   managed identity, Azure CLI, ... With a custom `authorityHost` instance discovery is switched
 *   off so the token flow stays on that host.
 *
 * The identity needs Reader (or `Microsoft.Authorization/*\/read`) on the subscriptions and the
 * Graph application permissions Application.Read.All and AuditLog.Read.All (sign-in activity).
 */
export const azureSchema = z.strictObject({
  /** Directory (tenant) id; default: AZURE_TENANT_ID, else asked from Graph (`/organization`). */
  tenantId: guid('tenant id').optional(),
  /** Subscriptions whose role assignments are read; empty means every subscription the credential sees. */
  subscriptions: z.array(guid('subscription id')).default([]),
  /** Resource Manager endpoint (sovereign clouds, a private endpoint, the sandbox). */
  armEndpoint: httpUrl().default('https://management.azure.com'),
  /** Microsoft Graph endpoint. */
  graphEndpoint: httpUrl().default('https://graph.microsoft.com'),
  /** Entra ID authority host the credential gets tokens from. */
  authorityHost: httpUrl().default('https://login.microsoftonline.com'),
  /** Token scope of Resource Manager calls; keep the real one when the endpoint is overridden. */
  armScope: z.string().min(1).default('https://management.azure.com/.default'),
  /** Token scope of Graph calls. */
  graphScope: z.string().min(1).default('https://graph.microsoft.com/.default'),
  /** Concurrent API calls (Graph and ARM together). */
  concurrency: z.int().min(1).max(64).default(8),
  /** Graph page size (`$top`, at most 999). */
  pageSize: z.int().min(1).max(999).default(999),
  /** Read the beta sign-in activity reports (need Entra ID P1/P2 and AuditLog.Read.All). */
  signInActivity: z.boolean().default(true),
  /** Microsoft first-party service principals: left out (`skip`) or kept and marked managed. */
  firstPartyApps: z.enum(['skip', 'managed']).default('skip'),
  /** Retries of a throttled (429) or failed (5xx) call. */
  maxRetries: z.int().min(0).max(10).default(4),
  /** Timeout of one request, in milliseconds. */
  requestTimeoutMs: z.int().min(1000).max(600_000).default(60_000),
  /** A PEM file of CA certificates to trust on top of the system ones (private endpoints, the sandbox). */
  caFile: z.string().min(1).optional(),
});

export type AzureConfig = z.infer<typeof azureSchema>;
