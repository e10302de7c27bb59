import type { ComplianceRef, Finding, Leak, Provider, Severity } from '../../model/index.ts';
import { byExposure, leakPlace } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';

const CIS_5_1: ComplianceRef = { framework: 'CIS', control: 'Controls v8 5.1', title: 'Establish and maintain an inventory of accounts' };

/** Prefix of the identity id of these findings: `unknown:<fingerprint>` (no inventory identity; reports show "unknown"). */
export const UNKNOWN_IDENTITY_PREFIX = 'unknown:';

/** Detection rule id prefix → provider of the credential the secret belongs to. */
const PROVIDER_BY_PREFIX: readonly (readonly [string, Provider])[] = [
  ['aws-', 'aws'],
  ['gcp-', 'gcp'],
  ['azure-', 'azure'],
  ['github-', 'github'],
  ['kubernetes-', 'kubernetes'],
  ['k8s-', 'kubernetes'],
];

/**
 * Detection rules of those providers whose public id names something that is never an inventory
 * credential (a storage account, an API key, a session): their leaks can never match, so they
 * are not "unknown origin" (credential-less secrets are listed with the leaks instead).
 */
const NOT_INVENTORY_KEYS: ReadonlySet<string> = new Set([
  'aws-session-token',
  'azure-storage-connection-string',
  'azure-storage-account-key',
  'azure-sas-token',
  'gcp-api-key',
]);

/** Cloud account keys: high. Other providers' keys (GitHub tokens, Kubernetes tokens): medium. */
const CLOUD: ReadonlySet<Provider> = new Set<Provider>(['aws', 'gcp', 'azure']);

/** The provider a detection rule's secrets belong to, or undefined when it is not an inventory key. */
export function leakProvider(detectionRule: string): Provider | undefined {
  if (NOT_INVENTORY_KEYS.has(detectionRule)) return undefined;
  return PROVIDER_BY_PREFIX.find(([prefix]) => detectionRule.startsWith(prefix))?.[1];
}

/**
 * `leak.unknown-origin`: a committed secret that names a credential (it has a public id: AWS key
 * id, GCP private_key_id, ...) matching no credential of the inventory and not linked to one
 * (no credentialId): a key whose identity was deleted, or that belongs to an estate not scanned.
 *
 * - One finding per secret fingerprint (the same secret in several places is one finding):
 *   subjectType `leak`, subjectId the fingerprint, identityId `unknown:<fingerprint>`, scope the
 *   first repository (else `unknown`).
 * - Provider from the detection rule id prefix (aws-, gcp-, azure-, github-, kubernetes-/k8s-);
 *   leaks of other rules (generic passwords, Slack, Stripe...) and of rules whose public id is
 *   not an inventory credential (storage account keys, API keys, session tokens) are skipped.
 * - High for cloud keys (aws, gcp, azure), medium for GitHub and Kubernetes tokens.
 */
export const unknownOriginLeakRule: Rule = {
  id: 'leak.unknown-origin',
  title: 'Committed key of unknown origin',
  severity: 'high',
  rationale:
    'A key in a repository that matches no known identity is either dead, or alive in an account nobody ' +
    'inventories, which is worse: it cannot be reviewed, rotated or revoked until someone finds its owner.',
  remediation:
    'Look the key up with the provider (for AWS: `aws sts get-access-key-info`), scan that account or ' +
    'project with sprawl, and revoke the key; if it no longer exists, record that and clean the repository.',
  references: [CIS_5_1, REF.cisControls_16_12, REF.soc2_cc6_1, REF.iso_a_5_17, REF.iso_a_8_4, REF.nist_ia_5, REF.nist_ia_5_7],
  evaluate: evaluateUnknownOrigin,
};



function evaluateUnknownOrigin({ inventory }: RuleContext): Finding[] {
  const known = new Set(inventory.credentials.map((c) => c.publicId));
  const groups = new Map<string, { provider: Provider; leaks: Leak[] }>();
  for (const leak of inventory.leaks) {
    if (leak.publicId === undefined || leak.publicId === '' || leak.credentialId !== undefined || known.has(leak.publicId)) continue;
    const provider = leakProvider(leak.rule);
    if (!provider) continue;
    const group = groups.get(leak.fingerprint);
    if (group) group.leaks.push(leak);
    else groups.set(leak.fingerprint, { provider, leaks: [leak] });
  }
  const findings: Finding[] = [];
  for (const [fingerprint, { provider, leaks }] of groups) {
    const sorted = [...leaks].sort(byExposure);
    const first = sorted[0] as Leak;
    const places = [...new Set(sorted.map(leakPlace))];
    const repos = [...new Set(sorted.map((l) => l.location.repo).filter((r): r is string => r !== undefined))].sort();
    const severity: Severity = CLOUD.has(provider) ? 'high' : 'medium';
    findings.push(
      makeFinding(unknownOriginLeakRule, {
        subjectType: 'leak',
        subjectId: fingerprint,
        identityId: `${UNKNOWN_IDENTITY_PREFIX}${fingerprint}`,
        subject: { provider, scope: first.location.repo ?? 'unknown', name: first.publicId ?? fingerprint },
        severity,
        message:
          `Committed ${provider} key ${first.publicId ?? first.preview} matches no credential in the inventory; it is in ` +
          `${places.length === 1 ? places[0] : `${places.length} places, first ${places[0]}`}`,
        evidence: {
          publicId: first.publicId ?? null,
          detectionRule: first.rule,
          locations: places.length,
          firstLocation: places[0] ?? null,
          repositories: repos.length > 0 ? repos.join(', ') : null,
          firstCommit: first.location.commit ?? null,
          firstCommitAuthor: first.location.author ?? null,
          firstCommitTime: first.location.time ?? null,
          secretFingerprint: fingerprint,
          preview: first.preview,
        },
      }),
    );
  }
  return findings;
}
