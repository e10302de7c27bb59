/**
 * Judging statement conditions: which any caller can satisfy and which really constrain, and
 * deciding the conditions whose keys the caller's context gives.
 */
import { matches } from './match.ts';
import type { Condition, ConditionClass, ConditionContext } from './types.ts';

/**
 * Keys any caller controls or trivially satisfies: using TLS, picking a region, the time, the
 * user agent or the tags it sends with the request.
 */
const CALLER_CONTROLLED = new Set(['aws:securetransport', 'aws:requestedregion', 'aws:currenttime', 'aws:epochtime', 'aws:useragent', 'aws:referer', 'aws:tagkeys', 'aws:tokenissuetime']);
const CALLER_CONTROLLED_PREFIXES = ['aws:requesttag/'];

/** True when any caller can satisfy this condition. Everything else (`aws:SourceIp`, `aws:PrincipalTag/…`, MFA, `iam:PassedToService`, unknown keys) constrains. */
export function isCallerSatisfiable(c: Condition): boolean {
  if (c.key === 'aws:multifactorauthpresent') return c.operator === 'bool' && c.values.every((v) => v.toLowerCase() === 'false');
  return CALLER_CONTROLLED.has(c.key) || CALLER_CONTROLLED_PREFIXES.some((p) => c.key.startsWith(p));
}

export interface ConditionJudgement {
  condition: ConditionClass;
  constrainingKeys: string[];
}

export function judgeConditions(conditions: readonly Condition[]): ConditionJudgement {
  if (conditions.length === 0) return { condition: 'none', constrainingKeys: [] };
  const constrainingKeys = [...new Set(conditions.filter((c) => !isCallerSatisfiable(c)).map((c) => c.key))];
  return { condition: constrainingKeys.length === 0 ? 'unconditional-equivalent' : 'constraining', constrainingKeys };
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  if (a === undefined || b === undefined) return ip === cidr;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

type Test = (policyValue: string, actual: string) => boolean;

const POSITIVE: Record<string, Test> = {
  stringequals: (p, a) => p === a,
  stringequalsignorecase: (p, a) => p.toLowerCase() === a.toLowerCase(),
  stringlike: (p, a) => matches(p, a, { caseSensitive: true }),
  arnequals: (p, a) => p === a,
  arnlike: (p, a) => matches(p, a, { caseSensitive: true }),
  bool: (p, a) => p.toLowerCase() === a.toLowerCase(),
  ipaddress: (p, a) => inCidr(a, p),
};
const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
  notipaddress: 'ipaddress',
};

/** Decides a condition from the context: true/false, or undefined when the context cannot tell. */
export function decideCondition(c: Condition, context: ConditionContext | undefined): boolean | undefined {
  if (context === undefined) return undefined;
  const entry = Object.entries(context).find(([k]) => k.toLowerCase() === c.key);
  if (entry === undefined) return undefined;
  const actual = (Array.isArray(entry[1]) ? entry[1] : [entry[1]]).map(String);
  if (c.operator === 'null') return c.values.some((v) => v.toLowerCase() === 'false');
  const negatedOf = NEGATED[c.operator];
  const test = POSITIVE[negatedOf ?? c.operator];
  if (test === undefined) return undefined;
  const hit = (a: string): boolean => c.values.some((p) => test(p, a));
  const positive = c.qualifier === 'forallvalues' ? actual.every(hit) : actual.some(hit);
  return negatedOf === undefined ? positive : !positive;
}

/**
 * Splits conditions with the context: `false` when one is known to fail, else the conditions
 * still undecided.
 */
export function applyContext(conditions: readonly Condition[], context: ConditionContext | undefined): Condition[] | false {
  if (context === undefined || conditions.length === 0) return [...conditions];
  const rest: Condition[] = [];
  for (const c of conditions) {
    const decided = decideCondition(c, context);
    if (decided === false) return false;
    if (decided === undefined) rest.push(c);
  }
  return rest;
}
