export { startAwsEmulator } from './server.ts';
export type { AwsEmulator, AwsEmulatorOptions, AwsFaults, CallLog, EmulatorCall } from './server.ts';
export { CREDENTIAL_REPORT_COLUMNS, credentialReportCsv } from './credential-report.ts';
export { AWS_MANAGED_POLICIES, awsManagedPolicy, awsManagedPolicyByArn } from './policies.ts';
