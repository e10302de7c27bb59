import { describe, expect, it } from 'vitest';
import { escalationPaths, evaluatePrincipal, trusts } from '../../../../src/providers/aws/iam/index.ts';
import type { ChainPrincipal, PolicyDocument } from '../../../../src/providers/aws/iam/index.ts';
import { ADMINISTRATOR_ACCESS, READ_ONLY_ACCESS, allow, doc, trustPolicy } from './policies.ts';

const ACCT = '111122223333';
const arn = (name: string): string => `arn:aws:iam::${ACCT}:${name}`;
const p = (policies: PolicyDocument[], trust?: PolicyDocument): ChainPrincipal => ({
  access: evaluatePrincipal({ identityPolicies: policies }),
  ...(trust === undefined ? {} : { trustPolicy: trust }),
});
const assume = (...roles: string[]): PolicyDocument => doc(allow('sts:AssumeRole', roles.map(arn)));

interface Case {
  name: string;
  principals: [string, ChainPrincipal][];
  from: string;
  /** Displays of the escalation paths expected, sorted. */
  paths: string[];
  assumable?: string[];
}

const cases: Case[] = [
  {
    name: 'two hops: user → role A → role B (admin)',
    principals: [
      [arn('user/ci'), p([assume('role/deployer')])],
      [arn('role/deployer'), p([assume('role/admin')], trustPolicy(arn('user/ci')))],
      [arn('role/admin'), p([ADMINISTRATOR_ACCESS], trustPolicy(arn('role/deployer')))],
    ],
    from: arn('user/ci'),
    paths: ['user/ci -> role/deployer -> role/admin'],
    assumable: [arn('role/deployer'), arn('role/admin')],
  },
  {
    name: 'chain broken: the admin role does not trust role A',
    principals: [
      [arn('user/ci'), p([assume('role/deployer')])],
      [arn('role/deployer'), p([assume('role/admin')], trustPolicy(arn('user/ci')))],
      [arn('role/admin'), p([ADMINISTRATOR_ACCESS], trustPolicy(arn('user/someone-else')))],
    ],
    from: arn('user/ci'),
    paths: [],
    assumable: [arn('role/deployer')],
  },
  {
    name: 'chain broken: the caller has no sts:AssumeRole on the role',
    principals: [
      [arn('user/ci'), p([READ_ONLY_ACCESS])],
      [arn('role/admin'), p([ADMINISTRATOR_ACCESS], trustPolicy(arn('user/ci')))],
    ],
    from: arn('user/ci'),
    paths: [],
    assumable: [],
  },
  {
    name: 'account root trust: any principal of the account with permission',
    principals: [
      [arn('user/ci'), p([doc(allow('sts:AssumeRole'))])],
      [arn('role/admin'), p([ADMINISTRATOR_ACCESS], trustPolicy(`arn:aws:iam::${ACCT}:root`))],
    ],
    from: arn('user/ci'),
    paths: ['user/ci -> role/admin'],
  },
  {
    name: 'account root trust of another account does not trust the caller',
    principals: [
      [arn('user/ci'), p([doc(allow('sts:AssumeRole'))])],
      [arn('role/admin'), p([ADMINISTRATOR_ACCESS], trustPolicy('arn:aws:iam::999999999999:root'))],
    ],
    from: arn('user/ci'),
    paths: [],
  },
  {
    name: 'a role that can escalate (not admin) is reported too',
    principals: [
      [arn('user/ci'), p([assume('role/builder')])],
      [arn('role/builder'), p([doc(allow(['iam:PassRole', 'ec2:RunInstances']))], trustPolicy('*'))],
    ],
    from: arn('user/ci'),
    paths: ['user/ci -> role/builder'],
  },
  {
    name: 'cycle A ↔ B terminates',
    principals: [
      [arn('user/ci'), p([assume('role/a')])],
      [arn('role/a'), p([assume('role/b')], trustPolicy(arn('user/ci'), arn('role/b')))],
      [arn('role/b'), p([assume('role/a'), ADMINISTRATOR_ACCESS], trustPolicy(arn('role/a')))],
    ],
    from: arn('user/ci'),
    paths: ['user/ci -> role/a -> role/b'],
    assumable: [arn('role/a'), arn('role/b')],
  },
];

describe('escalationPaths', () => {
  it.each(cases)('$name', (c) => {
    const result = escalationPaths(new Map(c.principals)).get(c.from);
    expect(result?.paths.map((x) => x.display).sort()).toEqual(c.paths);
    if (c.assumable !== undefined) expect(result?.assumable.map((a) => a.role)).toEqual(c.assumable);
  });

  it('stops after the depth bound', () => {
    const chain: [string, ChainPrincipal][] = [[arn('user/u'), p([assume('role/r1')])]];
    for (let i = 1; i <= 7; i++) {
      const prev = i === 1 ? arn('user/u') : arn(`role/r${i - 1}`);
      chain.push([arn(`role/r${i}`), p(i === 7 ? [ADMINISTRATOR_ACCESS] : [assume(`role/r${i + 1}`)], trustPolicy(prev))]);
    }
    const result = escalationPaths(new Map(chain)).get(arn('user/u'));
    expect(result?.assumable).toHaveLength(5);
    expect(result?.paths).toEqual([]);
    expect(escalationPaths(new Map(chain), { maxDepth: 7 }).get(arn('user/u'))?.paths.map((x) => x.display)).toEqual(['user/u -> role/r1 -> role/r2 -> role/r3 -> role/r4 -> role/r5 -> role/r6 -> role/r7']);
  });

  it('PassRole on a specific role that is admin counts once the role is known', () => {
    const principals = new Map([
      [arn('user/dev'), p([doc(allow('iam:PassRole', arn('role/admin')), allow('ec2:RunInstances'))])],
      [arn('role/admin'), p([ADMINISTRATOR_ACCESS], doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }))],
    ]);
    expect(escalationPaths(principals).get(arn('user/dev'))?.classification.escalations.map((e) => e.method)).toEqual(['iam:PassRole+ec2:RunInstances']);
  });
});

describe('trusts', () => {
  const cases: [string, PolicyDocument, string, boolean][] = [
    ['by ARN', trustPolicy(arn('user/ci')), arn('user/ci'), true],
    ['by another ARN', trustPolicy(arn('user/ci')), arn('user/other'), false],
    ['by account id', trustPolicy(ACCT), arn('user/ci'), true],
    ['by *', doc({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }), arn('user/ci'), true],
    ['a service only', doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }), arn('user/ci'), false],
    ['web identity action only', doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRoleWithWebIdentity' }), arn('user/ci'), false],
    ['denied explicitly', doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }, { Effect: 'Deny', Principal: { AWS: arn('user/ci') }, Action: 'sts:AssumeRole' }), arn('user/ci'), false],
  ];
  it.each(cases)('%s', (_name, policy, caller, expected) => expect(trusts(policy, caller) !== undefined).toBe(expected));
});
