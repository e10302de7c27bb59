/**
 * A small gitignore-syntax matcher, for `.sprawlignore`, the config's path allowlists and (outside
 * git) `.gitignore` files. Supports comments, blank lines, `!` negation, `\` escapes, a leading or
 * middle `/` (anchored to the file's folder), a trailing `/` (folders only), `*`, `?`, `[...]` and
 * `**` (leading, between slashes, trailing). As in git, a file under an ignored folder stays ignored
 * whatever a later negation says.
 */

export interface IgnoreRule {
  /** The pattern as written (for messages). */
  source: string;
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
  /** Folder the rule is relative to ('' for the scan root), without a trailing slash. */
  base: string;
}

export interface PathMatcher {
  /** `path` is relative to the scan root with `/` separators; `isDir` for folders. */
  ignores(path: string, isDir?: boolean): boolean;
}

/** Parses the lines of an ignore file (or a list of globs) into rules relative to `base`. */
export function parseIgnore(text: string | readonly string[], base = ''): IgnoreRule[] {
  const lines = typeof text === 'string' ? text.split(/\r?\n/) : text;
  const rules: IgnoreRule[] = [];
  for (const raw of lines) {
    const rule = parseLine(raw, base.replace(/\/+$/, ''));
    if (rule) rules.push(rule);
  }
  return rules;
}

function parseLine(raw: string, base: string): IgnoreRule | undefined {
  let line = trimTrailingSpaces(raw);
  if (line === '' || line.startsWith('#')) return undefined;
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  let dirOnly = false;
  while (line.endsWith('/') && !line.endsWith('\\/')) {
    dirOnly = true;
    line = line.slice(0, -1);
  }
  if (line === '') return undefined;
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.replace(/^\/+/, '');
  if (line === '') return undefined;
  const body = globToRegex(line);
  const prefix = anchored || line.startsWith('**/') ? '' : '(?:.*/)?';
  return { source: raw, regex: new RegExp(`^${prefix}${body}$`), negate, dirOnly, base };
}

function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) {
    if (end > 1 && line[end - 2] === '\\') break;
    end--;
  }
  return line.slice(0, end);
}

const SPECIAL = /[.*+?^${}()|[\]\\/-]/g;

function escapeChar(c: string): string {
  return c.replace(SPECIAL, '\\$&');
}

/** Glob (no trailing slash, no leading slash) to a regex body. */
export function globToRegex(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0;
        const afterSlash = i > 0 && glob[i - 1] === '/';
        const next = glob[i + 2];
        if ((atStart || afterSlash) && next === '/') {
          out += '(?:.*/)?';
          i += 3;
          continue;
        }
        if (afterSlash && next === undefined) {
          out += '.+';
          i += 2;
          continue;
        }
        if (atStart && next === undefined) {
          out += '.*';
          i += 2;
          continue;
        }
        out += '[^/]*';
        i += 2;
        while (glob[i] === '*') i++;
        continue;
      }
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '\\') {
      const n = glob[i + 1];
      out += n === undefined ? '\\\\' : escapeChar(n);
      i += 2;
    } else if (c === '[') {
      const cls = readClass(glob, i);
      if (cls) {
        out += cls.regex;
        i = cls.end;
      } else {
        out += '\\[';
        i++;
      }
    } else {
      out += escapeChar(c);
      i++;
    }
  }
  return out;
}

function readClass(glob: string, start: number): { regex: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < glob.length) {
    const c = glob[i] ?? '';
    if (c === ']' && !first) return { regex: `(?![/])[${negate ? '^' : ''}${body}]`, end: i + 1 };
    if (c === '\\' && i + 1 < glob.length) {
      body += escapeChar(glob[i + 1] ?? '');
      i += 2;
    } else {
      body += c === '-' ? '-' : escapeChar(c);
      i++;
    }
    first = false;
  }
  return undefined;
}

/** A matcher over rule sets; later rules win, as in git (outer files first, deeper files later). */
export function createMatcher(rules: readonly IgnoreRule[]): PathMatcher {
  const dirCache = new Map<string, boolean>();
  const decide = (path: string, isDir: boolean): boolean => {
    let ignored = false;
    for (const rule of rules) {
      if (rule.dirOnly && !isDir) continue;
      let rel = path;
      if (rule.base) {
        if (!path.startsWith(rule.base + '/')) continue;
        rel = path.slice(rule.base.length + 1);
      }
      if (rule.regex.test(rel)) ignored = !rule.negate;
    }
    return ignored;
  };
  const dirIgnored = (dir: string): boolean => {
    let v = dirCache.get(dir);
    if (v === undefined) {
      const slash = dir.lastIndexOf('/');
      v = (slash > 0 && dirIgnored(dir.slice(0, slash))) || decide(dir, true);
      if (dirCache.size > 100_000) dirCache.clear();
      dirCache.set(dir, v);
    }
    return v;
  };
  return {
    ignores(path: string, isDir = false): boolean {
      if (rules.length === 0) return false;
      const p = path.replace(/^\.\/+/, '').replace(/\/+$/, '');
      const slash = p.lastIndexOf('/');
      if (slash > 0 && dirIgnored(p.slice(0, slash))) return true;
      return isDir ? dirIgnored(p) : decide(p, false);
    },
  };
}

/** Matches nothing. */
export const matchNothing: PathMatcher = { ignores: () => false };
