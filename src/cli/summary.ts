import type { Severity } from '../model/index.ts';
import { SEVERITIES, severityRank } from '../model/index.ts';
import type { ScanResult } from '../pipeline/scan.ts';
import { paint, table, type Style, type Terminal } from './terminal.ts';

const SEVERITY_STYLE: Record<Severity, Style> = { critical: 'magenta', high: 'red', medium: 'yellow', low: 'blue', info: 'gray' };

/** The scan summary as JSON (`--json`): stable keys, no secrets. */
export function summaryJson(result: ScanResult, extra: Record<string, unknown> = {}): string {
  const { scan, counts, analysis, durationMs } = result;
  return JSON.stringify(
    {
      scan: { id: scan.id, status: scan.status, startedAt: scan.startedAt, finishedAt: scan.finishedAt ?? null, durationMs },
      sources: scan.sources,
      inventory: counts,
      findings: analysis
        ? { total: analysis.findings, bySeverity: analysis.bySeverity, new: analysis.new, open: analysis.open, resolved: analysis.resolved }
        : null,
      verdicts: analysis?.verdicts ?? null,
      ...extra,
    },
    null,
    2,
  );
}

/** The scan summary as a readable table. */
export function summaryText(result: ScanResult, term: Pick<Terminal, 'color'>): string {
  const { scan, counts, analysis, durationMs } = result;
  const statusStyle: Style = scan.status === 'complete' ? 'green' : scan.status === 'partial' ? 'yellow' : 'red';
  const lines: string[] = [];
  lines.push(`${paint(term, 'bold', 'Scan')} ${scan.id}  ${paint(term, statusStyle, scan.status)}  ${(durationMs / 1000).toFixed(1)}s`);
  lines.push('');
  const rows = [['SOURCE', 'STATUS', 'ITEMS', 'ERROR'].map((h) => paint(term, 'dim', h))];
  for (const s of scan.sources) {
    rows.push([s.source, s.status === 'ok' ? paint(term, 'green', 'ok') : paint(term, 'red', 'failed'), String(s.items), s.error ?? '']);
  }
  lines.push(table(rows));
  lines.push('');
  lines.push(`Identities ${counts.identities}   Credentials ${counts.credentials}   Grants ${counts.grants}   Activity records ${counts.activities}${counts.leaks ? `   Committed secrets ${counts.leaks}${analysis ? ` (${analysis.leaksLinked} of inventory credentials)` : ''}` : ''}`);
  if (analysis) {
    const sev = SEVERITIES.filter((s) => analysis.bySeverity[s] > 0)
      .sort((a, b) => severityRank(b) - severityRank(a))
      .map((s) => paint(term, SEVERITY_STYLE[s], `${analysis.bySeverity[s]} ${s}`));
    lines.push(`Findings   ${analysis.findings}${sev.length ? ` (${sev.join(', ')})` : ''}   new ${analysis.new}   open ${analysis.open}   resolved ${analysis.resolved}`);
    const verdicts = Object.entries(analysis.verdicts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([v, n]) => `${v} ${n}`)
      .join('   ');
    if (verdicts) lines.push(`Verdicts   ${verdicts}`);
  } else if (scan.shard !== undefined) {
    lines.push(`Shard ${scan.shard} of run ${scan.runId ?? '?'}: collected, not analyzed; once every shard is in: sprawl analyze --run ${scan.runId ?? 'ID'}`);
  } else {
    lines.push(paint(term, 'yellow', 'Not analyzed: no source could be collected.'));
  }
  if (scan.status === 'partial') lines.push(paint(term, 'yellow', 'Partial scan: the failed sources above are missing; their findings were kept open, not resolved.'));
  return lines.join('\n');
}

export function countAtOrAbove(bySeverity: Record<Severity, number>, threshold: Severity): number {
  return SEVERITIES.filter((s) => severityRank(s) >= severityRank(threshold)).reduce((n, s) => n + bySeverity[s], 0);
}
