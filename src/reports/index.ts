import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import type { ReportModel } from './model.ts';

export type { ReportInput, ReportModel, FindingRow, IdentityRow, Summary } from './model.ts';
export { buildReportModel } from './model.ts';
export { renderHtml } from './html.ts';
export { renderJson, JSON_SCHEMA_VERSION } from './json.ts';

export type ReportFormat = 'html' | 'json';

export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'json'];

const RENDERERS: Record<ReportFormat, (model: ReportModel) => string> = { html: renderHtml, json: renderJson };

export function renderReport(format: ReportFormat, model: ReportModel): string {
  return RENDERERS[format](model);
}
