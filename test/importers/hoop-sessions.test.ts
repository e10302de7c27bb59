import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFileText, importHoopSessions, MAX_COMMAND_BYTES } from '../../src/importers/index.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url), 'utf8');
const IDS = ['1cbc8db5-fbf8-4293-8e35-59a6eea40207', '2d4f0a61-3b2c-4c8e-9f1a-6b7c8d9e0f10', '3e5a1b72-4c3d-4d9f-8a2b-7c8d9e0f1a21'];

describe('importHoopSessions', () => {
  it.each([
    { name: 'JSON array', text: () => fixture('hoop-sessions.json'), skipped: 0 },
    { name: 'JSON lines with one malformed line', text: () => fixture('hoop-sessions.jsonl'), skipped: 1 },
    { name: 'the list response', text: () => JSON.stringify({ data: JSON.parse(fixture('hoop-sessions.json')) as unknown, total: 3, has_next_page: false }), skipped: 0 },
  ])('reads the $name', ({ text, skipped }) => {
    const r = importHoopSessions(text(), { file: 's.json' });
    expect(r.sessions.map((s) => s.id)).toEqual(IDS);
    expect(r.skipped).toBe(skipped);
  });

  it('reports the malformed line by number and keeps the rest', () => {
    const r = importHoopSessions(fixture('hoop-sessions.jsonl'), { file: 's.jsonl' });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.where).toBe('s.jsonl:line 3');
  });

  it('normalizes the fields', () => {
    const [etl, cli] = importHoopSessions(fixture('hoop-sessions.json'), { file: 's.json' }).sessions;
    expect(etl).toEqual({
      id: IDS[0],
      user: { id: 'bf997324-5a27-4778-806a-41ee83598494', email: 'etl-bot', name: 'etl-bot', identityType: 'machine', machineIdentityId: '7d1e1b44-5c6f-4d4e-9a3a-0e8f5b1c2d3e' },
      connection: { name: 'pg-prod-etl', type: 'database', subtype: 'postgres', tags: { cloud_principal: 'arn:aws:iam::123456789012:user/ci-deployer', environment: 'prod' } },
      verb: 'exec',
      status: 'done',
      startAt: '2026-01-01T10:00:00.000Z',
      endAt: '2026-01-01T10:00:00.300Z',
      exitCode: 0,
      correlationId: 'task-12345',
    });
    expect(cli).toMatchObject({ command: 'aws s3 ls s3://example-artifacts', review: { status: 'APPROVED' }, user: { email: 'alice.smith@example.com', identityType: 'user' } });
    expect(cli?.exitCode).toBeUndefined();
  });

  it.each([
    { name: 'no id', entry: { start_date: '2026-01-01T00:00:00Z' }, message: /without an id/ },
    { name: 'bad start date', entry: { id: 'a', start_date: 'yesterday' }, message: /start_date "yesterday" is not an RFC 3339 time/ },
    { name: 'not an object', entry: 42, message: /not a session object/ },
  ])('skips an entry with $name, naming its JSON path', ({ entry, message }) => {
    const r = importHoopSessions(JSON.stringify([{ id: 'ok', start_date: '2026-01-01T00:00:00Z', extra_field: { nested: true } }, entry]), { file: 'a.json' });
    expect(r.sessions.map((s) => s.id)).toEqual(['ok']);
    expect(r.warnings).toEqual([{ where: 'a.json:$[1]', message: expect.stringMatching(message) as unknown }]);
    expect(r.skipped).toBe(1);
  });

  it('truncates the command to 4 KB of UTF-8 without splitting characters, and long fields', () => {
    const r = importHoopSessions(JSON.stringify([{ id: 'big', start_date: '2026-01-01T00:00:00Z', script: { data: 'é'.repeat(5000) }, user_name: 'x'.repeat(5000) }]), { file: 'b.json' });
    const s = r.sessions[0];
    expect(Buffer.byteLength(s?.command ?? '', 'utf8')).toBeLessThanOrEqual(MAX_COMMAND_BYTES);
    expect(s?.command).toBe('é'.repeat(MAX_COMMAND_BYTES / 2));
    expect(s?.commandTruncated).toBe(true);
    expect(s?.user.name).toHaveLength(1024);
    expect(r.warnings[0]?.message).toMatch(/truncated/);
  });

  it('replaces invalid UTF-8 and lone surrogates', () => {
    const bytes = Buffer.concat([Buffer.from('{"id":"a","start_date":"2026-01-01T00:00:00Z","user_name":"b'), Buffer.from([0xff, 0xfe]), Buffer.from('ob"}\n{"id":"b","start_date":"2026-01-01T00:00:00Z","user_name":"\\ud800x"}\n')]);
    const { text, warnings } = decodeFileText(bytes, 'c.jsonl');
    expect(warnings).toEqual([{ where: 'c.jsonl:line 1', message: expect.stringMatching(/not valid UTF-8/) as unknown }]);
    const r = importHoopSessions(text, { file: 'c.jsonl' });
    expect(r.sessions.map((s) => s.user.name)).toEqual(['b\uFFFD\uFFFDob', '\uFFFDx']);
  });

  it('keeps the later of two entries with the same id', () => {
    const r = importHoopSessions([{ id: 'a', start_date: '2026-01-01T00:00:00Z', status: 'open' }, { id: 'a', start_date: '2026-01-01T00:00:00Z', status: 'done' }].map((x) => JSON.stringify(x)).join('\n'), { file: 'd.jsonl' });
    expect(r.sessions).toMatchObject([{ id: 'a', status: 'done' }]);
    expect(r.warnings[0]).toMatchObject({ where: 'd.jsonl:line 2' });
  });
});
