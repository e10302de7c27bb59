/**
 * JSON input as tools write it: one document, a JSON array, JSON lines, or several documents
 * concatenated (pages appended with `>>`). Errors come back with absolute line and column.
 */

export interface JsonDocument {
  value: unknown;
  /** 1-based line where the document starts. */
  line: number;
}

export interface JsonProblem {
  line: number;
  column?: number;
  message: string;
}

export interface JsonDocuments {
  /** True when the text is one document (object or array); false for JSON lines or concatenated documents. */
  single: boolean;
  docs: JsonDocument[];
  problems: JsonProblem[];
}

/** Line and column of `pos`, counting from `from` (a known line start: counting from 0 each time is quadratic over many problems). */
const lineCol = (text: string, pos: number, from: { pos: number; line: number } = { pos: 0, line: 1 }): { line: number; column: number } => {
  let line = from.line;
  let lastBreak = from.pos - 1;
  for (let i = from.pos; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: pos - lastBreak };
};

/** Where V8's `Unexpected token 'x', ..."context"... is not valid JSON` points (it shows 10 characters before the token). */
function tokenPosition(message: string, chunk: string): number | undefined {
  const m = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [, token = '', lead, context = ''] = m;
  const start = chunk.indexOf(context);
  if (start < 0) return undefined;
  const inContext = lead ? 10 : context.indexOf(token);
  return inContext < 0 ? undefined : start + inContext;
}

/** JSON.parse with the error's place made absolute (`offset`: where `chunk` starts in `text`). */
function parseChunk(text: string, offset: number, chunk: string, from?: { pos: number; line: number }): { value: unknown } | { problem: JsonProblem } {
  try {
    return { value: JSON.parse(chunk) as unknown };
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(raw);
    const pos = at ? Number(at[1]) : tokenPosition(raw, chunk);
    const message = raw
      .replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, '')
      .replace(/, (\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
      .trim();
    const place = lineCol(text, offset + (pos ?? 0), from);
    return { problem: pos !== undefined ? { ...place, message } : { line: place.line, message } };
  }
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** End (exclusive) of the JSON value starting at `start`: brackets balanced outside strings, or end of line for scalars. */
function valueEnd(text: string, start: number): number {
  const open = text[start];
  if (open !== '{' && open !== '[') {
    const nl = text.indexOf('\n', start);
    return nl < 0 ? text.length : nl;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

function isObjectLine(l: string): boolean {
  const t = l.trim();
  if (!t.startsWith('{')) return false;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Splits and parses. Never throws: unreadable parts become problems with their line. */
export function parseJsonDocuments(input: string): JsonDocuments {
  const text = input.replace(/^\uFEFF/, '');
  if (text.trim() === '') return { single: true, docs: [], problems: [{ line: 1, message: 'the file is empty' }] };
  const whole = parseChunk(text, 0, text);
  const start = text.search(/\S/);
  if ('value' in whole) return { single: true, docs: [{ value: whole.value, line: lineCol(text, start).line }], problems: [] };

  const lines = text.split('\n');
  const nonBlank = lines.filter((l) => l.trim() !== '');
  const objectLines = nonBlank.filter((l) => isObjectLine(l)).length;
  // JSON lines when most lines are objects on their own (a malformed line among them stays one line).
  if (objectLines > 0 && objectLines * 2 >= nonBlank.length) return jsonLines(text, lines);
  const concatenated = concatenatedDocuments(text, start);
  // Some lines are objects of their own, most are not: JSON lines with many broken lines, or
  // pretty-printed documents. Whichever reading keeps more documents (a broken `{` line read as the
  // start of a document would swallow the good lines after it).
  if (objectLines > 0) {
    const asLines = jsonLines(text, lines);
    if (weight(asLines) > weight(concatenated)) return asLines;
  }
  return concatenated;
}

/** How many entries the documents hold: an array's items, a list response's `data` items, else one each. */
function weight(d: JsonDocuments): number {
  let n = 0;
  for (const { value: v } of d.docs) {
    const data = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)['data'] : undefined;
    n += Array.isArray(v) ? v.length : Array.isArray(data) ? data.length : 1;
  }
  return n;
}

/** Every non-blank line a document of its own. */
function jsonLines(text: string, lines: string[]): JsonDocuments {
  const docs: JsonDocument[] = [];
  const problems: JsonProblem[] = [];
  let offset = 0;
  lines.forEach((l, i) => {
    if (l.trim() !== '') {
      const r = parseChunk(text, offset, l, { pos: offset, line: i + 1 });
      if ('value' in r) docs.push({ value: r.value, line: i + 1 });
      else problems.push(r.problem);
    }
    offset += l.length + 1;
  });
  return { single: false, docs, problems };
}

/** Concatenated documents (possibly pretty-printed). */
function concatenatedDocuments(text: string, start: number): JsonDocuments {
  const docs: JsonDocument[] = [];
  const problems: JsonProblem[] = [];
  let i = start;
  let at = { pos: 0, line: 1 }; // the start of the line `i` is on, moved forward only
  while (i < text.length) {
    while (i < text.length && isBlank(text[i])) i++;
    if (i >= text.length) break;
    const end = valueEnd(text, i);
    const here = lineCol(text, i, at);
    at = { pos: i - here.column + 1, line: here.line };
    const r = parseChunk(text, i, text.slice(i, end), at);
    if ('value' in r) docs.push({ value: r.value, line: here.line });
    else problems.push(r.problem);
    i = end;
  }
  // One document that fails to parse: report it as such, not as concatenated pieces.
  return { single: docs.length + problems.length <= 1, docs, problems };
}

export const describeProblem = (p: JsonProblem): string => `line ${p.line}${p.column !== undefined ? ` column ${p.column}` : ''}`;

/** A JSON path segment: `.Name` or `[3]`. */
export const key = (path: string, k: string | number): string => (typeof k === 'number' ? `${path}[${k}]` : `${path}.${k}`);

export const asObject = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
