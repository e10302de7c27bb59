/**
 * Bad input to `sprawl import hoop-sessions`: malformed JSON lines, wrong field types, a 10 MB
 * field, unknown fields, UTF-16 / Latin-1 / invalid UTF-8 bytes, BOM, CRLF, blank lines, a
 * truncated last line. Each case writes the bytes to a file and checks that the good sessions are
 * read, every dropped entry is reported with file:line (or JSON path) and the reason, and the scan is
 * partial (exit 3) exactly when entries were dropped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { importFile, MAX_FIELD_CHARS } from '../../src/importers/index.ts';
import { importSessions } from '../../src/pipeline/import.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { runCli } from '../helpers/cli.ts';

const session = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: `s-${n}`,
  start_date: `2026-01-0${n}T10:00:00Z`,
  end_date: `2026-01-0${n}T10:05:00Z`,
  connection: 'pg-prod',
  type: 'database',
  user: 'etl-bot',
  verb: 'exec',
  status: 'done',
  ...extra,
});
const line = (n: number, extra?: Record<string, unknown>): string => JSON.stringify(session(n, extra));
const utf8 = (...lines: string[]): Buffer => Buffer.from(lines.join('\n'), 'utf8');
const MB10 = 10 * 1024 * 1024;

interface Case {
  name: string;
  bytes: () => Buffer;
  /** Sessions read, in file order. */
  ids: string[];
  /** Entries dropped: where (after the file name) and why. */
  dropped: [where: string, reason: RegExp][];
  /** Warnings that lose nothing (the line kept). */
  notes?: [where: string, reason: RegExp][];
}

const CASES: Case[] = [
  { name: 'a clean JSON lines file', bytes: () => utf8(line(1), line(2), line(3)), ids: ['s-1', 's-2', 's-3'], dropped: [] },
  { name: 'a malformed JSON line', bytes: () => utf8(line(1), '{"id": "s-x", "start_date": ', line(2), line(3)), ids: ['s-1', 's-2', 's-3'], dropped: [['line 2', /not valid JSON/]] },
  { name: 'a line that is not an object', bytes: () => utf8(line(1), '"a session"', line(2), line(3)), ids: ['s-1', 's-2', 's-3'], dropped: [['line 2', /not a session object/]] },
  {
    name: 'required fields of the wrong type',
    bytes: () => utf8(line(1), JSON.stringify({ ...session(4), id: 42 }), JSON.stringify({ ...session(5), connection: ['pg'] }), JSON.stringify({ ...session(6), start_date: 1767261600 }), line(2), line(3)),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [
      ['line 2', /id is a number, not a string/],
      ['line 3', /connection is an array, not a string/],
      ['line 4', /start_date 1767261600 is not an RFC 3339 time/],
    ],
  },
  {
    name: 'optional fields of the wrong type (left out, the session kept)',
    bytes: () => utf8(line(1, { user_name: { first: 'a' }, exit_code: 'zero', connection_tags: 'env=prod', review: 7 }), line(2), line(3)),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [],
    notes: [['line 1', /user_name is an object, connection_tags is a string, review is a number, exit_code is a string, not an integer: left out/]],
  },
  { name: 'a session without a connection', bytes: () => utf8(line(1), JSON.stringify({ id: 's-9', start_date: '2026-01-09T00:00:00Z' }), line(2), line(3)), ids: ['s-1', 's-9', 's-2', 's-3'], dropped: [['line 2', /no connection name: skipped/]] },
  {
    name: 'a 10 MB field',
    bytes: () => utf8(line(1, { user_name: 'n'.repeat(MB10) }), line(2, { script: { data: 'q'.repeat(MB10) } }), line(3, { huge_unknown: 'u'.repeat(MB10) })),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [],
    notes: [['line 1', new RegExp(`longer than ${MAX_FIELD_CHARS} characters were truncated`)]],
  },
  { name: 'unknown fields', bytes: () => utf8(line(1, { future_field: { nested: [1, { deep: null }] }, 'odd key \u0000': true }), line(2), line(3)), ids: ['s-1', 's-2', 's-3'], dropped: [] },
  { name: 'a UTF-8 BOM', bytes: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(line(1), line(2), line(3))]), ids: ['s-1', 's-2', 's-3'], dropped: [] },
  { name: 'UTF-16LE with a BOM', bytes: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([line(1), line(2), line(3)].join('\r\n'), 'utf16le')]), ids: ['s-1', 's-2', 's-3'], dropped: [] },
  {
    name: 'UTF-16LE without a BOM',
    bytes: () => Buffer.from([line(1), '{broken', line(2), line(3)].join('\n'), 'utf16le'),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [['line 2', /not valid JSON/]],
    notes: [['', /no byte order mark, but the file is UTF-16LE/]],
  },
  {
    name: 'UTF-16BE with a BOM',
    bytes: () => {
      const le = Buffer.from(`\uFEFF${[line(1), line(2), line(3)].join('\n')}`, 'utf16le');
      return Buffer.from(le.map((_, i) => le[i ^ 1]!));
    },
    ids: ['s-1', 's-2', 's-3'],
    dropped: [],
  },
  {
    name: 'Latin-1 bytes',
    bytes: () => Buffer.concat([utf8(line(1), ''), Buffer.from(`${line(2, { user_name: 'José Müller' })}\n`, 'latin1'), utf8(line(3))]),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [],
    notes: [['line 2', /not valid UTF-8.*replaced by U\+FFFD, the line kept/]],
  },
  {
    name: 'invalid UTF-8 bytes on two lines, one of them also broken JSON',
    bytes: () => Buffer.concat([utf8(line(1), ''), Buffer.from([0x7b, 0xc3, 0x28, 0x0a]), Buffer.from(line(2).replace('etl-bot', 'etl\udc80bot'), 'utf8'), Buffer.from([0x0a]), Buffer.from(line(3).replace('"done"', '"d\xff"'), 'latin1')]),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [['line 2', /not valid JSON/]],
    notes: [
      ['line 2', /not valid UTF-8/],
      ['line 4', /not valid UTF-8/],
    ],
  },
  { name: 'CRLF line ends', bytes: () => utf8(`${line(1)}\r`, '{"id":\r', `${line(2)}\r`, `${line(3)}\r`), ids: ['s-1', 's-2', 's-3'], dropped: [['line 2', /not valid JSON/]] },
  { name: 'blank lines', bytes: () => utf8('', line(1), '   ', '', line(2), '\t', 'nope', line(3), '', ''), ids: ['s-1', 's-2', 's-3'], dropped: [['line 7', /not valid JSON/]] },
  { name: 'a truncated last line', bytes: () => utf8(line(1), line(2), line(3), line(4).slice(0, 40)), ids: ['s-1', 's-2', 's-3'], dropped: [['line 4', /not valid JSON/]] },
  {
    name: 'a JSON array with bad items',
    bytes: () => Buffer.from(JSON.stringify([session(1), 42, session(2), { ...session(5), id: null }, session(3)], null, 2)),
    ids: ['s-1', 's-2', 's-3'],
    dropped: [
      ['$[1]', /not a session object/],
      ['$[3]', /without an id/],
    ],
  },
  { name: 'binary garbage', bytes: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => [0, 1, 2, 0xff, 0xfe, 0x80, 0x41, 0x7f][i % 8]!)), ids: [], dropped: [['line 1', /not valid JSON/]] },
];

let dir: string;
const config = configSchema.parse({});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-import-bad-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('sprawl import hoop-sessions: bad input', () => {
  it.each(CASES)('$name: good sessions read, bad entries reported with their place, partial only when some were dropped', async (c) => {
    const file = join(dir, `${c.name.replace(/\W+/g, '-')}.jsonl`);
    writeFileSync(file, c.bytes());
    const started = performance.now();
    const parsed = await importFile('hoop-sessions', file, { machineRules: config.aws?.machineUsers ?? ({} as never), owners: config.owners });
    expect(parsed.sessions.map((s) => s.id)).toEqual(c.ids);

    // a store of its own: a later import inherits the latest scan's sources
    const store: Store = await openStore(`${file}.db`);
    const result = await importSessions({ store, config, file, gatewayName: 'gw', log: silentLogger }).finally(() => store.close());
    const shown = result.warnings.map((w) => `${w.where}: ${w.message}`);
    for (const [where, reason] of [...c.dropped, ...(c.notes ?? [])]) {
      const place = where === '' ? file : `${file}:${where}`;
      expect(
        result.warnings.some((w) => w.where === place && reason.test(w.message)),
        `${place} ${String(reason)} in\n${shown.join('\n')}`,
      ).toBe(true);
    }
    expect(result.counts['skipped']).toBe(c.dropped.length);
    expect(result.counts['read']).toBe(c.ids.length);
    expect(result.scan.status).toBe(c.dropped.length > 0 ? 'partial' : 'complete');
    const rejected = result.scan.sources.find((s) => s.source.endsWith('#rejected'));
    if (c.dropped.length === 0) expect(rejected).toBeUndefined();
    else {
      expect(rejected).toMatchObject({ status: 'failed' });
      for (const [where] of c.dropped) expect(rejected?.error).toContain(`${file}:${where}`);
    }
    // the collector's source is named after the user's file, never the private clean copy
    expect(result.scan.sources.filter((s) => s.source.startsWith('gateway:gw:file:')).map((s) => s.source)).toEqual([`gateway:gw:file:${file}`]);
    // nothing in the warnings is megabytes long
    for (const w of shown) expect(w.length).toBeLessThan(2_000);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it.each([
    { name: 'a clean UTF-16 export', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([line(1), line(2)].join('\r\n'), 'utf16le')]), code: 0, stderr: /^(?![\s\S]*line \d+: skipped)/ },
    { name: 'an export with a truncated last line', bytes: utf8(line(1), line(2), line(3).slice(0, 30)), code: 3, stderr: /bad\.jsonl:line 3: skipped: not valid JSON/ },
  ])('the CLI exits $code on $name', async ({ bytes, code, stderr }) => {
    const cwd = mkdtempSync(join(dir, 'cli-'));
    writeFileSync(join(cwd, 'bad.jsonl'), bytes);
    const r = await runCli(['import', 'hoop-sessions', 'bad.jsonl', '--json', '--db', 'i.db'], { cwd });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(stderr);
    expect((JSON.parse(r.stdout) as { status: string }).status).toBe(code === 0 ? 'complete' : 'partial');
  });
});
