/**
 * The table of api-faults.test.ts: for each source, which unit of the estate a fault is aimed at,
 * how each fault kind is injected into that source's emulator, and what the failed source's
 * reason must say.
 */
import type { WireFault, WireFaultKind } from '../../src/sandbox/faults.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';

export type Provider = 'aws' | 'gcp' | 'azure' | 'github' | 'kubernetes' | 'gateway';

export const FAULTS = ['throttle', 'server-500', 'server-503', 'reset', 'truncated', 'malformed', 'hang', 'page-loop', 'expired-credentials', 'forbidden-scope'] as const;
export type FaultKind = (typeof FAULTS)[number];

/** Faults that pass when they fire once: the retry gets the answer. */
export const TRANSIENT: readonly FaultKind[] = ['throttle', 'server-500', 'server-503', 'reset', 'truncated', 'malformed', 'hang'];

/** What the failed source's reason must say, per fault. */
export const REASON: Record<FaultKind, RegExp> = {
  throttle: /throttl|rate limit|too many requests|429/i,
  'server-500': /\b500\b|server error|internal/i,
  'server-503': /\b503\b|unavailable/i,
  reset: /connection reset/i,
  truncated: /truncated/i,
  malformed: /malformed/i,
  hang: /timed out after 1 s/i,
  'page-loop': /paging loop/i,
  'expired-credentials': /credentials expired/i,
  'forbidden-scope': /403|forbidden|denied|not authori[sz]ed/i,
};

export interface Target {
  provider: Provider;
  /** The source a scoped fault fails (`aws:<account>`, `github:<org>`, ...). */
  unit: string;
  /** Source-name prefix of every unit of the provider. */
  prefix: string;
  /** Injects `fault` into the unit, firing `times` times (Infinity: every time). */
  inject(fault: FaultKind, times: number): void;
}

const WIRE: Partial<Record<FaultKind, WireFaultKind>> = { 'server-500': 'status', 'server-503': 'status', reset: 'reset', truncated: 'truncate', malformed: 'malformed', hang: 'hang' };

/** The wire fault of `fault` aimed at requests whose target contains `match`; undefined for a semantic fault. */
function wire(fault: FaultKind, match: string, times: number): WireFault[] | undefined {
  const kind = WIRE[fault];
  if (kind === undefined) return undefined;
  // A once-only hang answers late (past the timeout) instead of never, so the retry races nothing.
  return [{ kind, match, times, ...(fault === 'server-503' ? { status: 503 } : fault === 'server-500' ? { status: 500 } : {}), ...(kind === 'hang' && Number.isFinite(times) ? { delayMs: 3000 } : {}) }];
}

/** After this many requests the emulator answers as for expired credentials. */
const EXPIRE_AFTER = 3;

export function targets(s: Sandbox): Target[] {
  const awsAccount = s.estate.aws.accounts.map((a) => a.id).find((id) => id !== s.estate.aws.managementAccountId) as string;
  const gcpProject = s.estate.gcp.projects.at(-1)?.projectId as string;
  const subscription = s.estate.azure.subscriptions.at(-1)?.subscriptionId as string;
  const org = s.estate.github.orgs.at(-1)?.login as string;
  const cluster = s.estate.kubernetes.clusters.at(-1)?.name as string;
  return [
    {
      provider: 'aws',
      unit: `aws:${awsAccount}`,
      prefix: 'aws:',
      inject(fault, times) {
        const f = s.aws.faults;
        f.wire = wire(fault, `Account=${awsAccount}`, times);
        if (fault === 'throttle') f.throttle = { account: awsAccount, times };
        if (fault === 'page-loop') f.pageLoop = { match: `Account=${awsAccount}` };
        if (fault === 'expired-credentials') f.expireCredentials = { afterCalls: EXPIRE_AFTER };
        if (fault === 'forbidden-scope') f.forbiddenAccounts = [awsAccount];
      },
    },
    {
      provider: 'gcp',
      unit: `gcp:${gcpProject}`,
      prefix: 'gcp:',
      inject(fault, times) {
        const f = s.gcp.faults;
        f.wire = wire(fault, `/projects/${gcpProject}/`, times);
        if (fault === 'throttle') f.throttle = { project: gcpProject, times };
        if (fault === 'page-loop') f.pageLoop = { match: `/projects/${gcpProject}/serviceAccounts` };
        if (fault === 'expired-credentials') f.expireCredentials = { afterCalls: EXPIRE_AFTER };
        if (fault === 'forbidden-scope') f.forbiddenProjects = [gcpProject];
      },
    },
    {
      provider: 'azure',
      unit: `azure:${subscription}`,
      prefix: 'azure:',
      inject(fault, times) {
        const f = s.azure.faults;
        f.wire = wire(fault, subscription, times);
        if (fault === 'throttle') f.throttle = { match: subscription, times, retryAfterMs: 10 };
        if (fault === 'page-loop') f.pageLoop = { match: subscription };
        if (fault === 'expired-credentials') f.expireCredentials = { afterCalls: EXPIRE_AFTER };
        if (fault === 'forbidden-scope') f.forbiddenSubscriptions = [subscription];
      },
    },
    {
      provider: 'github',
      unit: `github:${org}`,
      prefix: 'github:',
      inject(fault, times) {
        const f = s.github.faults;
        f.wire = wire(fault, `/${org}/`, times);
        // Retry-After: 0 reads as "absent" to the throttling plugin (it would wait its 60 s fallback).
        if (fault === 'throttle') f.secondaryRateLimit = { org, times, retryAfterSeconds: 1 };
        if (fault === 'page-loop') f.pageLoop = { match: `/orgs/${org}/repos` };
        if (fault === 'expired-credentials') f.expireCredentials = { afterCalls: EXPIRE_AFTER };
        if (fault === 'forbidden-scope') f.forbiddenOrgs = [org];
      },
    },
    {
      provider: 'kubernetes',
      unit: `k8s:${cluster}`,
      prefix: 'k8s:',
      inject(fault, times) {
        const f = s.kubernetes.faults;
        const w = wire(fault, `cluster=${cluster} `, times);
        if (w) f.wire = w;
        if (fault === 'throttle') f.throttle = { cluster, times, retryAfterSeconds: 0 };
        if (fault === 'page-loop') f.pageLoop = { match: `cluster=${cluster} /api/v1/serviceaccounts` };
        if (fault === 'expired-credentials') f.expireCredentials = { afterCalls: EXPIRE_AFTER };
        if (fault === 'forbidden-scope') f.forbiddenClusters = [cluster];
      },
    },
    {
      provider: 'gateway',
      unit: `gateway:${s.estate.hoop.gateway}`,
      prefix: 'gateway:',
      inject(fault, times) {
        const f = s.hoop.faults;
        f.wire = wire(fault, '/api/sessions', times);
        if (fault === 'throttle') f.throttle = { op: 'sessions.list', times, retryAfterSeconds: 0 };
        if (fault === 'page-loop') f.pageLoop = { match: 'sessions.list' };
        if (fault === 'expired-credentials') f.expireCredentials = { afterCalls: EXPIRE_AFTER };
        if (fault === 'forbidden-scope') f.forbidden = ['sessions.list'];
      },
    },
  ];
}
