import { describe, expect, it } from 'vitest';
import { parseCredentialReport, reportDate } from '../../../src/collectors/aws/credential-report.ts';
import { parseCsv } from '../../../src/collectors/aws/csv.ts';
import { matchKeySlots } from '../../../src/collectors/aws/keys.ts';
import { credentialReportCsv } from '../../../src/sandbox/aws/credential-report.ts';
import { generateEstate } from '../../../src/sandbox/estate.ts';

describe('parseCsv', () => {
  it.each([
    { name: 'plain', text: 'a,b\n1,2\n', rows: [['a', 'b'], ['1', '2']] },
    { name: 'no trailing line break', text: 'a,b\n1,2', rows: [['a', 'b'], ['1', '2']] },
    { name: 'CRLF', text: 'a,b\r\n1,2\r\n', rows: [['a', 'b'], ['1', '2']] },
    { name: 'quoted comma', text: 'a,b\n"x,y",2\n', rows: [['a', 'b'], ['x,y', '2']] },
    { name: 'doubled quotes', text: '"say ""hi""",z\n', rows: [['say "hi"', 'z']] },
    { name: 'line break inside quotes', text: '"line1\nline2",z\n', rows: [['line1\nline2', 'z']] },
    { name: 'empty fields', text: ',,\n', rows: [['', '', '']] },
    { name: 'empty quoted field', text: '"",x\n', rows: [['', 'x']] },
  ])('$name', ({ text, rows }) => {
    expect(parseCsv(text)).toEqual(rows);
  });

  it('rejects an unterminated quote', () => {
    expect(() => parseCsv('"abc\n')).toThrow(SyntaxError);
  });
});

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

describe('parseCredentialReport', () => {
  const csv = [
    HEADER,
    '<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2025-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    'ci-deployer,arn:aws:iam::111122223333:user/ci-deployer,2020-02-03T04:05:06+00:00,false,N/A,N/A,N/A,false,true,2020-02-03T04:05:07+00:00,2025-05-30T12:00:00+00:00,eu-west-1,s3,false,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A',
    'alice.smith,arn:aws:iam::111122223333:user/alice.smith,2021-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    '"odd,name",arn:aws:iam::111122223333:user/odd,2021-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  ].join('\n');
  const rows = parseCredentialReport(csv + '\n');

  it.each([
    { user: '<root_account>', passwordEnabled: undefined, passwordLastUsed: '2025-05-01T10:00:00.000Z', keys: [] },
    {
      user: 'ci-deployer',
      passwordEnabled: false,
      passwordLastUsed: undefined,
      keys: [
        { slot: 1, active: true, lastRotated: '2020-02-03T04:05:07.000Z', lastUsedAt: '2025-05-30T12:00:00.000Z', lastUsedRegion: 'eu-west-1', lastUsedService: 's3' },
        { slot: 2, active: false, lastRotated: '2021-01-01T00:00:00.000Z' },
      ],
    },
    { user: 'alice.smith', passwordEnabled: true, passwordLastUsed: undefined, keys: [] },
    { user: 'odd,name', passwordEnabled: false, passwordLastUsed: undefined, keys: [] },
  ])('$user', ({ user, passwordEnabled, passwordLastUsed, keys }) => {
    const row = rows.find((r) => r.user === user);
    expect(row).toBeDefined();
    expect(row?.passwordEnabled).toBe(passwordEnabled);
    expect(row?.passwordLastUsed).toBe(passwordLastUsed);
    expect(row?.keys).toEqual(keys);
  });

  it('reads the report the sandbox writes, one row per user plus root', () => {
    const account = generateEstate({ seed: 2, size: 50, now: '2025-06-01T00:00:00Z' }).aws.accounts[0];
    if (!account) throw new Error('no account');
    const parsed = parseCredentialReport(credentialReportCsv(account));
    expect(parsed.map((r) => r.user)).toEqual(['<root_account>', ...account.users.map((u) => u.name)]);
    for (const u of account.users) {
      const row = parsed.find((r) => r.user === u.name);
      expect(row?.passwordEnabled).toBe(u.password !== undefined);
      expect(row?.keys.map((k) => k.lastRotated)).toEqual(u.accessKeys.map((k) => new Date(k.createdAt).toISOString()));
    }
  });

  it.each([
    ['2024-01-02T03:04:05+00:00', '2024-01-02T03:04:05.000Z'],
    ['N/A', undefined],
    ['no_information', undefined],
    ['not_supported', undefined],
    ['garbage', undefined],
  ])('reportDate(%s)', (input, expected) => {
    expect(reportDate(input)).toBe(expected);
  });
});

describe('matchKeySlots', () => {
  const slot = (n: 1 | 2, lastRotated: string) => ({ slot: n, active: true, lastRotated });
  it.each([
    { name: 'one key, one slot', keys: [{ id: 'K1', createdAt: '2024-01-01T00:00:00.000Z' }], slots: [slot(1, '2024-01-01T00:00:00.000Z')], matched: ['K1'], unmatched: [] },
    {
      name: 'two keys in order',
      keys: [
        { id: 'K1', createdAt: '2024-01-01T00:00:00.000Z' },
        { id: 'K2', createdAt: '2024-03-01T00:00:00.000Z' },
      ],
      slots: [slot(1, '2024-01-01T00:00:00.000Z'), slot(2, '2024-03-01T00:00:00.000Z')],
      matched: ['K1', 'K2'],
      unmatched: [],
    },
    { name: 'sub-second CreateDate', keys: [{ id: 'K1', createdAt: '2024-01-01T00:00:00.900Z' }], slots: [slot(1, '2024-01-01T00:00:00.000Z')], matched: ['K1'], unmatched: [] },
    {
      name: 'twins created in the same second',
      keys: [
        { id: 'K1', createdAt: '2024-01-01T00:00:00.000Z' },
        { id: 'K2', createdAt: '2024-01-01T00:00:00.000Z' },
      ],
      slots: [slot(1, '2024-01-01T00:00:00.000Z'), slot(2, '2024-01-01T00:00:00.000Z')],
      matched: [],
      unmatched: ['K1', 'K2'],
    },
    { name: 'rotated since the report', keys: [{ id: 'K9', createdAt: '2025-01-01T00:00:00.000Z' }], slots: [slot(1, '2024-01-01T00:00:00.000Z')], matched: [], unmatched: ['K9'] },
    { name: 'not in the report', keys: [{ id: 'K1', createdAt: '2024-01-01T00:00:00.000Z' }], slots: [], matched: [], unmatched: ['K1'] },
  ])('$name', ({ keys, slots, matched, unmatched }) => {
    const r = matchKeySlots(keys, slots);
    expect([...r.matched.keys()]).toEqual(matched);
    expect(r.unmatched).toEqual(unmatched);
  });
});
