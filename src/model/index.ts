export * from './types.ts';
export * from './ids.ts';
export * from './plan.ts';
