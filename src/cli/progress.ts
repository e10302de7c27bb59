import type { Progress, ProgressDelta } from '../collectors/context.ts';
import type { SourceOutcome } from '../model/index.ts';
import { paint, type Terminal } from './terminal.ts';

interface SourceState {
  source: string;
  pages: number;
  items: number;
  errors: number;
  retries: number;
  startedAt: number;
  finishedAt?: number;
  outcome?: SourceOutcome;
}

export interface ProgressView extends Progress {
  /** Stops redrawing and leaves the final lines on screen. */
  close(): void;
}

const MAX_LIVE_LINES = 8;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function counts(s: SourceState): string {
  const parts = [`${s.pages} page${s.pages === 1 ? '' : 's'}`];
  // Collectors hand over an account's records when it is complete: no item count while running.
  if (s.outcome || s.items > 0) parts.push(`${s.items} item${s.items === 1 ? '' : 's'}`);
  if (s.retries) parts.push(`${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}`);
  if (s.errors) parts.push(`${s.errors} error${s.errors === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Progress per source on stderr. On an interactive terminal the lines are redrawn in place a few
 * times a second (pages, items, retries, errors); otherwise (CI, pipes, --quiet) one plain line is
 * printed when a source finishes, so logs stay readable.
 */
export function createProgressView(term: Terminal, write: (s: string) => void = (s) => process.stderr.write(s)): ProgressView {
  const states = new Map<string, SourceState>();
  let drawn = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;

  const line = (s: SourceState): string => {
    const name = s.source.padEnd(22);
    if (!s.outcome) return `${paint(term, 'cyan', SPINNER[frame % SPINNER.length] ?? '*')} ${name} ${counts(s)}`;
    const took = seconds((s.finishedAt ?? Date.now()) - s.startedAt);
    if (s.outcome.status === 'ok') return `${paint(term, 'green', '✔')} ${name} ${counts(s)} (${took})`;
    return `${paint(term, 'red', '✖')} ${name} failed: ${s.outcome.error ?? 'unknown error'}`;
  };

  /** Finished sources not yet printed above the live block. */
  const settled: SourceState[] = [];

  const redraw = (): void => {
    if (!term.live) return;
    frame++;
    // Finished sources are printed once, above; the live block holds running sources only, so it
    // stays short however many accounts a scan has.
    let out = drawn > 0 ? `\u001b[${drawn}A\u001b[J` : '';
    for (const s of settled.splice(0)) out += `${line(s)}\n`;
    const running = [...states.values()].filter((s) => !s.outcome);
    const shown = running.slice(0, MAX_LIVE_LINES);
    const lines = shown.map((s) => line(s).slice(0, Math.max(20, term.columns - 1)));
    if (running.length > shown.length) lines.push(paint(term, 'dim', `  … and ${running.length - shown.length} more running`));
    for (const l of lines) out += `${l}\n`;
    drawn = lines.length;
    write(out);
  };

  const ensure = (source: string): SourceState => {
    let s = states.get(source);
    if (!s) {
      s = { source, pages: 0, items: 0, errors: 0, retries: 0, startedAt: Date.now() };
      states.set(source, s);
      if (term.live && !timer) {
        timer = setInterval(redraw, 120);
        timer.unref();
      }
    }
    return s;
  };

  return {
    start(source) {
      ensure(source);
    },
    update(source, delta: ProgressDelta) {
      const s = ensure(source);
      s.pages += delta.pages ?? 0;
      s.items += delta.items ?? 0;
      s.errors += delta.errors ?? 0;
      s.retries += delta.retries ?? 0;
    },
    finish(source, outcome) {
      const s = ensure(source);
      s.outcome = outcome;
      s.finishedAt = Date.now();
      if (s.items === 0) s.items = outcome.items;
      if (term.live) {
        settled.push(s);
        redraw();
      } else
        write(
          outcome.status === 'ok'
            ? `${outcome.source}: ok, ${counts(s)} in ${seconds(s.finishedAt - s.startedAt)}\n`
            : `${outcome.source}: FAILED after ${seconds(s.finishedAt - s.startedAt)}: ${outcome.error ?? 'unknown error'}\n`,
        );
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      redraw();
    },
  };
}
