/**
 * Effective access of a principal, the way IAM evaluates a request: an explicit Deny in any
 * policy wins; otherwise an action needs an Allow in an identity policy AND, when set, in the
 * permissions boundary AND in every SCP level. Evaluated over the action catalog plus the
 * action patterns the policies name (so `dynamodb:*` or `*` on services outside the catalog
 * are kept as pattern tokens).
 */
import { CATALOG, CATALOG_BY_KEY, levelOf } from './catalog.ts';
import { applyContext, judgeConditions } from './conditions.ts';
import { statementAppliesTo, statementCatalogIndexes, statementCoversIndex } from './expand.ts';
import { parsePolicy } from './parse.ts';
import { intersectScopes, scopeCovers, scopesOverlap } from './scope.ts';
import type { ActionAccess, Condition, ConditionContext, EvaluateInput, EvaluateOptions, Grant, NormalizedPolicy, NormalizedStatement, PrincipalAccess, ResourceScope } from './types.ts';

/** An Allow before judgement: scope and undecided conditions. */
interface RawGrant {
  scope: ResourceScope;
  conditions: Condition[];
}

interface Deny {
  scope: ResourceScope;
  conditional: boolean;
}

/** Statements of one layer, with conditions resolved against the context. */
interface Layer {
  allows: { s: NormalizedStatement; grant: RawGrant }[];
  denies: { s: NormalizedStatement; deny: Deny }[];
}

/** Per statement, its grant when no context applies (shared by every principal using it). */
const plainGrants = new WeakMap<NormalizedStatement, RawGrant>();
const judged = new WeakMap<RawGrant, Grant>();
/** Per shared grant, the ActionAccess of each catalog action it alone allows. */
const sharedAccess = new WeakMap<RawGrant, (ActionAccess | undefined)[]>();

function layerOf(policies: readonly NormalizedPolicy[], context: ConditionContext | undefined): Layer {
  const layer: Layer = { allows: [], denies: [] };
  for (const p of policies) {
    for (const s of p.statements) {
      if (context === undefined && s.effect === 'Allow') {
        let grant = plainGrants.get(s);
        if (grant === undefined) {
          grant = { scope: s.resources, conditions: s.conditions };
          plainGrants.set(s, grant);
        }
        layer.allows.push({ s, grant });
        continue;
      }
      const conditions = applyContext(s.conditions, context);
      if (conditions === false) continue;
      if (s.effect === 'Allow') layer.allows.push({ s, grant: { scope: s.resources, conditions } });
      else layer.denies.push({ s, deny: { scope: s.resources, conditional: conditions.length > 0 } });
    }
  }
  return layer;
}

/** Action-pattern tokens: patterns named in Allow statements that are not catalog actions. */
function tokensOf(layers: readonly Layer[]): string[] {
  const tokens = new Set<string>();
  for (const l of layers) {
    for (const { s } of l.allows) {
      // NotAction reaches services outside the catalog too.
      if (s.notAction) tokens.add('*');
      else for (const a of s.actions) if (!CATALOG_BY_KEY.has(a)) tokens.add(a === '*:*' ? '*' : a);
    }
  }
  return [...tokens];
}

/** Allow grants per action index (catalog indexes, then tokens after them). */
function allowsByAction(layer: Layer, tokens: readonly string[]): Map<number, RawGrant[]> {
  const out = new Map<number, RawGrant[]>();
  const add = (i: number, g: RawGrant): void => {
    const list = out.get(i);
    if (list === undefined) out.set(i, [g]);
    else list.push(g);
  };
  for (const { s, grant } of layer.allows) {
    for (const i of statementCatalogIndexes(s)) add(i, grant);
    tokens.forEach((t, j) => {
      if (statementAppliesTo(s, t)) add(CATALOG.length + j, grant);
    });
  }
  return out;
}

function intersectGrants(a: readonly RawGrant[], b: readonly RawGrant[]): RawGrant[] {
  const out: RawGrant[] = [];
  for (const x of a) {
    for (const y of b) {
      const scope = intersectScopes(x.scope, y.scope);
      if (scope !== undefined) out.push({ scope, conditions: y.conditions.length === 0 ? x.conditions : [...x.conditions, ...y.conditions] });
    }
  }
  return out;
}

/** Applies Denies to a grant: undefined when they remove it entirely. */
function applyDenies(g: RawGrant, denies: readonly Deny[]): Grant | undefined {
  if (denies.length === 0) {
    let done = judged.get(g);
    if (done === undefined) {
      done = { resources: g.scope, ...judgeConditions(g.conditions), conditions: g.conditions, partiallyDenied: false };
      judged.set(g, done);
    }
    return done;
  }
  let scope = g.scope;
  let partiallyDenied = false;
  for (const d of denies) {
    if (!scopesOverlap(d.scope, scope)) continue;
    if (!d.conditional && scopeCovers(d.scope, scope)) return undefined;
    partiallyDenied = true;
    if (!d.conditional && d.scope.exclude.length === 0 && !d.scope.include.includes('*')) {
      scope = { include: scope.include, exclude: [...new Set([...scope.exclude, ...d.scope.include])] };
    }
  }
  return { resources: scope, ...judgeConditions(g.conditions), conditions: g.conditions, partiallyDenied };
}

function evaluateUncached(input: EvaluateInput, opts: EvaluateOptions): PrincipalAccess {
  const context = opts.conditionContext;
  const identity = layerOf(input.identityPolicies.map(parsePolicy), context);
  const limits: Layer[] = [];
  if (input.permissionsBoundary !== undefined) limits.push(layerOf([parsePolicy(input.permissionsBoundary)], context));
  for (const scp of input.scp ?? []) limits.push(layerOf([parsePolicy(scp)], context));
  const tokens = tokensOf([identity, ...limits]);
  const allowed = allowsByAction(identity, tokens);
  const limitAllows = limits.map((l) => allowsByAction(l, tokens));
  const allDenies = [identity, ...limits].flatMap((l) => l.denies);

  const actions = new Map<string, ActionAccess>();
  const removed: string[] = [];
  for (const [i, identityGrants] of allowed) {
    const catalogAction = CATALOG[i];
    const key = catalogAction?.key ?? tokens[i - CATALOG.length] ?? '';
    let grants: RawGrant[] = identityGrants;
    for (const limit of limitAllows) grants = intersectGrants(grants, limit.get(i) ?? []);
    const denies: Deny[] = [];
    for (const d of allDenies) if (catalogAction === undefined ? statementAppliesTo(d.s, key) : statementCoversIndex(d.s, i)) denies.push(d.deny);
    // The common case (one Allow, no Deny, catalog action): shared across principals.
    const only = grants.length === 1 && denies.length === 0 && catalogAction !== undefined ? grants[0] : undefined;
    if (only !== undefined) {
      let perAction = sharedAccess.get(only);
      if (perAction === undefined) {
        perAction = [];
        sharedAccess.set(only, perAction);
      }
      let a = perAction[i];
      if (a === undefined) {
        a = { action: catalogAction!.name, level: catalogAction!.level, known: true, grants: [applyDenies(only, denies) as Grant] };
        perAction[i] = a;
      }
      actions.set(key, a);
      continue;
    }
    const effective: Grant[] = [];
    for (const g of grants) {
      const e = applyDenies(g, denies);
      if (e !== undefined) effective.push(e);
    }
    if (effective.length === 0) {
      removed.push(key);
      continue;
    }
    actions.set(key, { action: catalogAction?.name ?? key, level: catalogAction?.level ?? levelOf(key), known: catalogAction !== undefined, grants: effective });
  }
  return { actions, removed: removed.sort(), hasBoundary: input.permissionsBoundary !== undefined };
}

const results = new Map<string, PrincipalAccess>();
const ids = new WeakMap<NormalizedPolicy, number>();
let nextId = 0;
/** A short id per distinct document content (parsePolicy returns one object per content). */
function idOf(doc: unknown): string {
  const p = parsePolicy(doc);
  let id = ids.get(p);
  if (id === undefined) {
    id = nextId++;
    ids.set(p, id);
  }
  return id.toString(36);
}
const MAX_RESULTS = 2_000;

/**
 * Effective access of a principal from its identity policies, permissions boundary and SCPs.
 * Results are cached by the content of the documents (principals sharing policies share the
 * result object: treat it as read-only).
 */
export function evaluatePrincipal(input: EvaluateInput, opts: EvaluateOptions = {}): PrincipalAccess {
  const key = [
    [...new Set(input.identityPolicies.map(idOf))].sort().join(','),
    input.permissionsBoundary === undefined ? '' : idOf(input.permissionsBoundary),
    (input.scp ?? []).map(idOf).join(','),
    opts.conditionContext === undefined ? '' : JSON.stringify(opts.conditionContext),
  ].join('\u0001');
  let hit = results.get(key);
  if (hit === undefined) {
    hit = evaluateUncached(input, opts);
    if (results.size >= MAX_RESULTS) results.clear();
    results.set(key, hit);
  }
  return hit;
}

/** The grants of an action (lower-cased or canonical name), empty when not allowed. */
export const grantsOf = (access: PrincipalAccess, action: string): Grant[] => access.actions.get(action.toLowerCase())?.grants ?? [];
