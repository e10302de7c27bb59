/**
 * Folds activities into an ActivityDigest, one at a time: the store streams a scan's activities
 * through a builder's `add` (none of them is kept), and in-memory inventories (importers, tests)
 * are digested whole by `activityDigestOf`, once per analysis or report. Both give the same digest
 * for the same activities in the same order.
 */
import { isReadCommand } from './commands.ts';
import type { Activity, ActivityDigest, IdentityUse, Inventory, SessionWindow } from './types.ts';

/** The fields of an activity the digest reads. */
export type DigestedActivity = Pick<Activity, 'identityId' | 'credentialId' | 'at' | 'source' | 'actor' | 'connectionId' | 'endAt' | 'command'>;

const SAMPLES = 3;
/** Distinct commands whose reading is remembered (a real gateway repeats the same few queries). */
const READ_CACHE_MAX = 10_000;

export interface DigestBuilder {
  readonly digest: ActivityDigest;
  add(activity: DigestedActivity): void;
}

function newUse(): IdentityUse {
  return {
    provider: { count: 0 },
    gateway: { count: 0 },
    gatewayActors: new Set(),
    podActors: new Set(),
    commands: { judged: 0, writes: 0, samples: [] },
    windows: new Map(),
  };
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined || iso === '') return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a >= b ? a : b;
}

export function createDigestBuilder(): DigestBuilder {
  const digest: ActivityDigest = { identities: new Map(), credentials: new Map() };
  const readings = new Map<string, boolean | undefined>();
  const reading = (command: string): boolean | undefined => {
    if (readings.has(command)) return readings.get(command);
    const read = isReadCommand(command);
    if (readings.size < READ_CACHE_MAX) readings.set(command, read);
    return read;
  };
  return {
    digest,
    add(a) {
      let use = digest.identities.get(a.identityId);
      if (!use) digest.identities.set(a.identityId, (use = newUse()));
      const at = parseTime(a.at);
      use.last = later(use.last, at);
      if (a.credentialId !== undefined && at !== undefined) digest.credentials.set(a.credentialId, later(digest.credentials.get(a.credentialId), at) ?? at);
      if (a.source === 'provider') {
        use.provider.count++;
        use.provider.last = later(use.provider.last, at);
        if (a.actor?.startsWith('pod/')) use.podActors.add(a.actor);
        return;
      }
      use.gateway.count++;
      use.gateway.last = later(use.gateway.last, at);
      use.gatewayActors.add(a.actor ?? '');
      if (a.command !== undefined) {
        const read = reading(a.command);
        if (read !== undefined) {
          const c = use.commands;
          c.judged++;
          if (!read) c.writes++;
          if (c.samples.length < SAMPLES && !c.samples.includes(a.command)) c.samples.push(a.command);
        }
      }
      if (a.connectionId !== undefined && at !== undefined) {
        const end = parseTime(a.endAt);
        const spans = use.windows.get(a.connectionId);
        const span = end !== undefined && end > at ? end : at;
        if (spans) spans.push(at, span);
        else use.windows.set(a.connectionId, [at, span]);
      }
    },
  };
}

export function digestActivities(activities: Iterable<DigestedActivity>): ActivityDigest {
  const builder = createDigestBuilder();
  for (const a of activities) builder.add(a);
  return builder.digest;
}

/** The inventory's digest: the one it was loaded with, else its activities digested now. */
export function activityDigestOf(inventory: Inventory): ActivityDigest {
  return inventory.activityDigest ?? digestActivities(inventory.activities);
}

const NO_USE: IdentityUse = newUse();

/** The identity's session windows on the given connections (all of them when absent), connection by connection. */
export function sessionWindows(use: IdentityUse, connectionIds?: Iterable<string>): SessionWindow[] {
  const out: SessionWindow[] = [];
  for (const id of connectionIds ?? use.windows.keys()) {
    const spans = use.windows.get(id);
    if (!spans) continue;
    for (let i = 0; i + 1 < spans.length; i += 2) out.push({ start: spans[i] as number, end: spans[i + 1] as number });
  }
  return out;
}

/** An identity's use; an identity without activities reads as none (do not mutate). */
export function identityUse(digest: ActivityDigest, identityId: string): IdentityUse {
  return digest.identities.get(identityId) ?? NO_USE;
}

/** The later of an ISO time and an epoch-ms time, as ISO (undefined when neither is a time). */
export function latestIso(iso: string | undefined, ms: number | undefined): string | undefined {
  const t = later(parseTime(iso), ms);
  return t === undefined ? undefined : new Date(t).toISOString();
}
