/** The plan as people read it on stdout: what changes where, how many, and what cannot be undone. */
import type { Plan, PlanAction } from '../model/index.ts';
import { plural } from '../reports/format.ts';

function count<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}


export function planSummary(plan: Plan, opts: { listLimit?: number } = {}): string {
  const { actions } = plan;
  const identities = new Set(actions.map((a) => a.identityId));
  const lines: string[] = [];
  lines.push(`Plan ${plan.id} for scan ${plan.scan.id}: ${plural(actions.length, 'action')} on ${plural(identities.size, 'identity', 'identities')}.`);
  if (actions.length === 0) {
    lines.push('Nothing to change: no identity in scope has a migrate, rotate or revoke verdict.');
    return lines.join('\n') + '\n';
  }
  const byVerdict = count(dedupe(actions), (a) => a.verdict);
  lines.push(`Verdicts: ${byVerdict.map(([v, n]) => `${v} ${n}`).join(', ')}.`);
  lines.push(`Providers: ${count(actions, (a) => a.provider).map(([p, n]) => `${p} ${n}`).join(', ')}.`);
  lines.push('');
  const stage1 = actions.filter((a) => a.stage === 1 && a.kind !== 'manual');
  const stage2 = actions.filter((a) => a.stage === 2);
  const manual = actions.filter((a) => a.kind === 'manual');
  lines.push(`Stage 1, at apply (${plural(stage1.length, 'action')}):`);
  for (const [kind, n] of count(stage1, (a) => a.kind)) lines.push(`  ${String(n).padStart(5)}  ${kind}`);
  if (stage2.length) {
    const grace = Math.max(...stage2.map((a) => a.graceDays ?? 0));
    const waiting = stage2.filter((a) => !a.kind.endsWith('.delete')).length;
    lines.push(`Stage 2, at an apply ${grace} days after stage 1: deletions, each held back if what it deletes was used meanwhile (${plural(stage2.length, 'action')}):`);
    if (waiting) lines.push(`  (${plural(waiting, 'action')} of users whose two access keys are both taken wait for one of them to be deleted first)`);
    for (const [kind, n] of count(stage2, (a) => a.kind)) lines.push(`  ${String(n).padStart(5)}  ${kind}`);
  }
  const final = actions.filter((a) => !a.reversible && a.kind !== 'manual');
  lines.push('');
  lines.push(final.length ? `Cannot be undone: ${plural(final.length, 'action')} (${count(final, (a) => a.kind).map(([k, n]) => `${k} ${n}`).join(', ')}).` : 'Every action can be undone with sprawl rollback.');
  if (manual.length) lines.push(`For a person: ${plural(manual.length, 'action')} no API can do safely (listed as manual).`);
  const limit = opts.listLimit ?? 40;
  if (limit <= 0) return lines.join('\n') + '\n';
  lines.push('');
  lines.push(`Actions${actions.length > limit ? ` (first ${limit} of ${actions.length}; the plan file has all)` : ''}:`);
  for (const a of actions.slice(0, limit)) lines.push(`  ${a.id}  stage ${a.stage}  ${a.kind.padEnd(30)} ${a.summary}`);
  return lines.join('\n') + '\n';
}

/** One action per identity, for counting identities by verdict. */
function dedupe(actions: readonly PlanAction[]): PlanAction[] {
  const seen = new Set<string>();
  return actions.filter((a) => (seen.has(a.identityId) ? false : (seen.add(a.identityId), true)));
}
