/**
 * Which identity a hoop connection acts as, in this order: the `sprawl-identity` tag, the
 * `cloud_principal` tag (matched on the identity's native id, id, name or e-mail), the credential
 * it holds (secret values base64-decoded in memory only: an AWS key id, a GCP key's
 * private_key_id, a Kubernetes token's secret claims; only the matching key's name is kept), GCP
 * federation (a session's `metadata.federation.resolved_principal`) and the config's map.
 */
import type { GatewayConnection } from '../../model/index.ts';
import { SPRAWL_CREDENTIAL_TAG, SPRAWL_TAG, decodeSprawlTag } from '../../providers/hoop/tags.ts';
import type { HoopConnection, HoopSession } from '../../providers/hoop/types.ts';

export interface GatewayInventory {
  identities: { id: string; nativeId?: string; name: string }[];
  credentials: { id: string; identityId: string; publicId: string }[];
}

export type LinkedBy = NonNullable<GatewayConnection['linkedBy']>;

export interface Link {
  identityId: string;
  linkedBy: LinkedBy;
  credentialId?: string;
  /** For `credential`: the secret key that matched (`envvar:AWS_ACCESS_KEY_ID`). */
  secretKey?: string;
}

export interface Linker {
  /** Links from the tags and the connection's secrets (steps 1-3). */
  staticLink(tags: Record<string, string> | null | undefined, conn: HoopConnection | undefined): Link | undefined;
  /** Step 4: the principal a federated session ran as. */
  federationLink(session: HoopSession): Link | undefined;
  /** Step 5: the config's connection map. */
  configLink(name: string): Link | undefined;
}

/** A glob (`*`, `?`) or a `/regex/flags` pattern on connection names. */
export function compilePattern(pattern: string): RegExp {
  const re = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (re) return new RegExp(re[1] as string, (re[2] as string).replace(/[gy]/g, ''));
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The identity of the first entry of the connection map whose pattern matches a name. Entries that
 * are exact names (no `*`, `?` or /regex/; the usual case, one per connection) are looked up in a
 * map; only the patterns listed before the name's exact entry are tried in turn.
 */
export function connectionMapMatcher(entries: readonly { pattern: string; identity: string }[]): (name: string) => string | undefined {
  const exact = new Map<string, number>();
  const patterns: { index: number; re: RegExp }[] = [];
  entries.forEach((e, index) => {
    if (/^\/.+\/[a-z]*$/.test(e.pattern) || /[*?]/.test(e.pattern)) patterns.push({ index, re: compilePattern(e.pattern) });
    else if (!exact.has(e.pattern)) exact.set(e.pattern, index);
  });
  return (name) => {
    const first = exact.get(name) ?? Infinity;
    const p = patterns.find((x) => x.index < first && x.re.test(name));
    const index = p?.index ?? (first === Infinity ? undefined : first);
    return index === undefined ? undefined : entries[index]?.identity;
  };
}

function decode(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.replace(/^Bearer\s+/i, '').trim().split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Public ids a decoded secret value names. The value itself is dropped by the caller. */
export function publicIdsOf(secretKey: string, plain: string): string[] {
  const name = secretKey.replace(/^(envvar|filesystem):/i, '').toUpperCase();
  const ids: string[] = [];
  const akia = /\b((?:AKIA|ASIA)[A-Z2-7]{16})\b/.exec(plain);
  if (akia && (name.includes('AWS') || name.includes('ACCESS_KEY'))) ids.push(akia[1] as string);
  const t = plain.trim();
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as unknown;
      if (typeof j === 'object' && j !== null && typeof (j as Record<string, unknown>)['private_key_id'] === 'string') ids.push((j as Record<string, string>)['private_key_id'] as string);
    } catch {
      // not JSON
    }
  }
  if (/TOKEN|AUTHORIZATION/.test(name)) {
    const claims = jwtClaims(t);
    const ns = claims?.['kubernetes.io/serviceaccount/namespace'];
    const secret = claims?.['kubernetes.io/serviceaccount/secret.name'];
    if (typeof ns === 'string' && typeof secret === 'string') ids.push(`${ns}/${secret}`);
  }
  return ids;
}

export function createLinker(inventory: GatewayInventory | undefined, connectionMap: readonly { pattern: string; identity: string }[]): Linker {
  const known = inventory ? new Set(inventory.identities.map((i) => i.id)) : undefined;
  const byKey = new Map<string, string | null>();
  const add = (key: string | undefined, id: string): void => {
    if (!key) return;
    const k = key.toLowerCase();
    const prev = byKey.get(k);
    byKey.set(k, prev === undefined || prev === id ? id : null); // null: ambiguous
  };
  for (const i of inventory?.identities ?? []) {
    add(i.id, i.id);
    add(i.nativeId, i.id);
    add(i.name, i.id);
    const email = /([^/:]+@[^/:]+)$/.exec(i.id)?.[1];
    add(email, i.id);
  }
  const byPublicId = new Map<string, { id: string; identityId: string }>();
  for (const c of inventory?.credentials ?? []) byPublicId.set(c.publicId, c);
  const principal = (p: string): string | undefined => byKey.get(p.trim().toLowerCase()) ?? undefined;
  /** The first inventory credential the connection's secrets hold (decoded in memory, then dropped). */
  const heldCredential = (conn: HoopConnection | undefined): { cred: { id: string; identityId: string }; key: string } | undefined => {
    for (const [key, value] of Object.entries(conn?.secret ?? {})) {
      const plain = decode(value);
      if (plain === undefined) continue;
      for (const pid of publicIdsOf(key, plain)) {
        const cred = byPublicId.get(pid);
        if (cred) return { cred, key };
      }
    }
    // The credential sprawl put there, by its tag: for secrets that name no public id (Azure
    // client secrets) and for gateways that hide secret values.
    const tagged = conn?.connection_tags?.[SPRAWL_CREDENTIAL_TAG];
    const pid = tagged !== undefined ? decodeSprawlTag(tagged) : undefined;
    const cred = pid !== undefined ? byPublicId.get(pid) : undefined;
    return cred ? { cred, key: `tag:${SPRAWL_CREDENTIAL_TAG}` } : undefined;
  };
  const configMatch = connectionMapMatcher(connectionMap);
  const configLinks = new Map<string, Link | undefined>();

  return {
    staticLink(tags, conn) {
      const t = tags ?? conn?.connection_tags ?? {};
      const held = heldCredential(conn);
      // A tag names the identity; when the connection also holds one of that identity's keys, its
      // sessions are uses of that key too (a key the gateway uses is not an unused key).
      const withHeld = (identityId: string, linkedBy: LinkedBy): Link =>
        held && held.cred.identityId === identityId ? { identityId, linkedBy, credentialId: held.cred.id, secretKey: held.key } : { identityId, linkedBy };
      const tagged = t[SPRAWL_TAG] !== undefined ? decodeSprawlTag(t[SPRAWL_TAG]) : undefined;
      if (tagged !== undefined && (known === undefined || known.has(tagged))) return withHeld(tagged, 'sprawl-tag');
      const cp = t['cloud_principal'];
      const byPrincipal = cp !== undefined ? principal(cp) : undefined;
      if (byPrincipal !== undefined) return withHeld(byPrincipal, 'cloud-principal');
      if (held) return { identityId: held.cred.identityId, linkedBy: 'credential', credentialId: held.cred.id, secretKey: held.key };
      return undefined;
    },
    federationLink(session) {
      const p = session.metadata?.federation?.resolved_principal;
      const id = typeof p === 'string' ? principal(p) : undefined;
      return id !== undefined ? { identityId: id, linkedBy: 'federation' } : undefined;
    },
    configLink(name) {
      // Asked once per session: a gateway's sessions repeat a few connection names many times.
      if (configLinks.has(name)) return configLinks.get(name);
      const identity = configMatch(name);
      const id = identity === undefined ? undefined : known === undefined || known.has(identity) ? identity : (principal(identity) ?? identity);
      const link: Link | undefined = id === undefined ? undefined : { identityId: id, linkedBy: 'config' };
      configLinks.set(name, link);
      return link;
    },
  };
}
