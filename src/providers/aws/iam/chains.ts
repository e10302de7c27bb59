/**
 * Role-assumption chains: which roles a principal can assume (its policies allow sts:AssumeRole
 * on the role AND the role's trust policy trusts it), transitively up to a bounded depth, and
 * the paths that end at an admin role or one that can escalate.
 */
import { classify } from './classify.ts';
import type { ClassifyOptions } from './classify.ts';
import { judgeConditions } from './conditions.ts';
import { grantsOf } from './evaluate.ts';
import { statementAppliesTo } from './expand.ts';
import { covers, matchesResource } from './match.ts';
import { parsePolicy } from './parse.ts';
import type { Classification, PolicyDocument, PrincipalAccess } from './types.ts';

export interface ChainPrincipal {
  access: PrincipalAccess;
  /** Roles only: the role's trust (assume-role) policy. */
  trustPolicy?: PolicyDocument;
}

export interface AssumableRole {
  role: string;
  /** ARNs from the principal to the role, both included. */
  path: string[];
  /** Some hop depends on constraining conditions (in a policy or a trust policy). */
  conditional: boolean;
}

export interface EscalationPath {
  path: string[];
  /** `user/ci -> role/deployer -> role/admin`. */
  display: string;
  /** Why the last role matters: it is admin, or the escalation methods it has. */
  admin: boolean;
  escalations: string[];
  conditional: boolean;
}

export interface PrincipalPaths {
  classification: Classification;
  assumable: AssumableRole[];
  paths: EscalationPath[];
}

const accountOf = (arn: string): string => arn.split(':')[4] ?? '';
/** `arn:aws:iam::1:user/ci` → `user/ci`. */
export const shortName = (arn: string): string => arn.split(':').slice(5).join(':') || arn;

interface Trust {
  /** Principal ARNs, `acct:<id>` for account roots and `*`, each with whether conditions apply. */
  entries: { who: string; conditional: boolean }[];
  denied: string[];
}

function trustOf(doc: PolicyDocument): Trust {
  const trust: Trust = { entries: [], denied: [] };
  for (const s of parsePolicy(doc).statements) {
    if (!statementAppliesTo(s, 'sts:assumerole') || s.notPrincipal) continue;
    const aws = (s.principals ?? []).flatMap((p) => (p === '*' ? ['*'] : p.startsWith('aws:') ? [p.slice(4)] : []));
    const who = aws.map((v) => (v === '*' ? '*' : /^\d{12}$/.test(v) ? `acct:${v}` : /^arn:[^:]+:iam::\d+:root$/.test(v) ? `acct:${accountOf(v)}` : v));
    if (s.effect === 'Deny') {
      if (s.conditions.length === 0) trust.denied.push(...who);
    } else {
      const conditional = judgeConditions(s.conditions).condition === 'constraining';
      for (const w of who) trust.entries.push({ who: w, conditional });
    }
  }
  return trust;
}

/** Whether the role's trust policy trusts the caller: undefined when not, else whether conditionally. */
export function trusts(trustPolicy: PolicyDocument, caller: string): { conditional: boolean } | undefined {
  return trustedBy(trustOf(trustPolicy), caller);
}

function trustedBy(t: Trust, caller: string): { conditional: boolean } | undefined {
  const ids = ['*', `acct:${accountOf(caller)}`];
  const named = (w: string): boolean => ids.includes(w) || matchesResource(w, caller);
  if (t.denied.some(named)) return undefined;
  const hits = t.entries.filter((e) => named(e.who));
  return hits.length === 0 ? undefined : { conditional: hits.every((e) => e.conditional) };
}

/** Whether the access allows sts:AssumeRole on the role: undefined when not, else whether conditionally. */
function canAssume(access: PrincipalAccess, role: string): { conditional: boolean } | undefined {
  const grants = grantsOf(access, 'sts:AssumeRole').filter(
    (g) => g.resources.include.some((p) => matchesResource(p, role)) && !g.resources.exclude.some((p) => covers(p, role)),
  );
  if (grants.length === 0) return undefined;
  return { conditional: grants.every((g) => g.partiallyDenied || g.constrainingKeys.length > 0) };
}

export interface ChainOptions {
  /** Hops at most (default 5). */
  maxDepth?: number;
}

/**
 * For each principal (keyed by ARN), the roles it can assume transitively and the paths to
 * roles that are admin or can escalate. Roles are the entries with a trust policy.
 */
export function escalationPaths(principals: ReadonlyMap<string, ChainPrincipal>, opts: ChainOptions = {}): Map<string, PrincipalPaths> {
  const maxDepth = opts.maxDepth ?? 5;
  // Index the trust policies by whom they trust, so each principal only checks candidate roles.
  const byTrusted = new Map<string, { role: string; trust: Trust }[]>();
  const patternTrusts: { role: string; trust: Trust }[] = [];
  for (const [arn, p] of principals) {
    if (p.trustPolicy === undefined) continue;
    const trust = trustOf(p.trustPolicy);
    for (const w of new Set(trust.entries.map((e) => e.who))) {
      if (w !== '*' && /[*?]/.test(w)) patternTrusts.push({ role: arn, trust });
      else byTrusted.set(w, [...(byTrusted.get(w) ?? []), { role: arn, trust }]);
    }
  }
  const edgesCache = new Map<string, { role: string; conditional: boolean }[]>();
  const edges = (caller: string): { role: string; conditional: boolean }[] => {
    const cached = edgesCache.get(caller);
    if (cached !== undefined) return cached;
    const access = principals.get(caller)?.access;
    const out: { role: string; conditional: boolean }[] = [];
    if (access !== undefined) {
      const candidates = [...(byTrusted.get(caller) ?? []), ...(byTrusted.get(`acct:${accountOf(caller)}`) ?? []), ...(byTrusted.get('*') ?? []), ...patternTrusts];
      const seen = new Set<string>();
      for (const { role, trust } of candidates) {
        if (role === caller || seen.has(role)) continue;
        seen.add(role);
        const t = trustedBy(trust, caller);
        const a = t === undefined ? undefined : canAssume(access, role);
        if (t !== undefined && a !== undefined) out.push({ role, conditional: t.conditional || a.conditional });
      }
    }
    edgesCache.set(caller, out);
    return out;
  };

  const classifyAll = (o: (arn: string) => ClassifyOptions): Map<string, Classification> =>
    new Map([...principals].map(([arn, p]) => [arn, classify(p.access, o(arn))]));
  const first = classifyAll((arn) => ({ self: arn }));
  const privileged = new Set([...first].filter(([, c]) => c.admin || c.escalations.length > 0).map(([arn]) => arn));
  const classes = classifyAll((arn) => ({ self: arn, privileged: (p) => privileged.has(p) }));

  const out = new Map<string, PrincipalPaths>();
  for (const start of principals.keys()) {
    const assumable: AssumableRole[] = [];
    const visited = new Set([start]);
    let frontier: AssumableRole[] = [{ role: start, path: [start], conditional: false }];
    for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
      const next: AssumableRole[] = [];
      for (const from of frontier) {
        for (const e of edges(from.role)) {
          if (visited.has(e.role)) continue;
          visited.add(e.role);
          next.push({ role: e.role, path: [...from.path, e.role], conditional: from.conditional || e.conditional });
        }
      }
      assumable.push(...next);
      frontier = next;
    }
    const paths: EscalationPath[] = [];
    for (const a of assumable) {
      const c = classes.get(a.role);
      if (c === undefined || (!c.admin && c.escalations.length === 0)) continue;
      paths.push({ path: a.path, display: a.path.map(shortName).join(' -> '), admin: c.admin, escalations: c.escalations.map((e) => e.method), conditional: a.conditional });
    }
    out.set(start, { classification: classes.get(start) as Classification, assumable, paths });
  }
  return out;
}
