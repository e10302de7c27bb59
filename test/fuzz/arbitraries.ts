/**
 * Arbitraries the fuzz tests share: JSON-like values (the shapes YAML and JSON parsers produce:
 * null, scalars, nested lists and maps with odd keys), with the leaves and keys each parser is
 * most likely to trip on.
 */
import fc from 'fast-check';

export function jsonish(o: { leaves: fc.Arbitrary<unknown>[]; keys: readonly string[]; maxItems: number }): fc.Arbitrary<unknown> {
  return fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.string(),
      ...o.leaves,
      fc.array(tie('v'), { maxLength: o.maxItems }),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...o.keys)), tie('v'), { maxKeys: 4 }),
    ),
  })).v;
}
