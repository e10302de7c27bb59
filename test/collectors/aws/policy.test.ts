import { describe, expect, it } from 'vitest';
import { analyzePolicy, decodePolicyDocument, isReadOnlyAction, privilegeByName } from '../../../src/collectors/aws/policy.ts';
import type { PrivilegeClass } from '../../../src/model/index.ts';

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

describe('analyzePolicy: privilege class', () => {
  const cases: { name: string; document: unknown; arn?: string; privilege: PrivilegeClass }[] = [
    // must be admin
    { name: 'Allow * on *', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }), privilege: 'admin' },
    { name: 'Allow *:* on *', document: doc({ Effect: 'Allow', Action: ['*:*'], Resource: ['*'] }), privilege: 'admin' },
    { name: 'Statement as an object', document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, privilege: 'admin' },
    { name: '* among other actions', document: doc({ Effect: 'Allow', Action: ['s3:GetObject', '*'], Resource: '*' }), privilege: 'admin' },
    { name: '* among other resources', document: doc({ Effect: 'Allow', Action: '*', Resource: ['arn:aws:s3:::a', '*'] }), privilege: 'admin' },
    { name: 'NotAction of one IAM action on *', document: doc({ Effect: 'Allow', NotAction: ['iam:DeleteAccountPasswordPolicy'], Resource: '*' }), privilege: 'admin' },
    { name: 'NotAction of another service on *', document: doc({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }), privilege: 'admin' },
    { name: 'Action * with NotResource', document: doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::secret' }), privilege: 'admin' },
    { name: 'AdministratorAccess by ARN', document: doc(), arn: 'arn:aws:iam::aws:policy/AdministratorAccess', privilege: 'admin' },
    { name: 'admin statement after a Deny', document: doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }, { Effect: 'Allow', Action: '*', Resource: '*' }), privilege: 'admin' },
    // must not be admin
    { name: '* on one bucket', document: doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::acme' }), privilege: 'write' },
    { name: 'Deny * on *', document: doc({ Effect: 'Deny', Action: '*', Resource: '*' }), privilege: 'read' },
    { name: 's3:* on *', document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), privilege: 'write' },
    { name: 'NotAction of all IAM on * (PowerUserAccess)', document: doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }), privilege: 'write' },
    { name: 'NotAction on one resource', document: doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::a/*' }), privilege: 'write' },
    { name: 'iam:PassRole', document: doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }), privilege: 'write' },
    { name: 'AdministratorAccess look-alike ARN', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), arn: 'arn:aws:iam::123456789012:policy/AdministratorAccessLite', privilege: 'read' },
    { name: 'read verbs', document: doc({ Effect: 'Allow', Action: ['ec2:Describe*', 's3:Get*', 's3:ListBucket', 'dynamodb:Query', 'logs:FilterLogEvents'], Resource: '*' }), privilege: 'read' },
    { name: 'wildcard prefix verb', document: doc({ Effect: 'Allow', Action: 's3:*Object', Resource: '*' }), privilege: 'write' },
    { name: 'empty document', document: {}, privilege: 'read' },
    { name: 'credential report generation is read', document: doc({ Effect: 'Allow', Action: ['iam:GenerateCredentialReport', 'iam:Get*'], Resource: '*' }), privilege: 'read' },
  ];
  it.each(cases)('$name → $privilege', ({ document, arn, privilege }) => {
    expect(analyzePolicy(document, arn !== undefined ? { arn } : {}).privilege).toBe(privilege);
  });

  it('lists the allowed actions once, NotAction entries as !action, Deny left out', () => {
    const a = analyzePolicy(
      doc(
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::x' },
        { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::y' },
        { Effect: 'Deny', Action: 'ec2:*', Resource: '*' },
      ),
    );
    expect(a.permissions).toEqual(['s3:GetObject', 's3:PutObject', '!iam:*']);
  });
});

describe('isReadOnlyAction', () => {
  it.each([
    ['s3:GetObject', true],
    ['S3:getobject', true],
    ['ec2:Describe*', true],
    ['iam:List*', true],
    ['s3:HeadBucket', true],
    ['dynamodb:BatchGetItem', true],
    ['cloudtrail:LookupEvents', true],
    ['iam:GenerateCredentialReport', true],
    ['s3:PutObject', false],
    ['s3:*', false],
    ['*', false],
    ['s3:*Object', false],
    ['iam:CreateAccessKey', false],
    ['kms:Decrypt', false],
    ['sts:AssumeRole', false],
  ] as const)('%s → %s', (action, readOnly) => {
    expect(isReadOnlyAction(action)).toBe(readOnly);
  });
});

describe('decodePolicyDocument', () => {
  it('decodes URL-encoded JSON as IAM returns it, and accepts plain JSON', () => {
    const d = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::a b/*' }] };
    expect(decodePolicyDocument(encodeURIComponent(JSON.stringify(d)))).toEqual(d);
    expect(decodePolicyDocument(JSON.stringify(d))).toEqual(d);
  });

  it('guesses by name when no document could be read', () => {
    expect(privilegeByName('arn:aws:iam::aws:policy/AdministratorAccess')).toBe('admin');
    expect(privilegeByName('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess')).toBe('read');
    expect(privilegeByName('arn:aws:iam::aws:policy/AmazonS3FullAccess')).toBe('write');
  });
});
