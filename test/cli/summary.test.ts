import { describe, expect, it } from 'vitest';
import { countAtOrAbove } from '../../src/cli/summary.ts';
import { scanStatus } from '../../src/pipeline/scan.ts';
import type { Severity, SourceOutcome } from '../../src/model/index.ts';

const counts = (c: Partial<Record<Severity, number>>): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0, ...c });

describe('countAtOrAbove (--fail-on)', () => {
  it.each<[Partial<Record<Severity, number>>, Severity, number]>([
    [{ medium: 3 }, 'high', 0],
    [{ medium: 3 }, 'medium', 3],
    [{ critical: 1, low: 5 }, 'high', 1],
    [{ critical: 1, low: 5 }, 'info', 6],
    [{ info: 2 }, 'low', 0],
    [{}, 'info', 0],
  ])('%j at %s -> %i', (c, threshold, n) => expect(countAtOrAbove(counts(c), threshold)).toBe(n));
});

describe('scanStatus', () => {
  const ok: SourceOutcome = { source: 'aws:1', status: 'ok', items: 1 };
  const bad: SourceOutcome = { source: 'aws:2', status: 'failed', items: 0, error: 'AccessDenied' };
  it.each<[SourceOutcome[], boolean, string]>([
    [[ok, ok], false, 'complete'],
    [[ok, bad], false, 'partial'],
    [[bad], false, 'failed'],
    [[ok], true, 'interrupted'],
  ])('%j interrupted=%s -> %s', (sources, interrupted, status) => expect(scanStatus(sources, interrupted)).toBe(status));
});
