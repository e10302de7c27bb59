export { LEGACY_TOKEN_LAST_USED_LABEL, SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION, countK8s, fakeLegacyToken, generateK8sEstate } from './estate.ts';
export type {
  K8sBinding,
  K8sCluster,
  K8sClusterRole,
  K8sEstate,
  K8sEstateOptions,
  K8sMeta,
  K8sNamespace,
  K8sPod,
  K8sPodPhase,
  K8sPolicyRule,
  K8sRole,
  K8sSecret,
  K8sServiceAccount,
  K8sSubject,
} from './estate.ts';
export { k8sKubeconfig, parseFieldSelector, parseK8sPath, startK8sEmulator } from './server.ts';
export type { K8sCallLog, K8sEmulator, K8sEmulatorCall, K8sEmulatorCluster, K8sEmulatorOptions, K8sFaultRule, K8sFaults, K8sResource } from './server.ts';
export { DEFAULT_TOKEN_AUDIENCE } from './writes.ts';
export type { K8sIssuedToken, K8sObjectRoute } from './writes.ts';
