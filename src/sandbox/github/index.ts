export { REDACTED_ALERT_SECRET, SANDBOX_APP, countGithub, generateGithubEstate, sshFingerprint } from './estate.ts';
export type {
  GithubAlert,
  GithubDeployKey,
  GithubEnvironment,
  GithubEstate,
  GithubEstateOptions,
  GithubInstallation,
  GithubOrg,
  GithubPatGrant,
  GithubPatPermissions,
  GithubPatRequest,
  GithubPermissionLevel,
  GithubRepo,
  GithubSecret,
} from './estate.ts';
export { GITHUB_SANDBOX_TOKEN, startGithubEmulator } from './server.ts';
export type { GithubCallLog, GithubEmulator, GithubEmulatorCall, GithubEmulatorOptions, GithubFaultRule, GithubFaults } from './server.ts';
export type { GithubOperation } from './routes.ts';
