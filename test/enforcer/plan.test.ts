import { describe, expect, it } from 'vitest';
import { enforceSchema } from '../../src/config/enforce-schema.ts';
import type { EnforceConfig } from '../../src/config/enforce-schema.ts';
import { approvePlan, parsePlan } from '../../src/enforcer/plan-file.ts';
import { buildPlan } from '../../src/enforcer/plan.ts';
import { CONNECTION_NAME_RE, connectionName } from '../../src/enforcer/shapes.ts';
import { planSummary } from '../../src/enforcer/summary.ts';
import type { ActionKind, Credential, Finding, Identity, Inventory, Plan, PlanFilters, Verdict, VerdictKind } from '../../src/model/index.ts';
import { credentialId, findingId } from '../../src/model/index.ts';
import { decodeSprawlTag } from '../../src/providers/hoop/tags.ts';
import { NOW, inventory, key, role, user } from '../analyzers/factories.ts';
import { connection, serviceAccount } from '../analyzers/gateway-factories.ts';

const AGENT = '1837453e-01fc-46f3-9e4c-dcf22d395393';
const config = (over: Record<string, unknown> = {}): EnforceConfig => enforceSchema.parse({ gateway: { agentId: AGENT }, ...over });
const SCAN = { id: 's_test', startedAt: NOW.toISOString() };

const verdict = (identity: Identity, kind: VerdictKind, findingIds: string[] = []): Verdict => ({ identityId: identity.id, verdict: kind, reasons: [kind], findingIds });

function credFinding(c: Credential, rule: string): Finding {
  return {
    id: findingId(rule, c.id),
    ruleId: rule,
    title: rule,
    severity: 'high',
    subjectType: 'credential',
    subjectId: c.id,
    identityId: c.identityId,
    provider: 'aws',
    scope: '111122223333',
    message: rule,
    evidence: {},
    remediation: '',
    references: [],
  };
}

function plan(inv: Inventory, verdicts: Verdict[], opts: { findings?: Finding[]; config?: EnforceConfig; filters?: PlanFilters } = {}): Plan {
  return buildPlan({ scan: SCAN, inventory: inv, verdicts, findings: opts.findings ?? [], config: opts.config ?? config(), filters: opts.filters, now: NOW });
}

const kinds = (p: Plan, identity?: Identity): ActionKind[] => p.actions.filter((a) => !identity || a.identityId === identity.id).map((a) => a.kind);

const gcpSa = (email: string, over: Partial<Identity> = {}): Identity => ({
  id: `gcp:acme-prod:sa/${email}`,
  provider: 'gcp',
  kind: 'gcp-service-account',
  scope: 'acme-prod',
  name: email.split('@')[0] ?? email,
  labels: {},
  disabled: false,
  managed: false,
  ...over,
});

describe('buildPlan: one identity, what each verdict does', () => {
  const etl = user('etl');
  const k1 = key(etl, '1');
  const k2 = key(etl, '2');
  const old = key(etl, '3', { active: false });
  const runner = role('runner');
  const sa = gcpSa('builder@acme-prod.iam.gserviceaccount.com');
  const saKey: Credential = { id: credentialId(sa.id, 'a1b2c3'), identityId: sa.id, kind: 'gcp-sa-key', publicId: 'a1b2c3', active: true };
  const k8s = { ...serviceAccount('ci', 'runner'), id: 'k8s:prod:ns/ci/sa/runner' };
  const token: Credential = { id: credentialId(k8s.id, 'ci/runner-token'), identityId: k8s.id, kind: 'k8s-token-secret', publicId: 'ci/runner-token', active: true };
  const deployKey: Identity = { id: 'github:acme:deploy-key/api/4512', provider: 'github', kind: 'github-deploy-key', scope: 'acme', name: 'api: ci', labels: {}, disabled: false, managed: false };
  const dk: Credential = { id: credentialId(deployKey.id, 'SHA256:abc'), identityId: deployKey.id, kind: 'github-deploy-key', publicId: 'SHA256:abc', active: true };
  const app: Identity = { ...deployKey, id: 'github:acme:app/ci-bot', kind: 'github-app-installation', name: 'ci-bot' };
  const foreignSp: Identity = {
    id: 'azure:9d4191b5-aab3-41f0-96d2-75c075b6ee98:sp/da900429-2a89-4112-96e3-cf34b7fbf57e',
    provider: 'azure',
    kind: 'azure-service-principal',
    scope: '9d4191b5-aab3-41f0-96d2-75c075b6ee98',
    name: 'Terraform Cloud Connector',
    nativeId: 'da900429-2a89-4112-96e3-cf34b7fbf57e',
    labels: { 'azure:appId': '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'azure:appOwnerOrganizationId': '11111111-2222-3333-4444-555555555555' },
    disabled: false,
    managed: false,
  };

  const cases: { name: string; inv: Inventory; verdicts: Verdict[]; findings?: Finding[]; config?: EnforceConfig; expect: ActionKind[] }[] = [
    {
      name: 'migrate without a connection: register, then retire the old key (deactivate, later delete)',
      inv: inventory({ identities: [etl], credentials: [k1] }),
      verdicts: [verdict(etl, 'migrate')],
      expect: ['gateway.register', 'aws.key.deactivate', 'aws.key.delete'],
    },
    {
      name: 'migrate a user with both key slots taken, one inactive: the inactive key deleted first to make room',
      inv: inventory({ identities: [etl], credentials: [k1, old] }),
      verdicts: [verdict(etl, 'migrate')],
      expect: ['aws.key.delete', 'gateway.register', 'aws.key.deactivate', 'aws.key.delete'],
    },
    {
      name: 'migrate a user with two active keys: the least used deactivated, deleted after the grace period, then the fresh key',
      inv: inventory({ identities: [etl], credentials: [k1, { ...k2, lastUsedAt: NOW.toISOString() }] }),
      verdicts: [verdict(etl, 'migrate')],
      expect: ['aws.key.deactivate', 'aws.key.delete', 'gateway.register', 'aws.key.deactivate', 'aws.key.delete'],
    },
    {
      name: 'migrate with a connection: its secret rotated in place',
      inv: inventory({ identities: [etl], credentials: [k1], connections: [connection('aws-etl', etl)] }),
      verdicts: [verdict(etl, 'migrate')],
      expect: ['gateway.rotate', 'aws.key.deactivate', 'aws.key.delete'],
    },
    {
      name: 'rotate retires only the credentials its findings name',
      inv: inventory({ identities: [etl, sa], credentials: [k1, saKey, { ...saKey, id: credentialId(sa.id, 'd4e5f6'), publicId: 'd4e5f6' }] }),
      verdicts: [verdict(sa, 'rotate', [credFinding(saKey, 'credential.leaked').id])],
      findings: [credFinding(saKey, 'credential.leaked')],
      expect: ['gateway.register', 'gcp.key.disable', 'gcp.key.delete'],
    },
    {
      name: 'rotate a user with two keys: the flagged key is the one that makes room',
      inv: inventory({ identities: [etl], credentials: [k1, k2] }),
      verdicts: [verdict(etl, 'rotate', [credFinding(k2, 'credential.leaked').id])],
      findings: [credFinding(k2, 'credential.leaked')],
      expect: ['aws.key.deactivate', 'aws.key.delete', 'gateway.register'],
    },
    {
      name: 'migrate the service principal of another tenant\'s application: manual (its secrets live there)',
      inv: inventory({ identities: [foreignSp] }),
      verdicts: [verdict(foreignSp, 'migrate')],
      expect: ['manual'],
    },
    {
      name: 'migrate without an agent id: a manual step, nothing registered',
      inv: inventory({ identities: [etl], credentials: [k1] }),
      verdicts: [verdict(etl, 'migrate')],
      config: enforceSchema.parse({}),
      expect: ['manual'],
    },
    {
      name: 'revoke a user: gateway cut off, keys deactivated, then keys and user deleted',
      inv: inventory({ identities: [etl], credentials: [k1, old], connections: [connection('aws-etl', etl)] }),
      verdicts: [verdict(etl, 'revoke')],
      expect: ['gateway.cutoff', 'aws.key.deactivate', 'aws.key.delete', 'aws.key.delete', 'aws.user.delete'],
    },
    {
      name: 'revoke a role: a Deny policy, later deleted',
      inv: inventory({ identities: [runner] }),
      verdicts: [verdict(runner, 'revoke')],
      expect: ['aws.role.deny', 'aws.role.delete'],
    },
    {
      name: 'migrate a role: no key to hand over, manual',
      inv: inventory({ identities: [runner] }),
      verdicts: [verdict(runner, 'migrate')],
      expect: ['manual'],
    },
    {
      name: 'revoke a GCP service account: disabled, later deleted',
      inv: inventory({ identities: [sa], credentials: [saKey] }),
      verdicts: [verdict(sa, 'revoke')],
      expect: ['gcp.sa.disable', 'gcp.sa.delete'],
    },
    {
      name: 'migrate a GCP service account keylessly (federation): register, then its keys retired',
      inv: inventory({ identities: [sa], credentials: [saKey] }),
      verdicts: [verdict(sa, 'migrate')],
      config: config({ gateway: { agentId: AGENT, gcpFederation: true } }),
      expect: ['gateway.register', 'gcp.key.disable', 'gcp.key.delete'],
    },
    {
      name: 'revoke a Kubernetes service account: unbound, then tokens and account deleted',
      inv: inventory({ identities: [k8s], credentials: [token] }),
      verdicts: [verdict(k8s, 'revoke')],
      expect: ['k8s.bindings.remove', 'k8s.token.delete', 'k8s.sa.delete'],
    },
    {
      name: 'revoke a deploy key: deleted with its public key recorded',
      inv: inventory({ identities: [deployKey], credentials: [dk] }),
      verdicts: [verdict(deployKey, 'revoke')],
      expect: ['github.deploy-key.delete'],
    },
    {
      name: 'revoke a deploy key of an archived repository: manual (GitHub refuses writes there)',
      inv: inventory({ identities: [{ ...deployKey, labels: { repo: 'acme/api', archived: 'true' } }], credentials: [dk] }),
      verdicts: [verdict(deployKey, 'revoke')],
      expect: ['manual'],
    },
    {
      name: 'revoke a GitHub App installation: manual',
      inv: inventory({ identities: [app] }),
      verdicts: [verdict(app, 'revoke')],
      expect: ['manual'],
    },
    {
      name: 'keep and exempt: nothing',
      inv: inventory({ identities: [etl, runner], credentials: [k1] }),
      verdicts: [verdict(etl, 'keep'), verdict(runner, 'exempt')],
      expect: [],
    },
    {
      name: 'a provider-managed identity is never acted on, whatever its verdict',
      inv: inventory({ identities: [role('AWSServiceRoleForSupport', { managed: true })] }),
      verdicts: [verdict(role('AWSServiceRoleForSupport'), 'revoke')],
      expect: [],
    },
  ];

  it.each(cases)('$name', (c) => {
    const p = plan(c.inv, c.verdicts, { findings: c.findings, config: c.config });
    expect(kinds(p)).toEqual(c.expect);
    // stage 1 first, every dependency earlier in the plan, stage 2 carries the grace period
    const seen = new Set<string>();
    let stage = 1;
    for (const a of p.actions) {
      expect(a.stage).toBeGreaterThanOrEqual(stage);
      stage = a.stage;
      for (const d of a.dependsOn) expect(seen.has(d), `${a.kind} depends on an earlier action`).toBe(true);
      seen.add(a.id);
      // a deletion waits out the grace period; anything else in stage 2 waits behind one
      if (a.stage === 2 && a.kind.endsWith('.delete')) expect(a.graceDays).toBe(14);
      if (a.stage === 2 && !a.kind.endsWith('.delete')) expect(a.dependsOn.some((d) => p.actions.find((x) => x.id === d)?.stage === 2)).toBe(true);
      if (a.stage === 2) expect(a.kind === 'gateway.register' || !a.reversible || a.kind === 'aws.key.deactivate').toBe(true);
    }
  });

  it('retires old keys only after the gateway holds the new one', () => {
    const p = plan(inventory({ identities: [etl], credentials: [k1] }), [verdict(etl, 'migrate')]);
    const [register, deactivate] = p.actions;
    expect(deactivate?.dependsOn).toEqual([register?.id]);
  });

  it('registers connections in the shape of hoop\'s catalogue, tagged with the identity, under a valid name', () => {
    const p = plan(inventory({ identities: [etl], credentials: [k1] }), [verdict(etl, 'migrate')], {
      config: config({ gateway: { agentId: AGENT, reviewers: ['sre'], accessControlGroups: ['etl-bots'], tags: { env: 'prod' } } }),
    });
    const register = p.actions[0]!;
    expect(register.params).toMatchObject({
      type: 'custom',
      subtype: 'aws-cli',
      secretKeys: ['envvar:AWS_ACCESS_KEY_ID', 'envvar:AWS_SECRET_ACCESS_KEY', 'envvar:AWS_REGION'],
      agentId: AGENT,
      reviewers: ['sre'],
      accessControlGroups: ['etl-bots'],
      region: 'us-east-1',
    });
    const tags = Object.fromEntries((register.params.tags as string[]).map((t) => t.split('=', 2) as [string, string]));
    expect(tags.env).toBe('prod');
    expect(decodeSprawlTag(tags['sprawl-identity']!)).toBe(etl.id);
    expect(register.target).toMatch(CONNECTION_NAME_RE);
    expect(JSON.stringify(p)).not.toMatch(/secret":\s*"/i);
  });
});

describe('connectionName', () => {
  it.each([
    ['etl', /^sprawl-aws-etl-[0-9a-f]{8}$/],
    ['<img src=x onerror=alert(1)>', /^sprawl-aws-img-src-x-onerror-alert-1-[0-9a-f]{8}$/],
    ['ü', /^sprawl-aws-[0-9a-f]{8}$/],
    ['a'.repeat(300), /^sprawl-aws-a{60}-[0-9a-f]{8}$/],
  ])('%s gives a name hoop accepts', (name, re) => {
    const n = connectionName(user(name));
    expect(n).toMatch(re);
    expect(n).toMatch(CONNECTION_NAME_RE);
  });

  it('differs for two identities of the same name', () => {
    expect(connectionName(user('etl'))).not.toBe(connectionName({ ...user('etl'), id: 'aws:999999999999:user/etl' }));
  });
});

describe('buildPlan: scope, stability, staleness basis', () => {
  const a = user('a');
  const b = { ...gcpSa('b@acme-prod.iam.gserviceaccount.com') };
  const inv = inventory({ identities: [a, b], credentials: [key(a, '1')] });
  const verdicts = [verdict(a, 'revoke'), verdict(b, 'migrate')];

  it.each<[string, PlanFilters, string[]]>([
    ['no filter', {}, [a.id, b.id]],
    ['--provider gcp', { provider: ['gcp'] }, [b.id]],
    ['--scope 111122223333', { scope: ['111122223333'] }, [a.id]],
    ['--identity glob', { identity: ['aws:*:user/*'] }, [a.id]],
    ['--verdict migrate', { verdict: ['migrate'] }, [b.id]],
    ['--verdict rotate', { verdict: ['rotate'] }, []],
  ])('%s', (_name, filters, ids) => {
    const p = plan(inv, verdicts, { filters });
    expect([...new Set(p.actions.map((x) => x.identityId))].sort()).toEqual(ids);
    expect(Object.keys(p.basis).sort()).toEqual(ids);
  });

  it('gives the same plan, id and digest for the same input', () => {
    expect(plan(inv, verdicts)).toEqual(plan(inv, [...verdicts].reverse()));
  });

  it('changes the basis when a credential changes', () => {
    const before = plan(inv, verdicts).basis[a.id];
    const after = plan(inventory({ identities: [a, b], credentials: [key(a, '1', { active: false })] }), verdicts).basis[a.id];
    expect(after).not.toBe(before);
  });
});

describe('plan file', () => {
  const etl = user('etl');
  const p = plan(inventory({ identities: [etl], credentials: [key(etl, '1')] }), [verdict(etl, 'revoke')]);
  const text = JSON.stringify(p, null, 2);

  it('round-trips', () => {
    expect(parsePlan(text, 'plan.json')).toEqual(p);
  });

  it.each<[string, (x: Plan) => unknown, RegExp]>([
    ['an edited action', (x) => ({ ...x, actions: x.actions.map((y) => ({ ...y, target: 'AKIAOTHER' })) }), /plan.json: the plan was changed after it was made/],
    ['a dropped dependency target', (x) => ({ ...x, actions: x.actions.slice(1) }), /changed after it was made/],
    ['a wrong schema version', (x) => ({ ...x, schemaVersion: 2 }), /plan.json: schemaVersion/],
    ['an unknown action kind', (x) => ({ ...x, actions: [{ ...x.actions[0], kind: 'aws.account.close' }] }), /plan.json: actions.0.kind/],
    ['an approval of another version', (x) => ({ ...x, approval: { by: 'ann', at: NOW.toISOString(), digest: '0'.repeat(64) } }), /approval is for another version/],
  ])('refuses %s, naming the place', (_name, edit, error) => {
    expect(() => parsePlan(JSON.stringify(edit(p)), 'plan.json')).toThrow(error);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parsePlan('{', 'plan.json')).toThrow(/plan.json: not JSON/);
  });

  it('keeps an approval of this exact content', () => {
    const approved = approvePlan(p, ' ann@acme.example ', NOW);
    expect(parsePlan(JSON.stringify(approved), 'plan.json').approval).toEqual({ by: 'ann@acme.example', at: NOW.toISOString(), digest: p.digest });
  });

  it('summarises what changes and what cannot be undone', () => {
    const s = planSummary(p);
    expect(s).toContain(`Plan ${p.id} for scan s_test: 3 actions on 1 identity.`);
    expect(s).toMatch(/Stage 1, at apply \(1 action\):\n\s+1 {2}aws.key.deactivate/);
    expect(s).toMatch(/Cannot be undone: 2 actions \(aws.key.delete 1, aws.user.delete 1\)/);
  });
});
