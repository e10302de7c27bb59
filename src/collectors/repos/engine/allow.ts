/**
 * `sprawl:allow` comments. A hit is allowed when its first or last line carries `sprawl:allow`;
 * `sprawl:allow <id>[,<id>...]` restricts that to the listed rule ids or families. A word after the
 * marker that names no rule or family (`sprawl:allow test fixture`) does not restrict.
 */
export const ALLOW_MARKER = 'sprawl:allow';
const ALLOW = /sprawl:allow(?:[ \t]+([A-Za-z0-9_,-]+))?/g;

/** Whether one line's comments allow a hit of this rule. */
export function lineAllows(line: string, ruleId: string, family: string, known: ReadonlySet<string>): boolean {
  ALLOW.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ALLOW.exec(line)) !== null) {
    const names = (m[1] ?? '').split(',').filter((n) => known.has(n));
    if (names.length === 0 || names.includes(ruleId) || names.includes(family)) return true;
  }
  return false;
}
