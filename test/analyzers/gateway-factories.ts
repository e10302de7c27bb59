import type { Activity, GatewayConnection, GatewayUser, Identity } from '../../src/model/index.ts';
import { daysAgo } from './factories.ts';

export const GATEWAY = 'gw.example';

/** A gateway connection acting as `identity` (unlinked when identity is undefined), created 100 days ago. */
export function connection(name: string, identity: Identity | undefined, overrides: Partial<GatewayConnection> = {}): GatewayConnection {
  return {
    id: `hoop:${GATEWAY}:conn/${name}`,
    gateway: GATEWAY,
    name,
    type: 'custom',
    tags: {},
    secretKeys: ['envvar:AWS_ACCESS_KEY_ID'],
    ...(identity ? { identityId: identity.id, linkedBy: 'sprawl-tag' as const } : {}),
    createdAt: daysAgo(100),
    ...overrides,
  };
}

export function gatewayUser(email: string, status = 'active', overrides: Partial<GatewayUser> = {}): GatewayUser {
  return { id: `hoop:${GATEWAY}:user/${email}`, gateway: GATEWAY, email, status, kind: 'human', ...overrides };
}

/** A gateway session of `actor` on `conn` (acting as its identity) starting at `at`. */
export function session(conn: GatewayConnection, actor: string, at: string, overrides: Partial<Activity> = {}): Activity {
  return {
    identityId: conn.identityId ?? '',
    at,
    source: 'gateway',
    actor,
    actorKind: 'human',
    sessionId: `s-${actor}-${at}`,
    connectionId: conn.id,
    verb: 'exec',
    ...overrides,
  };
}

/** A Kubernetes service account `ns/name` in cluster `prod`. */
export function serviceAccount(ns: string, name: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id: `k8s:prod:sa/${ns}/${name}`,
    provider: 'kubernetes',
    kind: 'k8s-service-account',
    scope: 'prod',
    name: `${ns}/${name}`,
    labels: {},
    disabled: false,
    managed: false,
    ...overrides,
  };
}

/** A pod running as `identity` (provider activity, as the Kubernetes collector records it). */
export function podRun(identity: Identity, ns: string, pod: string, at: string = daysAgo(1)): Activity {
  return { identityId: identity.id, at, source: 'provider', actor: `pod/${ns}/${pod}`, verb: 'runs-as' };
}

/** `seconds` seconds after an ISO time. */
export function plusSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}
