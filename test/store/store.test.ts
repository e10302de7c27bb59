import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding, Identity, Credential, Grant, Verdict } from '../../src/model/index.ts';
import { credentialId, findingId } from '../../src/model/index.ts';
import {
  appendJournal,
  createInventoryWriter,
  createScan,
  finishScan,
  getScan,
  latestScan,
  loadFindings,
  loadInventory,
  loadJournal,
  loadResolvedFindings,
  loadVerdicts,
  migrate,
  openStore,
  redactUrl,
  saveAnalysis,
  verifyJournal,
} from '../../src/store/index.ts';
import { storeTargets } from '../helpers/stores.ts';

const identity = (name: string, account = '111111111111'): Identity => ({
  id: `aws:${account}:user/${name}`,
  provider: 'aws',
  kind: 'aws-iam-user',
  scope: account,
  name,
  nativeId: `arn:aws:iam::${account}:user/${name}`,
  createdAt: '2024-01-01T00:00:00.000Z',
  owner: 'team-a',
  labels: { owner: 'team-a', 'quote"s': "it's <b>" },
  disabled: false,
  managed: false,
  machineReason: 'tag sprawl:type=machine',
});

const cred = (id: Identity, keyId: string): Credential => ({
  id: credentialId(id.id, keyId),
  identityId: id.id,
  kind: 'aws-access-key',
  publicId: keyId,
  createdAt: '2024-01-02T00:00:00.000Z',
  lastUsedAt: '2024-05-01T00:00:00.000Z',
  lastUsedService: 's3',
  lastUsedRegion: 'eu-west-1',
  active: true,
});

const grant = (id: Identity, role: string): Grant => ({
  identityId: id.id,
  scope: id.scope,
  role,
  permissions: ['*'],
  privilege: 'admin',
  via: 'attached',
});

const finding = (rule: string, subject: Identity): Finding => ({
  id: findingId(rule, subject.id),
  ruleId: rule,
  title: `rule ${rule}`,
  severity: 'high',
  subjectType: 'identity',
  subjectId: subject.id,
  identityId: subject.id,
  provider: 'aws',
  scope: subject.scope,
  message: `${subject.name} fired ${rule}`,
  evidence: { policy: 'AdministratorAccess', ageDays: 3, flag: true, none: null },
  remediation: 'fix it',
  references: [{ framework: 'CIS', control: '1.16' }],
});

async function scanOnce(store: Awaited<ReturnType<typeof openStore>>, id: string, at: string, findings: Finding[], okSources: string[]) {
  await createScan(store, { id, startedAt: at, toolVersion: 'test' });
  await finishScan(store, id, { status: 'complete', sources: okSources.map((s) => ({ source: s, status: 'ok', items: 1 })), finishedAt: at });
  const verdicts: Verdict[] = findings.map((f) => ({ identityId: f.identityId, verdict: 'revoke', reasons: ['unused'], findingIds: [f.id] }));
  return saveAnalysis(store, { id, at, okSources }, findings, verdicts);
}

describe.each(storeTargets)('store on $name', (target) => {
  it.skipIf(target.skip)('round-trips an inventory through batched writes', async () => {
    const { store, dispose } = await target.open();
    try {
      await createScan(store, { id: 's1', startedAt: '2026-01-01T00:00:00.000Z', toolVersion: 'test' });
      const w = createInventoryWriter(store, 's1');
      const ids = Array.from({ length: 1234 }, (_, i) => identity(`svc-${String(i).padStart(4, '0')}`));
      for (const id of ids) {
        w.write({ type: 'identity', record: id });
        w.write({ type: 'credential', record: cred(id, `AKIAFAKE${String(ids.indexOf(id)).padStart(12, '0')}`) });
        w.write({ type: 'grant', record: grant(id, 'AdministratorAccess') });
        // the same grant twice is stored once
        w.write({ type: 'grant', record: grant(id, 'AdministratorAccess') });
      }
      const session = {
        identityId: ids[0]!.id,
        at: '2026-01-01T00:00:00.000Z',
        source: 'gateway' as const,
        actor: 'ci-job',
        actorKind: 'machine' as const,
        verb: 'exec',
        sessionId: '1cbc8db5-fbf8-4293-8e35-59a6eea40207',
        connectionId: 'hoop:gw.example:conn/pg-prod-etl',
        endAt: '2026-01-01T00:00:01.000Z',
        status: 'done',
        review: 'APPROVED',
        command: 'SELECT now()',
      };
      w.write({ type: 'activity', record: session });
      const connection = {
        id: 'hoop:gw.example:conn/pg-prod-etl',
        gateway: 'gw.example',
        name: 'pg-prod-etl',
        type: 'database',
        subtype: 'postgres',
        tags: { cloud_principal: 'arn:aws:iam::111111111111:user/svc-0000' },
        secretKeys: ['envvar:PASS'],
        identityId: ids[0]!.id,
        linkedBy: 'cloud-principal' as const,
      };
      w.write({ type: 'connection', record: connection });
      w.write({ type: 'gateway-user', record: { id: 'hoop:gw.example:user/u1', gateway: 'gw.example', email: 'ann@example.com', status: 'inactive', kind: 'human' } });
      const leak = {
        id: 'leak-1',
        rule: 'aws-access-key-id',
        severity: 'critical' as const,
        location: { repo: 'acme/api', path: 'dir with space/.env', line: 3, column: 19, commit: 'c0ffee', author: 'Dev <dev@example.com>', time: '2025-01-01T00:00:00.000Z' },
        fingerprint: 'ab'.repeat(32),
        preview: 'AKIA…0001',
        publicId: 'AKIAFAKE000000000000',
      };
      w.write({ type: 'leak', record: leak });
      w.write({ type: 'leak', record: { ...leak, id: 'leak-2', location: { path: 'x', line: 1 }, publicId: undefined } });
      await w.flush();
      expect(w.counts.identity).toBe(1234);
      const inv = await loadInventory(store, 's1');
      expect(inv.identities).toHaveLength(1234);
      expect(inv.credentials).toHaveLength(1234);
      expect(inv.grants).toHaveLength(1234);
      expect(inv.activities).toEqual([{ ...session, credentialId: undefined, target: undefined }]);
      expect(inv.connections).toEqual([connection]);
      expect(inv.gatewayUsers).toEqual([{ id: 'hoop:gw.example:user/u1', gateway: 'gw.example', email: 'ann@example.com', status: 'inactive', kind: 'human' }]);
      expect(inv.leaks).toEqual([
        { ...leak, credentialId: undefined },
        { ...leak, id: 'leak-2', location: { path: 'x', line: 1, repo: undefined, column: undefined, commit: undefined, author: undefined, time: undefined }, publicId: undefined, credentialId: undefined },
      ]);
      expect(inv.identities[0]).toEqual(ids[0]);
      expect(inv.credentials[0]).toEqual(cred(ids[0]!, 'AKIAFAKE000000000000'));
      expect(inv.grants[0]).toEqual(grant(ids[0]!, 'AdministratorAccess'));
      expect(await loadInventory(store, 'other')).toEqual({ identities: [], credentials: [], grants: [], activities: [], leaks: [], connections: [], gatewayUsers: [] });
    } finally {
      await dispose();
    }
  });

  it.skipIf(target.skip)('loads a scan of more findings than one read page, each once, in id order', async () => {
    const { store, dispose } = await target.open();
    try {
      // 10,000 findings a page: two full pages and part of a third.
      const subjects = Array.from({ length: 25_003 }, (_, n) => identity(`bulk-${n}`));
      await scanOnce(store, 'p1', '2026-01-01T00:00:00.000Z', subjects.map((s) => finding('r1', s)), ['aws:111111111111']);
      const loaded = await loadFindings(store, 'p1');
      const ids = subjects.map((s) => findingId('r1', s.id)).sort();
      expect(loaded.map((f) => f.id)).toEqual(ids);
      expect(new Set(loaded.map((f) => f.subjectId)).size).toBe(subjects.length);
    } finally {
      await dispose();
    }
  });

  it.skipIf(target.skip)('keeps finding ids across scans: new, then open, then resolved', async () => {
    const { store, dispose } = await target.open();
    try {
      const a = identity('ci-a');
      const b = identity('ci-b');
      const c = identity('ci-c', '222222222222');
      const first = await scanOnce(store, 's1', '2026-01-01T00:00:00.000Z', [finding('r1', a), finding('r1', b), finding('r1', c)], ['aws:111111111111', 'aws:222222222222']);
      expect(first).toEqual({ new: 3, open: 0, resolved: 0 });
      expect((await loadFindings(store, 's1')).map((f) => f.status)).toEqual(['new', 'new', 'new']);

      const second = await scanOnce(store, 's2', '2026-01-02T00:00:00.000Z', [finding('r1', a), finding('r1', b), finding('r1', c)], ['aws:111111111111', 'aws:222222222222']);
      expect(second).toEqual({ new: 0, open: 3, resolved: 0 });
      const s2 = await loadFindings(store, 's2');
      expect(s2.map((f) => f.status)).toEqual(['open', 'open', 'open']);
      expect(s2.map((f) => f.id).sort()).toEqual((await loadFindings(store, 's1')).map((f) => f.id).sort());
      expect(s2.every((f) => f.firstSeenScan === 's1' && f.lastSeenScan === 's2')).toBe(true);
      // the first scan's report still says what it said then
      expect((await loadFindings(store, 's1')).map((f) => f.status)).toEqual(['new', 'new', 'new']);

      // b is fixed; account 222... failed this time, so c stays open though unseen
      const third = await scanOnce(store, 's3', '2026-01-03T00:00:00.000Z', [finding('r1', a)], ['aws:111111111111']);
      expect(third).toEqual({ new: 0, open: 1, resolved: 1 });
      const resolved = await loadResolvedFindings(store, 's3');
      expect(resolved.map((f) => f.subjectId)).toEqual([b.id]);
      expect(resolved[0]!.evidence).toEqual({ policy: 'AdministratorAccess', ageDays: 3, flag: true, none: null });
      expect(resolved[0]!.references).toEqual([{ framework: 'CIS', control: '1.16' }]);

      // it comes back: same id, open again
      const fourth = await scanOnce(store, 's4', '2026-01-04T00:00:00.000Z', [finding('r1', a), finding('r1', b)], ['aws:111111111111']);
      expect(fourth.new).toBe(0);
      expect(await loadVerdicts(store, 's4')).toHaveLength(2);
      // re-running an analysis replaces it
      const again = await saveAnalysis(store, { id: 's4', at: '2026-01-04T00:00:00.000Z', okSources: ['aws:111111111111'] }, [finding('r1', a), finding('r1', b)], []);
      expect(again.open).toBe(2);
      expect(await loadFindings(store, 's4')).toHaveLength(2);
      expect(await loadVerdicts(store, 's4')).toHaveLength(0);
    } finally {
      await dispose();
    }
  });

  it.skipIf(target.skip)('keeps exempted findings with their exemption, apart from new and open ones, and the analysis time', async () => {
    const { store, dispose } = await target.open();
    try {
      const a = identity('ci-a');
      const b = identity('ci-b');
      const exemption = { identity: b.id, rule: '*', reason: 'vendor contract', approver: 'ciso@example.com', expires: '2027-01-31' };
      await createScan(store, { id: 'x1', startedAt: '2026-01-01T00:00:00.000Z', toolVersion: 'test' });
      await finishScan(store, 'x1', { status: 'complete', sources: [{ source: 'aws:111111111111', status: 'ok', items: 2 }], finishedAt: '2026-01-01T00:05:00.000Z' });
      expect((await getScan(store, 'x1'))?.analyzedAt).toBeUndefined();
      const asOf = '2025-06-30T00:00:00.000Z';
      const verdicts: Verdict[] = [{ identityId: b.id, verdict: 'exempt', reasons: ['accepted'], findingIds: [findingId('r1', b.id)], expiresAt: '2027-01-31' }];
      const saved = await saveAnalysis(store, { id: 'x1', at: asOf, okSources: ['aws:111111111111'] }, [finding('r1', a)], verdicts, [
        { finding: finding('r1', b), exemption: { ...exemption, extra: 'not stored' } as typeof exemption },
      ]);
      expect(saved).toEqual({ new: 1, open: 0, resolved: 0 });
      expect((await getScan(store, 'x1'))?.analyzedAt).toBe(asOf);
      const loaded = await loadFindings(store, 'x1');
      expect(loaded.map((f) => [f.subjectId, f.status])).toEqual(
        [
          [a.id, 'new'],
          [b.id, 'exempt'],
        ].sort((x, y) => findingId('r1', x[0]!).localeCompare(findingId('r1', y[0]!))),
      );
      expect(loaded.find((f) => f.subjectId === b.id)?.exemption).toEqual(exemption);
      expect(loaded.find((f) => f.subjectId === a.id)?.exemption).toBeUndefined();
      // every finding a verdict names is stored
      const ids = new Set(loaded.map((f) => f.id));
      expect((await loadVerdicts(store, 'x1')).flatMap((v) => v.findingIds).every((id) => ids.has(id))).toBe(true);

      // the exemption lapses: the same finding is open again (first seen in x1), not resolved meanwhile
      await createScan(store, { id: 'x2', startedAt: '2026-01-02T00:00:00.000Z', toolVersion: 'test' });
      const next = await saveAnalysis(store, { id: 'x2', at: '2026-01-02T00:00:00.000Z', okSources: ['aws:111111111111'] }, [finding('r1', a), finding('r1', b)], []);
      expect(next).toEqual({ new: 0, open: 2, resolved: 0 });
      expect((await loadFindings(store, 'x2')).map((f) => f.status)).toEqual(['open', 'open']);
    } finally {
      await dispose();
    }
  });

  it.skipIf(target.skip)('chains journal rows written at once by concurrent writers, and verifies the chain', async () => {
    const { store, dispose } = await target.open();
    try {
      const row = (i: number) => ({ at: '2026-01-01T00:00:00.000Z', planId: 'p_1', actionId: `a_${i}`, kind: 'aws.key.deactivate', identityId: 'aws:1:user/x', phase: 'apply' as const, status: 'done' as const, detail: { i, nested: { b: 1, a: [2, 3] } } });
      await Promise.all(Array.from({ length: 25 }, (_, i) => appendJournal(store, row(i))));
      const rows = await loadJournal(store);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(new Set(rows.map((r) => r.actionId)).size).toBe(25);
      expect(await verifyJournal(store)).toEqual({ rows: 25, problems: [] });
    } finally {
      await dispose();
    }
  });

  it.skipIf(target.skip)('finds scans by id and the latest finished one', async () => {
    const { store, dispose } = await target.open();
    try {
      await createScan(store, { id: 'a', startedAt: '2026-01-01T00:00:00.000Z', toolVersion: 't' });
      await finishScan(store, 'a', { status: 'partial', sources: [{ source: 'aws:1', status: 'failed', items: 0, error: 'AccessDenied' }], finishedAt: '2026-01-01T00:01:00.000Z' });
      await createScan(store, { id: 'b', startedAt: '2026-01-02T00:00:00.000Z', toolVersion: 't' });
      expect((await latestScan(store))?.id).toBe('a');
      expect((await getScan(store, 'a'))?.sources[0]?.error).toBe('AccessDenied');
      expect((await getScan(store, 'b'))?.status).toBe('running');
      await finishScan(store, 'b', { status: 'complete', sources: [], finishedAt: '2026-01-02T00:01:00.000Z' });
      expect((await latestScan(store))?.id).toBe('b');
      expect((await latestScan(store, { before: 'b' }))?.id).toBe('a');
      expect(await latestScan(store, { before: 'a' })).toBeUndefined();
      // migrating twice is a no-op
      await migrate(store);
    } finally {
      await dispose();
    }
  });
});

describe('sqlite store file', () => {
  it('is created owner-only (0600) in WAL mode', async () => {
    const { store, location, dispose } = await storeTargets[0]!.open();
    try {
      expect(statSync(location).mode & 0o777).toBe(0o600);
      const { sql } = await import('kysely');
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
    } finally {
      await dispose();
    }
  });

  it('names the place when it cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sprawl-bad-'));
    writeFileSync(join(dir, 'file'), '');
    try {
      // a path below a regular file cannot be created
      await expect(openStore(join(dir, 'file', 'x.db'))).rejects.toThrow(/cannot open the SQLite store at .*file\/x\.db/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgres://u:secret@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['.sprawl/sprawl.db', '.sprawl/sprawl.db'],
  ])('%s', (input, out) => expect(redactUrl(input)).toBe(out));
});
