/**
 * Property-based fuzzing of the gateway session file parser (src/importers/hoop-sessions.ts and the
 * byte decoding of src/importers/index.ts). Documented behaviour: importHoopSessions and
 * decodeFileText never throw, whatever the text or bytes; importFile throws only ImportFileError
 * (a file that cannot be read at all). Every dropped entry is counted and named with the file and
 * its place; valid session records round-trip (exported as JSON lines, a JSON array or the list
 * response, read, written back in the API's shape and read again: the same sessions). fast-check
 * prints the seed and the shrunk counterexample of a failure; re-run with that seed to reproduce it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { decodeFileText, importFile, ImportFileError, importHoopSessions, toApiSession } from '../../src/importers/index.ts';
import type { HoopImportResult } from '../../src/importers/index.ts';
import { jsonish as jsonishOf } from './arbitraries.ts';

const RUNS = 300;
const FILE = 'sessions.jsonl';
const dir = mkdtempSync(join(tmpdir(), 'sprawl-fuzz-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What every result must satisfy, whatever the input. */
function checkResult(r: HoopImportResult): void {
  expect(r.skipped).toBe(r.rejected.length);
  expect(r.where).toHaveLength(r.sessions.length);
  for (const w of [...r.warnings.map((x) => x.where), ...r.rejected, ...r.where]) expect(w.startsWith(FILE)).toBe(true);
  for (const w of r.warnings) expect(w.message.length).toBeLessThan(4_000);
  for (const s of r.sessions) {
    expect(typeof s.id).toBe('string');
    expect(s.id.length).toBeGreaterThan(0);
    expect(new Date(s.startAt).toISOString()).toBe(s.startAt);
  }
  // every dropped entry has a warning at its place
  for (const place of r.rejected) expect(r.warnings.some((w) => w.where === place)).toBe(true);
}

const jsonish = jsonishOf({
  leaves: [fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', '2026-01-01T00:00:00Z', 'yesterday', 'pg-prod', '\uD800', 'exec')],
  keys: ['id', 'start_date', 'connection', 'script', 'data', '__proto__', 'connection_tags'],
  maxItems: 3,
});

const FIELDS = ['id', 'start_date', 'end_date', 'connection', 'user', 'user_id', 'user_name', 'type', 'connection_subtype', 'connection_tags', 'verb', 'status', 'script', 'review', 'exit_code', 'correlation_id', 'metadata', 'identity_type'] as const;

/** A valid session record as the gateway exports it (optional fields present or not). */
const iso = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const text = fc.string({ minLength: 1, maxLength: 30 });
const validSession = fc.record(
  {
    id: fc.uuid(),
    start_date: iso,
    connection: text,
    end_date: iso,
    user: text,
    user_id: text,
    user_name: text,
    type: fc.constantFrom('database', 'application', 'custom', 'httpproxy'),
    connection_subtype: text,
    connection_tags: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_./-]{1,16}$/), fc.string({ minLength: 1, maxLength: 20 }), { maxKeys: 4 }),
    verb: fc.constantFrom('connect', 'exec'),
    status: fc.constantFrom('open', 'ready', 'done'),
    script: fc.record({ data: fc.string({ minLength: 1, maxLength: 100 }) }),
    review: fc.record({ status: fc.constantFrom('PENDING', 'APPROVED', 'REJECTED') }),
    exit_code: fc.integer({ min: -2, max: 255 }),
    correlation_id: text,
    identity_type: fc.constantFrom('user', 'machine'),
    metadata: fc.record({ federation: fc.record({ resolved_principal: text }) }),
  },
  { requiredKeys: ['id', 'start_date', 'connection'] },
);
/** Unique ids (a repeated id keeps the later entry, which is tested elsewhere). */
const validSessions = fc.uniqueArray(validSession, { selector: (s) => s.id, minLength: 1, maxLength: 8 });

describe('session file parser under fuzzing', () => {
  it('arbitrary text: never throws; every dropped entry counted and named', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: fc.constantFrom(...'{}[]":,\n\r\t 0123456789abcdeflnrstu\\'.split('')), maxLength: 200 }),
          fc.array(fc.oneof(jsonish.map((v) => JSON.stringify(v) ?? 'undefined'), fc.string({ maxLength: 30 })), { maxLength: 8 }).map((ls) => ls.join('\n')),
        ),
        (input) => {
          checkResult(importHoopSessions(input, { file: FILE }));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes: decoded without a throw (UTF-8, UTF-16, invalid bytes), then parsed without one', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 100 }).map((s) => Buffer.from(s, 'utf16le'))), (bytes) => {
        const { text, warnings } = decodeFileText(bytes, FILE);
        expect(typeof text).toBe('string');
        for (const w of warnings) expect(w.where.startsWith(FILE)).toBe(true);
        checkResult(importHoopSessions(text, { file: FILE }));
      }),
      { numRuns: RUNS },
    );
  });

  it('valid sessions among mutated ones: the valid ones are all read, each broken one named by its line', () => {
    fc.assert(
      fc.property(
        validSessions,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...FIELDS), jsonish), { maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 40 })), { maxLength: 3 }),
        (sessions, mutations, garbage) => {
          const records: Record<string, unknown>[] = sessions.map((s) => ({ ...s }));
          const mutated = new Set<number>();
          for (const [i, field, value] of mutations) {
            const n = i % records.length;
            records[n]![field] = value;
            mutated.add(n);
          }
          const lines = records.map((r) => JSON.stringify(r));
          for (const [at, junk] of garbage) lines.splice(at % (lines.length + 1), 0, junk.replace(/\n/g, ' '));
          const r = importHoopSessions(lines.join('\n'), { file: FILE });
          checkResult(r);
          // the untouched records are read, whatever the lines around them
          const read = new Set(r.sessions.map((s) => s.id));
          records.forEach((rec, i) => {
            if (!mutated.has(i)) expect(read.has(String(rec.id))).toBe(true);
          });
          // a record is read or dropped; never both, never lost without a word
          const entries = lines.filter((l) => l.trim() !== '').length;
          expect(r.sessions.length + r.skipped).toBeLessThanOrEqual(entries + records.length);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('valid records round-trip through every export shape and the API shape', () => {
    fc.assert(
      fc.property(validSessions, fc.constantFrom('jsonl', 'array', 'list', 'crlf', 'bom'), (sessions, shape) => {
        const body =
          shape === 'array'
            ? JSON.stringify(sessions, null, 2)
            : shape === 'list'
              ? JSON.stringify({ data: sessions, total: sessions.length, has_next_page: false })
              : sessions.map((s) => JSON.stringify(s)).join(shape === 'crlf' ? '\r\n' : '\n');
        const r = importHoopSessions(shape === 'bom' ? `\uFEFF${body}` : body, { file: FILE });
        expect(r.warnings.filter((w) => !/truncated/.test(w.message))).toEqual([]);
        expect(r.skipped).toBe(0);
        expect(r.sessions.map((s) => s.id)).toEqual(sessions.map((s) => s.id));
        r.sessions.forEach((s, i) => {
          const src = sessions[i]!;
          expect(s.startAt).toBe(new Date(src.start_date).toISOString());
          expect(s.connection.name).toBe(src.connection);
          if (src.exit_code !== undefined) expect(s.exitCode).toBe(src.exit_code);
          if (src.verb !== undefined) expect(s.verb).toBe(src.verb);
          if (src.metadata) expect(s.federation?.resolvedPrincipal).toBeDefined();
        });
        // written back in the API's shape (what the gateway collector reads) and read again: the same
        const again = importHoopSessions(r.sessions.map((s) => JSON.stringify(toApiSession(s))).join('\n'), { file: FILE });
        expect(again.skipped).toBe(0);
        expect(again.sessions).toEqual(r.sessions);
      }),
      { numRuns: RUNS },
    );
  });

  it('importFile on arbitrary file bytes: a result, or ImportFileError only', async () => {
    const config = configSchema.parse({});
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), validSessions.map((s) => Buffer.from(s.map((x) => JSON.stringify(x)).join('\n')))), async (bytes) => {
        const path = join(dir, `f${n++}.jsonl`);
        writeFileSync(path, bytes);
        try {
          const r = await importFile('hoop-sessions', path, { machineRules: config.aws?.machineUsers ?? ({} as never), owners: config.owners, displayName: FILE, maxBytes: 200 });
          checkResult(r);
        } catch (err) {
          expect(err).toBeInstanceOf(ImportFileError);
          expect((err as Error).message).toMatch(/over the import limit/);
        }
      }),
      { numRuns: 100 },
    );
  });
});
