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
import { importFile } from '../../src/importers/index.ts';
import { importSessions } from '../../src/pipeline/import.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { runCli } from '../helpers/cli.ts';
import { CASES, line, utf8 } from './session-cases.ts';

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
