import type { ReportModel } from './model.ts';

/** Bumped on any breaking change of the JSON report's shape. */
export const JSON_SCHEMA_VERSION = 1;

export interface JsonReport extends ReportModel {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
}

/** The report model, pretty-printed, with its schema version first. */
export function renderJson(model: ReportModel): string {
  const report: JsonReport = { schemaVersion: JSON_SCHEMA_VERSION, ...model, tool: { name: 'sprawl', version: model.tool.version } };
  return JSON.stringify(report, null, 2) + '\n';
}
