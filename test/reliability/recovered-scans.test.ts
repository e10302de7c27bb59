/**
 * A scan left running by a process that died is marked failed when the next sprawl opens the store
 * (recoverAbandonedScans); the command that did it says so on stderr, one warning line per scan,
 * naming the scan, its process and host, in text and JSON logs, under --quiet too. The scan still
 * running in a live process is not named, and the next command says nothing (it was told once).
 * Real binary, SQLite store; the dead scans are rows written as a killed process leaves them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openStore, pidScope } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { scanRows } from './crash-helpers.ts';
import { deadAndLivePids } from './crash-helpers.ts';

const MIN = 60_000;
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const ELSEWHERE = 'other-host|00000000-0000-0000-0000-000000000000|pid:[1]';

let dir: string;
const pids = deadAndLivePids();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-recovered-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Left = 'dead-here' | 'silent-elsewhere' | 'live-here';

interface Case {
  name: string;
  /** The command after the store holds the scans left running. */
  args: string[];
  left: Left[];
  json?: boolean;
}

const CASES: Case[] = [
  { name: 'report, one scan whose process died', args: ['report', '--format', 'json', '--output', '-'], left: ['dead-here'] },
  { name: 'analyze, two dead scans (a dead pid here, a heartbeat silent elsewhere) and a live one', args: ['analyze'], left: ['dead-here', 'silent-elsewhere', 'live-here'] },
  { name: 'scan, one dead scan', args: ['scan', '--json'], left: ['dead-here'] },
  { name: 'report, only a live scan (nothing to tell)', args: ['report', '--format', 'json', '--output', '-'], left: ['live-here'] },
  { name: 'report with --quiet', args: ['--quiet', 'report', '--format', 'json', '--output', '-'], left: ['dead-here'] },
  { name: 'report with JSON logs', args: ['--log-format', 'json', 'report', '--format', 'json', '--output', '-'], left: ['dead-here', 'silent-elsewhere'], json: true },
];

describe('the scans a sprawl command recovers are told on stderr', () => {
  it.each(CASES)('$name', { timeout: 60_000 }, async (c) => {
    const cwd = join(dir, c.name.replace(/\W+/g, '-'));
    mkdirSync(cwd);
    writeFileSync(join(cwd, 's.jsonl'), JSON.stringify({ id: 's-1', start_date: '2026-01-01T10:00:00Z', connection: 'pg-prod' }));
    writeFileSync(join(cwd, 'sprawl.yaml'), stringify({ version: 1, gateway: { name: 'gw', files: ['s.jsonl'], connectionMap: [{ pattern: 'pg-prod', identity: 'aws:123456789012:user/etl-bot' }] }, repos: [] }));
    const db = join(cwd, 'sprawl.db');
    const cli = (args: string[]) => runCli([...args, '--db', db], { cwd });
    const first = await cli(['scan', '--json']);
    expect(first.code, first.stderr).toBe(0);

    // scans as a killed process leaves them: running, with its pid
    const rows = c.left.map((kind, i) => {
      const id = `s_20260101T00000${i}Z_${kind.replace(/-/g, '').slice(0, 8)}`;
      if (kind === 'dead-here') return { id, kind, pid: pids.dead(), host: hostname(), scope: pidScope(), beat: ago(1000) };
      if (kind === 'live-here') return { id, kind, pid: pids.live(), host: hostname(), scope: pidScope(), beat: ago(1000) };
      return { id, kind, pid: 4242, host: 'other-host', scope: ELSEWHERE, beat: ago(11 * MIN) };
    });
    const store = await openStore(db);
    try {
      for (const r of rows) {
        await store.db
          .insertInto('scans')
          .values({ id: r.id, run_id: null, started_at: ago(MIN + 10 * MIN), finished_at: null, status: 'running', sources: '[]', tool_version: 't', host: r.host, pid: r.pid, analyzed_at: null, shard: null, heartbeat_at: r.beat, error: null, pid_scope: r.scope })
          .execute();
      }
    } finally {
      await store.close();
    }

    const r = await cli(c.args);
    expect(r.code, r.stderr).toBe(0);
    const told = r.stderr.split('\n').filter((l) => /left running by a process that died/.test(l));
    const dead = rows.filter((x) => x.kind !== 'live-here');
    expect(told, r.stderr).toHaveLength(dead.length);
    for (const x of dead) {
      const line = told.find((l) => l.includes(`scan ${x.id} `));
      expect(line, `${x.id} in\n${r.stderr}`).toBeDefined();
      expect(line).toContain(`process ${x.pid} on ${x.host}`);
      expect(line).toMatch(/marked failed/);
      if (c.json) expect(JSON.parse(line ?? '')).toMatchObject({ level: 'warn', msg: expect.stringContaining(x.id) as string });
      else expect(line).toMatch(/^warn: scan /);
    }
    const statuses = new Map((await scanRows(db)).map((s) => [s.id, s.status]));
    for (const x of rows) expect(statuses.get(x.id)).toBe(x.kind === 'live-here' ? 'running' : 'failed');

    // told once: the next command recovers nothing
    const again = await cli(['report', '--format', 'json', '--output', '-']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/left running by a process that died/);
  });
});
