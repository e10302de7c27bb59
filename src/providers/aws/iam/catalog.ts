/**
 * The IAM actions that matter for admin, escalation and write classification, with their access
 * level (after the AWS Service Authorization Reference). Not every AWS action: actions outside
 * the catalog are classified by verb prefix ({@link levelOf}).
 */
import type { AccessLevel } from './types.ts';

type Levels = Partial<Record<AccessLevel, string>>;

/** service → access level → space-separated action names. */
const SERVICES: Record<string, Levels> = {
  iam: {
    List: `GetAccountAuthorizationDetails GetAccountSummary ListAccessKeys ListAccountAliases ListAttachedGroupPolicies ListAttachedRolePolicies
      ListAttachedUserPolicies ListEntitiesForPolicy ListGroupPolicies ListGroups ListGroupsForUser ListInstanceProfileTags ListInstanceProfiles
      ListInstanceProfilesForRole ListMFADeviceTags ListMFADevices ListOpenIDConnectProviderTags ListOpenIDConnectProviders ListPolicies
      ListPoliciesGrantingServiceAccess ListPolicyTags ListPolicyVersions ListRolePolicies ListRoleTags ListRoles ListSAMLProviderTags
      ListSAMLProviders ListSSHPublicKeys ListServerCertificateTags ListServerCertificates ListServiceSpecificCredentials ListSigningCertificates
      ListUserPolicies ListUserTags ListUsers ListVirtualMFADevices ListOrganizationsFeatures`,
    Read: `GenerateCredentialReport GenerateOrganizationsAccessReport GenerateServiceLastAccessedDetails GetAccessKeyLastUsed GetAccountEmailAddress
      GetAccountName GetAccountPasswordPolicy GetContextKeysForCustomPolicy GetContextKeysForPrincipalPolicy GetCredentialReport GetGroup
      GetGroupPolicy GetInstanceProfile GetLoginProfile GetMFADevice GetOpenIDConnectProvider GetOrganizationsAccessReport GetPolicy
      GetPolicyVersion GetRole GetRolePolicy GetSAMLProvider GetSSHPublicKey GetServerCertificate GetServiceLastAccessedDetails
      GetServiceLastAccessedDetailsWithEntities GetServiceLinkedRoleDeletionStatus GetUser GetUserPolicy SimulateCustomPolicy SimulatePrincipalPolicy`,
    Write: `AddClientIDToOpenIDConnectProvider AddRoleToInstanceProfile ChangePassword CreateAccountAlias CreateGroup CreateInstanceProfile
      CreateOpenIDConnectProvider CreateRole CreateSAMLProvider CreateServiceLinkedRole CreateServiceSpecificCredential CreateUser
      CreateVirtualMFADevice DeactivateMFADevice DeleteAccessKey DeleteAccountAlias DeleteAccountPasswordPolicy DeleteCloudFrontPublicKey
      DeleteGroup DeleteInstanceProfile DeleteLoginProfile DeleteOpenIDConnectProvider DeleteRole DeleteSAMLProvider DeleteSSHPublicKey
      DeleteServerCertificate DeleteServiceLinkedRole DeleteServiceSpecificCredential DeleteSigningCertificate DeleteUser DeleteVirtualMFADevice
      DisableOrganizationsRootCredentialsManagement DisableOrganizationsRootSessions EnableMFADevice EnableOrganizationsRootCredentialsManagement
      EnableOrganizationsRootSessions PassRole RemoveClientIDFromOpenIDConnectProvider RemoveRoleFromInstanceProfile RemoveUserFromGroup
      ResetServiceSpecificCredential ResyncMFADevice SetSecurityTokenServicePreferences UpdateAccessKey UpdateAccountEmailAddress
      UpdateAccountName UpdateAccountPasswordPolicy UpdateGroup UpdateOpenIDConnectProviderThumbprint UpdateRole UpdateRoleDescription
      UpdateSAMLProvider UpdateSSHPublicKey UpdateServerCertificate UpdateServiceSpecificCredential UpdateSigningCertificate UpdateUser
      UploadSSHPublicKey UploadServerCertificate UploadSigningCertificate`,
    'Permissions management': `AddUserToGroup AttachGroupPolicy AttachRolePolicy AttachUserPolicy CreateAccessKey CreateLoginProfile CreatePolicy
      CreatePolicyVersion DeleteGroupPolicy DeletePolicy DeletePolicyVersion DeleteRolePermissionsBoundary DeleteRolePolicy
      DeleteUserPermissionsBoundary DeleteUserPolicy DetachGroupPolicy DetachRolePolicy DetachUserPolicy PutGroupPolicy
      PutRolePermissionsBoundary PutRolePolicy PutUserPermissionsBoundary PutUserPolicy SetDefaultPolicyVersion UpdateAssumeRolePolicy
      UpdateLoginProfile`,
    Tagging: `TagInstanceProfile TagMFADevice TagOpenIDConnectProvider TagPolicy TagRole TagSAMLProvider TagServerCertificate TagUser
      UntagInstanceProfile UntagMFADevice UntagOpenIDConnectProvider UntagPolicy UntagRole UntagSAMLProvider UntagServerCertificate UntagUser`,
  },
  sts: {
    Read: 'DecodeAuthorizationMessage GetAccessKeyInfo GetCallerIdentity GetFederationToken GetServiceBearerToken GetSessionToken',
    Write: 'AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity AssumeRoot SetContext SetSourceIdentity',
    Tagging: 'TagSession',
  },
  ec2: {
    List: 'DescribeInstances DescribeImages DescribeSecurityGroups DescribeSubnets DescribeVpcs DescribeIamInstanceProfileAssociations',
    Read: 'GetConsoleOutput GetPasswordData',
    Write: `RunInstances StartInstances StopInstances TerminateInstances ModifyInstanceAttribute AssociateIamInstanceProfile
      ReplaceIamInstanceProfileAssociation CreateLaunchTemplate CreateLaunchTemplateVersion ModifyLaunchTemplate RequestSpotInstances
      AuthorizeSecurityGroupIngress CreateSnapshot ModifySnapshotAttribute`,
    Tagging: 'CreateTags DeleteTags',
  },
  'ec2-instance-connect': { Write: 'SendSSHPublicKey SendSerialConsoleSSHPublicKey OpenTunnel' },
  lambda: {
    List: 'ListFunctions ListEventSourceMappings',
    Read: 'GetFunction GetFunctionConfiguration GetPolicy',
    Write: `CreateFunction InvokeFunction InvokeFunctionUrl UpdateFunctionCode UpdateFunctionConfiguration CreateEventSourceMapping
      UpdateEventSourceMapping DeleteFunction PublishLayerVersion PublishVersion CreateFunctionUrlConfig`,
    'Permissions management': 'AddPermission RemovePermission AddLayerVersionPermission',
    Tagging: 'TagResource UntagResource',
  },
  glue: {
    List: 'ListDevEndpoints ListJobs',
    Read: 'GetDevEndpoint GetDevEndpoints GetJob GetJobs',
    Write: 'CreateDevEndpoint UpdateDevEndpoint DeleteDevEndpoint CreateJob UpdateJob StartJobRun DeleteJob',
  },
  cloudformation: {
    List: 'ListStacks DescribeStacks',
    Read: 'GetTemplate DescribeStackResources',
    Write: 'CreateStack UpdateStack DeleteStack CreateChangeSet ExecuteChangeSet CreateStackSet UpdateStackSet',
    'Permissions management': 'SetStackPolicy',
  },
  datapipeline: {
    List: 'ListPipelines DescribePipelines',
    Read: 'GetPipelineDefinition DescribeObjects QueryObjects',
    Write: 'CreatePipeline PutPipelineDefinition ActivatePipeline DeactivatePipeline DeletePipeline',
    Tagging: 'AddTags RemoveTags',
  },
  sagemaker: {
    List: 'ListNotebookInstances ListTrainingJobs ListProcessingJobs',
    Read: 'DescribeNotebookInstance DescribeTrainingJob DescribeProcessingJob',
    Write: `CreateNotebookInstance CreatePresignedNotebookInstanceUrl StartNotebookInstance UpdateNotebookInstance CreateTrainingJob
      CreateProcessingJob DeleteNotebookInstance`,
  },
  ecs: {
    List: 'ListTasks ListTaskDefinitions ListClusters',
    Read: 'DescribeTasks DescribeTaskDefinition',
    Write: 'RunTask StartTask RegisterTaskDefinition UpdateService CreateService ExecuteCommand',
  },
  codebuild: {
    List: 'ListProjects ListBuilds',
    Read: 'BatchGetProjects BatchGetBuilds',
    Write: 'CreateProject UpdateProject StartBuild StartBuildBatch DeleteProject',
  },
  ssm: {
    List: 'DescribeInstanceInformation ListCommands',
    Read: 'GetParameter GetParameters GetParametersByPath GetCommandInvocation',
    Write: 'SendCommand StartSession ResumeSession PutParameter DeleteParameter StartAutomationExecution',
  },
  s3: {
    List: 'ListAllMyBuckets ListBucket ListBucketVersions',
    Read: 'GetObject GetObjectVersion GetBucketPolicy GetBucketAcl GetBucketLocation GetObjectAcl',
    Write: 'PutObject DeleteObject DeleteObjectVersion CreateBucket DeleteBucket PutBucketVersioning PutLifecycleConfiguration',
    'Permissions management': 'PutBucketPolicy DeleteBucketPolicy PutBucketAcl PutObjectAcl PutBucketPublicAccessBlock',
    Tagging: 'PutObjectTagging PutBucketTagging',
  },
  kms: {
    List: 'ListKeys ListAliases ListGrants',
    Read: 'DescribeKey GetKeyPolicy',
    Write: 'Decrypt Encrypt GenerateDataKey ReEncryptFrom ReEncryptTo CreateKey ScheduleKeyDeletion DisableKey',
    'Permissions management': 'PutKeyPolicy CreateGrant RetireGrant RevokeGrant',
    Tagging: 'TagResource UntagResource',
  },
  secretsmanager: {
    List: 'ListSecrets',
    Read: 'GetSecretValue DescribeSecret GetResourcePolicy',
    Write: 'PutSecretValue UpdateSecret CreateSecret DeleteSecret',
    'Permissions management': 'PutResourcePolicy DeleteResourcePolicy',
  },
  organizations: {
    List: 'ListAccounts ListRoots ListOrganizationalUnitsForParent ListPolicies ListTargetsForPolicy',
    Read: 'DescribeOrganization DescribeAccount DescribePolicy DescribeOrganizationalUnit',
    Write: `CreateAccount CloseAccount InviteAccountToOrganization LeaveOrganization RemoveAccountFromOrganization MoveAccount
      CreateOrganizationalUnit DeleteOrganizationalUnit DeleteOrganization EnableAllFeatures`,
    'Permissions management': 'AttachPolicy DetachPolicy CreatePolicy UpdatePolicy DeletePolicy EnablePolicyType DisablePolicyType',
    Tagging: 'TagResource UntagResource',
  },
};

export interface CatalogAction {
  /** Canonical name: `iam:PassRole`. */
  name: string;
  /** Lower-cased name: `iam:passrole`. */
  key: string;
  service: string;
  level: AccessLevel;
}

function build(): CatalogAction[] {
  const out: CatalogAction[] = [];
  for (const [service, levels] of Object.entries(SERVICES)) {
    for (const [level, names] of Object.entries(levels) as [AccessLevel, string][]) {
      for (const n of names.split(/\s+/).filter(Boolean)) {
        const name = `${service}:${n}`;
        out.push({ name, key: name.toLowerCase(), service, level });
      }
    }
  }
  return out;
}

/** The action catalog, in a fixed order (indexes are stable within a process). */
export const CATALOG: readonly CatalogAction[] = build();

export const CATALOG_BY_KEY: ReadonlyMap<string, CatalogAction> = new Map(CATALOG.map((a) => [a.key, a]));

/** Services the catalog covers (lower case). */
export const CATALOG_SERVICES: ReadonlySet<string> = new Set(CATALOG.map((a) => a.service));

const LIST_VERBS = ['list', 'describe'];
const READ_VERBS = ['get', 'head', 'view', 'lookup', 'search', 'batchget', 'query', 'scan', 'select', 'read', 'simulate', 'generate', 'filter'];
const TAG_VERBS = ['tag', 'untag', 'addtags', 'removetags'];
const PERM_VERBS = ['putpolicy', 'putresourcepolicy', 'setpolicy', 'attachpolicy'];

/**
 * Access level of an action or action pattern: the catalog's for catalog actions, else by verb
 * prefix (`get*` → Read, `list*` → List, `tag*` → Tagging, anything starting with a wildcard or
 * an unknown verb → Write).
 */
export function levelOf(action: string): AccessLevel {
  const key = action.toLowerCase();
  const known = CATALOG_BY_KEY.get(key);
  if (known !== undefined) return known.level;
  const colon = key.indexOf(':');
  const verb = colon < 0 ? key : key.slice(colon + 1);
  if (verb === '' || verb.startsWith('*') || verb.startsWith('?')) return 'Write';
  if (PERM_VERBS.some((v) => verb.startsWith(v))) return 'Permissions management';
  if (TAG_VERBS.some((v) => verb.startsWith(v))) return 'Tagging';
  if (LIST_VERBS.some((v) => verb.startsWith(v))) return 'List';
  if (READ_VERBS.some((v) => verb.startsWith(v))) return 'Read';
  return 'Write';
}

/** Canonical name of a lower-cased action (catalog spelling when known). */
export const canonicalName = (key: string): string => CATALOG_BY_KEY.get(key)?.name ?? key;
