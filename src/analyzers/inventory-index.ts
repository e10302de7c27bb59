import type { Activity, Credential, Grant, Identity, Inventory } from '../model/index.ts';

/** The inventory plus lookup maps, built once per analysis and shared by every rule. */
export interface InventoryIndex extends Inventory {
  identityById: ReadonlyMap<string, Identity>;
  credentialsByIdentity: ReadonlyMap<string, readonly Credential[]>;
  grantsByIdentity: ReadonlyMap<string, readonly Grant[]>;
  /** Activities tied to an identity (with or without a credential id). */
  activitiesByIdentity: ReadonlyMap<string, readonly Activity[]>;
  /** Activities tied to one credential. */
  activitiesByCredential: ReadonlyMap<string, readonly Activity[]>;
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
  return {
    identities: inventory.identities,
    credentials: inventory.credentials,
    grants: inventory.grants,
    activities: inventory.activities,
    identityById: new Map(inventory.identities.map((i) => [i.id, i])),
    credentialsByIdentity: groupBy(inventory.credentials, (c) => c.identityId),
    grantsByIdentity: groupBy(inventory.grants, (g) => g.identityId),
    activitiesByIdentity: groupBy(inventory.activities, (a) => a.identityId),
    activitiesByCredential: groupBy(inventory.activities, (a) => a.credentialId),
  };
}
