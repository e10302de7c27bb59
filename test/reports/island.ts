/**
 * Reads the data island of an HTML report as the page's script does (templates/partials/script.hbs):
 * base64, gunzip, JSON, then the tables back from columns. Written apart from the script on purpose,
 * so a unit test checks the encoder against an independent reading; the browser test runs the script.
 */
import { gunzipSync } from 'node:zlib';
import type { ClientData, ClientFinding, ClientIdentity, Island, IslandColumn, IslandTable } from '../../src/reports/html-view.ts';

export const ISLAND = /<script type="application\/gzip" id="report-data">([\s\S]*?)<\/script>/g;

function decodeColumn(col: IslandColumn): unknown[] {
  if (!('d' in col)) return col.v;
  const { d } = col;
  const decode = (x: unknown): unknown => (typeof x === 'number' ? (x >= 0 ? d[x] : -x - 1) : Array.isArray(x) ? x.map(decode) : x);
  return col.v.map(decode);
}

export function unpackTable<T>(table: IslandTable): T[] {
  const columns = Object.entries(table.c).map(([key, col]) => [key, decodeColumn(col)] as const);
  for (const [key, values] of columns) if (values.length !== table.n) throw new Error(`column ${key} has ${values.length} values for ${table.n} rows`);
  return Array.from({ length: table.n }, (_, i) => Object.fromEntries(columns.map(([key, values]) => [key, values[i]])) as T);
}

/** The island's raw text (base64) from a rendered report; throws unless there is exactly one. */
export function islandText(html: string): string {
  const islands = [...html.matchAll(ISLAND)];
  if (islands.length !== 1) throw new Error(`expected one data island, found ${islands.length}`);
  return islands[0]?.[1] ?? '';
}

export function readIsland(html: string): ClientData {
  const island = JSON.parse(gunzipSync(Buffer.from(islandText(html), 'base64')).toString('utf8')) as Island;
  return { ...island, findings: unpackTable<ClientFinding>(island.findings), identities: unpackTable<ClientIdentity>(island.identities) };
}
