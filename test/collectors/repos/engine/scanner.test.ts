import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../../../../src/collectors/repos/rules/index.ts';
import { fakeChars, githubStyleToken } from '../../../../src/collectors/repos/rules/fake.ts';

const scanner = createScanner();
const ghp = githubStyleToken('ghp', 'scanner-test');
const akia = 'AKIA2FAKEKEYQ7ZT3MVB';
const awsSecret = `FAKE${fakeChars('scanner-aws', 30)}/+Ab12`;

describe('positions', () => {
  it.each([
    ['first line', `token=${ghp}`, 1, 7],
    ['third line', `a\nbb\nX=${ghp}\n`, 3, 3],
    ['CRLF', `a\r\nbb\r\n  GH=${ghp}\r\n`, 3, 6],
    ['after unicode', `é=1\n// ✓ ok\nk: ${ghp}`, 3, 4],
  ])('%s', (_label, text, line, column) => {
    const [hit] = scanner.scan(text).filter((h) => h.ruleId === 'github-personal-access-token');
    expect(hit).toMatchObject({ line, column, endLine: line, endColumn: column + ghp.length });
  });

  it('sorts hits by position and reports multi-line spans', () => {
    const pem = SECRET_RULES.find((r) => r.id === 'private-key')!.samples.match[0]!;
    const text = `x = 1\nGH=${ghp}\n${pem}id = ${akia}\n`;
    const hits = scanner.scan(text);
    expect(hits.map((h) => h.ruleId)).toEqual(['github-personal-access-token', 'private-key', 'aws-access-key-id']);
    const key = hits[1]!;
    expect(key.line).toBe(3);
    expect(key.column).toBe(1);
    expect(key.endLine).toBe(3 + pem.trimEnd().split('\n').length - 1);
    expect(hits[2]!.line).toBe(key.endLine + 1);
  });

  it('finds each occurrence of a repeated secret', () => {
    const text = Array.from({ length: 10 }, (_, i) => `t${i}=${ghp}`).join('\n');
    const hits = scanner.scan(text);
    expect(hits.map((h) => h.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(hits.map((h) => h.fingerprint)).size).toBe(1);
  });
});

describe('sprawl:allow', () => {
  it.each([
    ['bare marker allows', `GH=${ghp} # sprawl:allow`, true],
    ['matching rule id allows', `GH=${ghp} # sprawl:allow github-personal-access-token`, true],
    ['family allows', `GH=${ghp} // sprawl:allow github`, true],
    ['list allows', `GH=${ghp} // sprawl:allow aws-access-key-id,github-personal-access-token`, true],
    ['other rule id does not', `GH=${ghp} # sprawl:allow aws-access-key-id`, false],
    ['free text after the marker allows', `GH=${ghp} # sprawl:allow test fixture`, true],
    ['no marker', `GH=${ghp}`, false],
    ['marker on another line', `# sprawl:allow\nGH=${ghp}`, false],
  ])('%s', (_label, text, allowed) => {
    const hits = scanner.scan(text).filter((h) => h.ruleId === 'github-personal-access-token');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.allowed).toBe(allowed);
  });
});

describe('secrecy', () => {
  it('never puts a raw secret into a hit', () => {
    const secrets: string[] = [ghp, awsSecret];
    let text = `GH=${ghp}\naws_secret_access_key = ${awsSecret}\n`;
    for (const rule of SECRET_RULES) text += `${rule.samples.match.join('\n')}\n`;
    const hits = scanner.scan(text);
    const json = JSON.stringify(hits);
    for (const s of secrets) expect(json).not.toContain(s);
    // every captured value of every rule, except identifiers that are not secret by design
    for (const rule of SECRET_RULES) {
      for (const sample of rule.samples.match) {
        for (const m of sample.matchAll(new RegExp(rule.pattern.source, rule.pattern.flags))) {
          const v = m.groups?.['secret'];
          if (v === undefined || rule.publicId?.(v, m.groups ?? {}) === v) continue;
          expect(json).not.toContain(v);
        }
      }
    }
    expect(hits.length).toBeGreaterThan(SECRET_RULES.length);
  });

  it('the AWS access key id is the only value that appears, as publicId', () => {
    const [hit] = scanner.scan(`id=${akia}`);
    expect(hit).toMatchObject({ ruleId: 'aws-access-key-id', publicId: akia });
    expect(hit!.preview).not.toContain(akia);
  });
});

describe('options', () => {
  it('disabledRules leaves rules out', () => {
    const s = createScanner({ disabledRules: ['github-personal-access-token'] });
    expect(s.scan(`GH=${ghp}`).map((h) => h.ruleId)).not.toContain('github-personal-access-token');
    expect(s.rules.some((r) => r.id === 'github-personal-access-token')).toBe(false);
  });

  it('rules replaces the rule set', () => {
    const only = SECRET_RULES.filter((r) => r.family === 'aws');
    const s = createScanner({ rules: only });
    expect(s.scan(`GH=${ghp}\nid=${akia}`).map((h) => h.ruleId)).toEqual(['aws-access-key-id']);
  });

  it('scanBuffer decodes UTF-8', () => {
    const text = `ü=1\nGH=${ghp}`;
    expect(scanner.scanBuffer(Buffer.from(text, 'utf8'))).toEqual(scanner.scan(text));
  });

  it('empty and keyword-free text give nothing', () => {
    expect(scanner.scan('')).toEqual([]);
    expect(scanner.scan('hello world\n'.repeat(1000))).toEqual([]);
  });

  it('a specific rule suppresses the generic one on the same value', () => {
    const ids = scanner.scan(`password = "${ghp}"`).map((h) => h.ruleId);
    expect(ids).toEqual(['github-personal-access-token']);
  });

  it('positions survive characters that lower-case to two code units', () => {
    const text = `İİİ\nGH=${ghp}`;
    expect(scanner.scan(text)[0]).toMatchObject({ line: 2, column: 4 });
  });
});
