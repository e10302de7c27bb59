/**
 * One subscription source (`azure:<subscriptionId>`): its role definitions and every role
 * assignment visible from it (inherited from management groups, at the subscription, below it).
 * Only assignments to service principals (managed identities included) become grants; users and
 * groups are left out. An assignment seen from several subscriptions (a management group one)
 * is emitted once.
 */
import { getContinuationToken } from '@azure/arm-authorization';
import type { AuthorizationManagementClient, RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import { pageGuard } from '../../providers/paging.ts';
import type { Grant } from '../../model/index.ts';
import type { Limit } from './limited.ts';
import { limitedPages } from './limited.ts';
import { KNOWN_ROLES, azureIdentityId, buildGrant, roleDefinitionGuid, roleInfo } from './records.ts';
import type { RoleInfo } from './records.ts';

export interface SubscriptionJob {
  tenantId: string;
  subscriptionId: string;
  client: AuthorizationManagementClient;
  limit: Limit;
  signal: AbortSignal;
  onPage(): void;
}

export interface SubscriptionData {
  roles: Map<string, RoleInfo>;
  assignments: RoleAssignment[];
}

export async function fetchSubscription(job: SubscriptionJob): Promise<SubscriptionData> {
  const scope = `/subscriptions/${job.subscriptionId}`;
  const options = { abortSignal: job.signal };
  const [definitions, assignments] = await Promise.all([
    drain<RoleDefinition>(job, job.client.roleDefinitions.list(scope, options).byPage()),
    drain<RoleAssignment>(job, job.client.roleAssignments.listForSubscription(options).byPage()),
  ]);
  const roles = new Map<string, RoleInfo>();
  for (const d of definitions) {
    const id = d.name?.toLowerCase();
    if (id) roles.set(id, roleInfo(d.roleName ?? id, d.permissions ?? []));
  }
  return { roles, assignments };
}

/** Every page; the SDK follows `nextLink` without a bound, so a repeated link or too many pages end it here. */
async function drain<T>(job: SubscriptionJob, pages: AsyncIterator<T[]>): Promise<T[]> {
  const out: T[] = [];
  const guard = pageGuard('next link');
  for await (const page of limitedPages(pages, job.limit)) {
    out.push(...page);
    job.onPage();
    guard.next(getContinuationToken(page));
  }
  return out;
}

/** Grants of service principals; `skip` holds object ids left out, `seen` assignment ids already emitted. */
export function grantsOf(tenantId: string, data: SubscriptionData, skip: ReadonlySet<string>, seen: Set<string>): Grant[] {
  return keyedGrantsOf(tenantId, data, skip)
    .filter(({ key }) => !seen.has(key) && seen.add(key) !== undefined)
    .map(({ grant }) => grant);
}

/** Grants of service principals with the (lower-case) assignment id each comes from, once per id. */
export function keyedGrantsOf(tenantId: string, data: SubscriptionData, skip: ReadonlySet<string>): { key: string; grant: Grant }[] {
  const grants: { key: string; grant: Grant }[] = [];
  const seen = new Set<string>();
  for (const a of data.assignments) {
    if (a.principalType !== 'ServicePrincipal' || !a.principalId || !a.scope) continue;
    if (skip.has(a.principalId.toLowerCase())) continue;
    const key = (a.id ?? `${a.scope}/${a.name ?? ''}`).toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const guid = roleDefinitionGuid(a.roleDefinitionId);
    const known = guid !== undefined ? KNOWN_ROLES[guid] : undefined;
    const role: RoleInfo = (guid !== undefined ? data.roles.get(guid) : undefined) ?? (known ? { ...known, permissions: [] } : { roleName: guid ?? 'unknown role', privilege: 'write', permissions: [] });
    grants.push({ key, grant: buildGrant(azureIdentityId(tenantId, a.principalId), a.scope, role, a.name) });
  }
  return grants;
}
