/**
 * Inline SVG charts for the HTML report: geometry only (rectangles, text positions, CSS classes),
 * computed here so that the template holds markup only and every label still goes through
 * handlebars' escaping. One shape serves every chart: horizontal bars, stacked by segment.
 */
import type { Severity } from '../model/index.ts';
import { SEVERITY_LABEL } from './format.ts';
import type { BucketRow, Charts, RuleChartRow, TrendPoint } from './sections.ts';

export interface ChartSegment {
  count: number;
  /** CSS class that colours it (`fill-high`, `fill-bar`). */
  cls: string;
  name: string;
}

export interface ChartRowInput {
  label: string;
  segments: ChartSegment[];
}

export interface SvgRect {
  x: number;
  y: number;
  width: number;
  height: number;
  cls: string;
  title: string;
}

export interface SvgText {
  x: number;
  y: number;
  text: string;
  anchor: 'start' | 'end';
}

export interface SvgChart {
  id: string;
  title: string;
  /** The chart's values as one sentence, for screen readers. */
  description: string;
  width: number;
  height: number;
  rects: SvgRect[];
  texts: SvgText[];
  empty: boolean;
  /** Legend entries (stacked charts). */
  legend: { cls: string; name: string }[];
}

const WIDTH = 640;
const LABEL_WIDTH = 230;
const VALUE_WIDTH = 60;
const ROW = 22;
const BAR = 15;
const TOP = 4;
const MAX_ROWS = 15;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function stackedBars(id: string, title: string, rows: readonly ChartRowInput[]): SvgChart {
  const shown = rows.slice(0, MAX_ROWS);
  const max = Math.max(1, ...shown.map((r) => r.segments.reduce((n, s) => n + s.count, 0)));
  const scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / max;
  const rects: SvgRect[] = [];
  const texts: SvgText[] = [];
  shown.forEach((row, i) => {
    const y = TOP + i * ROW;
    let x = LABEL_WIDTH;
    let total = 0;
    texts.push({ x: LABEL_WIDTH - 8, y: y + BAR - 3, text: truncate(row.label, 34), anchor: 'end' });
    for (const s of row.segments) {
      if (s.count === 0) continue;
      const width = Math.max(1, Math.round(s.count * scale * 10) / 10);
      rects.push({ x, y, width, height: BAR, cls: s.cls, title: `${row.label}: ${s.name} ${s.count}` });
      x += width;
      total += s.count;
    }
    texts.push({ x: x + 6, y: y + BAR - 3, text: String(total), anchor: 'start' });
  });
  const description = rows.map((r) => `${r.label}: ${r.segments.map((s) => (r.segments.length > 1 ? `${s.name} ${s.count}` : String(s.count))).join(', ')}`).join('; ');
  // Legend in segment order (severities worst first), for the segments the chart shows.
  const legendNames = new Map<string, string>();
  const segments = Math.max(0, ...shown.map((r) => r.segments.length));
  for (let i = 0; i < segments && segments > 1; i++) for (const r of shown) {
    const s = r.segments[i];
    if (s && s.count > 0 && !legendNames.has(s.cls)) legendNames.set(s.cls, s.name);
  }
  return {
    id,
    title,
    description: rows.length > MAX_ROWS ? `${description} (first ${MAX_ROWS} of ${rows.length} shown)` : description,
    width: WIDTH,
    height: TOP * 2 + Math.max(1, shown.length) * ROW,
    rects,
    texts,
    empty: rows.every((r) => r.segments.every((s) => s.count === 0)),
    legend: [...legendNames].map(([cls, name]) => ({ cls, name })),
  };
}

function severitySegments(counts: readonly { severity: Severity; count: number }[]): ChartSegment[] {
  return counts.map((c) => ({ count: c.count, cls: `fill-${c.severity}`, name: SEVERITY_LABEL[c.severity] }));
}

function bucketRows(buckets: readonly BucketRow[], name: string): ChartRowInput[] {
  return buckets.map((b) => ({ label: b.label, segments: [{ count: b.count, cls: 'fill-bar', name }] }));
}

export interface ChartsView {
  findingsByRule: SvgChart;
  keyAge: SvgChart;
  lastUse: SvgChart;
  /** Null when fewer than two scans are known. */
  trend: SvgChart | null;
}

export function chartsView(charts: Charts): ChartsView {
  const byRule = charts.findingsByRule.map((r: RuleChartRow) => ({ label: r.ruleId, segments: severitySegments(r.bySeverity) }));
  const trend = charts.trend.map((p: TrendPoint) => ({ label: p.atText, segments: severitySegments(p.bySeverity) }));
  return {
    findingsByRule: stackedBars('chart-rules', 'Open findings by rule and severity', byRule),
    keyAge: stackedBars('chart-key-age', 'Active credentials by age', bucketRows(charts.keyAge, 'credentials')),
    lastUse: stackedBars('chart-last-use', 'Identities by last use', bucketRows(charts.lastUse, 'identities')),
    trend: trend.length < 2 ? null : stackedBars('chart-trend', 'Open findings over the latest scans', trend),
  };
}
