import { describe, expect, it } from 'vitest';
import { adminRule } from '../../../src/analyzers/rules/identity-admin.ts';
import { escalationRule } from '../../../src/analyzers/rules/identity-privilege-escalation.ts';
import type { Grant, Identity } from '../../../src/model/index.ts';
import { context, grant, inventory, role, user } from '../factories.ts';

const ci = user('ci-deployer');
const effective = (id: Identity, o: Partial<Grant> = {}): Grant => grant(id, 'effective access', { via: 'effective', privilege: 'write', ...o });
const k8sAccount = (name: string): Identity => {
  const [ns, sa] = name.split('/');
  return user(name, { id: `k8s:prod:ns/${ns ?? ''}/sa/${sa ?? ''}`, provider: 'kubernetes', kind: 'k8s-service-account', scope: 'prod' });
};

interface Case {
  name: string;
  identity: Identity;
  grants: Grant[];
  severity?: 'high' | 'medium';
  text?: RegExp;
}

const mustFire: Case[] = [
  { name: 'PassRole with a compute service', identity: ci, grants: [effective(ci, { permissions: ['escalation:iam:PassRole+ec2:RunInstances'] })], severity: 'high', text: /PassRole\+ec2:RunInstances/ },
  { name: 'a role chain to an admin role', identity: ci, grants: [effective(ci, { permissions: ['path:user/ci-deployer -> role/admin'] })], severity: 'high', text: /role chain user\/ci-deployer -> role\/admin/ },
  { name: 'only behind conditions', identity: ci, grants: [effective(ci, { permissions: ['escalation:iam:CreatePolicyVersion'], viaName: 'conditional' })], severity: 'medium' },
  { name: 'a Kubernetes binding that can bind roles', identity: role('runner'), grants: [grant(role('runner'), 'ClusterRole/binder', { via: 'binding', privilege: 'write', permissions: ['bind clusterroles.rbac.authorization.k8s.io', 'escalation:bind'] })], severity: 'high' },
  {
    name: 'a Kubernetes account that can impersonate (edit) besides reading secrets and creating pods',
    identity: k8sAccount('ci/deployer'),
    grants: [grant(k8sAccount('ci/deployer'), 'ClusterRole/edit', { via: 'binding', privilege: 'write', scope: 'ci', permissions: ['escalation:impersonate', 'escalation:pods-create', 'escalation:secrets-read'] })],
    severity: 'high',
    text: /: impersonate$/,
  },
];

const mustNotFire: Case[] = [
  { name: 'write access without an escalation method', identity: ci, grants: [effective(ci, { permissions: [] })] },
  { name: 'an administrator (identity.admin says it)', identity: ci, grants: [effective(ci, { privilege: 'admin', permissions: ['escalation:iam:CreatePolicyVersion'] })] },
  { name: 'a managed identity', identity: role('AWSServiceRoleForX', { managed: true }), grants: [effective(role('AWSServiceRoleForX'), { permissions: ['escalation:iam:PassRole+ec2:RunInstances'] })] },
  // k8s.secrets-read-cluster reports reading secrets cluster-wide; pod exec and creation are no escalation method of this rule.
  {
    name: 'a Kubernetes account reading secrets cluster-wide (k8s.secrets-read-cluster says it)',
    identity: k8sAccount('monitoring/grafana'),
    grants: [grant(k8sAccount('monitoring/grafana'), 'ClusterRole/secret-reader', { via: 'binding', privilege: 'read', scope: 'cluster', permissions: ['get secrets', 'escalation:secrets-read'] })],
  },
  {
    name: 'a Kubernetes account that execs into and creates pods in its namespace',
    identity: k8sAccount('ci/ci-runner'),
    grants: [grant(k8sAccount('ci/ci-runner'), 'Role/ci/ci-runner', { via: 'binding', privilege: 'write', scope: 'ci', permissions: ['escalation:pods-create', 'escalation:pods-exec', 'escalation:secrets-read'] })],
  },
];

describe('identity.privilege-escalation', () => {
  it.each(mustFire)('fires: $name', ({ identity, grants, severity, text }) => {
    const findings = escalationRule.evaluate(context(inventory({ identities: [identity], grants })));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe(severity);
    if (text) expect(findings[0]?.message).toMatch(text);
  });
  it.each(mustNotFire)('does not fire: $name', ({ identity, grants }) => {
    expect(escalationRule.evaluate(context(inventory({ identities: [identity], grants })))).toEqual([]);
  });
});

describe('identity.admin with a principal-level verdict', () => {
  it('an Allow * policy next to a Deny elsewhere is not admin when the effective grant says write', () => {
    const grants = [grant(ci, 'star', { privilege: 'admin', via: 'inline', permissions: ['*'] }), effective(ci, { privilege: 'write' })];
    expect(adminRule.evaluate(context(inventory({ identities: [ci], grants })))).toEqual([]);
  });
  it('admin only in combination (no single admin policy) still fires from the effective grant', () => {
    const grants = [grant(ci, 'iam-half', { privilege: 'write', via: 'inline' }), effective(ci, { privilege: 'admin' })];
    const [f] = adminRule.evaluate(context(inventory({ identities: [ci], grants })));
    expect(f?.evidence.policies).toBe('effective access');
  });
  it('without an effective grant, per-policy classification decides as before', () => {
    const grants = [grant(ci, 'AdministratorAccess', { privilege: 'admin' })];
    expect(adminRule.evaluate(context(inventory({ identities: [ci], grants })))).toHaveLength(1);
  });
});
