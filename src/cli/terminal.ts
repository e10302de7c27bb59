/** Terminal capabilities: colour only on a terminal, never with NO_COLOR or --no-color. */
export interface Terminal {
  color: boolean;
  /** stderr is an interactive terminal and not CI: live progress may redraw lines. */
  live: boolean;
  columns: number;
}

export function detectTerminal(opts: { noColor?: boolean; quiet?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): Terminal {
  const ci = Boolean(env.CI) && env.CI !== 'false' && env.CI !== '0';
  const noColor = opts.noColor === true || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return {
    color: !noColor && process.stdout.isTTY === true,
    live: !ci && !opts.quiet && process.stderr.isTTY === true && env.TERM !== 'dumb',
    columns: process.stderr.columns || 100,
  };
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

export function paint(term: Pick<Terminal, 'color'>, style: Style, text: string): string {
  return term.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

/** Pads a table: columns left-aligned, widths from the widest cell. */
const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');

/** Length of a string as shown, without colour codes. */
export function visibleLength(s: string): number {
  return s.replace(ANSI_STYLE, '').length;
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
