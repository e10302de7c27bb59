export { generateHoopEstate, hoopConnectionMap } from './estate.ts';
export type { HoopConnectionTruth, HoopEstate, HoopPluginState, HoopStoredConnection, HoopEstateOptions, HoopIdentityInput, HoopLinkKind } from './estate.ts';
export { HOOP_SANDBOX_API_KEY, startHoopEmulator } from './server.ts';
export type { HoopCallLog, HoopEmulator, HoopEmulatorCall, HoopEmulatorOptions, HoopFaultRule, HoopFaults } from './server.ts';
export type { HoopOperation } from './routes.ts';
