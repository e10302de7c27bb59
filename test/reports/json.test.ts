import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS, renderReport } from '../../src/reports/index.ts';
import { JSON_SCHEMA_VERSION, REPORT_SCHEMA_ID, renderJson } from '../../src/reports/json.ts';
import { buildReportModel } from '../../src/reports/model.ts';
import { reportInput } from '../fixtures/reports/estate.ts';

const model = buildReportModel(reportInput());

describe('renderJson', () => {
  it('round-trips the model with its schema, schema version and tool', () => {
    const parsed: unknown = JSON.parse(renderJson(model));
    expect(parsed).toEqual({ $schema: 'urn:sprawl:schema:report:1', schemaVersion: 1, ...model, tool: { name: 'sprawl', version: '0.1.0' } });
    expect(Object.keys(parsed as object).slice(0, 2)).toEqual(['$schema', 'schemaVersion']);
    expect(JSON_SCHEMA_VERSION).toBe(1);
    expect(REPORT_SCHEMA_ID).toBe(`urn:sprawl:schema:report:${JSON_SCHEMA_VERSION}`);
  });

  it('is pretty-printed and ends with a newline', () => {
    const text = renderJson(model);
    expect(text).toMatch(/^\{\n {2}"\$schema": "urn:sprawl:schema:report:1",\n {2}"schemaVersion": 1,\n/);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('carries no secret material, only public key ids', () => {
    expect(renderJson(model)).not.toMatch(/secret(Access)?Key"\s*:|BEGIN [A-Z ]*PRIVATE KEY/i);
  });
});

describe('renderReport', () => {
  it.each([
    { format: 'html' as const, check: (s: string) => s.startsWith('<!DOCTYPE html>') },
    { format: 'json' as const, check: (s: string) => (JSON.parse(s) as { schemaVersion: number }).schemaVersion === 1 },
  ])('renders $format', async ({ format, check }) => {
    expect(check(await renderReport(format, model))).toBe(true);
  });

  it('knows every format', () => {
    expect(REPORT_FORMATS).toEqual(['html', 'json', 'csv', 'csv-identities', 'md', 'sarif']);
  });
});
