/**
 * A scan killed with SIGKILL halfway, with the real binary, on SQLite and on PostgreSQL: the earlier
 * complete scan keeps its rows and findings; while the killed scan still ran, another sprawl left
 * it alone; the next sprawl to open the store marks it failed with the reason; report, analyze and
 * the next scan's comparison use the earlier scan, never the killed one's partial rows.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { storeLocations } from '../helpers/stores.ts';
import { rawQuery, rowCounts, scanRows, slowEstate, waitFor } from './crash-helpers.ts';

interface JsonReport {
  scan: { id: string; status: string };
  findings: { id: string }[];
}
interface Summary {
  scan: { id: string; status: string };
  findings: { total: number; new: number; open: number; resolved: number } | null;
}

const stores = storeLocations();
const estate = slowEstate('crash');
const cli = estate.cli;
afterAll(() => stores.cleanup());
const json = <T>(text: string): T => JSON.parse(text) as T;
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe.each(stores.targets)('a scan killed with SIGKILL on $name', { timeout: 400_000 }, ({ skip, location }) => {
  it.skipIf(skip)('leaves the earlier scan current and is marked failed by the next sprawl', async () => {
    const db = await location();
    estate.sandbox.hoop.faults.delayMs = 0;
    const first = await cli(['scan', '--json', '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    const firstScan = json<Summary>(first.stdout).scan.id;
    const before = await cli(['report', '--format', 'json', '--output', '-', '--db', db]);
    expect(before.code, before.stderr).toBe(0);
    const reportBefore = json<JsonReport>(before.stdout);
    const rowsBefore = await rowCounts(db, firstScan);
    const lifecycleBefore = await rawQuery(db, 'select id, state, last_seen_scan, resolved_scan from findings order by id');
    expect(rowsBefore.identities).toBeGreaterThan(0);
    expect(rowsBefore.scan_findings).toBeGreaterThan(0);

    // The second scan is slow at the gateway: every page of sessions waits.
    estate.sandbox.hoop.faults.delayMs = 250;
    let child: ChildProcess | undefined;
    const killed = cli(['scan', '--quiet', '--db', db], (c) => (child = c));
    const running = await waitFor('the second scan to write rows', async () => {
      const row = (await scanRows(db)).find((s) => s.status === 'running');
      if (!row) return undefined;
      const n = await rawQuery<{ n: number | string }>(db, 'select count(*) as n from activities where scan_id = ?', [row.id]);
      return Number(n[0]?.n ?? 0) > 0 ? row : undefined;
    });
    // Rows are in: from now on the gateway hardly answers, so the scan is held halfway.
    estate.sandbox.hoop.faults.delayMs = 20_000;
    expect(running.pid).toBe(child?.pid);

    // Another sprawl opening the store meanwhile leaves the live scan alone.
    const meanwhile = await cli(['report', '--format', 'json', '--output', '-', '--db', db]);
    expect(meanwhile.code, meanwhile.stderr).toBe(0);
    expect(json<JsonReport>(meanwhile.stdout).scan.id).toBe(firstScan);
    expect((await scanRows(db)).find((s) => s.id === running.id)?.status).toBe('running');

    child?.kill('SIGKILL');
    const end = await killed;
    expect(end.code).toBeNull();
    estate.sandbox.hoop.faults.delayMs = 0;
    // What the kill left: the scan still says running, with partial rows.
    expect((await scanRows(db)).find((s) => s.id === running.id)?.status).toBe('running');
    const partial = await rowCounts(db, running.id);
    expect(partial.activities).toBeGreaterThan(0);
    expect(partial.scan_findings).toBe(0);

    // The next start (any command opening the store) marks it failed, with the reason.
    const after = await cli(['report', '--format', 'json', '--output', '-', '--db', db]);
    expect(after.code, after.stderr).toBe(0);
    noStack(after.stderr);
    const killedRow = (await scanRows(db)).find((s) => s.id === running.id);
    expect(killedRow?.status).toBe('failed');
    expect(killedRow?.finished_at).not.toBeNull();
    expect(killedRow?.error).toMatch(new RegExp(`process ${String(child?.pid)} on .* ended without finishing it`));

    // The earlier scan is the current one, whole: the same report, rows and finding lifecycle.
    const reportAfter = json<JsonReport>(after.stdout);
    expect(reportAfter.scan.id).toBe(firstScan);
    expect(reportAfter.findings.map((f) => f.id).sort()).toEqual(reportBefore.findings.map((f) => f.id).sort());
    expect(await rowCounts(db, firstScan)).toEqual(rowsBefore);
    expect(await rawQuery(db, 'select id, state, last_seen_scan, resolved_scan from findings order by id')).toEqual(lifecycleBefore);

    // Asked by its id, the killed scan is refused: analyzing it would resolve what it missed.
    const refused = await cli(['analyze', '--scan', running.id, '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`scan ${running.id} is failed: its inventory is incomplete`);
    noStack(refused.stderr);
    expect(await rawQuery(db, 'select id, state, last_seen_scan, resolved_scan from findings order by id')).toEqual(lifecycleBefore);

    // analyze (of the latest scan) analyzes the earlier scan, not the killed one.
    const analyzed = await cli(['analyze', '--json', '--db', db]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    expect(json<{ scan: string; findings: number }>(analyzed.stdout)).toMatchObject({ scan: firstScan, findings: reportBefore.findings.length });

    // The next scan is compared with the earlier scan: nothing new, nothing resolved.
    const next = await cli(['scan', '--json', '--db', db]);
    expect(next.code, next.stderr).toBe(0);
    const summary = json<Summary>(next.stdout);
    expect(summary.findings).toMatchObject({ total: reportBefore.findings.length, new: 0, resolved: 0 });
    expect((await scanRows(db)).map((s) => s.status)).toEqual(['complete', 'failed', 'complete']);
  });
});
