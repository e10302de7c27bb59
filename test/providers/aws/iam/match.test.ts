import { describe, expect, it } from 'vitest';
import { CATALOG, expandActions, levelOf, matches, matchesAction, matchesResource, parsePolicy } from '../../../../src/providers/aws/iam/index.ts';

describe('matches', () => {
  const cases: [string, string, boolean, boolean?][] = [
    ['*', 'anything', true],
    ['iam:*', 'iam:PassRole', true],
    ['iam:Pass*', 'iam:passrole', true],
    ['IAM:PASSROLE', 'iam:PassRole', true],
    ['iam:?assRole', 'iam:PassRole', true],
    ['iam:?Role', 'iam:PassRole', false],
    ['s3:Get*', 's3:PutObject', false],
    ['arn:aws:iam::1:role/*', 'arn:aws:iam::1:role/admin', true, true],
    ['arn:aws:iam::1:role/Admin', 'arn:aws:iam::1:role/admin', false, true],
    ['arn:aws:s3:::b/a.b', 'arn:aws:s3:::b/aXb', false, true],
  ];
  it.each(cases)('%s ~ %s → %s', (p, v, expected, resource) => {
    expect(resource === true ? matchesResource(p, v) : matchesAction(p, v)).toBe(expected);
    if (resource !== true) expect(matches(p, v)).toBe(expected);
  });
});

describe('expandActions and levels', () => {
  it('expands wildcards, NotAction and nothing else', () => {
    const names = (ps: string[], not = false) => expandActions(ps, CATALOG, { not }).map((a) => a.name);
    expect(names(['iam:Create*Version'])).toEqual(['iam:CreatePolicyVersion']);
    expect(names(['sts:*'])).toContain('sts:AssumeRole');
    expect(names(['*'])).toHaveLength(CATALOG.length);
    expect(names(['*'], true)).toEqual([]);
    const notIam = names(['iam:*'], true);
    expect(notIam).not.toContain('iam:PassRole');
    expect(notIam).toContain('ec2:RunInstances');
    expect(names(['nosuch:*'])).toEqual([]);
  });
  const levels: [string, string][] = [
    ['iam:AttachUserPolicy', 'Permissions management'],
    ['iam:PassRole', 'Write'],
    ['iam:ListUsers', 'List'],
    ['s3:GetObject', 'Read'],
    ['dynamodb:GetItem', 'Read'],
    ['dynamodb:get*', 'Read'],
    ['dynamodb:*', 'Write'],
    ['dynamodb:PutItem', 'Write'],
    ['ec2:DescribeVolumes', 'List'],
    ['logs:FilterLogEvents', 'Read'],
    ['logs:PutLogEvents', 'Write'],
    ['rds:AddTagsToResource', 'Tagging'],
    ['rds:CreateDBInstance', 'Write'],
    ['rds:TagResource', 'Tagging'],
  ];
  it.each(levels)('%s is %s', (action, level) => expect(levelOf(action)).toBe(level));
  it('catalog has every IAM permissions-management action and hundreds of actions', () => {
    expect(CATALOG.length).toBeGreaterThan(300);
    expect(new Set(CATALOG.map((a) => a.key)).size).toBe(CATALOG.length);
  });
});

describe('parsePolicy', () => {
  it('normalizes a single statement object, NotResource and conditions, and caches by content', () => {
    const d = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'S3:GetObject', NotResource: 'arn:aws:s3:::secret/*', Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:SourceIp': ['10.0.0.0/8'] } } } };
    const p = parsePolicy(d);
    expect(p.statements).toEqual([
      {
        effect: 'Allow',
        actions: ['s3:getobject'],
        notAction: false,
        resources: { include: ['*'], exclude: ['arn:aws:s3:::secret/*'] },
        conditions: [{ operator: 'stringlike', qualifier: 'foranyvalue', ifExists: true, key: 'aws:sourceip', values: ['10.0.0.0/8'] }],
        notPrincipal: false,
      },
    ]);
    expect(parsePolicy(JSON.parse(JSON.stringify(d)))).toBe(p);
  });
  it('ignores junk', () => {
    expect(parsePolicy(null).statements).toEqual([]);
    expect(parsePolicy({ Statement: [{ Effect: 'Maybe', Action: '*' }, 3] }).statements).toEqual([]);
  });
});
