/**
 * The gateway collector (hoop.dev): one source `gateway:<name>` for the API and one source
 * `gateway:<name>:file:<path>` per exported session file.
 *
 * - Connections are linked to the scan's identities (link.ts); users, machine identities and API
 *   keys become GatewayUser records; every session of a linked connection becomes an Activity.
 *   Sessions of unlinked connections are skipped, counted, and their connections listed (warn).
 * - Failures: the client retries 429/5xx/network errors (bounded). A window still failing is
 *   recorded and the other windows go on; the source then ends `failed` (error names the failed
 *   windows) but every record read is kept. 401/403 stop the source at once. Connections, users,
 *   machine identities, API keys that cannot be read (403/404) are warnings only.
 * - Sessions read both from the API and a file are not de-duplicated across sources.
 */
import type { GatewayConfig } from '../../config/gateway-schema.ts';
import { faultReason } from '../../providers/faults.ts';
import type { GatewayUser, SourceOutcome } from '../../model/index.ts';
import { HoopApiError, createHoopClient } from '../../providers/hoop/client.ts';
import type { HoopClient, HoopClientSettings } from '../../providers/hoop/client.ts';
import type { HoopConnection, HoopSession } from '../../providers/hoop/types.ts';
import { createLimit } from '../../util/limit.ts';
import type { Collector, CollectorContext } from '../context.ts';
import { FILE_PLACES_SHOWN, FILE_WARNINGS_SHOWN, readSessionFile } from './files.ts';
import { createLinker } from './link.ts';
import type { GatewayInventory, Link, Linker } from './link.ts';
import { apiKeyRecord, connectionRecord, humanRecord, machineIdentityRecord, sessionActivity } from './records.ts';
import type { MachineCallers } from './records.ts';
import { walkWindows } from './windows.ts';

export type GatewayCollectorConfig = { gateway: GatewayConfig; inventory?: GatewayInventory };

export interface GatewayCollectorOptions {
  /** Environment to read the API key from (`apiKeyEnv`). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Client settings overriding the config's (retry delays in tests). */
  settings?: Partial<HoopClientSettings>;
  /** The gateway's largest offset (hoop: 10000). */
  maxOffset?: number;
  /** Smallest window before capped windows are paged and reported as truncated. Default 60 s. */
  minWindowMs?: number;
  /** Receives the run's counts (tests, the CLI's summary). */
  onStats?: (stats: GatewayStats) => void;
}

export interface GatewayStats {
  sessions: number;
  activities: number;
  skippedSessions: number;
  /** Connections whose sessions could not be linked, with their session counts. */
  unlinkedConnections: { name: string; sessions: number }[];
  windows: number;
  splits: number;
  failedWindows: number;
  truncatedWindows: number;
  scripts: number;
  files: { path: string; sessions: number; dropped: number; droppedAt: string[]; fieldsLeftOut: number }[];
}

const DAY_MS = 86_400_000;

function reason(err: unknown, timeoutMs?: number): string {
  const detail = err instanceof HoopApiError ? `${err.path} ${err.message}`.trim() : err instanceof Error ? err.message : String(err);
  const status = err instanceof HoopApiError ? err.status : undefined;
  return faultReason(err, { ...(status !== undefined ? { status } : {}), message: detail }, detail, timeoutMs !== undefined ? { timeoutMs } : {});
}

/** Tag sets per connection compared one by one before the rest are keyed by their JSON. */
const TAG_SETS_COMPARED = 8;

function sameTags(a: Record<string, string> | null, b: Record<string, string> | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  let count = 0;
  for (const key in a) {
    if (!Object.hasOwn(a, key)) continue;
    if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false;
    count++;
  }
  for (const key in b) if (Object.hasOwn(b, key)) count--;
  return count === 0;
}

/** Maps sessions to activities under one linker, counting the unlinked ones. */
function createSessionSink(ctx: CollectorContext, gateway: string, linker: Linker, connections: ReadonlyMap<string, HoopConnection>, machines: MachineCallers, stats: GatewayStats) {
  // The static link of each connection under each set of session tags seen on it (a connection's
  // sessions mostly carry the same few tags), compared key by key: a JSON key per session cost
  // 1.0 s a million sessions in a micro-benchmark, the comparison 0.3 s.
  const staticCache = new Map<string, { tags: Record<string, string> | null; link: Link | null }[]>();
  const manyTags = new Map<string, Link | null>();
  const federated = new Map<string, Link>();
  const unlinked = new Map<string, number>();
  const staticLinkOf = (s: HoopSession): Link | null => {
    const tags = s.connection_tags ?? null;
    let seen = staticCache.get(s.connection);
    if (!seen) staticCache.set(s.connection, (seen = []));
    for (const entry of seen) if (sameTags(entry.tags, tags)) return entry.link;
    // A connection whose sessions carry many different tags: keyed by their JSON past the first few.
    const key = seen.length >= TAG_SETS_COMPARED ? `${s.connection}\u0000${JSON.stringify(tags)}` : undefined;
    const known = key === undefined ? undefined : manyTags.get(key);
    if (known !== undefined) return known;
    const conn = connections.get(s.connection);
    // The tags at session time first; else the connection's tags now: a connection tagged after
    // the session (sprawl tags the connections whose secret it rotates) acted for that identity then too.
    const link = linker.staticLink(tags ?? conn?.connection_tags, conn) ?? (tags && conn?.connection_tags ? linker.staticLink(conn.connection_tags, conn) : undefined) ?? null;
    if (key === undefined) seen.push({ tags, link });
    else manyTags.set(key, link);
    return link;
  };
  const linkOf = (s: HoopSession): Link | undefined => {
    const link = staticLinkOf(s);
    if (link) return link;
    const fed = linker.federationLink(s);
    if (fed) {
      if (!federated.has(s.connection)) federated.set(s.connection, fed);
      return fed;
    }
    return linker.configLink(s.connection);
  };
  return {
    federated,
    unlinked,
    /** Returns 1 when an activity was emitted. */
    take(s: HoopSession, script?: string): number {
      stats.sessions++;
      const link = linkOf(s);
      if (!link) {
        stats.skippedSessions++;
        unlinked.set(s.connection, (unlinked.get(s.connection) ?? 0) + 1);
        return 0;
      }
      ctx.emit({ type: 'activity', record: sessionActivity(s, link, gateway, machines, script) });
      stats.activities++;
      return 1;
    },
  };
}

async function optional<T>(what: string, ctx: CollectorContext, source: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HoopApiError && err.status === 401) throw err;
    ctx.log.warn(`gateway: cannot read ${what}`, { source, error: reason(err) });
    return undefined;
  }
}

function gatewayName(cfg: GatewayConfig): string {
  return cfg.name ?? (cfg.url !== undefined ? new URL(cfg.url).hostname : 'gateway');
}

export function createGatewayCollector(opts: GatewayCollectorOptions = {}): Collector<GatewayCollectorConfig> {
  return async (config: GatewayCollectorConfig, ctx: CollectorContext): Promise<SourceOutcome[]> => {
    const cfg = config.gateway;
    const gateway = gatewayName(cfg);
    const linker = createLinker(config.inventory, cfg.connectionMap);
    const stats: GatewayStats = { sessions: 0, activities: 0, skippedSessions: 0, unlinkedConnections: [], windows: 0, splits: 0, failedWindows: 0, truncatedWindows: 0, scripts: 0, files: [] };
    const outcomes: SourceOutcome[] = [];
    const connections = new Map<string, HoopConnection>();
    const machines = { ids: new Set<string>(), names: new Set<string>() };
    const sink = createSessionSink(ctx, gateway, linker, connections, machines, stats);

    if (cfg.url !== undefined) {
      const source = `gateway:${gateway}`;
      ctx.progress.start(source);
      const report = (d: Parameters<CollectorContext['progress']['update']>[1]): void => ctx.progress.update(source, d);
      const apiKey = (opts.env ?? process.env)[cfg.apiKeyEnv];
      let items = 0;
      let failure: string | undefined;
      if (!apiKey) {
        failure = `the environment variable ${cfg.apiKeyEnv} (the hoop API key) is not set`;
      } else {
        const client: HoopClient = createHoopClient({
          url: cfg.url,
          apiKey,
          timeoutMs: cfg.timeoutMs,
          maxRetries: cfg.maxRetries,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          onRetry: () => report({ retries: 1 }),
          ...opts.settings,
        });
        const limit = createLimit(Math.max(1, Math.min(cfg.concurrency, ctx.concurrency)));
        try {
          const users: GatewayUser[] = [];
          const [conns, humans, mis, keys] = await Promise.all([
            optional('connections', ctx, source, () => limit(() => client.listConnections())),
            optional('users', ctx, source, () => limit(() => client.listUsers())),
            optional('machine identities', ctx, source, () => limit(() => client.listMachineIdentities())),
            optional('API keys', ctx, source, () => limit(() => client.listApiKeys())),
          ]);
          for (const c of conns ?? []) connections.set(c.name, c);
          for (const u of humans ?? []) users.push(humanRecord(u, gateway));
          for (const m of mis ?? []) {
            users.push(machineIdentityRecord(m, gateway));
            machines.ids.add(m.id);
          }
          for (const k of keys ?? []) {
            users.push(apiKeyRecord(k, gateway));
            machines.ids.add(k.id);
            machines.names.add(k.name);
          }
          report({ pages: [conns, humans, mis, keys].filter((x) => x !== undefined).length });
          for (const u of users) ctx.emit({ type: 'gateway-user', record: u });
          items += users.length;

          let scriptBudget = cfg.fetchScripts;
          let firstError: string | undefined;
          const endMs = ctx.now.getTime();
          const walk = await walkWindows({
            client,
            startMs: endMs - cfg.since * DAY_MS,
            endMs,
            windowMs: cfg.windowHours * 3_600_000,
            pageSize: cfg.pageSize,
            maxOffset: opts.maxOffset ?? 10_000,
            minWindowMs: opts.minWindowMs ?? 60_000,
            limit,
            onPage: () => report({ pages: 1 }),
            onSessions: async (sessions) => {
              let n = 0;
              for (const s of sessions) {
                let script: string | undefined;
                if (scriptBudget > 0 && s.script === null) {
                  scriptBudget--;
                  const full = await optional('a session script', ctx, source, () => limit(() => client.getSession(s.id)));
                  if (full?.script?.data) {
                    script = full.script.data;
                    stats.scripts++;
                  }
                }
                n += sink.take(s, script);
              }
              items += n;
              report({ items: n });
            },
            onTruncated: (t) => {
              stats.truncatedWindows++;
              ctx.log.warn('gateway: more sessions in a window than the gateway lets page through; some were not read', { source, start: t.start, end: t.end, read: t.read, total: t.total });
            },
            onWindowError: ({ start, end, error }) => {
              report({ errors: 1 });
              firstError ??= reason(error, cfg.timeoutMs);
              ctx.log.warn('gateway: a session window failed', { source, start, end, error: reason(error) });
              return error instanceof HoopApiError && error.fatal;
            },
          });
          stats.windows = walk.windows;
          stats.splits = walk.splits;
          stats.failedWindows = walk.failedWindows;
          if (walk.failedWindows > 0) failure = `${walk.failedWindows} session window(s) failed${walk.skippedWindows > 0 ? ` (${walk.skippedWindows} more not read after that)` : ''}: ${firstError ?? 'unknown error'}`;

          for (const c of connections.values()) {
            const link = linker.staticLink(c.connection_tags, c) ?? sink.federated.get(c.name) ?? linker.configLink(c.name);
            ctx.emit({ type: 'connection', record: connectionRecord(c, gateway, link) });
            items++;
          }
        } catch (err) {
          failure = reason(err, cfg.timeoutMs);
        }
      }
      report({ items: 0 });
      const outcome: SourceOutcome = failure === undefined ? { source, status: 'ok', items } : { source, status: 'failed', items, error: failure };
      if (failure !== undefined) ctx.log.warn('gateway source failed', { source, error: failure });
      ctx.progress.finish(source, outcome);
      outcomes.push(outcome);
    }

    for (const path of cfg.files) {
      // Read by the importer's reader (files.ts): dropped entries make a failed `#rejected` source
      // naming them (the scan partial, as `sprawl import hoop-sessions` does); the good sessions are kept.
      const source = `gateway:${gateway}:file:${path}`;
      ctx.progress.start(source);
      let items = 0;
      try {
        const r = await readSessionFile(path, (s) => {
          items += sink.take(s);
          return Promise.resolve();
        });
        stats.files.push({ path, sessions: r.sessions, dropped: r.dropped, droppedAt: r.droppedAt, fieldsLeftOut: r.fieldsLeftOut });
        ctx.progress.update(source, { items, pages: 1, errors: r.dropped });
        for (const w of r.warnings.slice(0, FILE_WARNINGS_SHOWN)) ctx.log.warn(`gateway: ${w.where}: ${w.message}`);
        if (r.warnings.length > FILE_WARNINGS_SHOWN) ctx.log.warn(`gateway: ${path}: ${r.warnings.length - FILE_WARNINGS_SHOWN} more warning(s)`);
        const outcome: SourceOutcome = { source, status: 'ok', items };
        ctx.progress.finish(source, outcome);
        outcomes.push(outcome);
        if (r.dropped > 0) {
          const more = r.dropped > FILE_PLACES_SHOWN ? ` and ${r.dropped - FILE_PLACES_SHOWN} more` : '';
          const error = `${r.dropped} entr${r.dropped === 1 ? 'y' : 'ies'} of ${path} not read: ${r.droppedAt.slice(0, FILE_PLACES_SHOWN).join(', ')}${more} (see the warnings)`;
          outcomes.push({ source: `${source}#rejected`, status: 'failed', items: 0, error });
        }
      } catch (err) {
        const outcome: SourceOutcome = { source, status: 'failed', items, error: reason(err) };
        ctx.progress.finish(source, outcome);
        outcomes.push(outcome);
      }
    }

    stats.unlinkedConnections = [...sink.unlinked].map(([name, sessions]) => ({ name, sessions })).sort((a, b) => b.sessions - a.sessions || a.name.localeCompare(b.name));
    if (stats.unlinkedConnections.length > 0) {
      ctx.log.warn('gateway: sessions of connections not linked to any identity were skipped', {
        gateway,
        sessions: stats.skippedSessions,
        connections: stats.unlinkedConnections.map((c) => `${c.name}(${c.sessions})`).join(', ').slice(0, 2000),
      });
    }
    opts.onStats?.(stats);
    return outcomes;
  };
}

export const collectGateway: Collector<GatewayCollectorConfig> = createGatewayCollector();

export { createLinker, compilePattern, publicIdsOf } from './link.ts';
export type { GatewayInventory, Link, LinkedBy, Linker } from './link.ts';
export { redactCommand, COMMAND_MAX } from './redact.ts';
export { readSessionFile } from './files.ts';
export { connectionRecordId, userRecordId } from './records.ts';
