import type { Rule } from '../types.ts';
import { k8sAutomountUnusedApiRule } from './k8s-automount-unused-api.ts';
import { k8sClusterAdminRule } from './k8s-cluster-admin.ts';
import { k8sDefaultSaBoundRule } from './k8s-default-sa-bound.ts';
import { k8sLegacyTokenRule } from './k8s-legacy-token.ts';
import { k8sSaUnusedRule } from './k8s-sa-unused.ts';
import { k8sSecretsReadClusterRule } from './k8s-secrets-read-cluster.ts';

/** The Kubernetes-specific rules, in a fixed order (provider-neutral rules also run on Kubernetes data). */
export const K8S_RULES: readonly Rule[] = [k8sClusterAdminRule, k8sSecretsReadClusterRule, k8sLegacyTokenRule, k8sAutomountUnusedApiRule, k8sDefaultSaBoundRule, k8sSaUnusedRule];

export { k8sAutomountUnusedApiRule, k8sClusterAdminRule, k8sDefaultSaBoundRule, k8sLegacyTokenRule, k8sSaUnusedRule, k8sSecretsReadClusterRule };
