/**
 * Shards of a scan (`sprawl scan --run ID --shard I/N`): each unit of the estate (an AWS account, a
 * GCP project, an Azure subscription or tenant, a GitHub organization, a Kubernetes cluster, a
 * repository) belongs to exactly one of N shards, by a hash of its name, so that N scanners that
 * know nothing of each other split an estate whose units they discover as they go.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based, as in `--shard 3/16`. */
  index: number;
  count: number;
}

/** Shards at most: a CI matrix or an indexed Job of more is a mistake. */
export const MAX_SHARDS = 1024;

/** Parses `I/N` (1 <= I <= N); a message saying what is wrong otherwise. */
export function parseShard(value: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) return `expected I/N (this shard's number and the number of shards, e.g. 3/16), got "${value}"`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return `the number of shards must be 1 to ${MAX_SHARDS}, got ${count}`;
  if (index < 1 || index > count) return `the shard's number must be 1 to ${count}, got ${index}`;
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard (1-based) a unit belongs to among `count`: the same on every machine and every run. */
export function shardOf(unit: string, count: number): number {
  const digest = createHash('sha256').update(unit, 'utf8').digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

/** Whether a unit is this shard's to collect; every unit is, without a shard. */
export function unitFilter(shard: Shard | undefined): (unit: string) => boolean {
  if (!shard || shard.count === 1) return () => true;
  return (unit) => shardOf(unit, shard.count) === shard.index;
}
