import { activityDigestOf, type ActivityDigest, type Credential, type Grant, type Identity, type Inventory, type Leak } from '../model/index.ts';

/** The inventory plus lookup maps, built once per analysis and shared by every rule. */
export interface InventoryIndex extends Inventory {
  identityById: ReadonlyMap<string, Identity>;
  credentialsByIdentity: ReadonlyMap<string, readonly Credential[]>;
  grantsByIdentity: ReadonlyMap<string, readonly Grant[]>;
  /** The activities folded per identity and per credential (rules read this, never `activities`). */
  activity: ActivityDigest;
  /** Leaks linked to the inventory credential they expose (by credentialId, else by publicId). */
  leaksByCredential: ReadonlyMap<string, readonly Leak[]>;
  /** Credentials a gateway connection linked to their identity holds (sprawl's migration put them there). */
  gatewayHeldCredentials: ReadonlySet<string>;
}

/**
 * The credential a leak exposes: the one it was linked to, else the one whose public id (AWS key
 * id, GCP private_key_id) the leaked secret carries.
 */
export function linkLeak(leak: Leak, credentialByPublicId: ReadonlyMap<string, Credential>): string | undefined {
  return leak.credentialId ?? (leak.publicId !== undefined ? credentialByPublicId.get(leak.publicId)?.id : undefined);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function indexInventory(inventory: Inventory): InventoryIndex {
  const credentialByPublicId = new Map(inventory.credentials.map((c) => [c.publicId, c]));
  return {
    identities: inventory.identities,
    credentials: inventory.credentials,
    grants: inventory.grants,
    activities: inventory.activities,
    activity: activityDigestOf(inventory),
    leaks: inventory.leaks,
    connections: inventory.connections,
    gatewayUsers: inventory.gatewayUsers,
    identityById: new Map(inventory.identities.map((i) => [i.id, i])),
    credentialsByIdentity: groupBy(inventory.credentials, (c) => c.identityId),
    grantsByIdentity: groupBy(inventory.grants, (g) => g.identityId),
    leaksByCredential: groupBy(inventory.leaks, (l) => linkLeak(l, credentialByPublicId)),
    gatewayHeldCredentials: new Set(inventory.connections.flatMap((c) => (c.credentialId !== undefined && c.identityId !== undefined ? [c.credentialId] : []))),
  };
}
