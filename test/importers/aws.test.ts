import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCredentialReport } from '../../src/collectors/aws/credential-report.ts';
import { analyzePolicy } from '../../src/collectors/aws/policy.ts';
import { buildIdentity, roleReason } from '../../src/collectors/aws/records.ts';
import { configSchema } from '../../src/config/schema.ts';
import { importAwsAuthorizationDetails, importAwsCredentialReport, importFile, readCredentialReport } from '../../src/importers/index.ts';
import type { ImportResult } from '../../src/importers/index.ts';
import { createWarningSink } from '../../src/importers/types.ts';
import type { Credential, Grant, Identity } from '../../src/model/index.ts';

const DIR = new URL('../fixtures/importers/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, DIR), 'utf8');
const cfg = configSchema.parse({ aws: {} });
if (!cfg.aws) throw new Error('no aws config');
const base = { machineRules: cfg.aws.machineUsers, owners: cfg.owners };
const ACCT = '123456789012';

const identities = (r: ImportResult): Identity[] => r.records.flatMap((x) => (x.type === 'identity' ? [x.record] : []));
const credentials = (r: ImportResult): Credential[] => r.records.flatMap((x) => (x.type === 'credential' ? [x.record] : []));
const grants = (r: ImportResult, id: string): Grant[] => r.records.flatMap((x) => (x.type === 'grant' && x.record.identityId === id ? [x.record] : []));
const reportRows = readCredentialReport(fixture('credential-report.csv'), 'credential-report.csv', createWarningSink()).rows;

describe('importAwsAuthorizationDetails', () => {
  const plain = importAwsAuthorizationDetails(fixture('authorization-details.json'), { file: 'gaad.json', ...base });
  const withReport = importAwsAuthorizationDetails(fixture('authorization-details.json'), { file: 'gaad.json', ...base, credentialReport: reportRows });

  it.each([
    { name: 'without a credential report', r: plain, ids: ['user/ci-deployer', 'role/app-lambda-role', 'role/batch-ec2-role', 'role/AWSServiceRoleForSupport'] },
    { name: 'with a credential report', r: withReport, ids: ['user/ci-deployer', 'user/reporting', 'role/app-lambda-role', 'role/batch-ec2-role', 'role/AWSServiceRoleForSupport', 'root'] },
  ])('identities $name: people and SSO roles left out', ({ r, ids }) => {
    expect(identities(r).map((i) => i.id)).toEqual(ids.map((p) => `aws:${ACCT}:${p}`));
    expect(r.sources).toEqual([{ source: 'import:aws-authorization-details:gaad.json', status: 'ok', items: r.records.length }]);
    expect(r.partial).toBe(false);
  });

  it('builds identities exactly as the live collector builders do', () => {
    const got = identities(plain);
    const gaad = JSON.parse(fixture('authorization-details.json')) as { RoleDetailList: { RoleName: string; Path: string; AssumeRolePolicyDocument: unknown }[] };
    const lambda = gaad.RoleDetailList[0];
    if (!lambda) throw new Error('fixture');
    expect(got.find((i) => i.name === 'app-lambda-role')).toEqual(
      buildIdentity({
        accountId: ACCT,
        kind: 'role',
        name: 'app-lambda-role',
        arn: `arn:aws:iam::${ACCT}:role/app-lambda-role`,
        createdAt: '2022-05-06T07:08:09.000Z',
        labels: { owner: 'payments-team' },
        ownerTagKeys: cfg.owners.tagKeys,
        managed: false,
        lastUsedAt: '2025-05-30T08:00:00.000Z',
        machineReason: roleReason(lambda.Path, JSON.stringify(lambda.AssumeRolePolicyDocument)),
      }),
    );
    expect(got.find((i) => i.name === 'AWSServiceRoleForSupport')).toMatchObject({ managed: true, machineReason: 'service-linked role' });
    expect(got.find((i) => i.name === 'ci-deployer')).toMatchObject({ kind: 'aws-iam-user', owner: 'platform', machineReason: expect.stringMatching(/^name matches machine pattern/) as unknown });
  });

  it.each([
    { role: 'arn:aws:iam::aws:policy/ReadOnlyAccess', via: 'attached', privilege: 'read', permissions: [] },
    { role: 'read-artifacts', via: 'inline', privilege: 'read', permissions: ['s3:GetObject', 's3:ListBucket'] },
    // The default version (v2), not v1's `*`.
    { role: `arn:aws:iam::${ACCT}:policy/DeployPolicy`, via: 'group', privilege: 'write', permissions: ['lambda:UpdateFunctionCode', 'lambda:GetFunction'] },
    { role: 'pass-app-role', via: 'group', privilege: 'write', permissions: ['iam:PassRole'] },
  ])('ci-deployer grant $role ($via) is $privilege', ({ role, via, privilege, permissions }) => {
    const g = grants(plain, `aws:${ACCT}:user/ci-deployer`).find((x) => x.role === role);
    expect(g).toMatchObject({ via, privilege, permissions, scope: ACCT });
  });

  it('analyzes URL-encoded and object documents alike, and classes missing AWS-managed policies by name', () => {
    const role = grants(plain, `aws:${ACCT}:role/app-lambda-role`);
    expect(role.find((g) => g.role === 'write-queue')).toMatchObject(analyzePolicy({ Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] }));
    expect(grants(plain, `aws:${ACCT}:role/batch-ec2-role`)[0]).toMatchObject({ privilege: 'admin', permissions: [] });
    expect(plain.warnings.filter((w) => w.message.includes('AWS-managed policy'))).toHaveLength(1);
    // No grant from the permissions boundary (the live collector reads none either).
    expect(plain.records.some((r) => r.type === 'grant' && r.record.role.includes('DeveloperBoundary'))).toBe(false);
  });

  it('without the report: warns that tags and names decided; with it: slot keys and the password decide', () => {
    expect(plain.warnings.some((w) => /no credential report given.*2 user\(s\)/.test(w.message))).toBe(true);
    expect(identities(withReport).find((i) => i.name === 'reporting')?.machineReason).toBe('no console password');
    expect(credentials(withReport).map((c) => c.id)).toEqual([
      `aws:${ACCT}:user/ci-deployer/key/ci-deployer#key1`,
      `aws:${ACCT}:user/ci-deployer/key/ci-deployer#key2`,
      `aws:${ACCT}:user/reporting/key/reporting#key1`,
      `aws:${ACCT}:user/reporting/key/reporting#key2`,
      `aws:${ACCT}:root/key/root#key1`,
    ]);
    expect(identities(withReport).find((i) => i.id === `aws:${ACCT}:root`)).toMatchObject({ kind: 'aws-iam-user', name: 'root', managed: false, labels: { 'sprawl:root': 'true' } });
  });

  it.each([
    { name: 'pages appended (pretty-printed)', text: () => fixture('authorization-details-pages.json') },
    { name: 'pages as a JSON array', text: () => `[${fixture('authorization-details-pages.json').trim().replace(/\}\n\{/, '},{')}]` },
    { name: 'JSON lines', text: () => fixture('authorization-details-pages.json').trim().split(/\n(?=\{)/).map((p) => JSON.stringify(JSON.parse(p))).join('\n') },
  ])('$name give the same records as one page', ({ text }) => {
    const r = importAwsAuthorizationDetails(text(), { file: 'p.json', ...base });
    expect(r.records).toEqual(plain.records);
    expect(r.partial).toBe(false);
  });

  it.each([
    { name: 'invalid JSON', text: '{\n  "UserDetailList": [\n    {"UserName": }\n  ]\n}', where: 'x.json:line 3', error: /x\.json:line 3: not valid JSON \(line 3 column \d+/ },
    { name: 'not GAAD output', text: '{"Users": []}', where: 'x.json:$', error: /no get-account-authorization-details page/ },
    { name: 'no account anywhere', text: '{"UserDetailList": [{"UserName": "svc-a"}]}', where: undefined, error: /no account id/ },
  ])('fails clearly on $name', ({ text, where, error }) => {
    const r = importAwsAuthorizationDetails(text, { file: 'x.json', ...base });
    expect(r.sources[0]).toMatchObject({ status: 'failed', items: 0, error: expect.stringMatching(error) as unknown });
    if (where) expect([r.sources[0]?.error, ...r.warnings.map((w) => w.where)].join('\n')).toContain(where);
  });

  it('reports bad entries by JSON path, keeps the rest, and marks the result partial', () => {
    const text = JSON.stringify({ UserDetailList: [{ UserName: 'svc-a', Arn: `arn:aws:iam::${ACCT}:user/svc-a`, CreateDate: 'yesterday' }, { Arn: 'x' }], RoleDetailList: [], IsTruncated: true, Marker: 'm' });
    const r = importAwsAuthorizationDetails(text, { file: 'x.json', ...base });
    expect(identities(r).map((i) => i.name)).toEqual(['svc-a']);
    expect(r.warnings.map((w) => w.where)).toEqual(expect.arrayContaining(['x.json:$.UserDetailList[0].CreateDate', 'x.json:$.UserDetailList[1]', 'x.json:$.IsTruncated']));
    expect(r.partial).toBe(true);
    expect(r.sources.map((s) => s.status)).toEqual(['ok', 'failed']);
  });
});

describe('importAwsCredentialReport', () => {
  const csv = importAwsCredentialReport(fixture('credential-report.csv'), { file: 'report.csv', ...base });
  it.each([
    { name: 'CSV', text: () => fixture('credential-report.csv') },
    { name: 'CLI JSON (base64 Content)', text: () => fixture('credential-report.json') },
    { name: 'bare base64 content', text: () => (JSON.parse(fixture('credential-report.json')) as { Content: string }).Content },
  ])('reads the $name form', ({ text }) => {
    const r = importAwsCredentialReport(text(), { file: 'report.csv', ...base });
    expect(r.records).toEqual(csv.records);
  });

  it('keeps machine users and root with keys, leaves people out', () => {
    expect(identities(csv).map((i) => [i.id, i.machineReason])).toEqual([
      [`aws:${ACCT}:root`, 'root account with 1 active access key(s)'],
      [`aws:${ACCT}:user/reporting`, 'no console password'],
      // The later of its two rows (the last line) is kept.
      [`aws:${ACCT}:user/ci-deployer`, expect.stringMatching(/^name matches machine pattern/)],
    ]);
    expect(csv.counts).toMatchObject({ users: 3, machineUsers: 2, humans: 1 });
    expect(csv.warnings.some((w) => w.where === 'report.csv:line 2' && /root account has 1 active access key/.test(w.message))).toBe(true);
  });

  it('keeps the later row of a user listed twice and names both lines', () => {
    expect(csv.warnings).toContainEqual({ where: 'report.csv:line 6', message: 'user ci-deployer is listed on lines 3 and 6: the later row (line 6) is kept' });
    expect(credentials(csv).find((c) => c.publicId === 'ci-deployer#key1')).toMatchObject({ lastUsedAt: '2025-05-30T12:00:00.000Z', lastUsedService: 's3', lastUsedRegion: 'eu-west-1' });
  });

  it('matches the live parser on N/A and no_information', () => {
    const live = parseCredentialReport(fixture('credential-report.csv')).find((r) => r.user === 'reporting');
    const reporting = credentials(csv).filter((c) => c.identityId.endsWith('user/reporting'));
    expect(reporting.map((c) => [c.createdAt, c.lastUsedAt])).toEqual(live?.keys.map((k) => [k.lastRotated, k.lastUsedAt]));
    expect(identities(csv).find((i) => i.name === 'reporting')?.lastUsedAt).toBeUndefined();
  });

  const header = fixture('credential-report.csv').split('\n')[0] ?? '';
  const good = `svc-x,arn:aws:iam::${ACCT}:user/svc-x,2021-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
  it.each([
    { name: 'wrong column count', row: 'svc-y,arn:aws:iam::123456789012:user/svc-y,false', message: /expected 22 columns, found 3/ },
    { name: 'bad date', row: good.replace('svc-x', 'svc-z').replace('svc-x', 'svc-z').replace('2021-01-01T00:00:00+00:00,false', 'someday,false'), message: /user_creation_time: "someday" is not a date/ },
    { name: 'bad boolean', row: good.replace('svc-x', 'svc-w').replace('svc-x', 'svc-w').replace(',false,N/A,N/A,N/A,false,true', ',maybe,N/A,N/A,N/A,false,true'), message: /password_enabled: "maybe"/ },
  ])('skips a row with a $name, naming its line, partial', ({ row, message }) => {
    const r = importAwsCredentialReport([header, good, row].join('\n'), { file: 'r.csv', ...base });
    expect(identities(r).map((i) => i.name)).toEqual(['svc-x']);
    expect(r.warnings).toContainEqual({ where: 'r.csv:line 3', message: expect.stringMatching(message) as unknown });
    expect(r.partial).toBe(true);
    expect(r.sources.map((s) => s.status)).toEqual(['ok', 'failed']);
  });

  it.each([
    { name: 'empty', text: '', error: /empty/ },
    { name: 'not a report', text: 'a,b\n1,2\n', error: /line 1: not an IAM credential report: the header lacks user, arn/ },
    { name: 'only bad rows', text: `${header}\nx,y\n`, error: /no usable row/ },
    { name: 'JSON without Content', text: '{"ReportFormat": "text/csv"}', error: /\$\.Content/ },
  ])('fails on $name', ({ text, error }) => {
    const r = importAwsCredentialReport(text, { file: 'r.csv', ...base });
    expect(r.sources).toHaveLength(1);
    expect(r.sources[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(error) as unknown });
  });
});

describe('importFile', () => {
  const path = (n: string): string => new URL(n, DIR).pathname;
  it('imports the details together with a credential report file', async () => {
    const r = await importFile('aws-authorization-details', path('authorization-details.json'), { ...base, credentialReportFile: path('credential-report.csv'), displayName: 'gaad.json' });
    expect(identities(r).map((i) => i.name)).toContain('reporting');
  });
  it('refuses a file over the limit, naming it', async () => {
    await expect(importFile('aws-credential-report', path('credential-report.csv'), { ...base, maxBytes: 10 })).rejects.toThrow(/credential-report\.csv: \d+ bytes is over the import limit of 10 bytes/);
  });
  it('refuses a missing file', async () => {
    await expect(importFile('hoop-sessions', path('nope.json'), base)).rejects.toThrow(/nope\.json: cannot read: ENOENT/);
  });
});
