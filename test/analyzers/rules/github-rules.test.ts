/** The GitHub rules, and the provider-neutral rules on GitHub data. Cases that must fire and must not. */
import { describe, expect, it } from 'vitest';
import { reportsCredentialLastUse } from '../../../src/analyzers/facts.ts';
import { keyAgeRule } from '../../../src/analyzers/rules/credential-key-age.ts';
import { unusedRule } from '../../../src/analyzers/rules/credential-unused.ts';
import { GITHUB_RULES, githubAppWriteAllRule, githubDeployKeyWriteRule, githubSecretAlertOpenRule, githubTokenNoExpiryRule } from '../../../src/analyzers/rules/github.ts';
import type { Rule } from '../../../src/analyzers/types.ts';
import type { Credential, Grant, Identity, Leak } from '../../../src/model/index.ts';
import { credentialId } from '../../../src/model/index.ts';
import { NOW, context, daysAgo, inventory } from '../factories.ts';

const ORG = 'acme';
const deployKey = (o: Partial<Identity> = {}): Identity => ({ id: `github:${ORG}:deploy-key/api/4512`, provider: 'github', kind: 'github-deploy-key', scope: ORG, name: 'api/ci deploy', createdAt: daysAgo(300), labels: { repo: `${ORG}/api`, access: 'write' }, disabled: false, managed: false, ...o });
const dkCred = (o: Partial<Credential> = {}): Credential => ({ id: credentialId(deployKey().id, 'SHA256:abc'), identityId: deployKey().id, kind: 'github-deploy-key', publicId: 'SHA256:abc', createdAt: daysAgo(300), lastUsedAt: daysAgo(1), active: true, ...o });
const pat = (o: Partial<Identity> = {}): Identity => ({ id: `github:${ORG}:pat/77`, provider: 'github', kind: 'github-fine-grained-pat', scope: ORG, name: 'ci-alice', owner: 'alice', createdAt: daysAgo(200), labels: {}, disabled: false, managed: false, ...o });
const patCred = (o: Partial<Credential> = {}): Credential => ({ id: credentialId(pat().id, '77'), identityId: pat().id, kind: 'github-pat', publicId: '77', createdAt: daysAgo(200), expiresAt: new Date(NOW.getTime() + 30 * 86_400_000).toISOString(), lastUsedAt: daysAgo(1), active: true, ...o });
const app = (o: Partial<Identity> = {}): Identity => ({ id: `github:${ORG}:app/9`, provider: 'github', kind: 'github-app-installation', scope: ORG, name: 'renovate', labels: { repository_selection: 'all' }, disabled: false, managed: false, ...o });
const appGrant = (permission: string, level: string, privilege: Grant['privilege']): Grant => ({ identityId: app().id, scope: `${ORG} (all repositories)`, role: `app:${permission}`, permissions: [`${permission}:${level}`], privilege, via: 'attached' });
const alert = (o: Partial<Leak> = {}): Leak => ({ id: 'l_1', rule: 'github-secret-scanning:aws_access_key_id', severity: 'high', location: { repo: `${ORG}/api`, path: 'deploy/.env', line: 3 }, fingerprint: 'f'.repeat(64), preview: 'Amazon AWS Access Key ID (alert #1)', ...o });

interface Case {
  name: string;
  rule: Rule;
  identities?: Identity[];
  credentials?: Credential[];
  grants?: Grant[];
  leaks?: Leak[];
  subjects: string[];
  severity?: string;
}

const cases: Case[] = [
  { name: 'deploy-key-write: a write key fires', rule: githubDeployKeyWriteRule, identities: [deployKey()], credentials: [dkCred()], subjects: [deployKey().id], severity: 'medium' },
  { name: 'deploy-key-write: a read-only key does not', rule: githubDeployKeyWriteRule, identities: [deployKey({ labels: { repo: `${ORG}/api`, access: 'read' } })], credentials: [dkCred()], subjects: [] },
  { name: 'deploy-key-write: a disabled key does not', rule: githubDeployKeyWriteRule, identities: [deployKey({ disabled: true })], credentials: [dkCred({ active: false })], subjects: [] },
  { name: 'token-no-expiry: no expiry fires', rule: githubTokenNoExpiryRule, identities: [pat()], credentials: [patCred({ expiresAt: undefined })], subjects: [patCred().id] },
  { name: 'token-no-expiry: expiry beyond the lifetime policy fires', rule: githubTokenNoExpiryRule, identities: [pat()], credentials: [patCred({ expiresAt: new Date(NOW.getTime() + 800 * 86_400_000).toISOString() })], subjects: [patCred().id] },
  { name: 'token-no-expiry: expiry within the policy does not', rule: githubTokenNoExpiryRule, identities: [pat()], credentials: [patCred()], subjects: [] },
  { name: 'token-no-expiry: an expired token does not', rule: githubTokenNoExpiryRule, identities: [pat()], credentials: [patCred({ expiresAt: undefined, active: false })], subjects: [] },
  { name: 'app-write-all: write on all repositories fires', rule: githubAppWriteAllRule, identities: [app()], grants: [appGrant('contents', 'write', 'write'), appGrant('metadata', 'read', 'read')], subjects: [app().id], severity: 'high' },
  { name: 'app-write-all: admin on all repositories fires', rule: githubAppWriteAllRule, identities: [app()], grants: [appGrant('administration', 'write', 'admin')], subjects: [app().id] },
  { name: 'app-write-all: read-only on all repositories does not', rule: githubAppWriteAllRule, identities: [app()], grants: [appGrant('metadata', 'read', 'read')], subjects: [] },
  { name: 'app-write-all: write on selected repositories does not', rule: githubAppWriteAllRule, identities: [app({ labels: { repository_selection: 'selected' } })], grants: [appGrant('contents', 'write', 'write')], subjects: [] },
  { name: 'app-write-all: a suspended installation does not', rule: githubAppWriteAllRule, identities: [app({ disabled: true })], grants: [appGrant('contents', 'write', 'write')], subjects: [] },
  { name: 'secret-alert-open: an open alert fires', rule: githubSecretAlertOpenRule, leaks: [alert()], subjects: ['l_1'], severity: 'high' },
  { name: 'secret-alert-open: a committed key found by the repo scanner does not', rule: githubSecretAlertOpenRule, leaks: [alert({ rule: 'aws-access-key-id' })], subjects: [] },
  { name: 'unused: a deploy key last used 100 days ago fires', rule: unusedRule, identities: [deployKey()], credentials: [dkCred({ lastUsedAt: daysAgo(100) })], subjects: [dkCred().id] },
  { name: 'unused: a deploy key used yesterday does not', rule: unusedRule, identities: [deployKey()], credentials: [dkCred()], subjects: [] },
  { name: 'unused: a PAT last used 100 days ago fires', rule: unusedRule, identities: [pat()], credentials: [patCred({ lastUsedAt: daysAgo(100) })], subjects: [patCred().id] },
  { name: 'unused: a PAT never used (token_last_used_at null) since 200 days fires', rule: unusedRule, identities: [pat()], credentials: [patCred({ lastUsedAt: undefined })], subjects: [patCred().id] },
  { name: 'unused: an expired PAT is not an unused credential; its idle grant is reported on the identity', rule: unusedRule, identities: [pat()], credentials: [patCred({ lastUsedAt: daysAgo(100), active: false })], subjects: [pat().id] },
  { name: 'unused: an expired PAT used recently does not', rule: unusedRule, identities: [pat()], credentials: [patCred({ lastUsedAt: daysAgo(3), active: false })], subjects: [] },
  { name: 'key-age: a deploy key created 300 days ago fires', rule: keyAgeRule, identities: [deployKey()], credentials: [dkCred()], subjects: [dkCred().id] },
];

describe('GitHub rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = c.rule.evaluate(context(inventory({ identities: c.identities ?? [], credentials: c.credentials ?? [], grants: c.grants ?? [], leaks: c.leaks ?? [] })));
    expect(findings.map((f) => f.subjectId)).toEqual(c.subjects);
    if (c.severity) expect(findings[0]?.severity).toBe(c.severity);
    for (const f of findings) {
      expect(f.provider).toBe('github');
      expect(f.scope).toBe(ORG);
      expect(f.references.length).toBeGreaterThan(0);
    }
  });

  it('registers every rule once, with unique dotted ids', () => {
    expect(GITHUB_RULES.map((r) => r.id)).toEqual(['github.app-write-all', 'github.secret-alert-open', 'github.deploy-key-write', 'github.token-no-expiry']);
  });

  it('facts: deploy keys do not reliably report last use; PATs do', () => {
    expect(reportsCredentialLastUse('github-deploy-key')).toBe(false);
    expect(reportsCredentialLastUse('github-pat')).toBe(true);
    expect(reportsCredentialLastUse('aws-access-key')).toBe(true);
  });

  // credential.unused asks facts.reportsCredentialLastUse(credential.kind): no report, no verdict.
  it('unused: a deploy key whose last use GitHub does not report is unknown, not unused', () => {
    const findings = unusedRule.evaluate(context(inventory({ identities: [deployKey()], credentials: [dkCred({ lastUsedAt: undefined })] })));
    expect(findings).toEqual([]);
  });
});
