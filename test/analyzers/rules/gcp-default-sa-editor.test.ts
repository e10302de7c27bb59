import { describe, expect, it } from 'vitest';
import { gcpDefaultSaEditorRule } from '../../../src/analyzers/rules/gcp-default-sa-editor.ts';
import type { Activity, Credential, Grant, Identity } from '../../../src/model/index.ts';
import { credentialId } from '../../../src/model/index.ts';
import { context, daysAgo, inventory } from '../factories.ts';

const PROJECT = 'acme-prod-1234';
const KEY = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';

function sa(email: string, overrides: Partial<Identity> = {}): Identity {
  return { id: `gcp:${PROJECT}:sa/${email}`, provider: 'gcp', kind: 'gcp-service-account', scope: PROJECT, name: email, labels: {}, disabled: false, managed: false, ...overrides };
}

const compute = sa('123456789012-compute@developer.gserviceaccount.com', { labels: { default: 'compute' } });
const appengine = sa(`${PROJECT}@appspot.gserviceaccount.com`, { labels: { default: 'appengine' } });
const custom = sa(`api@${PROJECT}.iam.gserviceaccount.com`);

const editor = (i: Identity, overrides: Partial<Grant> = {}): Grant => ({ identityId: i.id, scope: `projects/${PROJECT}`, role: 'roles/editor', permissions: [], privilege: 'write', via: 'binding', ...overrides });
const key = (i: Identity, overrides: Partial<Credential> = {}): Credential => ({ id: credentialId(i.id, KEY), identityId: i.id, kind: 'gcp-sa-key', publicId: KEY, createdAt: daysAgo(200), active: true, ...overrides });
const used = (i: Identity, days: number): Activity => ({ identityId: i.id, at: daysAgo(days), source: 'provider' });

interface Case {
  name: string;
  identity: Identity;
  grants?: (i: Identity) => Grant[];
  keys?: (i: Identity) => Credential[];
  activities?: (i: Identity) => Activity[];
}

const mustFire: Case[] = [
  { name: 'compute default used yesterday', identity: { ...compute, lastUsedAt: daysAgo(1) } },
  { name: 'app engine default with an active key, never used', identity: appengine, keys: (i) => [key(i)] },
  { name: 'compute default with an activity 10 days ago', identity: compute, activities: (i) => [used(i, 10)] },
  { name: 'compute default whose key was used last week', identity: compute, keys: (i) => [key(i, { active: false, lastUsedAt: daysAgo(7) })] },
  { name: 'editor granted on a folder', identity: { ...compute, lastUsedAt: daysAgo(2) }, grants: (i) => [editor(i, { scope: 'folders/99' })] },
  { name: 'conditional editor binding', identity: { ...compute, lastUsedAt: daysAgo(2) }, grants: (i) => [editor(i, { viaName: 'temporary-access' })] },
];

const mustNotFire: Case[] = [
  { name: 'compute default unused for a year, no keys', identity: { ...compute, lastUsedAt: daysAgo(365) } },
  { name: 'compute default never used, no keys', identity: compute },
  { name: 'compute default whose only key is system-managed', identity: compute, keys: (i) => [key(i, { managed: true })] },
  { name: 'compute default with an expired key', identity: compute, keys: (i) => [key(i, { expiresAt: daysAgo(3) })] },
  { name: 'compute default in use but only viewer', identity: { ...compute, lastUsedAt: daysAgo(1) }, grants: (i) => [editor(i, { role: 'roles/viewer', privilege: 'read' })] },
  { name: 'disabled compute default with a key', identity: { ...compute, disabled: true }, keys: (i) => [key(i)] },
  { name: 'user-created account with editor in use', identity: { ...custom, lastUsedAt: daysAgo(1) } },
  { name: 'compute default used 46 days ago (threshold 45)', identity: { ...compute, lastUsedAt: daysAgo(46) } },
];

function run(c: Case) {
  const inv = inventory({ identities: [c.identity], grants: (c.grants ?? ((i: Identity) => [editor(i)]))(c.identity), credentials: c.keys?.(c.identity) ?? [], activities: c.activities?.(c.identity) ?? [] });
  return gcpDefaultSaEditorRule.evaluate(context(inv));
}

describe('gcp.default-sa-editor', () => {
  it.each(mustFire)('fires: $name', (c) => {
    const findings = run(c);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'gcp.default-sa-editor', severity: 'high', subjectId: c.identity.id, provider: 'gcp', scope: PROJECT });
  });

  it.each(mustNotFire)('does not fire: $name', (c) => {
    expect(run(c)).toEqual([]);
  });

  it('explains which default account, where, and why it counts as in use', () => {
    const [f] = run({ name: '', identity: { ...compute, lastUsedAt: daysAgo(3) }, keys: (i) => [key(i)] });
    expect(f?.message).toBe(`Compute Engine default service account ${compute.name} has roles/editor on projects/${PROJECT} and is in use (used 3 days ago, 1 active user-managed key)`);
    expect(f?.evidence).toMatchObject({ defaultAccount: 'compute', activeUserManagedKeys: 1, keyIds: KEY, idleDays: 3, thresholdDays: 45 });
    expect(f?.references.map((r) => r.control)).toEqual(['GCP 4.1', 'GCP 1.5', 'CC6.3', 'A.8.2', 'AC-6']);
  });
});
