import type { ReportModel } from './model.ts';

/** Bumped on any breaking change of the JSON report's shape (and `schemas/report.schema.json` with it). */
export const JSON_SCHEMA_VERSION = 1;

/** The `$id` of the JSON Schema the report follows: `schemas/report.schema.json` in the repository and the package. */
export const REPORT_SCHEMA_ID = `urn:sprawl:schema:report:${JSON_SCHEMA_VERSION}`;

export interface JsonReport extends ReportModel {
  $schema: typeof REPORT_SCHEMA_ID;
  schemaVersion: typeof JSON_SCHEMA_VERSION;
}

/** The report model, pretty-printed, with its schema and schema version first. */
export function renderJson(model: ReportModel): string {
  const report: JsonReport = { $schema: REPORT_SCHEMA_ID, schemaVersion: JSON_SCHEMA_VERSION, ...model, tool: { name: 'sprawl', version: model.tool.version } };
  return JSON.stringify(report, null, 2) + '\n';
}
