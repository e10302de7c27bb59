import { describe, expect, it } from 'vitest';
import { classify, evaluatePrincipal, grantsOf } from '../../../../src/providers/aws/iam/index.ts';
import type { EvaluateInput, EvaluateOptions } from '../../../../src/providers/aws/iam/index.ts';
import { ADMINISTRATOR_ACCESS, IAM_FULL_ACCESS, POWER_USER_ACCESS, READ_ONLY_ACCESS, allow, deny, doc } from './policies.ts';

interface Case {
  name: string;
  input: EvaluateInput;
  opts?: EvaluateOptions;
  privilege: 'admin' | 'write' | 'read';
  /** Actions that must be allowed (some grant left). */
  allowed?: string[];
  /** Actions that must not be allowed. */
  notAllowed?: string[];
  conditional?: boolean;
}

const cases: Case[] = [
  { name: 'AdministratorAccess is admin', input: { identityPolicies: [ADMINISTRATOR_ACCESS] }, privilege: 'admin', allowed: ['iam:AttachUserPolicy', 'ec2:RunInstances', '*'], conditional: false },
  { name: 'Allow *:* is admin', input: { identityPolicies: [doc(allow('*:*'))] }, privilege: 'admin' },
  { name: 'Allow iam:* on * is admin (can grant itself anything)', input: { identityPolicies: [doc(allow('iam:*'))] }, privilege: 'admin', notAllowed: ['ec2:RunInstances'] },
  { name: 'IAMFullAccess is admin', input: { identityPolicies: [IAM_FULL_ACCESS] }, privilege: 'admin' },
  { name: 'Allow * in one policy, Deny * in another: nothing', input: { identityPolicies: [ADMINISTRATOR_ACCESS, doc(deny('*'))] }, privilege: 'read', notAllowed: ['iam:AttachUserPolicy', 's3:GetObject', '*'] },
  { name: 'Allow * + Deny iam:*: write, IAM denied', input: { identityPolicies: [ADMINISTRATOR_ACCESS, doc(deny('iam:*'))] }, privilege: 'write', allowed: ['ec2:RunInstances', '*'], notAllowed: ['iam:PassRole', 'iam:CreateAccessKey', 'iam:GetUser'] },
  { name: 'a Deny of the admin-making actions in a second policy', input: { identityPolicies: [IAM_FULL_ACCESS, doc(deny(['iam:Attach*', 'iam:Put*', 'iam:CreatePolicyVersion']))] }, privilege: 'write', notAllowed: ['iam:AttachRolePolicy'], allowed: ['iam:CreateUser'] },
  { name: 'PowerUserAccess: write, not admin', input: { identityPolicies: [POWER_USER_ACCESS] }, privilege: 'write', allowed: ['ec2:RunInstances', 'iam:CreateServiceLinkedRole', '*'], notAllowed: ['iam:PassRole', 'iam:AttachUserPolicy', 'organizations:CreateAccount'] },
  { name: 'NotAction of one harmless action: admin', input: { identityPolicies: [doc({ Effect: 'Allow', NotAction: 's3:GetObject', Resource: '*' })] }, privilege: 'admin', notAllowed: ['s3:GetObject'] },
  { name: 'NotResource leaving out one bucket still reaches every role: admin', input: { identityPolicies: [doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::payroll/*' })] }, privilege: 'admin', allowed: ['iam:AttachUserPolicy'] },
  { name: 'NotResource excluding IAM users: not admin', input: { identityPolicies: [doc({ Effect: 'Allow', Action: 'iam:*', NotResource: 'arn:aws:iam::*:user/*' })] }, privilege: 'write' },
  { name: 'ReadOnlyAccess: read', input: { identityPolicies: [READ_ONLY_ACCESS] }, privilege: 'read', allowed: ['iam:GetUser', 's3:GetObject', 'dynamodb:get*'], notAllowed: ['s3:PutObject'] },
  { name: 'a service outside the catalog with a wildcard: write', input: { identityPolicies: [doc(allow('dynamodb:*'))] }, privilege: 'write', allowed: ['dynamodb:*'], notAllowed: ['s3:PutObject'] },
  { name: 'a permissions boundary removes admin', input: { identityPolicies: [ADMINISTRATOR_ACCESS], permissionsBoundary: doc(allow(['s3:*', 'ec2:Describe*'])) }, privilege: 'write', allowed: ['s3:PutObject', 'ec2:DescribeInstances'], notAllowed: ['iam:AttachUserPolicy', 'ec2:RunInstances', '*'] },
  { name: 'a boundary allows nothing the identity does not', input: { identityPolicies: [READ_ONLY_ACCESS], permissionsBoundary: ADMINISTRATOR_ACCESS }, privilege: 'read' },
  { name: 'a boundary narrows an unknown-service wildcard', input: { identityPolicies: [doc(allow('dynamodb:*'))], permissionsBoundary: doc(allow('dynamodb:Get*')) }, privilege: 'read', allowed: ['dynamodb:get*'], notAllowed: ['dynamodb:*'] },
  { name: 'an SCP denying IAM', input: { identityPolicies: [ADMINISTRATOR_ACCESS], scp: [doc(allow('*')), doc(allow('*'), deny('iam:*'))] }, privilege: 'write', notAllowed: ['iam:PassRole'] },
  { name: 'an SCP level that does not allow', input: { identityPolicies: [ADMINISTRATOR_ACCESS], scp: [doc(allow('s3:*'))] }, privilege: 'write', allowed: ['s3:PutObject'], notAllowed: ['iam:CreateUser'] },
  { name: 'a conditional Deny only partly denies: admin, conditional', input: { identityPolicies: [ADMINISTRATOR_ACCESS, doc(deny('*', '*', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }))] }, privilege: 'admin', conditional: true },
  { name: 'a Deny on some resources only partly denies', input: { identityPolicies: [ADMINISTRATOR_ACCESS, doc(deny('iam:*', 'arn:aws:iam::1:role/breakglass'))] }, privilege: 'admin', conditional: true },
  { name: 'Allow * with aws:SecureTransport: admin, unconditional', input: { identityPolicies: [doc(allow('*', '*', { Bool: { 'aws:SecureTransport': 'true' } }))] }, privilege: 'admin', conditional: false },
  { name: 'Allow * with aws:SourceIp: admin, conditional', input: { identityPolicies: [doc(allow('*', '*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))] }, privilege: 'admin', conditional: true },
  { name: 'aws:SourceIp decided by context: caller outside → nothing', input: { identityPolicies: [doc(allow('*', '*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))] }, opts: { conditionContext: { 'aws:SourceIp': '198.51.100.7' } }, privilege: 'read', notAllowed: ['iam:CreateUser'] },
  { name: 'aws:SourceIp decided by context: caller inside → admin, unconditional', input: { identityPolicies: [doc(allow('*', '*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))] }, opts: { conditionContext: { 'aws:SourceIp': '203.0.113.9' } }, privilege: 'admin', conditional: false },
  { name: 'empty: read', input: { identityPolicies: [] }, privilege: 'read' },
];

describe('evaluatePrincipal + classify', () => {
  it.each(cases)('$name', (c) => {
    const access = evaluatePrincipal(c.input, c.opts);
    const k = classify(access);
    expect(k.privilege).toBe(c.privilege);
    expect(k.admin).toBe(c.privilege === 'admin');
    for (const a of c.allowed ?? []) expect(grantsOf(access, a), a).not.toEqual([]);
    for (const a of c.notAllowed ?? []) expect(grantsOf(access, a), a).toEqual([]);
    if (c.conditional !== undefined) expect(k.conditional).toBe(c.conditional);
  });

  it('labels condition classes and partial denies on grants', () => {
    const access = evaluatePrincipal({
      identityPolicies: [
        doc(
          allow('s3:GetObject', '*', { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }),
          allow('s3:PutObject', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
          allow('s3:DeleteObject'),
          deny('s3:DeleteObject', 'arn:aws:s3:::logs/*'),
        ),
      ],
    });
    expect(grantsOf(access, 's3:GetObject').map((g) => g.condition)).toEqual(['unconditional-equivalent']);
    expect(grantsOf(access, 's3:PutObject').map((g) => [g.condition, g.constrainingKeys])).toEqual([['constraining', ['aws:multifactorauthpresent']]]);
    expect(grantsOf(access, 's3:DeleteObject').map((g) => [g.condition, g.partiallyDenied, g.resources])).toEqual([['none', true, { include: ['*'], exclude: ['arn:aws:s3:::logs/*'] }]]);
  });

  it('a Deny covering the specific resource removes the grant', () => {
    const access = evaluatePrincipal({ identityPolicies: [doc(allow('iam:PassRole', 'arn:aws:iam::1:role/app')), doc(deny('iam:PassRole', 'arn:aws:iam::1:role/*'))] });
    expect(grantsOf(access, 'iam:PassRole')).toEqual([]);
    expect(access.removed).toContain('iam:passrole');
  });

  it('shares results between principals with the same policies', () => {
    const a = evaluatePrincipal({ identityPolicies: [POWER_USER_ACCESS, READ_ONLY_ACCESS] });
    const b = evaluatePrincipal({ identityPolicies: [JSON.parse(JSON.stringify(READ_ONLY_ACCESS)) as typeof READ_ONLY_ACCESS, POWER_USER_ACCESS] });
    expect(b).toBe(a);
  });
});
