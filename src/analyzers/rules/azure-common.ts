/** Facts the Azure rules share: which subjects are Azure secrets and principals, how to name them. */
import type { Credential, Identity } from '../../model/index.ts';

export const AZURE_SECRET_KINDS: ReadonlySet<Credential['kind']> = new Set<Credential['kind']>(['azure-client-secret', 'azure-certificate']);
export const AZURE_PRINCIPAL_KINDS: ReadonlySet<Identity['kind']> = new Set<Identity['kind']>(['azure-service-principal', 'azure-managed-identity']);

export const isAzureSecret = (c: Credential): boolean => AZURE_SECRET_KINDS.has(c.kind);
export const isAzurePrincipal = (i: Identity | undefined): i is Identity => i !== undefined && AZURE_PRINCIPAL_KINDS.has(i.kind);

/** "Client secret 'ci' (6f1c...)": display name when the owner gave one, and the key id. */
export function secretLabel(c: Credential): string {
  const kind = c.kind === 'azure-certificate' ? 'Certificate' : 'Client secret';
  return c.displayName ? `${kind} '${c.displayName}' (${c.publicId})` : `${kind} ${c.publicId}`;
}

const DAY_MS = 86_400_000;

/** Whole days between two ISO times (floored), undefined when either is missing or unparsable. */
export function daysBetween(fromIso: string | undefined, toIso: string | undefined): number | undefined {
  if (fromIso === undefined || toIso === undefined) return undefined;
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  return Number.isNaN(from) || Number.isNaN(to) ? undefined : Math.floor((to - from) / DAY_MS);
}

/** Subscription (`/subscriptions/<id>`), management group or tenant root scope: the broad ones. */
export function broadScope(scope: string): 'subscription' | 'management group' | 'root' | undefined {
  const s = scope.replace(/\/+$/, '');
  if (s === '') return 'root';
  if (/^\/subscriptions\/[^/]+$/i.test(s)) return 'subscription';
  if (/^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(s)) return 'management group';
  return undefined;
}
