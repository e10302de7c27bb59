/**
 * The same bad hoop session exports as import-sessions.test.ts, through `sprawl scan` with
 * `gateway.files` (the real binary): the scan reads them with the importer's reader, keeps the good
 * sessions (linked through the connection map, so each is an activity), logs every dropped entry and
 * every note with its file:line (or JSON path) and the reason, and names the dropped entries in a
 * failed `gateway:NAME:file:PATH#rejected` source, so the scan is partial (exit 3) exactly when
 * entries were dropped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.ts';
import { CASES } from './session-cases.ts';

interface Summary {
  scan: { id: string; status: string };
  sources: { source: string; status: string; items: number; error?: string }[];
  inventory: { activities: number };
}

const FILE = 'sessions.jsonl';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sprawl-scan-files-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('sprawl scan with gateway.files: bad input', () => {
  it.each(CASES)('$name: good sessions kept, bad entries logged with their place, partial (exit 3) only when some were dropped', { timeout: 60_000 }, async (c) => {
    const cwd = join(dir, c.name.replace(/\W+/g, '-'));
    mkdirSync(cwd);
    writeFileSync(join(cwd, FILE), c.bytes());
    writeFileSync(
      join(cwd, 'sprawl.yaml'),
      stringify({ version: 1, gateway: { name: 'gw', files: [FILE], connectionMap: [{ pattern: 'pg-prod', identity: 'aws:123456789012:user/etl-bot' }] }, repos: [] }),
    );
    const r = await runCli(['scan', '--json', '--db', 'scan.db'], { cwd });
    const dropped = c.dropped.length > 0;
    expect(r.code, r.stderr).toBe(dropped ? 3 : 0);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.scan.status).toBe(dropped ? 'partial' : 'complete');

    // every good session with a connection is an activity; a session without one is dropped
    const withoutConnection = c.dropped.filter(([, reason]) => reason.source.includes('no connection')).length;
    const source = `gateway:gw:file:${FILE}`;
    expect(summary.sources.find((s) => s.source === source)).toMatchObject({ status: 'ok', items: c.ids.length - withoutConnection });
    expect(summary.inventory.activities).toBe(c.ids.length - withoutConnection);

    const rejected = summary.sources.find((s) => s.source === `${source}#rejected`);
    if (!dropped) expect(rejected).toBeUndefined();
    else {
      expect(rejected).toMatchObject({ status: 'failed', items: 0 });
      expect(rejected?.error).toContain(`${c.dropped.length} entr`);
      for (const [where] of c.dropped) expect(rejected?.error).toContain(`${FILE}:${where}`);
    }

    // each dropped entry and each note is on stderr with its place and reason
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warn: gateway: '));
    for (const [where, reason] of [...c.dropped, ...(c.notes ?? [])]) {
      const place = where === '' ? `${FILE}: ` : `${FILE}:${where}: `;
      expect(
        warnings.some((w) => w.startsWith(`warn: gateway: ${place}`) && reason.test(w)),
        `${place}${String(reason)} in\n${warnings.join('\n')}`,
      ).toBe(true);
    }
    // nothing on stderr is megabytes long, and no stack trace
    for (const l of r.stderr.split('\n')) expect(l.length).toBeLessThan(2_000);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
