/**
 * The directory source (`azure:<tenantId>`): service principals and applications from Graph
 * (with their owners expanded, their secrets and certificates), and sign-in activity from the
 * beta reports. A 403 on the reports (no Entra ID P1, no AuditLog.Read.All) only drops the
 * sign-in data, with a warning; any other failure fails the source.
 */
import type { AzureConfig } from '../../config/azure-schema.ts';
import type { OwnersConfig } from '../../config/schema.ts';
import type { InventoryRecord } from '../../model/index.ts';
import type { RestClient } from '../../providers/azure/client.ts';
import { describeAzureError } from '../../providers/azure/client.ts';
import type { CollectorContext, ProgressDelta } from '../context.ts';
import type { Limit } from './limited.ts';
import { limitedPages } from './limited.ts';
import { buildCredentials, buildIdentity, credentialActivity, isFirstParty, latest, signInRecords, toIso } from './records.ts';
import type { GraphApplication, GraphCredentialSignIn, GraphServicePrincipal, GraphSignInActivity } from './records.ts';

const SP_SELECT = 'id,appId,displayName,servicePrincipalType,accountEnabled,appOwnerOrganizationId,tags,alternativeNames,passwordCredentials,keyCredentials';
const APP_SELECT = 'id,appId,displayName,createdDateTime,passwordCredentials,keyCredentials';
const OWNERS = 'owners($select=id,userPrincipalName)';

export interface DirectoryJob {
  tenantId: string;
  azure: AzureConfig;
  owners: OwnersConfig;
  graph: RestClient;
  limit: Limit;
  report(delta: ProgressDelta): void;
  signal: AbortSignal;
  ctx: CollectorContext;
}

export interface DirectoryResult {
  records: InventoryRecord[];
  /** Object ids of service principals left out (Microsoft first-party): their role assignments are dropped too. */
  skipped: Set<string>;
}

async function collectAll<T>(job: DirectoryJob, path: string): Promise<T[]> {
  const out: T[] = [];
  for await (const page of limitedPages(job.graph.pages<T>(path, job.signal), job.limit)) {
    out.push(...page);
    job.report({ pages: 1 });
  }
  return out;
}

/** A report that may be forbidden: undefined (and a warning) on 403, the rows otherwise. */
async function optionalReport<T>(job: DirectoryJob, path: string, what: string): Promise<T[] | undefined> {
  try {
    return await collectAll<T>(job, path);
  } catch (err) {
    const { status, code, message } = describeAzureError(err);
    if (status !== 403 && status !== 401) throw err;
    job.ctx.log.warn(`azure ${what} unavailable: sign-in dates left out (needs Entra ID P1 and AuditLog.Read.All)`, { source: `azure:${job.tenantId}`, code, message });
    return undefined;
  }
}

export async function collectDirectory(job: DirectoryJob): Promise<DirectoryResult> {
  const top = `$top=${job.azure.pageSize}`;
  const [sps, apps, signIns, credentialSignIns] = await Promise.all([
    collectAll<GraphServicePrincipal>(job, `/v1.0/servicePrincipals?$select=${SP_SELECT}&$expand=${OWNERS}&${top}`),
    collectAll<GraphApplication>(job, `/v1.0/applications?$select=${APP_SELECT}&$expand=${OWNERS}&${top}`),
    job.azure.signInActivity ? optionalReport<GraphSignInActivity>(job, `/beta/reports/servicePrincipalSignInActivities?$top=1000`, 'service principal sign-in activity') : Promise.resolve(undefined),
    job.azure.signInActivity ? optionalReport<GraphCredentialSignIn>(job, `/beta/reports/appCredentialSignInActivities?$top=1000`, 'credential sign-in activity') : Promise.resolve(undefined),
  ]);

  const appsByAppId = new Map<string, GraphApplication>();
  for (const a of apps) if (a.appId) appsByAppId.set(a.appId, a);
  const signInByAppId = new Map<string, GraphSignInActivity>();
  for (const s of signIns ?? []) if (s.appId) signInByAppId.set(s.appId, s);
  const credentialUse = new Map<string, string>();
  for (const c of credentialSignIns ?? []) {
    const at = toIso(c.signInActivity?.lastSignInDateTime);
    const key = c.keyId?.toLowerCase();
    if (key && at !== undefined) credentialUse.set(key, latest(credentialUse.get(key), at) ?? at);
  }

  const records: InventoryRecord[] = [];
  const skipped = new Set<string>();
  for (const sp of sps) {
    if (!sp.id || sp.servicePrincipalType === 'SocialIdp') continue;
    const firstParty = isFirstParty(sp);
    if (firstParty && job.azure.firstPartyApps === 'skip') {
      skipped.add(sp.id.toLowerCase());
      continue;
    }
    const app = sp.appId ? appsByAppId.get(sp.appId) : undefined;
    const identityId = `azure:${job.tenantId}:sp/${sp.id}`;
    const signIn = signInRecords(identityId, sp.appId ? signInByAppId.get(sp.appId) : undefined);
    const identity = buildIdentity({ tenantId: job.tenantId, sp, app, ownerTagKeys: job.owners.tagKeys, managed: firstParty, ...(signIn.lastUsedAt !== undefined ? { lastUsedAt: signIn.lastUsedAt } : {}) });
    records.push({ type: 'identity', record: identity });
    for (const a of signIn.activities) records.push({ type: 'activity', record: a });
    for (const c of buildCredentials(identity.id, [app, sp], job.ctx.now, credentialUse)) {
      records.push({ type: 'credential', record: c });
      const act = credentialActivity(c);
      if (act) records.push({ type: 'activity', record: act });
    }
  }
  job.ctx.log.debug('azure directory inventory', { tenant: job.tenantId, servicePrincipals: sps.length, applications: apps.length, skippedFirstParty: skipped.size, signIns: signIns?.length ?? null });
  return { records, skipped };
}
