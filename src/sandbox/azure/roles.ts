/**
 * Azure RBAC role definitions the sandbox serves: a few built-in roles with their real
 * role definition GUIDs and permissions (as `az role definition list` shows them), plus
 * a custom role template. Plain data.
 */

export interface AzurePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface AzureRoleDefinition {
  /** Role definition GUID (the `name` of the ARM resource). */
  name: string;
  roleName: string;
  type: 'BuiltInRole' | 'CustomRole';
  description: string;
  /** `/` for built-in roles; the scopes a custom role may be assigned at. */
  assignableScopes: string[];
  permissions: AzurePermission[];
}

const perm = (actions: string[], notActions: string[] = [], dataActions: string[] = [], notDataActions: string[] = []): AzurePermission => ({ actions, notActions, dataActions, notDataActions });

const builtIn = (name: string, roleName: string, description: string, permissions: AzurePermission): AzureRoleDefinition => ({
  name,
  roleName,
  type: 'BuiltInRole',
  description,
  assignableScopes: ['/'],
  permissions: [permissions],
});

export const BUILT_IN_ROLE_IDS = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  virtualMachineContributor: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
} as const;

export const BUILT_IN_ROLES: readonly AzureRoleDefinition[] = [
  builtIn(BUILT_IN_ROLE_IDS.owner, 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', perm(['*'])),
  builtIn(
    BUILT_IN_ROLE_IDS.contributor,
    'Contributor',
    'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.',
    perm(['*'], [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
    ]),
  ),
  builtIn(BUILT_IN_ROLE_IDS.reader, 'Reader', 'View all resources, but does not allow you to make any changes.', perm(['*/read'])),
  builtIn(BUILT_IN_ROLE_IDS.userAccessAdministrator, 'User Access Administrator', 'Lets you manage user access to Azure resources.', perm(['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'])),
  builtIn(
    BUILT_IN_ROLE_IDS.rbacAdministrator,
    'Role Based Access Control Administrator',
    'Manage access to Azure resources by assigning roles using Azure RBAC.',
    perm(['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*']),
  ),
  builtIn(
    BUILT_IN_ROLE_IDS.storageBlobDataContributor,
    'Storage Blob Data Contributor',
    'Allows for read, write and delete access to Azure Storage blob containers and data.',
    perm(
      [
        'Microsoft.Storage/storageAccounts/blobServices/containers/delete',
        'Microsoft.Storage/storageAccounts/blobServices/containers/read',
        'Microsoft.Storage/storageAccounts/blobServices/containers/write',
        'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
      ],
      [],
      [
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action',
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
      ],
    ),
  ),
  builtIn(
    BUILT_IN_ROLE_IDS.storageBlobDataReader,
    'Storage Blob Data Reader',
    'Allows for read access to Azure Storage blob containers and data.',
    perm(
      ['Microsoft.Storage/storageAccounts/blobServices/containers/read', 'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action'],
      [],
      ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'],
    ),
  ),
  builtIn(
    BUILT_IN_ROLE_IDS.keyVaultSecretsUser,
    'Key Vault Secrets User',
    'Read secret contents.',
    perm([], [], ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action']),
  ),
  builtIn(
    BUILT_IN_ROLE_IDS.keyVaultAdministrator,
    'Key Vault Administrator',
    'Perform all data plane operations on a key vault and all objects in it.',
    perm(
      ['Microsoft.Authorization/*/read', 'Microsoft.Insights/alertRules/*', 'Microsoft.Resources/deployments/*', 'Microsoft.Resources/subscriptions/resourceGroups/read', 'Microsoft.Support/*', 'Microsoft.KeyVault/checkNameAvailability/read', 'Microsoft.KeyVault/deletedVaults/read', 'Microsoft.KeyVault/locations/*/read', 'Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/operations/read'],
      [],
      ['Microsoft.KeyVault/vaults/*'],
    ),
  ),
  builtIn(
    BUILT_IN_ROLE_IDS.virtualMachineContributor,
    'Virtual Machine Contributor',
    'Create and manage virtual machines, manage disks, install and run software.',
    perm(['Microsoft.Authorization/*/read', 'Microsoft.Compute/virtualMachines/*', 'Microsoft.Compute/disks/*', 'Microsoft.Network/networkInterfaces/*', 'Microsoft.Resources/deployments/*', 'Microsoft.Resources/subscriptions/resourceGroups/read']),
  ),
  builtIn(BUILT_IN_ROLE_IDS.monitoringReader, 'Monitoring Reader', 'Can read all monitoring data.', perm(['*/read', 'Microsoft.OperationalInsights/workspaces/search/action', 'Microsoft.Support/*'])),
];

/** A custom role assignable under `scope`: deploys apps and may write role assignments (an escalation path). */
export function customDeployerRole(name: string, scope: string): AzureRoleDefinition {
  return {
    name,
    roleName: 'Custom App Deployer',
    type: 'CustomRole',
    description: 'Deploys web apps and grants their managed identities access.',
    assignableScopes: [scope],
    permissions: [perm(['Microsoft.Web/sites/*', 'Microsoft.Resources/deployments/*', 'Microsoft.Authorization/roleAssignments/write', '*/read'])],
  };
}

/** A custom read-only role assignable under `scope`. */
export function customAuditorRole(name: string, scope: string): AzureRoleDefinition {
  return {
    name,
    roleName: 'Custom Security Auditor',
    type: 'CustomRole',
    description: 'Reads security configuration.',
    assignableScopes: [scope],
    permissions: [perm(['*/read', 'Microsoft.Security/*/read'])],
  };
}
