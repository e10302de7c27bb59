/**
 * Normalizing policy documents (Statement object or array, one value or lists, lower-cased
 * action patterns, conditions flattened). Parsed documents are cached by content: many
 * principals share the same managed policies.
 */
import type { Condition, NormalizedPolicy, NormalizedStatement, PolicyPrincipal } from './types.ts';

const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const scalarStrings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x) => ['string', 'boolean', 'number'].includes(typeof x)).map((x) => String(x as string | number | boolean));

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function conditionsOf(block: unknown): Condition[] {
  if (!isRecord(block)) return [];
  const out: Condition[] = [];
  for (const [rawOp, keys] of Object.entries(block)) {
    if (!isRecord(keys)) continue;
    let op = rawOp.toLowerCase();
    let qualifier: string | undefined;
    const colon = op.indexOf(':');
    if (colon >= 0) {
      qualifier = op.slice(0, colon);
      op = op.slice(colon + 1);
    }
    const ifExists = op.endsWith('ifexists');
    if (ifExists) op = op.slice(0, -'ifexists'.length);
    for (const [key, values] of Object.entries(keys)) {
      out.push({ operator: op, ...(qualifier === undefined ? {} : { qualifier }), ifExists, key: key.toLowerCase(), values: scalarStrings(values) });
    }
  }
  return out;
}

function principalsOf(p: unknown): string[] | undefined {
  if (p === undefined) return undefined;
  if (p === '*') return ['*'];
  if (!isRecord(p)) return [];
  const out: string[] = [];
  for (const [type, values] of Object.entries(p)) {
    for (const v of strings(values)) out.push(v === '*' ? '*' : `${type.toLowerCase()}:${v}`);
  }
  return out;
}

function statementOf(s: Record<string, unknown>): NormalizedStatement | undefined {
  const effect = s.Effect === 'Allow' || s.Effect === 'Deny' ? s.Effect : undefined;
  if (effect === undefined) return undefined;
  const notAction = 'NotAction' in s;
  const notResource = 'NotResource' in s;
  const principal = s.Principal as PolicyPrincipal | undefined;
  const notPrincipal = s.NotPrincipal as PolicyPrincipal | undefined;
  const principals = principalsOf(principal ?? notPrincipal);
  return {
    ...(typeof s.Sid === 'string' ? { sid: s.Sid } : {}),
    effect,
    actions: strings(notAction ? s.NotAction : s.Action).map((a) => a.trim().toLowerCase()),
    notAction,
    // Trust policies have no Resource: the statement is about the role itself.
    resources: notResource
      ? { include: ['*'], exclude: strings(s.NotResource) }
      : { include: 'Resource' in s ? strings(s.Resource) : ['*'], exclude: [] },
    conditions: conditionsOf(s.Condition),
    ...(principals === undefined ? {} : { principals }),
    notPrincipal: notPrincipal !== undefined && principal === undefined,
  };
}

const byObject = new WeakMap<object, NormalizedPolicy>();
const byContent = new Map<string, NormalizedPolicy>();
const MAX_CACHED = 20_000;

/** Normalizes a policy document (decoded JSON, a `PolicyDocument` or anything else). Unknown shapes yield no statements. Cached by content. */
export function parsePolicy(doc: unknown): NormalizedPolicy {
  if (isRecord(doc)) {
    const hit = byObject.get(doc);
    if (hit !== undefined) return hit;
  }
  const key = JSON.stringify(doc) ?? 'undefined';
  let parsed = byContent.get(key);
  if (parsed === undefined) {
    const raw = isRecord(doc) ? doc.Statement : undefined;
    const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    const statements = list.filter(isRecord).map(statementOf).filter((s): s is NormalizedStatement => s !== undefined);
    parsed = { key, statements };
    if (byContent.size >= MAX_CACHED) byContent.clear();
    byContent.set(key, parsed);
  }
  if (isRecord(doc)) byObject.set(doc, parsed);
  return parsed;
}
