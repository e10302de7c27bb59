/**
 * With the real engine and rules: every rule's own match samples, scanned, rendered in every format;
 * the secret (cut from the sample at the hit's region) must appear in none, unless it is the hit's
 * publicId (an AWS access key id is both the match and the public identifier).
 */
import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../../src/collectors/repos/engine/index.ts';
import { SECRET_FORMATS, renderSecrets } from '../../../../src/collectors/repos/output/index.ts';
import { SECRET_RULES } from '../../../../src/collectors/repos/rules/index.ts';
import type { SecretHit } from '../../../../src/collectors/repos/types.ts';
import { stats } from './fixtures.ts';
import { githubSarif } from './sarif-schema.ts';

/** The text of the hit's region, lines and columns 1-based, end column exclusive. */
function cut(text: string, hit: SecretHit): string {
  const lines = text.split('\n');
  if (hit.line === hit.endLine) return lines[hit.line - 1]!.slice(hit.column - 1, hit.endColumn - 1);
  const parts = [lines[hit.line - 1]!.slice(hit.column - 1), ...lines.slice(hit.line, hit.endLine - 1), lines[hit.endLine - 1]!.slice(0, hit.endColumn - 1)];
  return parts.join('\n');
}

const scanner = createScanner({ rules: SECRET_RULES });
const loaded = { rules: SECRET_RULES, scan: (text: string) => scanner.scan(text) };
const cases = SECRET_RULES.flatMap((rule) => rule.samples.match.map((sample, i) => ({ id: `${rule.id} #${i + 1}`, sample })));

describe('with the engine: no secret in any output', () => {
  it.each(cases)('$id', ({ sample }) => {
    const { rules, scan } = loaded;
    const hits = scan(sample);
    expect(hits.length).toBeGreaterThan(0);
    const findings = hits.map((h) => ({ ...h, location: { path: 'src/sample file.ts' } }));
    for (const format of SECRET_FORMATS) {
      const out = renderSecrets(format, { findings, stats: stats(), rules }, { toolVersion: '0.0.0' });
      for (const hit of hits) {
        const secret = cut(sample, hit);
        // a publicId (an AWS key id) identifies the credential and is not secret: outputs may show it
        if (secret.length >= 12 && secret !== hit.publicId) expect(out, `${format} shows the secret`).not.toContain(secret);
      }
      if (format === 'sarif') expect(githubSarif.safeParse(JSON.parse(out)).error?.issues ?? []).toEqual([]);
    }
  });
});
