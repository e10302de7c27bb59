/**
 * The people list: who may own an identity. A CSV file with a header row naming an `email`
 * column (and optionally an `active` column: `false`, `no`, `0`, `inactive` drop the row), or a
 * JSON array of emails or of `{ "email": ..., "active": ... }` objects (`active: false` drops
 * it). Emails are lower-cased. Errors name the file and the line.
 */
import { readFileSync } from 'node:fs';

export class PeopleFileError extends Error {
  constructor(file: string, line: number | undefined, message: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
    this.name = 'PeopleFileError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const INACTIVE = new Set(['false', 'no', 'n', '0', 'inactive', 'disabled', 'off']);

function email(raw: string, file: string, line: number | undefined): string {
  const e = raw.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new PeopleFileError(file, line, `"${raw}" is not an email address`);
  return e;
}

/** Splits one CSV line (RFC 4180 quotes, `""` inside quotes); undefined on an unclosed quote. */
export function splitCsvLine(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** Active people's emails from CSV text with an `email` header column. */
export function parsePeopleCsv(text: string, file: string): Set<string> {
  const people = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let emailCol = -1;
  let activeCol = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = splitCsvLine(line);
    if (!cells) throw new PeopleFileError(file, i + 1, 'unclosed quote');
    if (emailCol < 0) {
      const header = cells.map((c) => c.toLowerCase());
      emailCol = header.indexOf('email');
      if (emailCol < 0) throw new PeopleFileError(file, i + 1, 'the header row has no "email" column');
      activeCol = header.indexOf('active');
      continue;
    }
    const value = cells[emailCol] ?? '';
    if (value === '') throw new PeopleFileError(file, i + 1, 'empty email');
    const e = email(value, file, i + 1);
    if (activeCol >= 0 && INACTIVE.has((cells[activeCol] ?? '').toLowerCase())) continue;
    people.add(e);
  }
  if (emailCol < 0) throw new PeopleFileError(file, undefined, 'empty file: expected a header row with an "email" column');
  return people;
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** Line of the n-th element (0-based) of a top-level JSON array, best effort. */
function elementLine(text: string, n: number): number | undefined {
  let depth = 0;
  let inString = false;
  let index = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && ch !== undefined && !/[\s,\]]/.test(ch) && (index < 0 || /[,[]/.test(prevSignificant(text, i)))) {
      index++;
      if (index === n) return lineAt(text, i);
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
  }
  return undefined;
}

function prevSignificant(text: string, i: number): string {
  for (let j = i - 1; j >= 0; j--) {
    const ch = text[j] ?? '';
    if (!/\s/.test(ch)) return ch;
  }
  return '';
}

/**
 * Offset of the first syntax error in JSON text (a small validator: engines differ in whether
 * their messages carry a position), or undefined when none is found.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  };
  const value = (): boolean => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (close === '}') {
          ws();
          if (text[i] !== '"' || !string()) return false;
          ws();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value()) return false;
        ws();
        if (text[i] === close) {
          i++;
          return true;
        }
        if (text[i] !== ',') return false;
        i++;
      }
    }
    if (ch === '"') return string();
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) return false;
    i++;
    return true;
  };
  if (!value()) return Math.min(i, text.length);
  ws();
  return i < text.length ? i : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Active people's emails from a JSON array of emails or of `{ email, active }` objects. */
export function parsePeopleJson(text: string, file: string): Set<string> {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    throw new PeopleFileError(file, offset !== undefined ? lineAt(text, offset) : undefined, `invalid JSON: ${message}`);
  }
  if (!Array.isArray(data)) throw new PeopleFileError(file, 1, 'expected a JSON array of emails or of { "email", "active" } objects');
  const people = new Set<string>();
  data.forEach((entry: unknown, n) => {
    const line = elementLine(text, n);
    if (typeof entry === 'string') {
      people.add(email(entry, file, line));
      return;
    }
    if (!isRecord(entry) || typeof entry['email'] !== 'string') {
      throw new PeopleFileError(file, line, `entry ${n + 1}: expected an email or an object with an "email" string`);
    }
    const active = entry['active'];
    if (active !== undefined && typeof active !== 'boolean') throw new PeopleFileError(file, line, `entry ${n + 1}: "active" must be true or false`);
    const e = email(entry['email'], file, line);
    if (active !== false) people.add(e);
  });
  return people;
}

/** Parses a people file's text: JSON when it is `.json` or starts with `[`, CSV otherwise. */
export function parsePeople(text: string, file: string): Set<string> {
  const json = file.toLowerCase().endsWith('.json') || text.replace(/^\uFEFF/, '').trimStart().startsWith('[');
  return json ? parsePeopleJson(text, file) : parsePeopleCsv(text, file);
}

/** Reads a people file (see the module comment). Throws PeopleFileError naming the file and line. */
export function loadPeople(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PeopleFileError(file, undefined, `cannot read the people file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parsePeople(text, file);
}
