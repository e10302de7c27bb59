import { ANALYSIS_DEFAULTS } from '../../config/analysis-schema.ts';
import { identityUse, type ComplianceRef, type Finding, type Identity } from '../../model/index.ts';
import { identityLabel, identitySubject } from '../facts.ts';
import { makeFinding } from '../finding.ts';
import type { InventoryIndex } from '../inventory-index.ts';
import { REF } from '../references.ts';
import type { Rule, RuleContext } from '../types.ts';
import type { CorrelationSettings } from './correlation.ts';

const NIST_AC_2: ComplianceRef = { framework: 'NIST800-53', control: 'AC-2', title: 'Account management' };
const CIS_5_1: ComplianceRef = { framework: 'CIS', control: 'Controls v8 5.1', title: 'Establish and maintain an inventory of accounts' };

/** At most this many names in the evidence lists. */
const MAX_NAMES = 10;

/** Characters Kubernetes uses for generated name suffixes (no vowels, no 0, 1, 3). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const WORKLOAD_SUFFIXES: readonly RegExp[] = [
  new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`), // Deployment: <name>-<pod-template-hash>-<random>
  new RegExp(`^(.+)-\\d{8,}-${SAFE}{5}$`), // CronJob: <name>-<scheduled minute>-<random>
  new RegExp(`^(.+)-${SAFE}{5}$`), // Job, DaemonSet, bare ReplicaSet: <name>-<random>
  /^(.+)-\d+$/, // StatefulSet: <name>-<ordinal>
];

/** The workload a pod belongs to: its name minus the generated suffixes (`api-7c9d8f6b5-x2k4q` → `api`). */
export function workloadOf(podName: string): string {
  for (const re of WORKLOAD_SUFFIXES) {
    const m = re.exec(podName);
    if (m?.[1]) return m[1];
  }
  return podName;
}

/**
 * `identity.shared`: one identity used by several parties, so its activity cannot be tied to a
 * person or a workload and revoking it breaks more than one thing. Any of:
 *
 * - at least `sharedActorsMin` distinct gateway actors (case-insensitive) in its gateway sessions;
 * - its credentials' secrets committed in at least 2 distinct repositories;
 * - a Kubernetes service account run by at least `sharedWorkloadsMin` distinct workloads
 *   (`pod/<ns>/<pod>` provider activities; workload = namespace + pod name minus generated suffixes).
 *
 * One finding per identity listing every signal that held. Medium. Managed and disabled
 * identities never fire.
 */
export function sharedRuleWith(settings: Pick<CorrelationSettings, 'sharedActorsMin' | 'sharedWorkloadsMin'>): Rule {
  const rule: Rule = {
    id: 'identity.shared',
    title: 'Identity shared by several people, workloads or repositories',
    severity: 'medium',
    rationale:
      'A shared identity hides who did what: its logs name the identity, not the person or workload, and it ' +
      'carries the union of everyone\'s permissions. It cannot be revoked without breaking every user of it.',
    remediation:
      'Give each person and each workload its own identity with only the permissions it needs (or route people ' +
      'through the gateway with their own accounts), move the users over one by one, then remove the shared one.',
    references: [CIS_5_1, REF.cisControls_6_8, REF.soc2_cc6_1, REF.soc2_cc6_3, REF.iso_a_5_15, REF.iso_a_5_18, NIST_AC_2, REF.nist_ac_6],
    evaluate: (ctx) => evaluateShared(rule, ctx, settings),
  };
  return rule;
}

export const sharedRule: Rule = sharedRuleWith(ANALYSIS_DEFAULTS);

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function list(values: readonly string[]): string {
  return values.length > MAX_NAMES ? `${values.slice(0, MAX_NAMES).join(', ')} (+${values.length - MAX_NAMES} more)` : values.join(', ');
}

function gatewayActors(inventory: InventoryIndex, identity: Identity): string[] {
  const actors: string[] = [];
  for (const actor of identityUse(inventory.activity, identity.id).gatewayActors) if (actor.trim()) actors.push(actor.trim().toLowerCase());
  return sorted(actors);
}

function leakRepos(inventory: InventoryIndex, identity: Identity): string[] {
  const repos: string[] = [];
  for (const credential of inventory.credentialsByIdentity.get(identity.id) ?? []) {
    for (const leak of inventory.leaksByCredential.get(credential.id) ?? []) if (leak.location.repo) repos.push(leak.location.repo);
  }
  return sorted(repos);
}

function workloads(inventory: InventoryIndex, identity: Identity): string[] {
  if (identity.provider !== 'kubernetes') return [];
  const names: string[] = [];
  for (const actor of identityUse(inventory.activity, identity.id).podActors) {
    const m = /^pod\/([^/]+)\/(.+)$/.exec(actor);
    if (m?.[1] && m[2]) names.push(`${m[1]}/${workloadOf(m[2])}`);
  }
  return sorted(names);
}

function evaluateShared(rule: Rule, { inventory }: RuleContext, settings: Pick<CorrelationSettings, 'sharedActorsMin' | 'sharedWorkloadsMin'>): Finding[] {
  const findings: Finding[] = [];
  for (const identity of inventory.identities) {
    if (identity.managed || identity.disabled) continue;
    const actors = gatewayActors(inventory, identity);
    const repos = leakRepos(inventory, identity);
    const pods = workloads(inventory, identity);
    const signals: string[] = [];
    const parts: string[] = [];
    if (actors.length >= settings.sharedActorsMin) {
      signals.push('gateway-actors');
      parts.push(`used through the gateway by ${actors.length} actors (${list(actors)})`);
    }
    if (repos.length >= 2) {
      signals.push('repositories');
      parts.push(`its secret is committed in ${repos.length} repositories (${list(repos)})`);
    }
    if (pods.length >= settings.sharedWorkloadsMin) {
      signals.push('workloads');
      parts.push(`run by ${pods.length} workloads (${list(pods)})`);
    }
    if (signals.length === 0) continue;
    findings.push(
      makeFinding(rule, {
        subjectType: 'identity',
        subjectId: identity.id,
        identityId: identity.id,
        subject: identitySubject(identity),
        message: `${identityLabel(identity.kind)} ${identity.name} is shared: ${parts.join('; ')}`,
        evidence: {
          signals: signals.join(', '),
          gatewayActors: actors.length,
          actors: actors.length > 0 ? list(actors) : null,
          repositories: repos.length,
          repositoryNames: repos.length > 0 ? list(repos) : null,
          workloads: pods.length,
          workloadNames: pods.length > 0 ? list(pods) : null,
          actorsThreshold: settings.sharedActorsMin,
          workloadsThreshold: settings.sharedWorkloadsMin,
        },
      }),
    );
  }
  return findings;
}
