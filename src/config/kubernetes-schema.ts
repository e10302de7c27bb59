import { z } from 'zod';

/**
 * The `kubernetes:` section of the config file.
 *
 * Credentials come from the kubeconfig (token, client certificate, exec plugins, OIDC: whatever
 * @kubernetes/client-node supports); they are never copied into the config or the store.
 *
 * Permissions the scanner needs, cluster-wide (a ClusterRole bound with a ClusterRoleBinding):
 * `list` on serviceaccounts, secrets (only token secrets are requested, by field selector, and
 * their `data` is never read or kept), pods and namespaces (core), and on roles, rolebindings,
 * clusterroles and clusterrolebindings (rbac.authorization.k8s.io).
 */

/** A namespace name, or a pattern with `*` wildcards (`*-system`). */
const namespacePattern = z.string().regex(/^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/, 'a namespace name or a pattern with * (e.g. *-system)');

export const kubernetesSchema = z.strictObject({
  /** Path of the kubeconfig. Default: the KUBECONFIG environment variable, else ~/.kube/config (or in-cluster). */
  kubeconfig: z.string().min(1).optional(),
  /** Contexts to scan, by name. Empty: the current context only. `['*']`: every context (one per cluster). */
  contexts: z.array(z.string().min(1)).default([]),
  /** Concurrent API calls per cluster. */
  concurrency: z.int().min(1).max(32).default(4),
  /** `limit` of list calls (the API server pages with `continue` tokens). */
  pageSize: z.int().min(1).max(5000).default(500),
  /** Retries of a call on throttling (429, honouring Retry-After), 5xx and network errors, with exponential backoff. */
  maxRetries: z.int().min(0).max(10).default(5),
  /** Timeout of one API request, in milliseconds. */
  requestTimeoutMs: z.int().min(1000).max(300_000).default(30_000),
  /**
   * Namespaces whose service accounts are platform-managed (reported with `managed: true`, skipped
   * by the rules and never revoked). Entries may use `*`. The default is Kubernetes' own
   * namespaces; add operator namespaces (`*-system`: gatekeeper-system, cert-manager...) when
   * their accounts are managed by the platform team rather than revocable.
   */
  systemNamespaces: z.array(namespacePattern).default(['kube-system', 'kube-public', 'kube-node-lease']),
});

export type KubernetesConfig = z.infer<typeof kubernetesSchema>;

/** Whether a namespace matches one of the `systemNamespaces` entries (`*` matches any run of characters). */
export function isSystemNamespace(namespace: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.includes('*') ? new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`).test(namespace) : p === namespace));
}
