/**
 * Session command text as sprawl keeps it: at most 1 KB, with every span the secret scanner
 * recognises replaced by its redacted preview. The scan runs on a larger prefix than is kept so
 * a secret straddling the cut is still found; the raw text goes no further than this function.
 */
import { createScanner } from '../repos/engine/index.ts';
import type { Scanner } from '../repos/engine/index.ts';

export const COMMAND_MAX = 1024;
const SCAN_MAX = 8 * 1024;
let scanner: Scanner | undefined;

/** Offsets of each line's first character. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function redactCommand(text: string, max: number = COMMAND_MAX): string {
  const head = text.length > SCAN_MAX ? text.slice(0, SCAN_MAX) : text;
  scanner ??= createScanner();
  const hits = scanner.scan(head);
  let out = head;
  if (hits.length > 0) {
    const starts = lineStarts(head);
    const spans = hits
      .map((h) => ({ start: (starts[h.line - 1] ?? 0) + h.column - 1, end: (starts[h.endLine - 1] ?? 0) + h.endColumn - 1, preview: h.preview }))
      .sort((a, b) => b.start - a.start);
    let floor = Number.POSITIVE_INFINITY;
    for (const s of spans) {
      if (s.end > floor) continue; // overlapping hit: the later one is already replaced
      out = out.slice(0, s.start) + `[REDACTED ${s.preview}]` + out.slice(s.end);
      floor = s.start;
    }
  }
  return out.length > max || text.length > head.length ? `${out.slice(0, max)}…` : out;
}
