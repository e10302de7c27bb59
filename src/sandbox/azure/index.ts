export { generateAzureEstate, managementGroupChain, MICROSOFT_TENANT_ID } from './estate.ts';
export type * from './estate.ts';
export { startAzureEmulator } from './server.ts';
export type { AzureApi, AzureCall, AzureCallLog, AzureEmulator, AzureEmulatorOptions, AzureFaultRule, AzureFaults } from './server.ts';
export { BUILT_IN_ROLE_IDS } from './roles.ts';
