/**
 * Verdicts to actions: for each identity whose verdict is migrate, rotate or revoke, the ordered
 * steps that carry it out, with their dependencies and stages. Pure: the same scan, config and
 * clock give the same plan (and the same digest).
 *
 * - migrate: a fresh credential straight into a gateway connection (registered, or the existing
 *   one's secret rotated), then every old credential retired: stage 1 deactivates where the
 *   provider can undo it, stage 2 deletes after the grace period.
 * - rotate: the same, but only the credentials the findings name (leaked, stale) are retired.
 * - revoke: the gateway connection cut off, credentials and the identity disabled (stage 1,
 *   reversible), then deleted (stage 2).
 * Provider-managed and exempt identities, and identities outside the filters, get no action.
 * Where no API can do it safely (GitHub Apps, fine-grained tokens, roles behind the gateway), a
 * `manual` action says what a person must do.
 */
import type { EnforceConfig } from '../config/enforce-schema.ts';
import { PLAN_SCHEMA_VERSION } from '../model/index.ts';
import type { ActionKind, Credential, Finding, GatewayConnection, Identity, Inventory, Plan, PlanAction, PlanFilters, Verdict, VerdictKind } from '../model/index.ts';
import { encodeSprawlTag, SPRAWL_TAG } from '../providers/hoop/tags.ts';
import { canonicalJson, sha256 } from '../util/digest.ts';
import { connectionName, connectionShape } from './shapes.ts';

export interface PlanInput {
  scan: { id: string; startedAt: string };
  inventory: Inventory;
  verdicts: readonly Verdict[];
  /** The scan's findings (rotate retires the credentials they name). */
  findings: readonly Finding[];
  config: EnforceConfig;
  filters?: PlanFilters;
  now: Date;
}

const ACTING: ReadonlySet<VerdictKind> = new Set(['migrate', 'rotate', 'revoke']);

export function buildPlan(input: PlanInput): Plan {
  const filters = input.filters ?? {};
  const byIdentity = indexInventory(input.inventory);
  const findingById = new Map(input.findings.map((f) => [f.id, f]));
  const actions: PlanAction[] = [];
  const basis: Record<string, string> = {};
  for (const verdict of [...input.verdicts].sort((a, b) => (a.identityId < b.identityId ? -1 : a.identityId > b.identityId ? 1 : 0))) {
    if (!ACTING.has(verdict.verdict)) continue;
    const identity = byIdentity.identities.get(verdict.identityId);
    if (!identity || identity.managed || !matchesFilters(identity, verdict.verdict, filters)) continue;
    const facts: IdentityFacts = {
      identity,
      verdict: verdict.verdict,
      credentials: (byIdentity.credentials.get(identity.id) ?? []).filter((c) => !c.managed),
      connection: byIdentity.connections.get(identity.id),
      flagged: flaggedCredentials(verdict, findingById),
    };
    const steps = verdict.verdict === 'revoke' ? revokeSteps(facts, input.config) : moveSteps(facts, input.config);
    if (steps.length === 0) continue;
    actions.push(...steps);
    basis[identity.id] = identityBasis(identity, byIdentity.credentials.get(identity.id) ?? [], facts.connection, input.inventory);
  }
  const ordered = [...actions.filter((a) => a.stage === 1), ...actions.filter((a) => a.stage === 2)];
  const body = { schemaVersion: PLAN_SCHEMA_VERSION, createdAt: input.now.toISOString(), scan: input.scan, filters, basis, actions: ordered };
  const digest = planDigest(body);
  return { schemaVersion: PLAN_SCHEMA_VERSION, id: `p_${digest.slice(0, 16)}`, createdAt: body.createdAt, scan: input.scan, filters, basis, actions: ordered, digest };
}

/** sha256 of the plan's canonical JSON, leaving out `id`, `digest` and `approval`. */
export function planDigest(plan: Pick<Plan, 'schemaVersion' | 'createdAt' | 'scan' | 'filters' | 'basis' | 'actions'>): string {
  const { schemaVersion, createdAt, scan, filters, basis, actions } = plan;
  return sha256(canonicalJson({ schemaVersion, createdAt, scan, filters, basis, actions }));
}

/**
 * What the scan saw of an identity that a plan depends on: its state, its credentials (and
 * whether active), its grants and its gateway connection. Apply compares this with the latest
 * scan: a different digest means the estate changed since the plan was made.
 */
export function identityBasis(identity: Identity, credentials: readonly Credential[], connection: GatewayConnection | undefined, inventory: Pick<Inventory, 'grants'>): string {
  const grants = inventory.grants
    .filter((g) => g.identityId === identity.id)
    .map((g) => `${g.via}|${g.scope}|${g.role}`)
    .sort();
  const creds = credentials.map((c) => `${c.kind}|${c.publicId}|${c.active ? 1 : 0}`).sort();
  return sha256(canonicalJson({ disabled: identity.disabled, creds, grants, connection: connection?.id ?? null })).slice(0, 32);
}

// ---------------------------------------------------------------------------------------------

interface IdentityFacts {
  identity: Identity;
  verdict: VerdictKind;
  /** Not provider-managed. */
  credentials: Credential[];
  connection: GatewayConnection | undefined;
  /** Credential ids the verdict's findings name. */
  flagged: Set<string>;
}

interface Indexed {
  identities: Map<string, Identity>;
  credentials: Map<string, Credential[]>;
  connections: Map<string, GatewayConnection>;
}

function indexInventory(inventory: Inventory): Indexed {
  const identities = new Map(inventory.identities.map((i) => [i.id, i]));
  const credentials = new Map<string, Credential[]>();
  for (const c of inventory.credentials) {
    const list = credentials.get(c.identityId);
    if (list) list.push(c);
    else credentials.set(c.identityId, [c]);
  }
  for (const list of credentials.values()) list.sort((a, b) => (a.publicId < b.publicId ? -1 : a.publicId > b.publicId ? 1 : 0));
  const connections = new Map<string, GatewayConnection>();
  for (const c of [...inventory.connections].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (c.identityId && !connections.has(c.identityId)) connections.set(c.identityId, c);
  }
  return { identities, credentials, connections };
}

function flaggedCredentials(verdict: Verdict, findings: ReadonlyMap<string, Finding>): Set<string> {
  const out = new Set<string>();
  for (const id of verdict.findingIds) {
    const f = findings.get(id);
    if (f?.subjectType === 'credential') out.add(f.subjectId);
  }
  return out;
}

function globRe(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

function matchesFilters(identity: Identity, verdict: VerdictKind, f: PlanFilters): boolean {
  if (f.provider?.length && !f.provider.includes(identity.provider)) return false;
  if (f.scope?.length && !f.scope.includes(identity.scope)) return false;
  if (f.verdict?.length && !f.verdict.includes(verdict)) return false;
  if (f.identity?.length && !f.identity.some((g) => globRe(g).test(identity.id))) return false;
  return true;
}

function actionId(kind: ActionKind, identityId: string, target: string): string {
  return 'a_' + sha256(`${kind}\u0000${identityId}\u0000${target}`).slice(0, 16);
}

type Draft = Omit<PlanAction, 'id' | 'identityId' | 'identityName' | 'provider' | 'scope' | 'verdict' | 'dependsOn' | 'params'> & {
  dependsOn?: string[];
  params?: PlanAction['params'];
};

function step(facts: IdentityFacts, d: Draft): PlanAction {
  const { identity } = facts;
  return {
    id: actionId(d.kind, identity.id, d.target),
    kind: d.kind,
    identityId: identity.id,
    identityName: identity.name,
    provider: identity.provider,
    scope: identity.scope,
    verdict: facts.verdict,
    target: d.target,
    stage: d.stage,
    reversible: d.reversible,
    dependsOn: d.dependsOn ?? [],
    ...(d.graceDays !== undefined ? { graceDays: d.graceDays } : {}),
    params: { ...coordinates(identity), ...d.params },
    summary: d.summary,
  };
}

/**
 * Where the identity lives, in the provider's own terms, on every action: the implementations
 * read these, never the identity id's syntax.
 * - aws: account, and user or role (the IAM name)
 * - gcp: project, email
 * - azure: tenant, objectId (the service principal), appId (its application)
 * - kubernetes: cluster, namespace, serviceAccount
 * - github: org, and for deploy keys repo and keyId
 */
export function coordinates(identity: Identity): PlanAction['params'] {
  const base: PlanAction['params'] = { identityKind: identity.kind };
  switch (identity.provider) {
    case 'aws':
      return { ...base, account: identity.scope, ...(identity.kind === 'aws-iam-role' ? { role: identity.name } : { user: identity.name }) };
    case 'gcp':
      return { ...base, project: identity.scope, email: emailOf(identity) };
    case 'azure':
      return { ...base, tenant: identity.scope, objectId: identity.nativeId ?? '', ...(identity.labels['azure:appId'] ? { appId: identity.labels['azure:appId'] } : {}) };
    case 'kubernetes': {
      const ref = k8sName(identity);
      return { ...base, cluster: identity.scope, ...(ref ? { namespace: ref.namespace, serviceAccount: ref.name } : {}) };
    }
    case 'github': {
      const m = /^github:[^:]+:deploy-key\/(.+)\/(\d+)$/.exec(identity.id);
      return { ...base, org: identity.scope, ...(m ? { repo: m[1] as string, keyId: m[2] as string } : {}) };
    }
  }
}

const manual = (facts: IdentityFacts, summary: string): PlanAction => step(facts, { kind: 'manual', target: facts.identity.id, stage: 1, reversible: true, summary });

/** migrate and rotate: a fresh credential behind the gateway, then the old ones retired. */
function moveSteps(facts: IdentityFacts, config: EnforceConfig): PlanAction[] {
  const { identity, connection } = facts;
  const shape = connectionShape(identity, { gcpFederation: config.gateway.gcpFederation });
  if (!shape) return [manual(facts, movedManually(identity))];
  const foreignTenant = identity.labels['azure:appOwnerOrganizationId'];
  if (identity.kind === 'azure-service-principal' && foreignTenant) {
    return [manual(facts, `${identity.name} is the service principal of an application registered in another tenant (${foreignTenant}): its client secrets can only be made there. Ask that tenant's owner, or remove its role assignments here if it is not needed`)];
  }
  const retire = facts.verdict === 'rotate' && [...facts.flagged].some((id) => facts.credentials.some((c) => c.id === id))
    ? facts.credentials.filter((c) => facts.flagged.has(c.id))
    : facts.credentials;
  const out: PlanAction[] = [];
  // IAM allows two access keys per user: with both slots taken, one goes before the fresh key.
  const slot = shape.keyless ? undefined : awsKeySlot(facts, retire, config);
  out.push(...(slot?.actions ?? []));
  const gatewayStage = slot?.before.stage ?? 1;
  const gatewayDeps = slot ? [slot.before.id] : [];
  let gateway: PlanAction;
  if (connection) {
    gateway = step(facts, {
      kind: 'gateway.rotate',
      target: connection.name,
      stage: gatewayStage,
      dependsOn: gatewayDeps,
      reversible: false,
      params: { connection: connection.name, gateway: connection.gateway, subtype: shape.subtype, secretKeys: shape.secretKeys, ...(shape.keyless ? { keyless: true } : {}) },
      summary: `Create a fresh ${credentialNoun(identity)} for ${identity.name} and put it into gateway connection ${connection.name} (its whole secret map is replaced)`,
    });
  } else {
    if (!config.gateway.agentId) {
      return [manual(facts, `Register ${identity.name} behind the gateway: set enforce.gateway.agentId (the hoop agent that will run its sessions) and plan again`)];
    }
    const name = connectionName(identity);
    gateway = step(facts, {
      kind: 'gateway.register',
      target: name,
      stage: gatewayStage,
      dependsOn: gatewayDeps,
      reversible: true,
      params: registerParams(identity, name, shape, config),
      summary: shape.keyless
        ? `Register gateway connection ${name} that impersonates ${identity.name} keylessly (GCP IAM federation)`
        : `Create a fresh ${credentialNoun(identity)} for ${identity.name} and register gateway connection ${name} holding it`,
    });
  }
  out.push(gateway);
  for (const c of retire.filter((c) => (c.active || facts.verdict === 'migrate') && c.id !== slot?.key.id)) {
    // Behind a gateway step that waits for stage 2, the retirement waits too.
    out.push(...retireCredential(facts, c, [gateway.id], config).map((a) => (gateway.stage === 2 ? { ...a, stage: 2 as const } : a)));
  }
  return out;
}

const AWS_KEYS_PER_USER = 2;

/**
 * An IAM user already holding two access keys cannot get a fresh one. The key that makes room:
 * an inactive one (deleted at once: nothing can be using it), else the least recently used of the
 * keys being retired anyway (deactivated now, deleted after the grace period once unused, and
 * only then the fresh key: the gateway step moves to stage 2).
 */
function awsKeySlot(facts: IdentityFacts, retire: readonly Credential[], config: EnforceConfig): { key: Credential; actions: PlanAction[]; before: PlanAction } | undefined {
  if (facts.identity.kind !== 'aws-iam-user') return undefined;
  const keys = facts.credentials.filter((c) => c.kind === 'aws-access-key');
  if (keys.length < AWS_KEYS_PER_USER) return undefined;
  const byUse = (a: Credential, b: Credential): number => (a.lastUsedAt ?? '').localeCompare(b.lastUsedAt ?? '') || a.publicId.localeCompare(b.publicId);
  const inactive = keys.filter((c) => !c.active).sort(byUse);
  const retiring = keys.filter((c) => retire.some((r) => r.id === c.id)).sort(byUse);
  const key = inactive[0] ?? retiring[0] ?? [...keys].sort(byUse)[0]!;
  const { identity } = facts;
  const params = { account: identity.scope, user: identity.name, accessKeyId: key.publicId };
  if (!key.active) {
    const del = step(facts, {
      kind: 'aws.key.delete',
      target: key.publicId,
      stage: 1,
      reversible: false,
      params,
      summary: `Delete inactive access key ${key.publicId} of ${identity.name} to make room for the fresh key (IAM allows two per user)`,
    });
    return { key, actions: [del], before: del };
  }
  const [off, del] = retireCredential(facts, key, [], config) as [PlanAction, PlanAction];
  const made = { ...off, summary: `${off.summary}, its least used, to make room for the fresh key (IAM allows two per user)` };
  return { key, actions: [made, del], before: del };
}

function registerParams(identity: Identity, name: string, shape: NonNullable<ReturnType<typeof connectionShape>>, config: EnforceConfig): PlanAction['params'] {
  const g = config.gateway;
  const tags = { ...g.tags, [SPRAWL_TAG]: encodeSprawlTag(identity.id) };
  const params: PlanAction['params'] = {
    connection: name,
    type: shape.type,
    subtype: shape.subtype,
    command: shape.command,
    secretKeys: shape.secretKeys,
    agentId: g.agentId ?? '',
    tags: Object.entries(tags)
      .slice(0, 10)
      .map(([k, v]) => `${k}=${v}`),
    accessModeExec: g.accessModes.exec,
    accessModeConnect: g.accessModes.connect,
    accessModeRunbooks: g.accessModes.runbooks,
  };
  if (shape.keyless) params.keyless = true;
  if (g.accessControlGroups.length) params.accessControlGroups = g.accessControlGroups;
  if (g.reviewers.length) params.reviewers = g.reviewers;
  if (g.minReviewApprovals !== undefined) params.minReviewApprovals = g.minReviewApprovals;
  if (g.redactTypes.length) params.redactTypes = g.redactTypes;
  if (g.guardrailRules.length) params.guardrailRules = g.guardrailRules;
  if (identity.kind === 'aws-iam-user') params.region = g.awsRegion;
  return params;
}

/** revoke: cut off, disable (stage 1), delete (stage 2). */
function revokeSteps(facts: IdentityFacts, config: EnforceConfig): PlanAction[] {
  const { identity, connection } = facts;
  const out: PlanAction[] = [];
  const grace = config.graceDays;
  if (connection) {
    const del = config.gateway.cutoff === 'delete';
    out.push(
      step(facts, {
        kind: 'gateway.cutoff',
        target: connection.name,
        stage: 1,
        reversible: !del,
        params: { connection: connection.name, gateway: connection.gateway, mode: config.gateway.cutoff },
        summary: del ? `Delete gateway connection ${connection.name}` : `Disable every access mode of gateway connection ${connection.name}`,
      }),
    );
  }
  const creds = facts.credentials.filter((c) => c.active);
  switch (identity.kind) {
    case 'aws-iam-user': {
      const retired = facts.credentials.flatMap((c) => retireCredential(facts, c, [], config));
      out.push(...retired);
      // A user with no key to retire still waits the grace period after its connection is cut off.
      const cutoff = out.filter((a) => a.kind === 'gateway.cutoff');
      out.push(
        step(facts, {
          kind: 'aws.user.delete',
          target: identity.name,
          stage: 2,
          reversible: false,
          graceDays: grace,
          dependsOn: [...cutoff, ...retired.filter((a) => a.stage === 2)].map((a) => a.id),
          params: { account: identity.scope, user: identity.name },
          summary: `Delete IAM user ${identity.name} (its policies, group memberships and login profile first)`,
        }),
      );
      break;
    }
    case 'aws-iam-role': {
      const deny = step(facts, {
        kind: 'aws.role.deny',
        target: identity.name,
        stage: 1,
        reversible: true,
        params: { account: identity.scope, role: identity.name, policyName: 'sprawl-revoked' },
        summary: `Attach an inline Deny-everything policy (sprawl-revoked) to role ${identity.name}, revoking its sessions`,
      });
      out.push(deny, step(facts, {
        kind: 'aws.role.delete',
        target: identity.name,
        stage: 2,
        reversible: false,
        graceDays: grace,
        dependsOn: [deny.id],
        params: { account: identity.scope, role: identity.name },
        summary: `Delete role ${identity.name} (detach its policies and instance profiles first)`,
      }));
      break;
    }
    case 'gcp-service-account': {
      const disable = step(facts, {
        kind: 'gcp.sa.disable',
        target: identity.nativeId ?? identity.name,
        stage: 1,
        reversible: true,
        params: { project: identity.scope, email: emailOf(identity) },
        summary: `Disable service account ${emailOf(identity)} (every key stops working; enable undoes it)`,
      });
      out.push(disable, step(facts, {
        kind: 'gcp.sa.delete',
        target: identity.nativeId ?? identity.name,
        stage: 2,
        reversible: false,
        graceDays: grace,
        dependsOn: [disable.id],
        params: { project: identity.scope, email: emailOf(identity) },
        summary: `Delete service account ${emailOf(identity)} and its keys (undelete works for 30 days in GCP)`,
      }));
      break;
    }
    case 'azure-service-principal':
    case 'azure-managed-identity': {
      const remove = step(facts, {
        kind: 'azure.role-assignments.remove',
        target: identity.nativeId ?? identity.id,
        stage: 1,
        reversible: true,
        params: { tenant: identity.scope, objectId: identity.nativeId ?? '' },
        summary: `Remove every Azure role assignment of ${identity.name} (each one recorded, so rollback re-creates it)`,
      });
      out.push(remove);
      for (const c of creds) {
        out.push(step(facts, {
          kind: 'azure.secret.delete',
          target: c.publicId,
          stage: 2,
          reversible: false,
          graceDays: grace,
          dependsOn: [remove.id],
          params: { tenant: identity.scope, objectId: identity.nativeId ?? '', keyId: c.publicId, credentialKind: c.kind },
          summary: `Delete ${c.kind === 'azure-certificate' ? 'certificate' : 'client secret'} ${c.publicId} of ${identity.name}`,
        }));
      }
      break;
    }
    case 'k8s-service-account': {
      const ref = k8sName(identity);
      if (!ref) {
        out.push(manual(facts, `Remove service account ${identity.name} from its bindings by hand (its id does not name a namespace)`));
        break;
      }
      const { namespace, name } = ref;
      const unbind = step(facts, {
        kind: 'k8s.bindings.remove',
        target: `${namespace}/${name}`,
        stage: 1,
        reversible: true,
        params: { cluster: identity.scope, namespace, serviceAccount: name },
        summary: `Remove service account ${namespace}/${name} from every RoleBinding and ClusterRoleBinding (each recorded, so rollback restores it)`,
      });
      out.push(unbind);
      const tokens = facts.credentials.filter((c) => c.kind === 'k8s-token-secret');
      const deletes = tokens.map((c) =>
        step(facts, {
          kind: 'k8s.token.delete',
          target: c.publicId,
          stage: 2,
          reversible: false,
          graceDays: grace,
          dependsOn: [unbind.id],
          params: { cluster: identity.scope, secret: c.publicId },
          summary: `Delete token secret ${c.publicId} of ${namespace}/${name}`,
        }),
      );
      out.push(...deletes, step(facts, {
        kind: 'k8s.sa.delete',
        target: `${namespace}/${name}`,
        stage: 2,
        reversible: false,
        graceDays: grace,
        dependsOn: [unbind.id, ...deletes.map((d) => d.id)],
        params: { cluster: identity.scope, namespace, serviceAccount: name },
        summary: `Delete service account ${namespace}/${name}`,
      }));
      break;
    }
    case 'github-deploy-key':
      if (identity.labels['archived'] === 'true') {
        // GitHub refuses writes to an archived repository (403 "Repository was archived so is read-only").
        out.push(manual(facts, `Repository ${identity.labels['repo'] ?? identity.scope} is archived, so read-only: unarchive it, delete deploy key ${identity.name}, archive it again (the key can still read an archived repository)`));
        break;
      }
      for (const c of facts.credentials.length ? facts.credentials : []) out.push(...retireCredential(facts, c, [], config));
      if (facts.credentials.length === 0) out.push(manual(facts, `Delete deploy key ${identity.name} in the repository settings`));
      break;
    default:
      out.push(manual(facts, revokedManually(identity)));
  }
  return out;
}

/** Retiring one credential: stage 1 where the provider can undo it, stage 2 deletes after the grace period. */
function retireCredential(facts: IdentityFacts, c: Credential, after: string[], config: EnforceConfig): PlanAction[] {
  const { identity } = facts;
  const grace = config.graceDays;
  switch (c.kind) {
    case 'aws-access-key': {
      const off = step(facts, {
        kind: 'aws.key.deactivate',
        target: c.publicId,
        stage: 1,
        reversible: true,
        dependsOn: after,
        params: { account: identity.scope, user: identity.name, accessKeyId: c.publicId },
        summary: `Deactivate access key ${c.publicId} of ${identity.name}`,
      });
      const del = step(facts, {
        kind: 'aws.key.delete',
        target: c.publicId,
        stage: 2,
        reversible: false,
        graceDays: grace,
        dependsOn: [off.id],
        params: { account: identity.scope, user: identity.name, accessKeyId: c.publicId },
        summary: `Delete access key ${c.publicId} of ${identity.name}`,
      });
      return c.active ? [off, del] : [{ ...del, dependsOn: after }];
    }
    case 'gcp-sa-key': {
      const off = step(facts, {
        kind: 'gcp.key.disable',
        target: c.publicId,
        stage: 1,
        reversible: true,
        dependsOn: after,
        params: { project: identity.scope, email: emailOf(identity), keyId: c.publicId },
        summary: `Disable key ${c.publicId} of ${emailOf(identity)}`,
      });
      const del = step(facts, {
        kind: 'gcp.key.delete',
        target: c.publicId,
        stage: 2,
        reversible: false,
        graceDays: grace,
        dependsOn: [off.id],
        params: { project: identity.scope, email: emailOf(identity), keyId: c.publicId },
        summary: `Delete key ${c.publicId} of ${emailOf(identity)}`,
      });
      return c.active ? [off, del] : [{ ...del, dependsOn: after }];
    }
    case 'azure-client-secret':
    case 'azure-certificate':
      // Entra ID cannot disable one secret: it is deleted after the grace period, once the gateway holds the new one.
      return [
        step(facts, {
          kind: 'azure.secret.delete',
          target: c.publicId,
          stage: 2,
          reversible: false,
          graceDays: grace,
          dependsOn: after,
          params: { tenant: identity.scope, objectId: identity.nativeId ?? '', keyId: c.publicId, credentialKind: c.kind },
          summary: `Delete ${c.kind === 'azure-certificate' ? 'certificate' : 'client secret'} ${c.publicId} of ${identity.name}`,
        }),
      ];
    case 'k8s-token-secret':
      return [
        step(facts, {
          kind: 'k8s.token.delete',
          target: c.publicId,
          stage: 2,
          reversible: false,
          graceDays: grace,
          dependsOn: after,
          params: { cluster: identity.scope, secret: c.publicId },
          summary: `Delete legacy token secret ${c.publicId} of ${identity.name}`,
        }),
      ];
    case 'github-deploy-key':
      return [
        step(facts, {
          kind: 'github.deploy-key.delete',
          target: c.publicId,
          stage: 1,
          reversible: true,
          dependsOn: after,
          params: { fingerprint: c.publicId },
          summary: `Delete deploy key ${identity.name} (its public key is recorded, so rollback adds it again)`,
        }),
      ];
    case 'github-pat':
      return [manual(facts, `Revoke fine-grained token ${identity.name} in the organization settings (Personal access tokens)`)];
    default:
      return [];
  }
}

function credentialNoun(identity: Identity): string {
  switch (identity.kind) {
    case 'aws-iam-user':
      return 'access key';
    case 'gcp-service-account':
      return 'service-account key';
    case 'azure-service-principal':
      return 'client secret';
    case 'k8s-service-account':
      return 'service-account token';
    default:
      return 'credential';
  }
}

function movedManually(identity: Identity): string {
  switch (identity.kind) {
    case 'aws-iam-role':
      return `Role ${identity.name} has no long-lived key to hand to the gateway: let the gateway's agent assume it (an _aws: reference or the agent's own role) instead of the workload`;
    case 'github-app-installation':
    case 'github-deploy-key':
    case 'github-fine-grained-pat':
      return `${identity.name} is used by GitHub itself, not through a gateway connection: keep it scoped to the repositories that need it and rotate it by hand`;
    default:
      return `The gateway cannot hold a credential of ${identity.kind} ${identity.name}: move its users to a gateway connection by hand`;
  }
}

function revokedManually(identity: Identity): string {
  switch (identity.kind) {
    case 'github-app-installation':
      return `Uninstall the GitHub App ${identity.name} from the organization (or remove the repositories it does not need)`;
    case 'github-fine-grained-pat':
      return `Revoke fine-grained token ${identity.name} in the organization settings (Personal access tokens)`;
    default:
      return `Remove ${identity.kind} ${identity.name} by hand`;
  }
}

/** `gcp:<project>:sa/<email>` */
function emailOf(identity: Identity): string {
  const m = /:sa\/(.+)$/.exec(identity.id);
  return m ? (m[1] as string) : identity.name;
}

/** `k8s:<cluster>:ns/<namespace>/sa/<name>` */
function k8sName(identity: Identity): { namespace: string; name: string } | undefined {
  const m = /[:/]ns\/([^/]+)\/sa\/([^/]+)$/.exec(identity.id);
  return m ? { namespace: m[1] as string, name: m[2] as string } : undefined;
}

