import { describe, expect, it } from 'vitest';
import { classify, evaluatePrincipal } from '../../../../src/providers/aws/iam/index.ts';
import type { ClassifyOptions, PolicyDocument } from '../../../../src/providers/aws/iam/index.ts';
import { POWER_USER_ACCESS, READ_ONLY_ACCESS, allow, deny, doc } from './policies.ts';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const SELF = 'arn:aws:iam::111122223333:user/ci';

interface Case {
  name: string;
  policies: PolicyDocument[];
  boundary?: PolicyDocument;
  opts?: ClassifyOptions;
  /** Methods that must be found. */
  found?: string[];
  /** Methods that must not be found. */
  absent?: string[];
  conditional?: boolean;
}

const single = (a: string): Case => ({ name: `${a} on * escalates`, policies: [doc(allow(a))], found: [a] });

const cases: Case[] = [
  ...['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:AttachUserPolicy', 'iam:AttachGroupPolicy', 'iam:AttachRolePolicy', 'iam:PutUserPolicy', 'iam:PutGroupPolicy', 'iam:PutRolePolicy', 'iam:AddUserToGroup', 'lambda:UpdateFunctionCode', 'glue:UpdateDevEndpoint', 'ssm:SendCommand', 'ssm:StartSession', 'ec2-instance-connect:SendSSHPublicKey'].map(single),
  { name: 'sts:AssumeRole on *', policies: [doc(allow('sts:AssumeRole'))], found: ['sts:AssumeRole on *'] },
  { name: 'sts:AssumeRole on one role is not "on *"', policies: [doc(allow('sts:AssumeRole', ROLE))], absent: ['sts:AssumeRole on *'] },
  { name: 'sts:AssumeRole on every role of the account is "on *"', policies: [doc(allow('sts:AssumeRole', 'arn:aws:iam::111122223333:role/*'))], found: ['sts:AssumeRole on *'] },
  { name: 'sts:AssumeRole on every role of every account is "on *"', policies: [doc(allow('sts:AssumeRole', 'arn:aws:iam::*:role/*'))], found: ['sts:AssumeRole on *'] },
  { name: 'sts:AssumeRole on one role name in every account is not "on *" (chains judge it)', policies: [doc(allow('sts:AssumeRole', 'arn:aws:iam::*:role/SprawlAuditRole'))], absent: ['sts:AssumeRole on *'] },
  { name: 'sts:AssumeRole on a family of role names is not "on *" (chains judge it)', policies: [doc(allow('sts:AssumeRole', 'arn:aws:iam::*:role/deploy-*'))], absent: ['sts:AssumeRole on *'] },
  {
    name: '* on an S3 bucket names no IAM, Lambda or EC2 resource: no escalation',
    policies: [doc(allow('*', ['arn:aws:s3:::acme-static', 'arn:aws:s3:::acme-static/*']))],
    absent: ['iam:CreateAccessKey', 'iam:AttachUserPolicy', 'iam:PassRole+ec2:RunInstances', 'lambda:UpdateFunctionCode', 'ssm:SendCommand', 'sts:AssumeRole on *'],
  },
  { name: 'lambda:UpdateFunctionCode on a function pattern escalates', policies: [doc(allow('lambda:UpdateFunctionCode', 'arn:aws:lambda:*:*:function:app-*'))], found: ['lambda:UpdateFunctionCode'] },
  { name: 'ssm:SendCommand on EC2 instances escalates', policies: [doc(allow('ssm:SendCommand', 'arn:aws:ec2:*:*:instance/*'))], found: ['ssm:SendCommand'] },
  { name: 'UpdateAssumeRolePolicy + AssumeRole', policies: [doc(allow(['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'], 'arn:aws:iam::111122223333:role/*'))], found: ['iam:UpdateAssumeRolePolicy+sts:AssumeRole'] },
  { name: 'UpdateAssumeRolePolicy alone: partial set', policies: [doc(allow('iam:UpdateAssumeRolePolicy'))], absent: ['iam:UpdateAssumeRolePolicy+sts:AssumeRole'] },
  { name: 'UpdateAssumeRolePolicy + AssumeRole on other resources', policies: [doc(allow('iam:UpdateAssumeRolePolicy', 'arn:aws:iam::1:role/a*'), allow('sts:AssumeRole', 'arn:aws:iam::1:role/b'))], absent: ['iam:UpdateAssumeRolePolicy+sts:AssumeRole'] },
  { name: 'PassRole + RunInstances', policies: [doc(allow(['iam:PassRole', 'ec2:RunInstances']))], found: ['iam:PassRole+ec2:RunInstances'], conditional: false },
  { name: 'PassRole alone: no PassRole escalation', policies: [doc(allow('iam:PassRole'))], absent: ['iam:PassRole+ec2:RunInstances', 'iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction'] },
  { name: 'RunInstances alone: none', policies: [doc(allow('ec2:RunInstances'))], absent: ['iam:PassRole+ec2:RunInstances'] },
  { name: 'PassRole on one specific role: not an escalation', policies: [doc(allow('iam:PassRole', ROLE), allow('ec2:RunInstances'))], absent: ['iam:PassRole+ec2:RunInstances'] },
  { name: 'PassRole on one specific role known to be admin: escalation', policies: [doc(allow('iam:PassRole', ROLE), allow('ec2:RunInstances'))], opts: { privileged: (arn) => arn === ROLE }, found: ['iam:PassRole+ec2:RunInstances'] },
  { name: 'PassRole on role/*: escalation', policies: [doc(allow('iam:PassRole', 'arn:aws:iam::111122223333:role/*'), allow('ec2:RunInstances'))], found: ['iam:PassRole+ec2:RunInstances'] },
  { name: 'PassedToService ec2 + RunInstances: escalation, not conditional', policies: [doc(allow('iam:PassRole', '*', { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } }), allow('ec2:RunInstances'))], found: ['iam:PassRole+ec2:RunInstances'], conditional: false },
  { name: 'PassedToService glue with only ec2: none', policies: [doc(allow('iam:PassRole', '*', { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } }), allow('ec2:RunInstances'))], absent: ['iam:PassRole+ec2:RunInstances'] },
  { name: 'PassedToService glue with glue:CreateDevEndpoint: escalation', policies: [doc(allow('iam:PassRole', '*', { StringLike: { 'iam:PassedToService': 'glue.*' } }), allow('glue:CreateDevEndpoint'))], found: ['iam:PassRole+glue:CreateDevEndpoint'] },
  { name: 'PassRole + RunInstances from an allowed IP only: conditional', policies: [doc(allow(['iam:PassRole', 'ec2:RunInstances'], '*', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }))], found: ['iam:PassRole+ec2:RunInstances'], conditional: true },
  { name: 'PassRole + RunInstances with aws:SecureTransport: unconditional', policies: [doc(allow(['iam:PassRole', 'ec2:RunInstances'], '*', { Bool: { 'aws:SecureTransport': 'true' } }))], found: ['iam:PassRole+ec2:RunInstances'], conditional: false },
  { name: 'PassRole + Lambda create + invoke', policies: [doc(allow(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction']))], found: ['iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction'], absent: ['iam:PassRole+lambda:CreateFunction+lambda:CreateEventSourceMapping'] },
  { name: 'PassRole + Lambda create without invoke: partial', policies: [doc(allow(['iam:PassRole', 'lambda:CreateFunction']))], absent: ['iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction'] },
  { name: 'PassRole + Lambda create + event source mapping', policies: [doc(allow(['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping']))], found: ['iam:PassRole+lambda:CreateFunction+lambda:CreateEventSourceMapping'] },
  { name: 'PassRole + CloudFormation', policies: [doc(allow(['iam:PassRole', 'cloudformation:CreateStack']))], found: ['iam:PassRole+cloudformation:CreateStack'] },
  { name: 'PassRole + Data Pipeline', policies: [doc(allow(['iam:PassRole', 'datapipeline:*']))], found: ['iam:PassRole+datapipeline:CreatePipeline+datapipeline:PutPipelineDefinition+datapipeline:ActivatePipeline'] },
  { name: 'Data Pipeline without activation: partial', policies: [doc(allow(['iam:PassRole', 'datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition']))], absent: ['iam:PassRole+datapipeline:CreatePipeline+datapipeline:PutPipelineDefinition+datapipeline:ActivatePipeline'] },
  { name: 'PassRole + Glue job', policies: [doc(allow(['iam:PassRole', 'glue:CreateJob', 'glue:StartJobRun']))], found: ['iam:PassRole+glue:CreateJob+glue:StartJobRun'] },
  { name: 'PassRole + SageMaker notebook', policies: [doc(allow(['iam:PassRole', 'sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedNotebookInstanceUrl']))], found: ['iam:PassRole+sagemaker:CreateNotebookInstance+sagemaker:CreatePresignedNotebookInstanceUrl'] },
  { name: 'PassRole + ECS', policies: [doc(allow(['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:RunTask']))], found: ['iam:PassRole+ecs:RegisterTaskDefinition+ecs:RunTask'] },
  { name: 'PassRole + CodeBuild', policies: [doc(allow(['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuild']))], found: ['iam:PassRole+codebuild:CreateProject+codebuild:StartBuild'] },
  { name: 'PutUserPolicy on itself', policies: [doc(allow('iam:PutUserPolicy', SELF))], opts: { self: SELF }, found: ['iam:PutUserPolicy'] },
  { name: 'PutUserPolicy on another specific user: not an escalation', policies: [doc(allow('iam:PutUserPolicy', 'arn:aws:iam::111122223333:user/other'))], opts: { self: SELF }, absent: ['iam:PutUserPolicy'] },
  { name: 'CreateAccessKey on itself only: not an escalation', policies: [doc(allow('iam:CreateAccessKey', SELF))], opts: { self: SELF }, absent: ['iam:CreateAccessKey'] },
  { name: 'Deleting its own boundary when it has one', policies: [doc(allow(['iam:DeleteUserPermissionsBoundary', 's3:*'], '*'))], boundary: doc(allow(['iam:DeleteUserPermissionsBoundary', 's3:*'])), found: ['iam:DeleteUserPermissionsBoundary'] },
  { name: 'Deleting a boundary without having one is no escalation', policies: [doc(allow('iam:DeleteUserPermissionsBoundary'))], absent: ['iam:DeleteUserPermissionsBoundary'] },
  { name: 'an escalation removed by a Deny in another policy', policies: [doc(allow(['iam:PassRole', 'ec2:RunInstances'])), doc(deny('iam:PassRole'))], absent: ['iam:PassRole+ec2:RunInstances'] },
  { name: 'an escalation removed by the boundary', policies: [doc(allow('iam:*'))], boundary: doc(allow('iam:Get*')), absent: ['iam:AttachUserPolicy', 'iam:CreatePolicyVersion'] },
  { name: 'PowerUserAccess: compute escalations, no IAM ones', policies: [POWER_USER_ACCESS], found: ['lambda:UpdateFunctionCode', 'glue:UpdateDevEndpoint', 'sts:AssumeRole on *'], absent: ['iam:PassRole+ec2:RunInstances', 'iam:AttachUserPolicy', 'iam:CreateAccessKey'] },
  { name: 'ReadOnlyAccess: none', policies: [READ_ONLY_ACCESS], absent: ['iam:CreateAccessKey', 'sts:AssumeRole on *', 'iam:PassRole+ec2:RunInstances'] },
];

describe('escalations', () => {
  it.each(cases)('$name', (c) => {
    const access = evaluatePrincipal({ identityPolicies: c.policies, ...(c.boundary === undefined ? {} : { permissionsBoundary: c.boundary }) });
    const escalations = classify(access, c.opts).escalations;
    const methods = escalations.map((e) => e.method);
    for (const m of c.found ?? []) expect(methods).toContain(m);
    for (const m of c.absent ?? []) expect(methods).not.toContain(m);
    if (c.conditional !== undefined) expect(escalations.find((e) => e.method === c.found?.[0])?.conditional).toBe(c.conditional);
  });

  it('reports the actions and target resources of a method', () => {
    const access = evaluatePrincipal({ identityPolicies: [doc(allow('iam:PassRole', 'arn:aws:iam::1:role/svc-*'), allow('ec2:RunInstances'))] });
    expect(classify(access).escalations).toEqual([{ method: 'iam:PassRole+ec2:RunInstances', actions: ['iam:PassRole', 'ec2:RunInstances'], resources: ['arn:aws:iam::1:role/svc-*'], conditional: false }]);
  });
});
