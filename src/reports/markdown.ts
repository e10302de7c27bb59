/**
 * A Markdown summary of the report, sized for a pull-request comment or GitHub's CI step summary:
 * headline counts, the change since the previous scan, the worst findings (bounded), no links.
 * Identity names, scopes and messages are attacker-controlled: every piece of text is escaped so
 * it renders as itself, breaks no table, pings nobody (@mentions, #references) and links nowhere.
 */
import type { FindingRow, ReportModel } from './model.ts';
import { plural } from './format.ts';

/** GitHub refuses comments over 65,536 characters; the summary stays well below. */
export const MARKDOWN_MAX_CHARS = 50_000;
/** Findings listed at most; the rest are counted. */
export const MARKDOWN_MAX_FINDINGS = 25;
/** Resolved findings listed at most; the rest are counted. */
export const MARKDOWN_MAX_RESOLVED = 10;
/** Characters of one cell's text kept before escaping. */
const MAX_CELL_CHARS = 200;
/** Failed sources listed at most. */
const MAX_FAILED_SOURCES = 10;

const ZWJ = '\u200D';

/** Text as one inline Markdown run: escaped, on one line, not a mention, a reference or a link. */
export function escapeMarkdown(text: string, maxChars = MAX_CELL_CHARS): string {
  const chars = [...text.replace(/[\r\n\t\f\v\u2028\u2029]+/g, ' ')];
  const clipped = chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + '…' : chars.join('');
  return (
    clipped
      // Every ASCII punctuation mark CommonMark lets a backslash escape, pipes included (GFM tables);
      // & < > become entities after, so that no entity gets a backslash.
      .replace(/[\\`*_{}[\]()#+\-.!|~"'$%,/:;=?^]/g, '\\$&')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // A zero-width joiner after @ and # keeps the text but stops mentions and issue references.
      .replace(/[@#]/g, `$&${ZWJ}`)
      // No autolinks: GFM links bare www. and scheme:// text even when escaped.
      .replace(/(www)\\\./gi, `$1${ZWJ}\\.`)
      .replace(/:\\\/\\\//g, `:${ZWJ}\\/\\/`)
  );
}

function headline(model: ReportModel): string[] {
  const s = model.summary;
  const scan = `Scan ${escapeMarkdown(model.scan.id)} (${model.scan.statusLabel}), ${model.scan.finishedAtText ?? model.scan.startedAtText}`;
  const lines = [`## sprawl: ${escapeMarkdown(model.title)}`, '', scan, ''];
  lines.push('| Identities | Unowned | Credentials (active) | Findings | New | Resolved | Exempt |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|');
  lines.push(
    `| ${s.identities.total} | ${s.identities.unowned} | ${s.credentials.total} (${s.credentials.active}) | ${s.findings.total} | ${s.findings.new} | ${s.findings.resolved} | ${s.findings.exempt} |`,
  );
  lines.push('', `**By severity:** ${s.findings.bySeverity.map((b) => `${b.label} ${b.count}`).join(' · ')}`);
  return lines;
}

function partialWarning(model: ReportModel): string[] {
  if (!model.scan.partial) return [];
  const failed = model.failedSources;
  const names = failed.slice(0, MAX_FAILED_SOURCES).map((f) => escapeMarkdown(f.source));
  const more = failed.length > MAX_FAILED_SOURCES ? ` and ${failed.length - MAX_FAILED_SOURCES} more` : '';
  const which = failed.length > 0 ? `: ${plural(failed.length, 'source')} failed (${names.join(', ')}${more})` : '';
  return ['', `> **Partial scan**${which}. Findings of what was not collected are missing.`];
}

function change(model: ReportModel): string[] {
  const f = model.summary.findings;
  const lines = ['', '### Change since the previous scan', ''];
  const prev = model.previousScan;
  if (!prev) {
    lines.push(`No previous scan to compare with: ${plural(f.new, 'finding')} reported as new.`);
    return lines;
  }
  const against = `Compared with scan ${escapeMarkdown(prev.id)} (${prev.atText})`;
  if (f.new === 0 && f.resolved === 0) lines.push(`${against}: no finding new or resolved.`);
  else lines.push(`${against}: **${plural(f.new, 'new finding')}**, **${f.resolved} resolved**.`);
  return [...lines, ...resolvedTable(model.resolvedFindings)];
}

/** The resolved findings, worst first, at most MARKDOWN_MAX_RESOLVED of them. */
function resolvedTable(rows: readonly FindingRow[]): string[] {
  if (rows.length === 0) return [];
  const lines = ['', '| Resolved | Rule | Identity | Finding |', '|---|---|---|---|'];
  for (const f of rows.slice(0, MARKDOWN_MAX_RESOLVED)) lines.push(`| ${[f.severityLabel, escapeMarkdown(f.ruleId), escapeMarkdown(f.identityName), escapeMarkdown(f.message)].join(' | ')} |`);
  if (rows.length > MARKDOWN_MAX_RESOLVED) lines.push('', `…and ${plural(rows.length - MARKDOWN_MAX_RESOLVED, 'more resolved finding')}.`);
  return lines;
}

function findingLine(f: FindingRow): string {
  const cells = [f.severityLabel, f.statusLabel, escapeMarkdown(f.ruleId), escapeMarkdown(f.identityName), escapeMarkdown(f.message)];
  return `| ${cells.join(' | ')} |`;
}

/** New before open within a severity, as the model otherwise orders them (worst first). */
function topFindings(model: ReportModel): FindingRow[] {
  const active = model.findings.filter((f) => f.status === 'new' || f.status === 'open');
  return active.sort((a, b) => b.severityRank - a.severityRank || Number(b.status === 'new') - Number(a.status === 'new'));
}

function findingsTable(model: ReportModel, budget: number, maxFindings: number): string[] {
  const rows = topFindings(model);
  if (rows.length === 0) return ['', '### Findings', '', 'No open findings.'];
  const lines = ['', '### Top findings', '', '| Severity | Status | Rule | Identity | Finding |', '|---|---|---|---|---|'];
  let used = lines.join('\n').length;
  let shown = 0;
  for (const f of rows.slice(0, maxFindings)) {
    const line = findingLine(f);
    if (used + line.length + 1 > budget) break;
    lines.push(line);
    used += line.length + 1;
    shown++;
  }
  if (shown < rows.length) lines.push('', `…and ${plural(rows.length - shown, 'more finding')}: run \`sprawl report\` for the full report.`);
  return lines;
}

/** The summary; `maxChars` bounds the whole text (the findings table gives way first). */
export function renderMarkdown(model: ReportModel, opts: { maxChars?: number; maxFindings?: number } = {}): string {
  const maxChars = opts.maxChars ?? MARKDOWN_MAX_CHARS;
  const head = [...headline(model), ...partialWarning(model), ...change(model)];
  const footer = ['', `<sub>sprawl ${escapeMarkdown(model.tool.version)} · generated ${model.generatedAtText}</sub>`];
  // Room for the "N more" line is kept inside the budget.
  const budget = maxChars - head.join('\n').length - footer.join('\n').length - 200;
  return [...head, ...findingsTable(model, budget, opts.maxFindings ?? MARKDOWN_MAX_FINDINGS), ...footer].join('\n') + '\n';
}
