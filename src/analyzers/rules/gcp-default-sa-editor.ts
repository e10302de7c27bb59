import type { Finding } from '../../model/index.ts';
import { identitySubject, lastCredentialUse, lastIdentityUse, usableLongLivedCredentials } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import { daysSince, latestTime } from '../time.ts';
import type { Rule, RuleContext } from '../types.ts';

/** What the collector puts in `labels.default` for the Compute Engine and App Engine default accounts. */
const DEFAULT_KIND: Record<string, string> = { compute: 'Compute Engine', appengine: 'App Engine' };

/**
 * `gcp.default-sa-editor` (high): a Compute Engine or App Engine default service account
 * (`labels.default` set by the collector) that holds roles/editor and is in use: enabled, and
 * either holding a usable user-managed key or used within `policy.unusedDays` (its own last
 * authentication, any activity, any key's last use). Every VM or app that runs as it gets
 * Editor on the project. Unused or disabled default accounts are left to `credential.unused`.
 */
export const gcpDefaultSaEditorRule: Rule = {
  id: 'gcp.default-sa-editor',
  title: 'Default service account in use with the Editor role',
  severity: 'high',
  rationale:
    'Google grants the Compute Engine and App Engine default service accounts the Editor role when the project ' +
    'is created. Every instance or app that keeps the default runs with write access to almost the whole project; ' +
    'one compromised workload (or a key made for the account) reaches everything.',
  remediation:
    'Create a dedicated service account per workload with only the roles it needs, move the instances and apps ' +
    'to it, then remove roles/editor from the default account (or disable it). Enforce ' +
    '`iam.automaticIamGrantsForDefaultServiceAccounts` so new projects do not grant it.',
  references: [REF.cisGcp_4_1, REF.cisGcp_1_5, REF.soc2_cc6_3, REF.iso_a_8_2, REF.nist_ac_6],
  evaluate: evaluateDefaultSaEditor,
};

function evaluateDefaultSaEditor({ inventory, policy, now }: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    const kind = identity.provider === 'gcp' ? DEFAULT_KIND[identity.labels.default ?? ''] : undefined;
    if (kind === undefined || identity.disabled || identity.managed) continue;
    const editor = (inventory.grantsByIdentity.get(identity.id) ?? []).filter((g) => g.role === 'roles/editor');
    if (editor.length === 0) continue;
    const keys = usableLongLivedCredentials(inventory, identity.id, now);
    const credentials = inventory.credentialsByIdentity.get(identity.id) ?? [];
    const lastUsedAt = latestTime([lastIdentityUse(inventory, identity), ...credentials.map((c) => lastCredentialUse(inventory, c))]);
    const idle = daysSince(lastUsedAt, now);
    const recentlyUsed = idle !== undefined && idle <= policy.unusedDays;
    if (keys.length === 0 && !recentlyUsed) continue;
    const scopes = [...new Set(editor.map((g) => g.scope))].sort();
    const why = [recentlyUsed ? `used ${idle} days ago` : undefined, keys.length > 0 ? `${keys.length} active user-managed key${keys.length > 1 ? 's' : ''}` : undefined].filter(Boolean).join(', ');
    findings.push(
      makeFinding(gcpDefaultSaEditorRule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        message: `${kind} default service account ${identity.name} has roles/editor on ${scopes.join(', ')} and is in use (${why})`,
        evidence: {
          defaultAccount: identity.labels.default ?? null,
          scopes: scopes.join(', '),
          lastUsedAt: lastUsedAt ?? null,
          idleDays: idle ?? null,
          activeUserManagedKeys: keys.length,
          keyIds: keys.length > 0 ? keys.map((k) => k.publicId).sort().join(', ') : null,
          thresholdDays: policy.unusedDays,
        },
      }),
    );
  }
  return findings;
}
