import { describe, expect, it } from 'vitest';
import { createProgressView } from '../../src/cli/progress.ts';

const ESC = String.fromCharCode(27);

function capture(live: boolean) {
  const chunks: string[] = [];
  const view = createProgressView({ color: false, live, columns: 100 }, (s) => chunks.push(s));
  return { view, text: () => chunks.join('') };
}

describe('progress view', () => {
  it('prints one plain line per finished source when not live (CI, pipes, --quiet)', () => {
    const { view, text } = capture(false);
    view.start('aws:1');
    view.update('aws:1', { pages: 2, items: 10, retries: 1 });
    view.finish('aws:1', { source: 'aws:1', status: 'ok', items: 10 });
    view.finish('aws:2', { source: 'aws:2', status: 'failed', items: 0, error: 'AccessDenied (HTTP 403)' });
    view.close();
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^aws:1: ok, 2 pages, 10 items, 1 retry in \d+\.\ds$/);
    expect(lines[1]).toMatch(/^aws:2: FAILED after \d+\.\ds: AccessDenied \(HTTP 403\)$/);
    expect(text()).not.toContain(ESC);
  });

  it('keeps the live block to running sources, printing each finished one once above it', () => {
    const { view, text } = capture(true);
    for (let i = 0; i < 20; i++) view.start(`aws:${i}`);
    view.finish('aws:0', { source: 'aws:0', status: 'ok', items: 1 });
    const firstDraw = text();
    expect(firstDraw).toContain('✔ aws:0');
    // 8 running lines and one "more" line, never all 19
    expect(firstDraw).toContain('and 11 more running');
    expect(firstDraw.split('\n').filter((l) => l.includes('aws:')).length).toBe(9);
    for (let i = 1; i < 20; i++) view.finish(`aws:${i}`, { source: `aws:${i}`, status: 'ok', items: 1 });
    view.close();
    const all = text();
    for (let i = 0; i < 20; i++) expect(all.split(`✔ aws:${i} `).length - 1, `aws:${i}`).toBe(1);
  });
});
