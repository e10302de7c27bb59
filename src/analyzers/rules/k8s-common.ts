/** Shared helpers of the Kubernetes rules (see collectors/kubernetes/rbac.ts for the grant encoding). */
import type { Grant, Identity } from '../../model/index.ts';
import type { InventoryIndex } from '../inventory-index.ts';
import type { Subject } from '../facts.ts';

export const ESCALATION = 'escalation:';

/** Service accounts the Kubernetes rules judge: managed (system namespace) and disabled ones are skipped. */
export function k8sAccounts(inventory: InventoryIndex): Identity[] {
  return inventory.identities.filter((i) => i.kind === 'k8s-service-account' && !i.managed && !i.disabled);
}

/** Grants from bindings that name the account itself (group bindings such as `system:serviceaccounts` left out). */
export function directGrants(inventory: InventoryIndex, identity: Identity): Grant[] {
  return (inventory.grantsByIdentity.get(identity.id) ?? []).filter((g) => g.via === 'binding');
}

export const subjectOfIdentity = (i: Identity): Subject => ({ provider: i.provider, scope: i.scope, name: i.name });

/** `ns/name` -> the account's short name. */
export const accountName = (i: Identity): string => i.name.slice(i.name.indexOf('/') + 1);

/** A permission entry with `*` as the verb or in the resource (`* pods`, `get *`, `list *.apps`, `get secrets.*`). */
export function isWildcardPermission(p: string): boolean {
  if (p.startsWith(ESCALATION)) return false;
  const [verb, resource = ''] = p.split(' ');
  return verb === '*' || resource === '*' || resource.startsWith('*.') || resource.endsWith('.*') || resource.startsWith('url:*');
}

export const grantLabel = (g: Grant): string => `${g.role} (${g.viaName ?? g.via}, scope ${g.scope})`;
