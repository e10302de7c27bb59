export * from './types.ts';
export * from './ids.ts';
export * from './plan.ts';
export * from './activity-digest.ts';
export { isReadCommand } from './commands.ts';
