/**
 * Azure Resource Manager, the part sprawl reads: subscriptions (`GET /subscriptions`), role
 * assignments (list for a subscription or any scope, `$filter=atScope()`) and role definitions
 * (list, get), paged with an absolute `nextLink` and `$skipToken`; one role assignment is read,
 * created (PUT) and deleted in ./arm-write.ts.
 */
import { managementGroupChain } from './estate.ts';
import type { AzureEstate, AzureRoleAssignment, AzureRoleDefinition, AzureSubscription } from './estate.ts';
import { AzureFault, nextLinkOf, offsetOf, ok, page } from './wire.ts';
import type { Reply } from './wire.ts';
import { handleAssignment } from './arm-write.ts';

const MG_PREFIX = '/providers/microsoft.management/managementgroups/';
const AUTH = '/providers/microsoft.authorization/';

export interface ArmRequest {
  /** Collapsed path (no duplicate slashes), original case. */
  path: string;
  url: URL;
  pageSize: number;
  /** Subscriptions the caller is refused (403 AuthorizationFailed). */
  forbidden: readonly string[];
  callerId: string;
  /** GET unless told (PUT and DELETE of one role assignment). */
  method?: string;
  /** The request's JSON body (PUT). */
  body?: unknown;
}

export interface ArmIndex {
  estate: AzureEstate;
  subscriptions: Map<string, AzureSubscription>;
  /** Management group names from each subscription up to the root, by subscription id (lower case). */
  chains: Map<string, string[]>;
  definitions: Map<string, AzureRoleDefinition>;
}

export function indexArm(estate: AzureEstate): ArmIndex {
  const subscriptions = new Map(estate.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const chains = new Map(estate.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), managementGroupChain(estate, s)]));
  const definitions = new Map(estate.roleDefinitions.map((d) => [d.name.toLowerCase(), d]));
  return { estate, subscriptions, chains, definitions };
}

/** A parsed ARM scope: tenant root `/`, a management group, a subscription or something under it. */
export interface Scope {
  /** Lower-case scope path without trailing slash ('' for `/`). */
  key: string;
  subscriptionId?: string;
  managementGroup?: string;
}

function parseScope(raw: string, arm: ArmIndex): Scope {
  const key = raw.replace(/\/+$/, '').toLowerCase();
  if (key.startsWith(MG_PREFIX)) {
    const name = key.slice(MG_PREFIX.length).split('/')[0] ?? '';
    if (!arm.estate.managementGroups.some((g) => g.name.toLowerCase() === name)) throw new AzureFault(404, 'ManagementGroupNotFound', `Management group '${name}' not found.`);
    return { key, managementGroup: name };
  }
  const m = /^\/subscriptions\/([^/]+)/.exec(key);
  if (m) {
    const sub = m[1] as string;
    if (!arm.subscriptions.has(sub)) throw new AzureFault(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    return { key, subscriptionId: sub };
  }
  if (key === '') return { key };
  throw new AzureFault(400, 'InvalidScope', `The scope '${raw}' is not valid.`);
}

/** Scope keys at and above `scope` (the scope itself, its subscription, its management groups, `/`). */
function ancestors(scope: Scope, arm: ArmIndex): Set<string> {
  const out = new Set<string>([scope.key, '']);
  if (scope.subscriptionId !== undefined) {
    const parts = scope.key.split('/');
    for (let i = 3; i <= parts.length; i++) out.add(parts.slice(0, i).join('/'));
    for (const g of arm.chains.get(scope.subscriptionId) ?? []) out.add(`${MG_PREFIX}${g.toLowerCase()}`);
  }
  if (scope.managementGroup !== undefined) {
    let name: string | undefined = scope.managementGroup;
    while (name !== undefined) {
      out.add(`${MG_PREFIX}${name}`);
      const current: string = name;
      name = arm.estate.managementGroups.find((g) => g.name.toLowerCase() === current)?.parent?.toLowerCase();
    }
  }
  return out;
}

const isUnder = (child: string, parent: string): boolean => parent === '' || child === parent || child.startsWith(`${parent}/`);

/** Management groups at and under `name`, to expand a management group scope downwards. */
function subscriptionsUnderGroup(name: string, arm: ArmIndex): string[] {
  return arm.estate.subscriptions.filter((s) => (arm.chains.get(s.subscriptionId.toLowerCase()) ?? []).some((g) => g.toLowerCase() === name)).map((s) => `/subscriptions/${s.subscriptionId.toLowerCase()}`);
}

export function checkForbidden(scope: Scope, req: ArmRequest, action: string): void {
  if (scope.subscriptionId !== undefined && req.forbidden.some((f) => f.toLowerCase() === scope.subscriptionId)) {
    throw new AzureFault(
      403,
      'AuthorizationFailed',
      `The client '${req.callerId}' with object id '${req.callerId}' does not have authorization to perform action '${action}' over scope '${scope.key}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
}

export function definitionId(prefix: string, name: string): string {
  return `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${name}`;
}

export function assignmentBody(a: AzureRoleAssignment, prefix: string): unknown {
  return {
    id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    name: a.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: definitionId(prefix, a.roleDefinitionName),
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: a.condition ?? null,
      conditionVersion: a.conditionVersion ?? null,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn ?? a.createdOn,
      createdBy: null,
      updatedBy: null,
      delegatedManagedIdentityResourceId: null,
      description: a.description ?? null,
    },
  };
}

function definitionBody(d: AzureRoleDefinition, prefix: string): unknown {
  return {
    id: definitionId(prefix, d.name),
    name: d.name,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: d.roleName,
      type: d.type,
      description: d.description,
      assignableScopes: d.assignableScopes,
      permissions: d.permissions,
      createdOn: '2015-02-02T21:55:09.880Z',
      updatedOn: '2024-01-01T00:00:00.000Z',
      createdBy: null,
      updatedBy: null,
    },
  };
}

function paged(req: ArmRequest, items: readonly unknown[]): Reply {
  const p = page(items, offsetOf(req.url.searchParams.get('$skipToken')), req.pageSize);
  return ok({ value: p.items, ...(p.next !== undefined ? { nextLink: nextLinkOf(req.url, '$skipToken', p.next) } : {}) });
}

function subscriptionBody(s: AzureSubscription, tenantId: string): unknown {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId,
    displayName: s.displayName,
    state: s.state,
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'EnterpriseAgreement_2014-09-01', spendingLimit: 'Off' },
  };
}

/** Answers one ARM request; undefined when the path is not an ARM route. */
export function handleArm(req: ArmRequest, arm: ArmIndex): Reply | undefined {
  const lower = req.path.toLowerCase();
  if ((req.method ?? 'GET') !== 'GET' && !/\/roleassignments\/[^/]+$/.test(lower)) throw new AzureFault(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method ?? ''}'.`);
  if (lower === '/subscriptions') return paged(req, arm.estate.subscriptions.map((s) => subscriptionBody(s, arm.estate.tenantId)));
  const sub = /^\/subscriptions\/([^/]+)$/.exec(lower);
  if (sub) {
    const s = arm.subscriptions.get(sub[1] as string);
    if (!s) throw new AzureFault(404, 'SubscriptionNotFound', `The subscription '${sub[1] as string}' could not be found.`);
    return ok(subscriptionBody(s, arm.estate.tenantId));
  }
  const at = lower.lastIndexOf(AUTH);
  if (at < 0) return undefined;
  const scope = parseScope(req.path.slice(0, at), arm);
  const rest = lower.slice(at + AUTH.length);
  const prefix = scope.subscriptionId !== undefined ? `/subscriptions/${scope.subscriptionId}` : '';
  const filter = req.url.searchParams.get('$filter') ?? '';

  if (rest === 'roleassignments') {
    checkForbidden(scope, req, 'Microsoft.Authorization/roleAssignments/read');
    const above = ancestors(scope, arm);
    const atScopeOnly = /atScope\(\)/i.test(filter);
    const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
    const below = scope.managementGroup !== undefined ? [scope.key, ...subscriptionsUnderGroup(scope.managementGroup, arm)] : [scope.key];
    const items = arm.estate.roleAssignments.filter((a) => {
      const key = a.scope.toLowerCase();
      const visible = above.has(key) || (!atScopeOnly && below.some((b) => isUnder(key, b)));
      return visible && (principal === undefined || a.principalId.toLowerCase() === principal);
    });
    return paged(req, items.map((a) => assignmentBody(a, prefix)));
  }
  const one = /^roleassignments\/([^/]+)$/.exec(rest);
  if (one) return handleAssignment(req, arm, scope, prefix, one[1] as string);
  if (rest === 'roledefinitions') {
    checkForbidden(scope, req, 'Microsoft.Authorization/roleDefinitions/read');
    const above = ancestors(scope, arm);
    const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
    const items = arm.estate.roleDefinitions.filter(
      (d) => (d.type === 'BuiltInRole' || d.assignableScopes.some((s) => above.has(s.toLowerCase()))) && (roleName === undefined || d.roleName === roleName),
    );
    return paged(req, items.map((d) => definitionBody(d, prefix)));
  }
  const def = /^roledefinitions\/([^/]+)$/.exec(rest);
  if (def) {
    checkForbidden(scope, req, 'Microsoft.Authorization/roleDefinitions/read');
    const d = arm.definitions.get(def[1] as string);
    if (!d) throw new AzureFault(404, 'RoleDefinitionDoesNotExist', 'The specified role definition with ID \'' + (def[1] as string) + '\' does not exist.');
    return ok(definitionBody(d, prefix));
  }
  throw new AzureFault(404, 'InvalidResourceType', `The resource type '${rest}' could not be found in the namespace 'Microsoft.Authorization'.`);
}
