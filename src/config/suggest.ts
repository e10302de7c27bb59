/**
 * "Did you mean" for unknown config keys: the keys the schema accepts at that path, and the one
 * closest to the typo (edit distance at most 2, or a third of the key's length).
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas reachable from `schema` without descending into a key (wrappers, pipes, unions). */
function objectsOf(schema: z.ZodType, depth = 0): Record<string, z.ZodType>[] {
  if (depth > 8) return [];
  const def = defOf(schema);
  if (def.type === 'object' && def.shape) return [def.shape];
  const inner = [def.innerType, def.in, def.out, ...(def.options ?? [])].filter((s): s is z.ZodType => s !== undefined);
  return inner.flatMap((s) => objectsOf(s, depth + 1));
}

/** The schema of the value at `path` (numbers index lists and records), or undefined. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = root;
  for (const p of path) {
    if (cur === undefined) return undefined;
    const c: z.ZodType = cur;
    if (typeof p === 'number') {
      const list = unwrap(c, (d) => d.element);
      cur = list;
    } else {
      cur = objectsOf(c).map((shape) => shape[String(p)]).find((s) => s !== undefined) ?? unwrap(c, (d) => d.valueType);
    }
  }
  return cur;
}

function unwrap(schema: z.ZodType, pick: (d: Def) => z.ZodType | undefined, depth = 0): z.ZodType | undefined {
  if (depth > 8) return undefined;
  const def = defOf(schema);
  const found = pick(def);
  if (found) return found;
  const inner = [def.innerType, def.in, def.out].filter((s): s is z.ZodType => s !== undefined);
  for (const s of inner) {
    const r = unwrap(s, pick, depth + 1);
    if (r) return r;
  }
  return undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The accepted key closest to `key` at `path`, when one is close enough to be a typo. */
export function suggestKey(root: z.ZodType, path: readonly PropertyKey[], key: string): string | undefined {
  const schema = schemaAt(root, path);
  if (!schema) return undefined;
  const keys = objectsOf(schema).flatMap((shape) => Object.keys(shape));
  let best: { key: string; d: number } | undefined;
  for (const k of keys) {
    const d = editDistance(key, k);
    if (best === undefined || d < best.d) best = { key: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}
