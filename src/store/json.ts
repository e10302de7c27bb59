/** JSON columns: parse defensively, a bad row names itself instead of crashing a report. */
export function parseJson<T>(text: string | null | undefined, fallback: T, where: string): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`corrupt JSON in the store (${where})`);
  }
}

export const bool = (n: number | string | boolean): boolean => n === 1 || n === '1' || n === true;
export const num = (n: number | string | bigint | null | undefined): number => Number(n ?? 0);
export const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
