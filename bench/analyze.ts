/**
 * Benchmark: the whole rule catalogue and the verdicts over a large in-memory inventory
 * (default 100,000 identities, 1,000,000 gateway sessions). Prints figures, asserts nothing.
 *   node bench/analyze.ts [identities=100000] [sessions=1000000]
 */
import { analyze, catalogue } from '../src/analyzers/index.ts';
import { policySchema } from '../src/config/schema.ts';
import type { Activity, Credential, GatewayConnection, Grant, Identity, Inventory } from '../src/model/index.ts';
import { createRng } from '../src/sandbox/random.ts';

const nIdentities = Number(process.argv[2] ?? 100_000);
const nSessions = Number(process.argv[3] ?? 1_000_000);
const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const rng = createRng('bench-analyze');
const iso = (daysAgo: number): string => new Date(NOW.getTime() - daysAgo * DAY).toISOString();

const t0 = performance.now();
const identities: Identity[] = [];
const credentials: Credential[] = [];
const grants: Grant[] = [];
const connections: GatewayConnection[] = [];
for (let i = 0; i < nIdentities; i++) {
  const account = String(100000000000 + (i % 50));
  const id = `aws:${account}:user/svc-${i}`;
  identities.push({ id, provider: 'aws', kind: 'aws-iam-user', scope: account, name: `svc-${i}`, labels: {}, disabled: false, managed: false, createdAt: iso(rng.int(10, 1500)), ...(rng.chance(0.6) ? { owner: `team-${i % 40}@acme.example` } : {}) });
  const keys = rng.int(0, 2);
  for (let k = 0; k < keys; k++) {
    const publicId = `AKIA${String(i).padStart(8, '0')}${k}BENCHKY`.slice(0, 20);
    credentials.push({ id: `${id}/key/${publicId}`, identityId: id, kind: 'aws-access-key', publicId, createdAt: iso(rng.int(1, 1200)), active: rng.chance(0.9), ...(rng.chance(0.8) ? { lastUsedAt: iso(rng.int(0, 400)) } : {}) });
  }
  grants.push({ identityId: id, scope: account, role: rng.chance(0.05) ? 'arn:aws:iam::aws:policy/AdministratorAccess' : 'arn:aws:iam::aws:policy/ReadOnlyAccess', permissions: [], privilege: rng.chance(0.05) ? 'admin' : 'read', via: 'attached' });
  if (rng.chance(0.3)) connections.push({ id: `hoop:gw:conn/c-${i}`, gateway: 'gw', name: `c-${i}`, type: 'custom', tags: {}, secretKeys: ['envvar:AWS_ACCESS_KEY_ID'], identityId: id, linkedBy: 'sprawl-tag', createdAt: iso(200) });
}
const activities: Activity[] = [];
for (let s = 0; s < nSessions; s++) {
  const c = connections[rng.int(0, connections.length - 1)] as GatewayConnection;
  activities.push({ identityId: c.identityId as string, at: iso(rng.next() * 90), source: 'gateway', actor: `user-${rng.int(0, 500)}@acme.example`, actorKind: rng.chance(0.7) ? 'machine' : 'human', connectionId: c.id, verb: rng.chance(0.8) ? 'exec' : 'connect', sessionId: `s-${s}` });
}
const inventory: Inventory = { identities, credentials, grants, activities, leaks: [], connections, gatewayUsers: [] };
const tBuilt = performance.now();
const rss0 = process.memoryUsage().rss;

const policy = policySchema.parse({});
const result = analyze(inventory, policy, NOW, catalogue());
const tAnalyzed = performance.now();

console.log(`inventory: ${identities.length} identities, ${credentials.length} credentials, ${grants.length} grants, ${connections.length} gateway connections, ${activities.length} sessions (built in ${((tBuilt - t0) / 1000).toFixed(1)} s)`);
console.log(`analyze: ${((tAnalyzed - tBuilt) / 1000).toFixed(2)} s, ${result.findings.length} findings, ${result.verdicts.length} verdicts`);
const byRule = new Map<string, number>();
for (const f of result.findings) byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
for (const [rule, n] of [...byRule].sort((a, b) => b[1] - a[1])) console.log(`  ${rule.padEnd(32)} ${n}`);
console.log(`rss: ${(rss0 / 1048576).toFixed(0)} MB after building, peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
