import { awsTruth } from './aws.ts';
import { azureTruth } from './azure.ts';
import { correlationTruth } from './correlation.ts';
import { gcpTruth } from './gcp.ts';
import { githubTruth } from './github.ts';
import { kubernetesTruth } from './kubernetes.ts';
import type { Mark, Truth, TruthContext } from './types.ts';

export type { Mark, Truth, TruthContext } from './types.ts';

/** Every rule's expected identities over the estate in `ctx` (rules that must fire nowhere are absent). */
export function groundTruth(ctx: TruthContext): Truth {
  const truth: Truth = new Map();
  const mark: Mark = (rule, identity, why) => {
    let byIdentity = truth.get(rule);
    if (!byIdentity) truth.set(rule, (byIdentity = new Map<string, string>()));
    if (!byIdentity.has(identity)) byIdentity.set(identity, why);
  };
  awsTruth(ctx, mark);
  gcpTruth(ctx, mark);
  azureTruth(ctx, mark);
  githubTruth(ctx, mark);
  kubernetesTruth(ctx, mark);
  correlationTruth(ctx, mark);
  return truth;
}
