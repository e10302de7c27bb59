import { createHash } from 'node:crypto';

/** URN of an AWS IAM identity: `aws:<account>:user/<name>` or `aws:<account>:role/<name>`. */
export function awsIdentityId(account: string, kind: 'user' | 'role', name: string): string {
  return `aws:${account}:${kind}/${name}`;
}

/** URN of a credential of an identity: `<identityId>/key/<publicId>`. */
export function credentialId(identityId: string, publicId: string): string {
  return `${identityId}/key/${publicId}`;
}

/** Splits an identity URN into provider, scope and the local path. */
export function parseIdentityId(id: string): { provider: string; scope: string; path: string } | undefined {
  const first = id.indexOf(':');
  const second = first < 0 ? -1 : id.indexOf(':', first + 1);
  if (first <= 0 || second < 0) return undefined;
  return { provider: id.slice(0, first), scope: id.slice(first + 1, second), path: id.slice(second + 1) };
}

/** Stable finding id: the same rule on the same subject keeps its id across scans. */
export function findingId(ruleId: string, subjectId: string): string {
  return 'f_' + createHash('sha256').update(`${ruleId}\u0000${subjectId}`).digest('hex').slice(0, 24);
}

/** A new scan id: sortable by time, unique enough for many concurrent scanners. */
export function newScanId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const rand = createHash('sha256').update(`${process.pid}:${now.getTime()}:${Math.random()}`).digest('hex').slice(0, 8);
  return `s_${stamp}_${rand}`;
}
