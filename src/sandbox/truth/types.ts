/**
 * Ground truth for the analysis: for every rule of the catalogue, the identities of a generated
 * estate it must fire on, and why. Computed from the generator's own data (what it chose: key
 * ages, policy profiles, sessions, planted keys), never from the collectors or the analyzers, so a
 * test can hold the whole pipeline to it (test/pipeline/ground-truth.test.ts).
 */
import type { AnalysisConfig } from '../../config/analysis-schema.ts';
import type { PolicyConfig } from '../../config/schema.ts';
import type { Estate } from '../estate.ts';

export interface TruthContext {
  estate: Estate;
  /** Thresholds the analysis runs with (the config's `policy:` section). */
  policy: PolicyConfig;
  /** The config's `analysis:` section (shared-use minimums, clock skew; no exemptions). */
  analysis: AnalysisConfig;
  /** The analysis clock (the estate's `now` unless a test says otherwise). */
  now: Date;
  /** The sandbox repository scanned with the estate, when there is one (see repos.ts). */
  repo?: { name: string; committedKeyIds: readonly string[]; unknownKeyIds: readonly string[] };
}

/** Records that `rule` must fire on `identity` (a sprawl identity id), with a reason for test output. */
export type Mark = (rule: string, identity: string, why: string) => void;

/** rule id -> identity id -> why. */
export type Truth = Map<string, Map<string, string>>;
