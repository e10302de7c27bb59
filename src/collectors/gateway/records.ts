/** Building sprawl records from hoop data: sessions (Activity), connections, users. Pure functions. */
import type { Activity, GatewayConnection, GatewayUser } from '../../model/index.ts';
import type { HoopApiKey, HoopConnection, HoopMachineIdentity, HoopSession, HoopUser } from '../../providers/hoop/types.ts';
import type { Link } from './link.ts';
import { redactCommand } from './redact.ts';

export const connectionRecordId = (gateway: string, name: string): string => `hoop:${gateway}:conn/${name}`;
export const userRecordId = (gateway: string, id: string): string => `hoop:${gateway}:user/${id}`;

/** Who counts as a machine: hoop machine identities, and callers known to be API keys. */
export interface MachineCallers {
  ids: ReadonlySet<string>;
  names: ReadonlySet<string>;
}

export function isMachine(s: HoopSession, machines: MachineCallers): boolean {
  return s.identity_type === 'machine' || s.user === 'API_KEY' || machines.ids.has(s.user_id) || (s.user !== '' && machines.names.has(s.user));
}

export function sessionActivity(s: HoopSession, link: Link, gateway: string, machines: MachineCallers, script?: string): Activity {
  const actor = s.user || s.user_name;
  const text = script ?? s.script?.data;
  return {
    identityId: link.identityId,
    ...(link.credentialId !== undefined ? { credentialId: link.credentialId } : {}),
    at: s.start_date,
    source: 'gateway',
    ...(actor ? { actor } : {}),
    actorKind: isMachine(s, machines) ? 'machine' : 'human',
    target: s.connection,
    verb: s.verb,
    sessionId: s.id,
    connectionId: connectionRecordId(gateway, s.connection),
    ...(s.end_date ? { endAt: s.end_date } : {}),
    status: s.status,
    ...(s.review?.status ? { review: s.review.status } : {}),
    ...(typeof text === 'string' && text !== '' ? { command: redactCommand(text) } : {}),
  };
}

export function connectionRecord(c: HoopConnection, gateway: string, link: Link | undefined): GatewayConnection {
  return {
    id: connectionRecordId(gateway, c.name),
    gateway,
    name: c.name,
    type: c.type,
    ...(c.subtype ? { subtype: c.subtype } : {}),
    tags: { ...(c.connection_tags ?? {}) },
    secretKeys: Object.keys(c.secret ?? {}).sort(),
    ...(link ? { identityId: link.identityId, linkedBy: link.linkedBy } : {}),
    ...(link?.credentialId !== undefined ? { credentialId: link.credentialId } : {}),
  };
}

export function humanRecord(u: HoopUser, gateway: string): GatewayUser {
  return { id: userRecordId(gateway, u.id), gateway, ...(u.email ? { email: u.email } : {}), ...(u.name ? { name: u.name } : {}), status: u.status || 'unknown', kind: 'human' };
}

export function machineIdentityRecord(m: HoopMachineIdentity, gateway: string): GatewayUser {
  return { id: userRecordId(gateway, m.id), gateway, name: m.name, status: 'active', kind: 'machine' };
}

export function apiKeyRecord(k: HoopApiKey, gateway: string): GatewayUser {
  return { id: userRecordId(gateway, k.id), gateway, name: k.name, status: k.status, kind: 'machine' };
}
