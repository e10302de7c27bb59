/**
 * Bad hoop session exports, shared by the import test (import-sessions.test.ts) and the scan's
 * `gateway.files` test (scan-session-files.test.ts): both paths read files with the same reader.
 */
import { MAX_FIELD_CHARS } from '../../src/importers/index.ts';

export const session = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
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
export const line = (n: number, extra?: Record<string, unknown>): string => JSON.stringify(session(n, extra));
export const utf8 = (...lines: string[]): Buffer => Buffer.from(lines.join('\n'), 'utf8');
export const MB10 = 10 * 1024 * 1024;

export interface Case {
  name: string;
  bytes: () => Buffer;
  /** Sessions read, in file order. */
  ids: string[];
  /** Entries dropped: where (after the file name) and why. */
  dropped: [where: string, reason: RegExp][];
  /** Warnings that lose nothing (the line kept). */
  notes?: [where: string, reason: RegExp][];
}

export const CASES: Case[] = [
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
