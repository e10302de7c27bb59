import { describe, expect, it } from 'vitest';
import { escalationPaths } from '../../../src/collectors/kubernetes/rbac.ts';
import type { PolicyRule } from '../../../src/collectors/kubernetes/rbac.ts';

interface Case {
  name: string;
  rules: PolicyRule[];
  paths: string[];
}

const cases: Case[] = [
  { name: 'impersonate on service accounts (edit)', rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }], paths: ['impersonate'] },
  { name: 'impersonate on users and groups', rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }], paths: ['impersonate'] },
  { name: 'impersonate on uids of authentication.k8s.io', rules: [{ apiGroups: ['authentication.k8s.io'], resources: ['uids'], verbs: ['impersonate'] }], paths: ['impersonate'] },
  { name: 'every verb on every resource', rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], paths: ['secrets-read', 'pods-exec', 'pods-create', 'impersonate', 'escalate', 'bind', 'token-create'] },
  // The impersonate verb only means something on users, groups, service accounts, uids and extras.
  { name: 'every verb on pods impersonates nobody', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }], paths: ['pods-create'] },
  { name: 'every verb on configmaps', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }], paths: [] },
  { name: 'impersonate limited by resourceNames', rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'], resourceNames: ['builder'] }], paths: [] },
];

describe('escalationPaths', () => {
  it.each(cases)('$name', ({ rules, paths }) => {
    expect(escalationPaths(rules)).toEqual(paths);
  });
});
