/**
 * IAM policy documents of the sandbox estate: a catalog of AWS-managed policies (trimmed but
 * realistic documents) and templates of customer-managed and inline policies. Documents are
 * shared objects: many users point at the same one, which keeps a large estate small in memory.
 */

export type OneOrMany<T> = T | T[];

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Principal?: '*' | Record<string, OneOrMany<string>>;
  Condition?: Record<string, Record<string, OneOrMany<string>>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: OneOrMany<PolicyStatement>;
}

/**
 * What a policy grants, judged by hand from its document: ground truth for tests (the emulators
 * ignore it; src/sandbox/truth/aws.ts combines the labels of a principal's policies).
 */
export interface PolicyGrants {
  /** Allows every IAM permissions-management action on every resource: it can grant itself anything. */
  admin?: true;
  /**
   * Privilege-escalation methods the document allows on its own, each written as its actions
   * joined by `+` (`iam:PassRole+ec2:RunInstances`), `sts:AssumeRole on *` for assuming any role.
   */
  escalations?: readonly string[];
  /** Role ARN patterns it allows sts:AssumeRole on (role-assumption chains), when not `*`. */
  assumes?: readonly string[];
  /** Action patterns an unconditional `Deny` on every resource takes away from the whole principal. */
  denies?: readonly string[];
}

/** Every escalation method a document allowing all actions on all resources holds, IAM ones included. */
export const ALL_ESCALATIONS: readonly string[] = [
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:AttachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:PutUserPolicy',
  'iam:PutGroupPolicy',
  'iam:PutRolePolicy',
  'iam:AddUserToGroup',
  'iam:UpdateAssumeRolePolicy+sts:AssumeRole',
  'iam:PassRole+ec2:RunInstances',
  'iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction',
  'iam:PassRole+cloudformation:CreateStack',
  'lambda:UpdateFunctionCode',
  'glue:UpdateDevEndpoint',
  'ssm:SendCommand',
  'ssm:StartSession',
  'ec2-instance-connect:SendSSHPublicKey',
  'sts:AssumeRole on *',
];

/**
 * PowerUserAccess's escalations: everything but `iam:*` (so no iam:PassRole, no policy changes),
 * which still leaves code and command injection into compute that runs as other roles, and
 * assuming any role that trusts the account.
 */
const NON_IAM_ESCALATIONS: readonly string[] = ALL_ESCALATIONS.filter((m) => !m.split('+').some((a) => a.startsWith('iam:')));

export interface AwsManagedPolicy {
  name: string;
  /** `/` or `/service-role/` or `/aws-service-role/`. */
  path: string;
  arn: string;
  id: string;
  defaultVersionId: string;
  createdAt: string;
  updatedAt: string;
  description: string;
  document: PolicyDocument;
  /** Ground truth for tests: what the document grants (absent: no admin, no escalation). */
  grants?: PolicyGrants;
}

const doc = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements.length === 1 ? (statements[0] as PolicyStatement) : statements,
});
const allow = (action: OneOrMany<string>, resource: OneOrMany<string> = '*'): PolicyStatement => ({ Effect: 'Allow', Action: action, Resource: resource });

function managed(name: string, path: string, id: string, version: string, createdAt: string, description: string, document: PolicyDocument, grants?: PolicyGrants): AwsManagedPolicy {
  return {
    ...(grants ? { grants } : {}),
    name,
    path,
    arn: `arn:aws:iam::aws:policy${path}${name}`,
    id,
    defaultVersionId: version,
    createdAt,
    updatedAt: createdAt.replace(/^\d{4}/, (y) => String(Number(y) + 3)),
    description,
    document,
  };
}

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = [
  managed('AdministratorAccess', '/', 'ANPAIWMBCKSKIEE64ZLYK', 'v1', '2015-02-06T18:39:46Z', 'Provides full access to AWS services and resources.', doc(allow('*')), { admin: true, escalations: ALL_ESCALATIONS }),
  managed(
    'PowerUserAccess',
    '/',
    'ANPAJYRXTHIB4FOVS3ZXS',
    'v5',
    '2015-02-06T18:39:47Z',
    'Provides full access to AWS services and resources, but does not allow management of Users and groups.',
    doc(
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      allow(['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization', 'account:ListRegions', 'account:GetAccountInformation']),
    ),
    { escalations: NON_IAM_ESCALATIONS },
  ),
  managed(
    'ReadOnlyAccess',
    '/',
    'ANPAILL3HVNFSB6DCOWYQ',
    'v112',
    '2015-02-06T18:39:48Z',
    'Provides read-only access to AWS services and resources.',
    doc(
      allow([
        'acm:Describe*',
        'acm:Get*',
        'acm:List*',
        'autoscaling:Describe*',
        'cloudformation:Describe*',
        'cloudformation:Get*',
        'cloudformation:List*',
        'cloudtrail:Describe*',
        'cloudtrail:Get*',
        'cloudtrail:LookupEvents',
        'cloudwatch:Describe*',
        'cloudwatch:Get*',
        'cloudwatch:List*',
        'dynamodb:BatchGetItem',
        'dynamodb:Describe*',
        'dynamodb:GetItem',
        'dynamodb:List*',
        'dynamodb:Query',
        'dynamodb:Scan',
        'ec2:Describe*',
        'ec2:Get*',
        'ecr:BatchGetImage',
        'ecr:Describe*',
        'ecr:List*',
        'iam:Get*',
        'iam:List*',
        'lambda:Get*',
        'lambda:List*',
        'logs:Describe*',
        'logs:Get*',
        's3:Get*',
        's3:List*',
        'sns:Get*',
        'sns:List*',
        'sqs:Get*',
        'sqs:List*',
      ]),
    ),
  ),
  managed(
    'SecurityAudit',
    '/',
    'ANPAIX2T3QCXHR2OGGCTO',
    'v40',
    '2015-02-06T18:41:01Z',
    'The security audit template grants access to read security configuration metadata.',
    doc(
      allow([
        'access-analyzer:Get*',
        'access-analyzer:List*',
        'cloudtrail:DescribeTrails',
        'cloudtrail:GetEventSelectors',
        'config:Describe*',
        'ec2:Describe*',
        'iam:GenerateCredentialReport',
        'iam:Get*',
        'iam:List*',
        'iam:SimulateCustomPolicy',
        'kms:Describe*',
        'kms:List*',
        'organizations:Describe*',
        'organizations:List*',
        's3:GetBucketPolicy',
        's3:ListAllMyBuckets',
        'sts:GetCallerIdentity',
      ]),
    ),
  ),
  managed(
    'IAMReadOnlyAccess',
    '/',
    'ANPAJKSO7NDY4T57MWDSQ',
    'v4',
    '2015-02-06T18:40:39Z',
    'Provides read only access to IAM via the AWS Management Console.',
    doc(allow(['iam:GenerateCredentialReport', 'iam:GenerateServiceLastAccessedDetails', 'iam:Get*', 'iam:List*', 'iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'])),
  ),
  managed('AmazonS3FullAccess', '/', 'ANPAIFIR6V6BVTRAHWINE', 'v2', '2015-02-06T18:40:58Z', 'Provides full access to all buckets via the AWS Management Console.', doc(allow(['s3:*', 's3-object-lambda:*']))),
  managed(
    'AmazonS3ReadOnlyAccess',
    '/',
    'ANPAIZTJ4DXE7G6AGAE6M',
    'v3',
    '2015-02-06T18:40:59Z',
    'Provides read only access to all buckets via the AWS Management Console.',
    doc(allow(['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'])),
  ),
  managed(
    'AmazonEC2FullAccess',
    '/',
    'ANPAI3VAJF5ZCRZ7MCQE6',
    'v8',
    '2015-02-06T18:40:15Z',
    'Provides full access to Amazon EC2 via the AWS Management Console.',
    doc(allow(['ec2:*', 'elasticloadbalancing:*', 'cloudwatch:*', 'autoscaling:*']), {
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': ['autoscaling.amazonaws.com', 'ec2scheduled.amazonaws.com', 'elasticloadbalancing.amazonaws.com'] } },
    }),
  ),
  managed(
    'AmazonDynamoDBFullAccess',
    '/',
    'ANPAINUGF2JSOSUY76KYA',
    'v15',
    '2015-02-06T18:40:11Z',
    'Provides full access to Amazon DynamoDB via the AWS Management Console.',
    doc(allow(['dynamodb:*', 'dax:*', 'application-autoscaling:*', 'cloudwatch:GetMetricData', 'sns:ListTopics'])),
  ),
  managed('AmazonSSMReadOnlyAccess', '/', 'ANPAJODSKQGGJTHRYZ5FC', 'v1', '2015-05-29T17:44:19Z', 'Provides read only access to Amazon SSM.', doc(allow(['ssm:Describe*', 'ssm:Get*', 'ssm:List*']))),
  managed(
    'AWSLambdaBasicExecutionRole',
    '/service-role/',
    'ANPAJNCQGXC42545SKXIK',
    'v1',
    '2015-04-09T15:03:43Z',
    'Provides write permissions to CloudWatch Logs.',
    doc(allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'])),
  ),
  managed(
    'AmazonECSTaskExecutionRolePolicy',
    '/service-role/',
    'ANPAJG4T4G4PV56DE72PY',
    'v1',
    '2017-11-16T18:48:22Z',
    'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    doc(allow(['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents'])),
  ),
  managed(
    'AWSSupportServiceRolePolicy',
    '/aws-service-role/',
    'ANPAJ7W6266ELXF5MISDS',
    'v32',
    '2018-04-19T18:04:44Z',
    'Enables resource access for AWS to provide billing, administrative and support services',
    doc(allow(['ec2:Describe*', 'iam:Get*', 'iam:List*', 'rds:Describe*', 's3:GetBucketPolicy', 'support:*'])),
  ),
  managed(
    'AWSTrustedAdvisorServiceRolePolicy',
    '/aws-service-role/',
    'ANPAJH4QJ2WMHBOB47BUE',
    'v12',
    '2018-02-22T21:24:25Z',
    'Access for the AWS Trusted Advisor Service to help reduce cost, increase performance, and improve security of your AWS environment.',
    doc(allow(['autoscaling:Describe*', 'cloudtrail:DescribeTrails', 'ec2:Describe*', 'iam:GenerateCredentialReport', 'iam:GetAccountSummary', 'iam:ListUsers', 's3:GetBucketAcl', 's3:ListAllMyBuckets'])),
  ),
  managed(
    'AWSOrganizationsServiceTrustPolicy',
    '/aws-service-role/',
    'ANPAIQH6ROMVVECFVRJPK',
    'v2',
    '2017-10-10T23:04:07Z',
    'Policy to allow AWS Organizations to share trust with other AWS services.',
    doc(allow(['iam:DeleteRole'], 'arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*'), allow('iam:CreateServiceLinkedRole')),
  ),
  managed(
    'AmazonECSServiceRolePolicy',
    '/aws-service-role/',
    'ANPAIVUWKCAI7URU4WUEI',
    'v11',
    '2018-10-14T01:18:58Z',
    'Policy to enable Amazon ECS to manage your cluster.',
    doc(allow(['ec2:AttachNetworkInterface', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:Describe*', 'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'])),
  ),
  managed(
    'AWSElasticLoadBalancingServiceRolePolicy',
    '/aws-service-role/',
    'ANPAIMHWGGSRHLOQUICJQ',
    'v9',
    '2017-09-19T22:19:04Z',
    'Service Linked Role Policy for AWS Elastic Load Balancing Control Plane',
    doc(allow(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:Describe*', 'ec2:ModifyNetworkInterfaceAttribute', 'logs:CreateLogDelivery'])),
  ),
  managed(
    'AmazonRDSServiceRolePolicy',
    '/aws-service-role/',
    'ANPAIPEU5ZOBJWKWHUKY6',
    'v14',
    '2018-01-08T18:17:46Z',
    'Allows Amazon RDS to manage AWS resources on your behalf',
    doc(allow(['ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateNetworkInterface', 'ec2:Describe*', 'logs:CreateLogGroup', 'logs:PutLogEvents', 'kinesis:PutRecord'])),
  ),
  managed(
    'AutoScalingServiceRolePolicy',
    '/aws-service-role/',
    'ANPAIC5D2V7MRWBMJGD5I',
    'v7',
    '2018-01-08T23:10:55Z',
    'Enables access to AWS Services and Resources used or managed by Auto Scaling',
    doc(allow(['ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:Describe*', 'elasticloadbalancing:Register*', 'cloudwatch:PutMetricAlarm', 'sns:Publish'])),
  ),
];

const BY_NAME = new Map(AWS_MANAGED_POLICIES.map((p) => [p.name, p]));
const BY_ARN = new Map(AWS_MANAGED_POLICIES.map((p) => [p.arn, p]));

export function awsManagedPolicy(name: string): AwsManagedPolicy {
  const p = BY_NAME.get(name);
  if (!p) throw new Error(`no AWS-managed policy named ${name} in the sandbox catalog`);
  return p;
}

export function awsManagedPolicyByArn(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

/** Customer-managed policy templates: name, a previous version (optional) and the current document. */
export interface PolicyTemplate {
  name: string;
  description: string;
  document: PolicyDocument;
  previous?: PolicyDocument;
  /** Ground truth for tests: what the current document grants (absent: no admin, no escalation). */
  grants?: PolicyGrants;
}

export const CUSTOMER_POLICY_TEMPLATES: readonly PolicyTemplate[] = [
  {
    name: 'ci-deploy',
    description: 'Deploys stacks and images from CI',
    previous: doc(allow(['cloudformation:*', 's3:PutObject', 's3:GetObject'])),
    document: doc(allow(['cloudformation:*', 's3:PutObject', 's3:GetObject', 'ecr:*', 'lambda:UpdateFunctionCode']), allow('iam:PassRole', 'arn:aws:iam::*:role/deploy-*')),
    // New code into any Lambda function (which runs as its own role); any deploy-* role passed to
    // a CloudFormation stack it creates or updates.
    grants: { escalations: ['lambda:UpdateFunctionCode', 'iam:PassRole+cloudformation:CreateStack', 'iam:PassRole+cloudformation:UpdateStack'] },
  },
  { name: 'legacy-full-access', description: 'Old catch-all policy, to be removed', document: doc(allow('*', '*')), grants: { admin: true, escalations: ALL_ESCALATIONS } },
  {
    name: 'break-glass-almost-all',
    description: 'Everything except deleting the password policy',
    document: doc({ Effect: 'Allow', NotAction: ['iam:DeleteAccountPasswordPolicy'], Resource: '*' }),
    // NotAction leaves every IAM permissions-management action in.
    grants: { admin: true, escalations: ALL_ESCALATIONS },
  },
  {
    name: 'metrics-read',
    description: 'Reads CloudWatch metrics and logs',
    document: doc(allow(['cloudwatch:Get*', 'cloudwatch:List*', 'cloudwatch:Describe*', 'logs:Get*', 'logs:Describe*', 'logs:FilterLogEvents'])),
  },
  {
    name: 's3-backup-writer',
    description: 'Writes backups to the backup bucket',
    document: doc(allow(['s3:PutObject', 's3:ListBucket', 's3:GetObject'], ['arn:aws:s3:::acme-backups', 'arn:aws:s3:::acme-backups/*'])),
  },
  {
    name: 'secrets-reader',
    description: 'Reads application secrets',
    document: doc(allow(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], 'arn:aws:secretsmanager:*:*:secret:app/*')),
  },
  {
    name: 'dynamodb-app-table',
    description: 'Reads and writes the application table',
    document: doc(allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], 'arn:aws:dynamodb:*:*:table/app-*')),
  },
  {
    name: 'bucket-owner-star',
    description: 'Every action on one bucket only',
    // `*` on two S3 ARNs: no IAM, STS or compute resource matches them, so no admin, no escalation.
    document: doc(allow('*', ['arn:aws:s3:::acme-static', 'arn:aws:s3:::acme-static/*'])),
  },
];

/** Inline policy templates (user, group and role inline policies share these documents). */
export const INLINE_POLICY_TEMPLATES: readonly { name: string; document: PolicyDocument; grants?: PolicyGrants }[] = [
  { name: 'sqs-publish', document: doc(allow(['sqs:SendMessage', 'sqs:GetQueueUrl'], 'arn:aws:sqs:*:*:jobs-*')) },
  { name: 'read-parameters', document: doc(allow(['ssm:GetParameter', 'ssm:GetParametersByPath'], 'arn:aws:ssm:*:*:parameter/app/*')) },
  { name: 'kms-decrypt', document: doc(allow('kms:Decrypt', 'arn:aws:kms:*:*:key/*')) },
  { name: 'assume-deploy-roles', document: doc(allow('sts:AssumeRole', 'arn:aws:iam::*:role/deploy-*')), grants: { assumes: ['arn:aws:iam::*:role/deploy-*'] } },
  { name: 'everything', document: doc(allow('*:*', '*')), grants: { admin: true, escalations: ALL_ESCALATIONS } },
  {
    name: 'ecr-push',
    document: doc(allow(['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'])),
  },
  { name: 'deny-iam', document: doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }, allow(['s3:GetObject', 's3:ListBucket'], 'arn:aws:s3:::acme-reports*')), grants: { denies: ['iam:*'] } },
];

export function inlineTemplate(name: string): { name: string; document: PolicyDocument; grants?: PolicyGrants } {
  const t = INLINE_POLICY_TEMPLATES.find((p) => p.name === name);
  if (!t) throw new Error(`no inline policy template ${name}`);
  return t;
}

/** Trust policy of a role assumable by an AWS service. */
export function serviceTrust(service: string): PolicyDocument {
  return doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
}

/** Trust policy of a role assumable from another account, optionally with an external id. */
export function accountTrust(accountId: string, externalId?: string): PolicyDocument {
  const st: PolicyStatement = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' };
  if (externalId) st.Condition = { StringEquals: { 'sts:ExternalId': externalId } };
  return doc(st);
}

export function githubOidcTrust(accountId: string, repo: string): PolicyDocument {
  return doc({
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${repo}:*` } },
  });
}

export function samlTrust(accountId: string, provider: string): PolicyDocument {
  return doc({
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${accountId}:saml-provider/${provider}` },
    Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
    Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
  });
}

/** Service-linked roles the sandbox knows: role name, service principal, policy name. */
export const SERVICE_LINKED_ROLES: readonly { role: string; service: string; policy: string }[] = [
  { role: 'AWSServiceRoleForSupport', service: 'support.amazonaws.com', policy: 'AWSSupportServiceRolePolicy' },
  { role: 'AWSServiceRoleForTrustedAdvisor', service: 'trustedadvisor.amazonaws.com', policy: 'AWSTrustedAdvisorServiceRolePolicy' },
  { role: 'AWSServiceRoleForOrganizations', service: 'organizations.amazonaws.com', policy: 'AWSOrganizationsServiceTrustPolicy' },
  { role: 'AWSServiceRoleForECS', service: 'ecs.amazonaws.com', policy: 'AmazonECSServiceRolePolicy' },
  { role: 'AWSServiceRoleForElasticLoadBalancing', service: 'elasticloadbalancing.amazonaws.com', policy: 'AWSElasticLoadBalancingServiceRolePolicy' },
  { role: 'AWSServiceRoleForRDS', service: 'rds.amazonaws.com', policy: 'AmazonRDSServiceRolePolicy' },
  { role: 'AWSServiceRoleForAutoScaling', service: 'autoscaling.amazonaws.com', policy: 'AutoScalingServiceRolePolicy' },
];
