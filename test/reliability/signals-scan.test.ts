/**
 * SIGINT and SIGTERM during a scan, with the real binary, on SQLite and on PostgreSQL: the scan
 * stops (it does not wait for the slow source), exits 130 or 143, is recorded 'interrupted' with
 * the sources it had finished and their rows kept, and prints no stack trace. An interrupted scan
 * is not the current one: report still shows the earlier scan.
 *
 * A signal during the analysis (after collection, before the findings are saved) stops it too: the
 * scan is recorded collected (complete) but not analyzed (analyzed_at null, no findings or verdicts
 * of its own, the finding lifecycle untouched), and `sprawl analyze` afterwards analyzes it. The
 * signal is sent while the analysis is held reading the people file, a FIFO the test writes after.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.ts';
import { storeLocations } from '../helpers/stores.ts';
import { rawQuery, rowCounts, scanRows, slowEstate, waitFor } from './crash-helpers.ts';

const stores = storeLocations();
const estate = slowEstate('signals');
const cli = estate.cli;
afterAll(() => stores.cleanup());

const signals = [
  { signal: 'SIGINT' as const, code: 130 },
  { signal: 'SIGTERM' as const, code: 143 },
];

describe.each(stores.targets)('a scan stopped by a signal on $name', { timeout: 300_000 }, ({ skip, location }) => {
  it.skipIf(skip).each(signals)('$signal: exit $code, recorded interrupted, finished sources kept', async ({ signal, code }) => {
    const db = await location();
    estate.sandbox.hoop.faults.delayMs = 0;
    const first = await cli(['scan', '--quiet', '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    const [earlier] = await scanRows(db);

    // The gateway, collected last, is slow: every other source is done when the signal comes.
    estate.sandbox.hoop.faults.delayMs = 250;
    let child: ChildProcess | undefined;
    const pending = cli(['scan', '--json', '--db', db], (c) => (child = c));
    const running = await waitFor('the scan to reach the gateway', async () => {
      const row = (await scanRows(db)).find((s) => s.status === 'running');
      if (!row) return undefined;
      const n = await rawQuery<{ n: number | string }>(db, 'select count(*) as n from activities where scan_id = ?', [row.id]);
      return Number(n[0]?.n ?? 0) > 0 ? row : undefined;
    });
    // From now on the gateway hardly answers: only the signal ends the scan soon.
    estate.sandbox.hoop.faults.delayMs = 60_000;
    const sentAt = Date.now();
    child?.kill(signal);
    const end = await pending;
    estate.sandbox.hoop.faults.delayMs = 0;

    expect(end.code, end.stderr).toBe(code);
    expect(Date.now() - sentAt).toBeLessThan(30_000);
    expect(end.stderr).toContain(`${signal}: stopping`);
    expect(end.stderr).not.toMatch(/\n\s+at .+:\d+:\d+|internal error/);

    const row = (await scanRows(db)).find((s) => s.id === running.id);
    expect(row?.status).toBe('interrupted');
    expect(row?.finished_at).not.toBeNull();
    const [stored] = await rawQuery<{ sources: string }>(db, 'select sources from scans where id = ?', [running.id]);
    const sources = JSON.parse(stored?.sources ?? '[]') as { source: string; status: string; items: number }[];
    // Every cloud source was done: recorded ok with its items, and its rows kept.
    const done = sources.filter((s) => !s.source.startsWith('gateway'));
    expect(done.length).toBeGreaterThanOrEqual(5);
    for (const s of done) expect(s, s.source).toMatchObject({ status: 'ok' });
    const gateway = sources.filter((s) => s.source.startsWith('gateway'));
    expect(gateway.map((s) => s.status)).toEqual(['failed']);
    const rows = await rowCounts(db, running.id);
    const whole = await rowCounts(db, earlier?.id ?? '');
    for (const t of ['identities', 'credentials', 'grants'] as const) expect(rows[t], t).toBe(whole[t]);
    expect(rows.activities).toBeGreaterThan(0);
    expect(rows.activities).toBeLessThan(whole.activities ?? 0);
    // Not analyzed: an interrupted scan has no findings of its own.
    expect(rows.scan_findings).toBe(0);

    // The interrupted scan is not current: the report is of the earlier scan.
    const report = await cli(['report', '--format', 'json', '--output', '-', '--db', db]);
    expect(report.code, report.stderr).toBe(0);
    expect((JSON.parse(report.stdout) as { scan: { id: string } }).scan.id).toBe(earlier?.id);
  });
});

describe.each(stores.targets)('a scan stopped by a signal while analyzing on $name', { timeout: 300_000 }, ({ skip, location }) => {
  it.skipIf(skip).each(signals)('$signal: exit $code, collected but not analyzed, nothing of the analysis written; analyze completes it', async ({ signal, code }) => {
    const db = await location();
    estate.sandbox.hoop.faults.delayMs = 0;
    const cwd = join(estate.dir, `analysis-${signal}-${db.length}`);
    mkdirSync(cwd);
    const people = join(cwd, 'people.csv');
    const peopleCsv = 'email\nnobody@example.com\n';
    writeFileSync(people, peopleCsv);
    writeFileSync(join(cwd, 'sprawl.yaml'), stringify({ version: 1, ...estate.sandbox.config, gateway: { ...estate.sandbox.config.gateway, fetchScripts: 0 }, repos: [], analysis: { people: { file: 'people.csv' } } }));
    const run = (args: string[], onSpawn?: (child: ChildProcess) => void) => runCli([...args, '--db', db], { cwd, env: { ...estate.sandbox.env }, timeoutMs: 180_000, ...(onSpawn ? { onSpawn } : {}) });

    const first = await run(['scan', '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    const lifecycle = () => rawQuery(db, 'select id, state, first_seen_scan, last_seen_scan, resolved_scan from findings order by id');
    const lifecycleBefore = await lifecycle();
    expect(lifecycleBefore.length).toBeGreaterThan(0);

    // The people file, read by the analysis only, becomes a FIFO: the analysis waits on it.
    rmSync(people);
    execFileSync('mkfifo', [people]);
    let child: ChildProcess | undefined;
    const pending = run(['scan', '--json'], (c) => (child = c));
    // Opening the FIFO for writing returns once the scan opened it for reading: it is analyzing.
    const fifo = await Promise.race([open(people, 'w'), pending.then((r) => Promise.reject(new Error(`the scan ended before analyzing: ${r.stderr}`)))]);
    const [running] = (await scanRows(db)).filter((s) => s.status === 'running');
    expect(running).toBeDefined();
    child?.kill(signal);
    await fifo.writeFile(peopleCsv);
    await fifo.close();
    const end = await pending;

    expect(end.code, end.stderr).toBe(code);
    expect(end.stderr).toContain(`${signal}: stopping`);
    expect(end.stderr).toContain(`interrupted while analyzing: scan ${running?.id} is collected but not analyzed`);
    expect(end.stderr).not.toMatch(/\n\s+at .+:\d+:\d+|internal error/);
    expect((JSON.parse(end.stdout) as { scan: { id: string; status: string }; findings: unknown }).scan).toMatchObject({ id: running?.id, status: 'complete' });

    // Collected whole, analyzed not at all: no findings, no verdicts, the lifecycle untouched.
    const [row] = await rawQuery<{ status: string; analyzed_at: string | null; finished_at: string | null }>(db, 'select status, analyzed_at, finished_at from scans where id = ?', [running?.id]);
    expect(row).toMatchObject({ status: 'complete', analyzed_at: null });
    expect(row?.finished_at).not.toBeNull();
    const rows = await rowCounts(db, running?.id ?? '');
    expect(rows.identities).toBeGreaterThan(0);
    expect(rows.scan_findings).toBe(0);
    expect(rows.verdicts).toBe(0);
    expect(await lifecycle()).toEqual(lifecycleBefore);

    // `sprawl analyze` (of the latest scan) analyzes it.
    rmSync(people);
    writeFileSync(people, peopleCsv);
    const analyzed = await run(['analyze', '--json']);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    expect(JSON.parse(analyzed.stdout)).toMatchObject({ scan: running?.id, findings: lifecycleBefore.length, new: 0, resolved: 0 });
    const [after] = await rawQuery<{ analyzed_at: string | null }>(db, 'select analyzed_at from scans where id = ?', [running?.id]);
    expect(after?.analyzed_at).not.toBeNull();
    expect((await rowCounts(db, running?.id ?? '')).scan_findings).toBeGreaterThan(0);
  });
});
