/** Policy documents for the tests: AWS-managed policy excerpts and small builders. */
import type { ConditionBlock, PolicyDocument, PolicyStatement } from '../../../../src/providers/aws/iam/index.ts';

export const ADMINISTRATOR_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** PowerUserAccess (current AWS-managed version). */
export const POWER_USER_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: ['account:GetAccountInformation', 'account:GetPrimaryEmail', 'account:ListRegions', 'iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization'],
      Resource: '*',
    },
  ],
};

/** ReadOnlyAccess (short excerpt: the real one lists hundreds of services). */
export const READ_ONLY_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadOnlyActions',
      Effect: 'Allow',
      Action: ['ec2:Describe*', 'ec2:Get*', 'iam:Get*', 'iam:List*', 'iam:Generate*', 'lambda:Get*', 'lambda:List*', 's3:Get*', 's3:List*', 'sts:GetCallerIdentity', 'dynamodb:Describe*', 'dynamodb:Get*', 'dynamodb:Query', 'dynamodb:Scan'],
      Resource: '*',
    },
  ],
};

/** IAMFullAccess. */
export const IAM_FULL_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy'], Resource: '*' },
  ],
};

export const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

export const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: ConditionBlock): PolicyStatement => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition === undefined ? {} : { Condition }),
});

export const deny = (Action: string | string[], Resource: string | string[] = '*', Condition?: ConditionBlock): PolicyStatement => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...(Condition === undefined ? {} : { Condition }),
});

export const trustPolicy = (...aws: string[]): PolicyDocument => doc({ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' });
