export * from './types.ts';
export * from './ids.ts';
