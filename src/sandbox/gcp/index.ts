export { GCP_NO_EXPIRY, countGcp, generateGcpEstate, isServiceAgentEmail } from './estate.ts';
export type {
  GcpBinding,
  GcpCondition,
  GcpEstate,
  GcpEstateOptions,
  GcpFolder,
  GcpKey,
  GcpKeyType,
  GcpOrganization,
  GcpPolicy,
  GcpProject,
  GcpServiceAccount,
  GcpServiceAccountKind,
} from './estate.ts';
export { GCP_SANDBOX_ACCESS_TOKEN, decodeUntilStable, startGcpEmulator } from './server.ts';
export type { GcpCallLog, GcpEmulator, GcpEmulatorCall, GcpEmulatorOptions, GcpFaultRule, GcpFaults } from './server.ts';
export type { GcpOperation } from './routes.ts';
