/**
 * The Kubernetes collector: one source per kubeconfig context (`k8s:<cluster name>`; the
 * current context by default, the listed ones, or every cluster for `['*']`). Per cluster:
 * service accounts (Identity), legacy token secrets (Credential, name only), running pods
 * (Activity, and the account's `automount` label), RBAC bindings resolved to effective rules
 * (Grant; aggregated ClusterRoles resolved from their label selectors). A context that cannot
 * be loaded, is unreachable or answers 403 fails that source only.
 *
 * Last use: Kubernetes reports no last use of a service account. A running pod is use now, so
 * an account with running pods gets `lastUsedAt` = the scan time (not the pod's start: a pod
 * started 100 days ago and still running is in use today, and `credential.unused` must not call
 * it idle); each pod is an Activity at its start time, and `labels.lastPodStartAt` keeps the
 * latest start. Accounts without running pods have no `lastUsedAt` (unknown, not never):
 * `k8s.sa-unused` judges those.
 */
import type { KubernetesConfig } from '../../config/kubernetes-schema.ts';
import type { OwnersConfig } from '../../config/schema.ts';
import type { SourceOutcome } from '../../model/index.ts';
import { DEFAULT_RETRY, createKubeClients, loadKubeConfig, selectContexts } from '../../providers/kubernetes/client.ts';
import type { RetrySettings } from '../../providers/kubernetes/client.ts';
import { mapLimit } from '../../util/limit.ts';
import { owns, type Collector, type CollectorContext } from '../context.ts';
import { collectCluster, failureReason } from './cluster.ts';

export type KubernetesCollectorConfig = { kubernetes: KubernetesConfig; owners: OwnersConfig };

export interface KubernetesCollectorOptions {
  /** Retry timings overriding the defaults (maxRetries and requestTimeoutMs come from the config). */
  retry?: Partial<Pick<RetrySettings, 'retryDelayMs' | 'maxRetryDelayMs'>>;
  /** Clusters scanned at once. Default 4. */
  parallelClusters?: number;
}

function failed(source: string, err: unknown, ctx: CollectorContext): SourceOutcome {
  const outcome: SourceOutcome = { source, status: 'failed', items: 0, error: failureReason(err) };
  ctx.progress.start(source);
  ctx.log.warn('kubernetes context failed', { source, error: outcome.error });
  ctx.progress.finish(source, outcome);
  return outcome;
}

export function createKubernetesCollector(opts: KubernetesCollectorOptions = {}): Collector<KubernetesCollectorConfig> {
  return async ({ kubernetes, owners }: KubernetesCollectorConfig, ctx: CollectorContext): Promise<SourceOutcome[]> => {
    let kc;
    try {
      kc = loadKubeConfig(kubernetes.kubeconfig);
    } catch (err) {
      return [failed('k8s:kubeconfig', err, ctx)];
    }
    const retry: RetrySettings = { ...DEFAULT_RETRY, ...opts.retry, maxRetries: kubernetes.maxRetries, requestTimeoutMs: kubernetes.requestTimeoutMs };
    const all = selectContexts(kc, kubernetes.contexts);
    if (all.length === 0) return [failed('k8s:kubeconfig', new Error('the kubeconfig has no current context; list contexts in kubernetes.contexts'), ctx)];
    const contexts = all.filter((c) => owns(ctx, `k8s:${c}`));
    const seen = new Set<string>();
    return mapLimit(contexts, Math.max(1, opts.parallelClusters ?? 4), async (context) => {
      let clients;
      try {
        clients = createKubeClients(kc, context);
      } catch (err) {
        return failed(`k8s:${context}`, err, ctx);
      }
      const source = `k8s:${clients.cluster}`;
      if (seen.has(source)) return failed(`k8s:${context}`, new Error(`context ${context} names cluster ${clients.cluster}, already scanned`), ctx);
      seen.add(source);
      return collectCluster({ clients, source, kubernetes, owners, retry, ctx });
    });
  };
}

export const collectKubernetes: Collector<KubernetesCollectorConfig> = createKubernetesCollector();

export { k8sIdentityId } from './records.ts';
export { ESCALATION_PREFIX, escalationPaths, flattenRules, hasWildcard, privilegeOf, resolveClusterRoleRules } from './rbac.ts';
export type { EscalationPath, PolicyRule } from './rbac.ts';
