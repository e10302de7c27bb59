/**
 * One role assignment at a scope, as Resource Manager answers it (api-version 2022-04-01):
 * GET (404 RoleAssignmentNotFound), PUT (201 with the assignment; 409 RoleAssignmentExists when the
 * same principal already holds the role there; the principal must exist in the directory, the
 * role definition too) and DELETE (200 with the deleted assignment, 204 when there is none). The
 * estate changes in memory, so the collector's next listing sees it.
 */
import type { ArmIndex, ArmRequest, Scope } from './arm.ts';
import { assignmentBody, checkForbidden } from './arm.ts';
import type { AzureRoleAssignment } from './estate.ts';
import { AzureFault, ok } from './wire.ts';
import type { Reply } from './wire.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = new Set(['ServicePrincipal', 'User', 'Group']);

function find(arm: ArmIndex, scope: Scope, name: string): AzureRoleAssignment | undefined {
  return arm.estate.roleAssignments.find((a) => a.name.toLowerCase() === name && a.scope.replace(/\/+$/, '').toLowerCase() === scope.key);
}

/** The directory object a principal id names, and its type; undefined when the directory has none. */
function principal(arm: ArmIndex, id: string): AzureRoleAssignment['principalType'] | undefined {
  const lower = id.toLowerCase();
  if (arm.estate.servicePrincipals.some((s) => s.id.toLowerCase() === lower)) return 'ServicePrincipal';
  if (arm.estate.users.some((u) => u.id.toLowerCase() === lower)) return 'User';
  if (arm.estate.groups.some((g) => g.id.toLowerCase() === lower)) return 'Group';
  return undefined;
}

function text(props: Record<string, unknown>, name: string): string | undefined {
  const v = props[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AzureFault(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${name}' must be a string.`);
  return v;
}

function create(req: ArmRequest, arm: ArmIndex, scope: Scope, name: string): AzureRoleAssignment {
  const props = (req.body as { properties?: unknown } | undefined)?.properties;
  if (typeof props !== 'object' || props === null) throw new AzureFault(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'properties' is required.");
  const p = props as Record<string, unknown>;
  const roleDefinitionId = text(p, 'roleDefinitionId');
  const principalId = text(p, 'principalId');
  if (!roleDefinitionId || !principalId) throw new AzureFault(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: roleDefinitionId and principalId are required.');
  const definition = roleDefinitionId.slice(roleDefinitionId.lastIndexOf('/') + 1).toLowerCase();
  if (!arm.definitions.has(definition)) throw new AzureFault(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${definition}' does not exist.`);
  const kind = principal(arm, principalId);
  if (!kind) throw new AzureFault(400, 'PrincipalNotFound', `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${arm.estate.tenantId}. Check that you have the correct principal ID.`);
  const requestedType = text(p, 'principalType');
  if (requestedType !== undefined && !PRINCIPAL_TYPES.has(requestedType)) throw new AzureFault(400, 'InvalidPrincipalType', `The principal type '${requestedType}' is not valid.`);
  if (requestedType !== undefined && requestedType !== kind) throw new AzureFault(400, 'PrincipalTypeNotSupported', `The principal type '${requestedType}' does not match the principal's type '${kind}'.`);
  const condition = text(p, 'condition');
  const conditionVersion = text(p, 'conditionVersion') ?? (condition !== undefined ? '2.0' : undefined);
  const description = text(p, 'description');

  const existing = find(arm, scope, name);
  const same = (a: AzureRoleAssignment): boolean => a.principalId.toLowerCase() === principalId.toLowerCase() && a.roleDefinitionName.toLowerCase() === definition && (a.condition ?? '') === (condition ?? '');
  if (existing && !same(existing)) throw new AzureFault(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
  if (existing || arm.estate.roleAssignments.some((a) => a.scope.replace(/\/+$/, '').toLowerCase() === scope.key && same(a))) throw new AzureFault(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const now = new Date().toISOString();
  const scopePath = scope.key === '' ? '/' : req.path.slice(0, req.path.toLowerCase().lastIndexOf('/providers/microsoft.authorization/'));
  const a: AzureRoleAssignment = {
    name,
    scope: scopePath,
    roleDefinitionName: arm.definitions.get(definition)?.name ?? definition,
    principalId,
    principalType: kind,
    createdOn: now,
    updatedOn: now,
    ...(condition !== undefined ? { condition } : {}),
    ...(conditionVersion !== undefined ? { conditionVersion } : {}),
    ...(description !== undefined ? { description } : {}),
  };
  arm.estate.roleAssignments.push(a);
  return a;
}

/** GET, PUT or DELETE `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`. */
export function handleAssignment(req: ArmRequest, arm: ArmIndex, scope: Scope, prefix: string, rawName: string): Reply {
  const name = rawName.toLowerCase();
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    checkForbidden(scope, req, 'Microsoft.Authorization/roleAssignments/read');
    const a = find(arm, scope, name);
    if (!a) throw new AzureFault(404, 'RoleAssignmentNotFound', `The role assignment '${rawName}' is not found.`);
    return ok(assignmentBody(a, prefix));
  }
  if (method === 'DELETE') {
    checkForbidden(scope, req, 'Microsoft.Authorization/roleAssignments/delete');
    const a = find(arm, scope, name);
    if (!a) return { status: 204, body: undefined };
    arm.estate.roleAssignments.splice(arm.estate.roleAssignments.indexOf(a), 1);
    return ok(assignmentBody(a, prefix));
  }
  if (method === 'PUT') {
    checkForbidden(scope, req, 'Microsoft.Authorization/roleAssignments/write');
    if (!GUID.test(rawName)) throw new AzureFault(400, 'InvalidRoleAssignmentId', `The role assignment ID '${rawName}' is not valid. The role assignment ID must be a GUID.`);
    return { status: 201, body: assignmentBody(create(req, arm, scope, name), prefix) };
  }
  throw new AzureFault(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
}
