/**
 * Clients for one cluster by the name the collector gives it (an identity's scope, `prod-eu`):
 * the same kubeconfig (`kubernetes.kubeconfig`, else KUBECONFIG, else the default chain), the
 * same context selection (`kubernetes.contexts`), the same retry settings. Used by the enforcer,
 * which acts on one cluster at a time.
 */
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../../config/kubernetes-schema.ts';
import { DEFAULT_RETRY, createKubeClients, describeKubeError, loadKubeConfig, selectContexts } from './client.ts';
import type { KubeClients, RetrySettings } from './client.ts';
import { pageGuard } from '../paging.ts';

/**
 * The kubeconfig as the collector loads it: the configured path; else, when `env` is not the
 * process environment and sets KUBECONFIG, its files merged in order; else the default chain.
 */
export function loadKubeConfigFor(kubernetes: Pick<KubernetesConfig, 'kubeconfig'>, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  if (kubernetes.kubeconfig !== undefined || env === process.env || !env.KUBECONFIG) return loadKubeConfig(kubernetes.kubeconfig);
  const files = env.KUBECONFIG.split(delimiter).filter((f) => f !== '');
  const kc = new KubeConfig();
  files.forEach((file, i) => {
    const part = new KubeConfig();
    part.loadFromFile(file);
    if (i === 0) kc.loadFromOptions({ clusters: part.clusters, users: part.users, contexts: part.contexts, currentContext: part.getCurrentContext() });
    else kc.mergeConfig(part, true);
  });
  return kc;
}

/** The collector's retry settings for the config. */
export function kubeRetrySettings(kubernetes: Pick<KubernetesConfig, 'maxRetries' | 'requestTimeoutMs'>): RetrySettings {
  return { ...DEFAULT_RETRY, maxRetries: kubernetes.maxRetries, requestTimeoutMs: kubernetes.requestTimeoutMs };
}

/**
 * Clients of the context the collector scans `cluster` through: the first selected context
 * (`kubernetes.contexts`) whose kubeconfig cluster has that name.
 */
export function kubeClientsForCluster(kubernetes: KubernetesConfig, cluster: string, env: NodeJS.ProcessEnv = process.env): KubeClients {
  const kc = loadKubeConfigFor(kubernetes, env);
  const contexts = selectContexts(kc, kubernetes.contexts);
  for (const context of contexts) {
    const ctx = kc.getContextObject(context);
    if (ctx?.cluster !== cluster) continue;
    return createKubeClients(kc, context);
  }
  const selected = contexts.length ? contexts.join(', ') : 'none';
  throw new Error(`kubernetes cluster ${cluster}: no context the collector scans names it (selected contexts: ${selected}; see kubernetes.contexts)`);
}

export interface Page<T> {
  items: T[];
  metadata?: { _continue?: string | undefined } | undefined;
}

/** Runs one API call (with the caller's retry, abort and accounting). */
export type KubeRunner = <T>(call: () => Promise<T>) => Promise<T>;

/** Lists to the end: follows `continue` tokens, refuses a repeated one and a list past the page bound (paging.ts), restarts once on 410 Expired. */
export async function listAllPages<T>(run: KubeRunner, fetch: (cont: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  for (let restart = 0; ; restart++) {
    const items: T[] = [];
    const guard = pageGuard('continue token');
    let cont: string | undefined;
    try {
      do {
        const current = cont;
        const page = await run(() => fetch(current));
        items.push(...page.items);
        cont = page.metadata?._continue || undefined;
        guard.next(cont);
      } while (cont !== undefined);
      return items;
    } catch (err) {
      if (restart === 0 && describeKubeError(err).status === 410) continue;
      throw err;
    }
  }
}
