export * from './db.ts';
export * from './scans.ts';
export * from './inventory.ts';
export * from './findings.ts';
export type { Database } from './schema.ts';
export * from './leaks.ts';
export * from './journal.ts';
export * from './runs.ts';
