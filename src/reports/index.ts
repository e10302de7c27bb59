import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderFindingsCsv, renderIdentitiesCsv } from './csv.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportModel } from './model.ts';

export type { ReportInput, ReportModel, FindingRow, IdentityRow, Summary } from './model.ts';
export { buildReportModel } from './model.ts';
export { renderHtml } from './html.ts';
export { renderJson, JSON_SCHEMA_VERSION } from './json.ts';
export { renderFindingsCsv, renderIdentitiesCsv } from './csv.ts';
export { renderMarkdown } from './markdown.ts';
export { renderReportSarif, buildReportSarif, type SarifReportInput } from './sarif.ts';
export { REPORT_SCHEMA_ID } from './json.ts';

export type ReportFormat = 'html' | 'json' | 'csv' | 'csv-identities' | 'md' | 'sarif';

export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'json', 'csv', 'csv-identities', 'md', 'sarif'];

/** Formats rendered from the report model; sarif is rendered from the scan's leaks and findings (renderReportSarif). */
export type ModelFormat = Exclude<ReportFormat, 'sarif'>;

const RENDERERS: Record<ModelFormat, (model: ReportModel) => string | Promise<string>> = {
  html: renderHtml,
  json: renderJson,
  csv: renderFindingsCsv,
  'csv-identities': renderIdentitiesCsv,
  md: renderMarkdown,
};

export async function renderReport(format: ModelFormat, model: ReportModel): Promise<string> {
  return RENDERERS[format](model);
}
