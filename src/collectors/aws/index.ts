/**
 * The AWS collector: one source per account (`aws:<accountId>`), IAM users that are machines
 * (people left out), roles (AWS SSO's reserved roles left out, service-linked ones marked
 * managed), their access keys, grants and last-use evidence. A failing account (403 on
 * AssumeRole or any call) becomes a failed source; the other accounts' data is kept.
 */
import type { AwsConfig, OwnersConfig } from '../../config/schema.ts';
import type { SourceOutcome } from '../../model/index.ts';
import { awsClientSettings, createBaseCredentials } from '../../providers/aws/client.ts';
import type { AwsClientSettings } from '../../providers/aws/client.ts';
import { createLimit, mapLimit } from '../../util/limit.ts';
import { owns, type Collector, type CollectorContext } from '../context.ts';
import { collectAccount } from './account.ts';
import { DEFAULT_REPORT_POLLING } from './credential-report.ts';
import type { ReportPolling } from './credential-report.ts';
import { compileMachineRules } from './machine.ts';
import type { ManagedPolicyCache } from './managed-policies.ts';

export type AwsCollectorConfig = { aws: AwsConfig; owners: OwnersConfig };

export interface AwsCollectorOptions {
  /** Credential report polling (initial delay, cap, timeout). */
  polling?: Partial<ReportPolling>;
  /** Client settings overriding the ones derived from the config (retry mode, timeouts). */
  settings?: Partial<AwsClientSettings>;
  /** Accounts scanned at once (their calls share the collector-wide limit). Default 4. */
  parallelAccounts?: number;
}

export function createAwsCollector(opts: AwsCollectorOptions = {}): Collector<AwsCollectorConfig> {
  return async (config: AwsCollectorConfig, ctx: CollectorContext): Promise<SourceOutcome[]> => {
    const settings = awsClientSettings(config.aws, opts.settings);
    const base = createBaseCredentials(settings);
    const rules = compileMachineRules(config.aws.machineUsers);
    const globalLimit = createLimit(Math.max(1, ctx.concurrency));
    const managedPolicies: ManagedPolicyCache = new Map();
    const polling: ReportPolling = { ...DEFAULT_REPORT_POLLING, ...opts.polling };
    const configured = config.aws.accounts.length > 0 ? config.aws.accounts : [{}];
    const accounts = configured.filter((a) => owns(ctx, `aws:${a.id ?? /^arn:[^:]+:iam::(\d{12}):/.exec(a.roleArn ?? '')?.[1] ?? 'default'}`));
    return mapLimit(accounts, Math.max(1, opts.parallelAccounts ?? 4), (account) =>
      collectAccount({ account, aws: config.aws, owners: config.owners, settings, base, rules, managedPolicies, limits: [globalLimit], polling, ctx }),
    );
  };
}

export const collectAws: Collector<AwsCollectorConfig> = createAwsCollector();

export { analyzePolicy, decodePolicyDocument, isReadOnlyAction } from './policy.ts';
export type { PolicyAnalysis } from './policy.ts';
export { parseCredentialReport } from './credential-report.ts';
export type { CredentialReportRow, ReportKeySlot } from './credential-report.ts';
export { classifyUser, compileMachineRules } from './machine.ts';
export { parseCsv } from './csv.ts';
