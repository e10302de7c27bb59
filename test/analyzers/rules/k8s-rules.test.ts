import { describe, expect, it } from 'vitest';
import { unusedRule } from '../../../src/analyzers/rules/credential-unused.ts';
import { K8S_RULES, k8sAutomountUnusedApiRule, k8sClusterAdminRule, k8sDefaultSaBoundRule, k8sLegacyTokenRule, k8sSaUnusedRule, k8sSecretsReadClusterRule } from '../../../src/analyzers/rules/k8s.ts';
import type { Rule } from '../../../src/analyzers/types.ts';
import type { Activity, Credential, Grant, Identity, Inventory } from '../../../src/model/index.ts';
import { credentialId } from '../../../src/model/index.ts';
import { assertUniqueRuleIds } from '../../../src/analyzers/registry.ts';
import { context, daysAgo, inventory } from '../factories.ts';

function sa(ns: string, name: string, o: Partial<Identity> = {}): Identity {
  return { id: `k8s:prod:ns/${ns}/sa/${name}`, provider: 'kubernetes', kind: 'k8s-service-account', scope: 'prod', name: `${ns}/${name}`, createdAt: daysAgo(200), labels: { namespace: ns, pods: '0' }, disabled: false, managed: false, ...o };
}
const running = (i: Identity, automount = true): Identity => ({ ...i, lastUsedAt: daysAgo(0), labels: { ...i.labels, pods: '1', automount: String(automount) } });
function grant(i: Identity, role: string, o: Partial<Grant> = {}): Grant {
  return { identityId: i.id, scope: 'cluster', role, permissions: [], privilege: 'read', via: 'binding', viaName: `ClusterRoleBinding/${role}`, ...o };
}
function token(i: Identity, o: Partial<Credential> = {}): Credential {
  const publicId = `${i.labels.namespace}/${i.name.split('/')[1]}-token-abcde`;
  return { id: credentialId(i.id, publicId), identityId: i.id, kind: 'k8s-token-secret', publicId, createdAt: daysAgo(300), active: true, ...o };
}
const pod = (i: Identity, days: number): Activity => ({ identityId: i.id, at: daysAgo(days), source: 'provider', actor: 'pod/x/y', verb: 'runs-as' });

interface Case {
  name: string;
  rule: Rule;
  inv: Inventory;
  fires: boolean;
  severity?: string;
}

const app = sa('ci', 'deployer');
const sys = sa('kube-system', 'coredns', { managed: true });
const dflt = sa('payments', 'default');

const cases: Case[] = [
  { name: 'cluster-admin binding, cluster-wide: critical', rule: k8sClusterAdminRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/cluster-admin', { privilege: 'admin' })] }), fires: true, severity: 'critical' },
  { name: 'admin (* on *) in one namespace: high', rule: k8sClusterAdminRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/wild', { privilege: 'admin', scope: 'ci', permissions: ['* *.*'] })] }), fires: true, severity: 'high' },
  { name: 'wildcard verb on one resource: high', rule: k8sClusterAdminRule, inv: inventory({ identities: [app], grants: [grant(app, 'Role/ci/r', { privilege: 'write', scope: 'ci', permissions: ['* pods'] })] }), fires: true, severity: 'high' },
  { name: 'no wildcard, write: no finding', rule: k8sClusterAdminRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/edit', { privilege: 'write', permissions: ['create pods', 'escalation:pods-create'] })] }), fires: false },
  { name: 'managed account with cluster-admin: skipped', rule: k8sClusterAdminRule, inv: inventory({ identities: [sys], grants: [grant(sys, 'ClusterRole/cluster-admin', { privilege: 'admin' })] }), fires: false },
  { name: 'cluster-admin through a group binding: not the account own', rule: k8sClusterAdminRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/cluster-admin', { privilege: 'admin', via: 'group' })] }), fires: false },

  { name: 'secrets read cluster-wide', rule: k8sSecretsReadClusterRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/secret-reader', { permissions: ['get secrets', 'escalation:secrets-read'] })] }), fires: true },
  { name: 'secrets read in one namespace: no finding', rule: k8sSecretsReadClusterRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/secret-reader', { scope: 'ci', permissions: ['escalation:secrets-read'] })] }), fires: false },
  { name: 'cluster-admin: left to k8s.cluster-admin', rule: k8sSecretsReadClusterRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/cluster-admin', { privilege: 'admin', permissions: ['escalation:secrets-read'] })] }), fires: false },
  { name: 'managed account reading secrets: skipped', rule: k8sSecretsReadClusterRule, inv: inventory({ identities: [sys], grants: [grant(sys, 'ClusterRole/secret-reader', { permissions: ['escalation:secrets-read'] })] }), fires: false },

  { name: 'active legacy token', rule: k8sLegacyTokenRule, inv: inventory({ identities: [app], credentials: [token(app)] }), fires: true },
  { name: 'invalidated legacy token: no finding', rule: k8sLegacyTokenRule, inv: inventory({ identities: [app], credentials: [token(app, { active: false })] }), fires: false },
  { name: 'legacy token of a managed account: skipped', rule: k8sLegacyTokenRule, inv: inventory({ identities: [sys], credentials: [token(sys)] }), fires: false },

  { name: 'automounted, no RBAC', rule: k8sAutomountUnusedApiRule, inv: inventory({ identities: [running(app)] }), fires: true },
  { name: 'automounted, only the group grant every account gets', rule: k8sAutomountUnusedApiRule, inv: inventory({ identities: [running(app)], grants: [grant(app, 'ClusterRole/system:service-account-issuer-discovery', { via: 'group' })] }), fires: true },
  { name: 'automounted with a binding: uses the API', rule: k8sAutomountUnusedApiRule, inv: inventory({ identities: [running(app)], grants: [grant(app, 'ClusterRole/view')] }), fires: false },
  { name: 'not automounted', rule: k8sAutomountUnusedApiRule, inv: inventory({ identities: [running(app, false)] }), fires: false },
  { name: 'no pods', rule: k8sAutomountUnusedApiRule, inv: inventory({ identities: [app] }), fires: false },

  { name: 'default account with a binding', rule: k8sDefaultSaBoundRule, inv: inventory({ identities: [dflt], grants: [grant(dflt, 'ClusterRole/view', { scope: 'payments' })] }), fires: true },
  { name: 'default account with only group grants', rule: k8sDefaultSaBoundRule, inv: inventory({ identities: [dflt], grants: [grant(dflt, 'ClusterRole/x', { via: 'group' })] }), fires: false },
  { name: 'non-default account with a binding', rule: k8sDefaultSaBoundRule, inv: inventory({ identities: [app], grants: [grant(app, 'ClusterRole/view')] }), fires: false },
  { name: 'default account in kube-system: managed', rule: k8sDefaultSaBoundRule, inv: inventory({ identities: [sa('kube-system', 'default', { managed: true })], grants: [grant(sa('kube-system', 'default'), 'ClusterRole/view')] }), fires: false },

  { name: 'no running pod, created 200 days ago', rule: k8sSaUnusedRule, inv: inventory({ identities: [app] }), fires: true },
  { name: 'no running pod, created 10 days ago', rule: k8sSaUnusedRule, inv: inventory({ identities: [sa('ci', 'fresh', { createdAt: daysAgo(10) })] }), fires: false },
  { name: 'running pod started 300 days ago: in use', rule: k8sSaUnusedRule, inv: inventory({ identities: [running(app)], activities: [pod(app, 300)] }), fires: false },
  { name: 'no pod now, but a recent recorded use', rule: k8sSaUnusedRule, inv: inventory({ identities: [app], activities: [pod(app, 3)] }), fires: false },
  { name: 'no pod now, its legacy token used 5 days ago', rule: k8sSaUnusedRule, inv: inventory({ identities: [app], credentials: [token(app, { lastUsedAt: daysAgo(5) })] }), fires: false },
  { name: 'no pod now, its legacy token last used 100 days ago', rule: k8sSaUnusedRule, inv: inventory({ identities: [app], credentials: [token(app, { lastUsedAt: daysAgo(100) })] }), fires: true },
  { name: 'default account: skipped', rule: k8sSaUnusedRule, inv: inventory({ identities: [dflt] }), fires: false },
  { name: 'managed account: skipped', rule: k8sSaUnusedRule, inv: inventory({ identities: [sys] }), fires: false },
];

describe('kubernetes rules', () => {
  it.each(cases)('$rule.id: $name', ({ rule, inv, fires, severity }) => {
    const findings = rule.evaluate(context(inv));
    expect(findings.length > 0).toBe(fires);
    if (fires) {
      expect(findings).toHaveLength(1);
      expect(findings[0]?.provider).toBe('kubernetes');
      if (severity) expect(findings[0]?.severity).toBe(severity);
    }
  });

  it('exports unique rule ids with CIS Kubernetes references where they apply', () => {
    assertUniqueRuleIds(K8S_RULES);
    expect(K8S_RULES.map((r) => r.id)).toEqual(['k8s.cluster-admin', 'k8s.secrets-read-cluster', 'k8s.legacy-token', 'k8s.automount-unused-api', 'k8s.default-sa-bound', 'k8s.sa-unused']);
    expect(k8sClusterAdminRule.references.map((r) => r.control)).toEqual(expect.arrayContaining(['Kubernetes 5.1.1', 'Kubernetes 5.1.3', 'CC6.3', 'A.8.2', 'AC-6']));
  });
});

/** What credential.unused says about Kubernetes accounts, and why k8s.sa-unused exists. */
describe('credential.unused on Kubernetes accounts', () => {
  const unused = (inv: Inventory): number => unusedRule.evaluate(context(inv)).length;
  it('does not call an account with a long-running pod unused (lastUsedAt = scan time)', () => {
    expect(unused(inventory({ identities: [running(app)], activities: [pod(app, 300)] }))).toBe(0);
  });
  it('cannot say anything about an account without pods or credentials (no last-use report): k8s.sa-unused does', () => {
    expect(unused(inventory({ identities: [app] }))).toBe(0);
    expect(k8sSaUnusedRule.evaluate(context(inventory({ identities: [app] })))).toHaveLength(1);
  });
  it('judges a legacy token secret on its legacy-token-last-used date', () => {
    expect(unused(inventory({ identities: [running(app)], credentials: [token(app, { lastUsedAt: daysAgo(2) })] }))).toBe(0);
    expect(unused(inventory({ identities: [running(app)], credentials: [token(app, { lastUsedAt: daysAgo(90) })] }))).toBe(1);
  });
});
