/**
 * The JSON report against its published schema (schemas/report.schema.json), with a real validator:
 * a report of a real scan (the sandbox estate and a repository with committed keys) and the fixture
 * estate must validate; mutated documents must not. The schema and the TypeScript model agree: the
 * schema closes every object (so a field the model gains and the schema lacks fails here) and its
 * enums are the model's own constants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../src/model/index.ts';
import { loadReportModel } from '../../src/pipeline/report.ts';
import { PRIVILEGE_RANK, PROVIDER_LABEL, SCAN_STATUS_LABEL, STATUS_LABEL, VERDICT_ORDER } from '../../src/reports/format.ts';
import { JSON_SCHEMA_VERSION, REPORT_SCHEMA_ID, renderJson } from '../../src/reports/json.ts';
import { buildReportModel } from '../../src/reports/model.ts';
import { estateInventory, reportInput, scanInfo } from '../fixtures/reports/estate.ts';
import { SANDBOX_NOW, sandboxScan, type SandboxScan } from '../fixtures/reports/sandbox-scan.ts';
import { REPORT_SCHEMA_URL, describeErrors, readSchema, reportValidator } from '../fixtures/reports/validators.ts';

type Json = Record<string, unknown>;

const validate = reportValidator();
const schema = readSchema(REPORT_SCHEMA_URL);

let scan: SandboxScan;
let sandboxJson: Json;

beforeAll(async () => {
  scan = await sandboxScan();
  sandboxJson = JSON.parse(renderJson(await loadReportModel(scan.store, { scanId: scan.scanId, now: SANDBOX_NOW }))) as Json;
}, 120_000);

afterAll(async () => {
  await scan?.close();
});

function fixtureJson(): Json {
  return JSON.parse(renderJson(buildReportModel(reportInput()))) as Json;
}

function check(doc: unknown): { valid: boolean; errors: string } {
  const valid = validate(doc);
  return { valid, errors: describeErrors(validate.errors) };
}

function first(doc: Json, key: string): Json {
  const list = doc[key] as Json[];
  expect(list.length).toBeGreaterThan(0);
  return list[0] as Json;
}

describe('the JSON report validates against schemas/report.schema.json', () => {
  it.each([
    { name: 'a sandbox scan with a repository (second scan: new, open and resolved findings)', doc: () => sandboxJson },
    { name: 'the fixture estate (partial scan, failed source, previous scan)', doc: fixtureJson },
    {
      name: 'an empty complete scan (nulls where values are absent)',
      doc: () =>
        JSON.parse(
          renderJson(
            buildReportModel({
              ...reportInput({
                inventory: { ...estateInventory(), identities: [], credentials: [], grants: [], activities: [] },
                scan: scanInfo({ status: 'complete', sources: [], finishedAt: undefined }),
              }),
              findings: [],
              resolved: [],
              verdicts: [],
              previousScan: undefined,
            }),
          ),
        ) as Json,
    },
  ])('$name', ({ doc }) => {
    const result = check(doc());
    expect(result.errors).toBe('');
    expect(result.valid).toBe(true);
  });

  it('the sandbox report is not trivially valid: it has identities, findings with evidence and leaks', () => {
    expect((sandboxJson.identities as unknown[]).length).toBeGreaterThan(10);
    expect((sandboxJson.findings as Json[]).some((f) => (f.evidence as unknown[]).length > 0)).toBe(true);
    expect((sandboxJson.findings as Json[]).some((f) => f.ruleId === 'credential.leaked')).toBe(true);
    expect(sandboxJson.previousScan).not.toBeNull();
    expect((sandboxJson.leaks as unknown[]).length).toBeGreaterThan(0);
    expect((sandboxJson.compliance as unknown[]).length).toBeGreaterThan(0);
  });

  it('carries $schema and schemaVersion first', () => {
    expect(Object.keys(sandboxJson).slice(0, 2)).toEqual(['$schema', 'schemaVersion']);
    expect(sandboxJson.$schema).toBe(REPORT_SCHEMA_ID);
    expect(sandboxJson.schemaVersion).toBe(JSON_SCHEMA_VERSION);
  });
});

describe('a mutated report is rejected', () => {
  const mutations: { name: string; mutate: (doc: Json) => void; error: RegExp }[] = [
    { name: 'an unknown top-level field', mutate: (d) => (d.extra = true), error: /additional properties/ },
    { name: 'a missing required field', mutate: (d) => delete d.findings, error: /required property 'findings'/ },
    { name: 'another schema version', mutate: (d) => (d.schemaVersion = JSON_SCHEMA_VERSION + 1), error: /constant/ },
    { name: 'another $schema', mutate: (d) => (d.$schema = 'urn:sprawl:schema:report:0'), error: /constant/ },
    { name: 'an unknown severity', mutate: (d) => (first(d, 'findings').severity = 'severe'), error: /\/findings\/0\/severity must be equal to one of the allowed values/ },
    { name: 'an unknown finding status', mutate: (d) => (first(d, 'findings').status = 'fixed'), error: /\/findings\/0\/status/ },
    { name: 'an unknown verdict', mutate: (d) => (first(d, 'identities').verdict = 'delete'), error: /\/identities\/0\/verdict/ },
    { name: 'an unknown provider', mutate: (d) => (first(d, 'identities').provider = 'oracle'), error: /\/identities\/0\/provider/ },
    { name: 'an unknown scan status', mutate: (d) => ((d.scan as Json).status = 'done'), error: /\/scan\/status/ },
    { name: 'a field the model does not have, deep in a row', mutate: (d) => (first(d, 'identities').secretAccessKey = 'x'), error: /\/identities\/0 must NOT have additional properties/ },
    { name: 'a secret added to a leak row', mutate: (d) => (first(d, 'leaks').secret = 'x'), error: /\/leaks\/0 must NOT have additional properties/ },
    { name: 'a negative count', mutate: (d) => (((d.summary as Json).credentials as Json).total = -1), error: /\/summary\/credentials\/total must be >= 0/ },
    { name: 'a time that is not a date-time', mutate: (d) => (d.generatedAt = 'yesterday'), error: /\/generatedAt must match format "date-time"/ },
    { name: 'a number where the model has a string', mutate: (d) => (first(d, 'findings').message = 42), error: /\/findings\/0\/message must be string/ },
    { name: 'another tool', mutate: (d) => ((d.tool as Json).name = 'other'), error: /\/tool\/name/ },
    { name: 'a missing severity in the summary', mutate: (d) => ((d.summary as Json).findings as Json).bySeverity = [], error: /bySeverity must NOT have fewer than 5 items/ },
  ];

  it.each(mutations)('$name', ({ mutate, error }) => {
    const doc = structuredClone(sandboxJson);
    expect(check(doc).valid).toBe(true);
    mutate(doc);
    const result = check(doc);
    expect(result.valid).toBe(false);
    expect(result.errors).toMatch(error);
  });
});

describe('the schema agrees with the model', () => {
  const defs = schema.$defs as Record<string, { enum?: unknown[] }>;

  it.each([
    { def: 'severity', values: [...SEVERITIES] },
    { def: 'findingStatus', values: Object.keys(STATUS_LABEL) },
    { def: 'scanStatus', values: Object.keys(SCAN_STATUS_LABEL) },
    { def: 'provider', values: Object.keys(PROVIDER_LABEL) },
    { def: 'verdict', values: [...VERDICT_ORDER] },
    { def: 'privilege', values: Object.keys(PRIVILEGE_RANK) },
  ])('enum $def is the model’s', ({ def, values }) => {
    expect([...(defs[def]?.enum ?? [])].sort()).toEqual([...values].sort());
  });

  it('names its version: $id, the $schema and schemaVersion constants', () => {
    expect(schema.$id).toBe(REPORT_SCHEMA_ID);
    const props = schema.properties as Record<string, { const?: unknown }>;
    expect(props.$schema?.const).toBe(REPORT_SCHEMA_ID);
    expect(props.schemaVersion?.const).toBe(JSON_SCHEMA_VERSION);
  });

  it('closes every object it describes (additionalProperties false), so new model fields must be added to it', () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (node === null || typeof node !== 'object') return;
      const obj = node as Json;
      // a node with a $ref narrows a closed definition (a failed source row, a provider count)
      if (obj.properties !== undefined && obj.additionalProperties !== false && obj.$ref === undefined) open.push(path || '/');
      for (const [k, v] of Object.entries(obj)) walk(v, `${path}/${k}`);
    };
    walk(schema, '');
    expect(open).toEqual([]);
  });

  it('requires every field the model always writes (absent values are null, never missing)', () => {
    const walk = (doc: unknown, node: Json, path: string): void => {
      if (node.$ref !== undefined) return walk(doc, (schema.$defs as Record<string, Json>)[(node.$ref as string).replace('#/$defs/', '')] ?? {}, path);
      if (Array.isArray(doc)) {
        if (node.items && doc.length > 0) walk(doc[0], node.items as Json, `${path}/0`);
        return;
      }
      if (doc === null || typeof doc !== 'object' || node.properties === undefined) return;
      expect(new Set(node.required as string[]), path).toEqual(new Set(Object.keys(doc)));
      for (const [k, v] of Object.entries(doc)) walk(v, (node.properties as Record<string, Json>)[k] ?? {}, `${path}/${k}`);
    };
    walk(sandboxJson, schema, '');
  });
});
