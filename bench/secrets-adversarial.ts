/**
 * Benchmark: catastrophic backtracking. For every detection rule, adversarial lines built from the
 * rule itself: long runs of the characters each character class of its pattern accepts (right after
 * each keyword, and after `keyword=`), keywords back to back, and near-miss prefixes (every match
 * sample cut short, repeated); each line one long line, no newline. Each input is scanned by a
 * scanner of that rule alone; prints per detector the worst input and its time in ms per MB.
 *   node bench/secrets-adversarial.ts [megabytes=1]
 * test/reliability/repos-backtracking.test.ts runs the same inputs at 1 MB under a generous bound.
 */
import { createScanner } from '../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../src/collectors/repos/rules/index.ts';
import type { SecretRule } from '../src/collectors/repos/types.ts';

export interface AdversarialInput {
  name: string;
  text: string;
}

/** A few characters each `[...]` class of a pattern accepts (first literal characters and range ends). */
export function classSamples(source: string): string[] {
  const out = new Set<string>();
  const classRe = /\[(\^?)((?:\\.|[^\]\\])*)\]/g;
  for (let m = classRe.exec(source); m !== null; m = classRe.exec(source)) {
    if (m[1] === '^') {
      out.add('a');
      out.add('0');
      continue;
    }
    const body = m[2] ?? '';
    let chars = '';
    for (let i = 0; i < body.length; i++) {
      let c = body[i]!;
      if (c === '\\') {
        const e = body[++i] ?? '';
        c = e === 'x' ? String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16)) : e === 't' ? '\t' : e === 'n' ? '\n' : e === 's' ? ' ' : e === 'd' ? '7' : e === 'w' ? 'k' : e;
        if (e === 'x') i += 2;
      }
      if (c === '\n') continue;
      chars += c;
    }
    // one character from each run and its range ends: the quantifier takes all of them
    if (chars.length > 0) out.add(chars.replace(/-/g, '').slice(0, 3) || chars);
  }
  return [...out].filter((s) => s.length > 0);
}

const repeatTo = (unit: string, bytes: number): string => (unit.length === 0 ? '' : unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes));

/** Adversarial one-line inputs of about `bytes` characters for one rule. */
export function adversarialInputs(rule: SecretRule, bytes: number, limits: { keywords?: number; samples?: number; cuts?: readonly number[] } = {}): AdversarialInput[] {
  const inputs: AdversarialInput[] = [];
  const runs = classSamples(rule.pattern.source);
  const keywords = rule.keywords.slice(0, limits.keywords ?? 6);
  for (const kw of keywords) {
    const k = kw;
    const K = kw.toUpperCase();
    inputs.push({ name: `"${kw}" back to back`, text: repeatTo(k, bytes) });
    for (const run of runs) {
      inputs.push({ name: `"${kw}" then a run of [${run}]`, text: k + repeatTo(run, bytes - k.length) });
      inputs.push({ name: `("${kw}=" + 300 [${run}] + space) repeated`, text: repeatTo(`${K}=${repeatTo(run, 300)} `, bytes) });
    }
    inputs.push({ name: `"${kw}: " then a run of quotes and spaces`, text: `${k}: ${repeatTo(`"' \t`, bytes)}` });
  }
  for (const [i, sample] of rule.samples.match.slice(0, limits.samples ?? 4).entries()) {
    const flat = sample.replace(/\s*\n\s*/g, ' ');
    for (const cut of limits.cuts ?? [1, 5, Math.floor(flat.length / 2)]) {
      const near = flat.slice(0, Math.max(1, flat.length - cut));
      inputs.push({ name: `match sample ${i} cut by ${cut}, repeated`, text: repeatTo(near, bytes) });
    }
  }
  return inputs;
}

/** Scans each input with a scanner of this rule alone; the worst time, in ms per MB. */
export function measureRule(rule: SecretRule, bytes: number): { worst: string; msPerMb: number; hits: number; inputs: number } {
  const scanner = createScanner({ rules: [rule] });
  let worst = { name: '', msPerMb: 0, hits: 0 };
  const inputs = adversarialInputs(rule, bytes);
  for (const input of inputs) {
    const t0 = performance.now();
    const hits = scanner.scan(input.text).length;
    const msPerMb = (performance.now() - t0) / (input.text.length / 1_048_576);
    if (msPerMb > worst.msPerMb) worst = { name: input.name, msPerMb, hits };
  }
  return { worst: worst.name, msPerMb: worst.msPerMb, hits: worst.hits, inputs: inputs.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mb = Number(process.argv[2] ?? 1);
  const bytes = Math.round(mb * 1_048_576);
  console.log(`adversarial lines of ${mb} MB, one rule per scanner; worst case per detector:\n`);
  console.log(`${'rule'.padEnd(34)} ${'inputs'.padStart(6)} ${'ms/MB'.padStart(9)} ${'hits'.padStart(7)}  worst input (hits: real matches in it; their checks and fingerprints cost ~40 us each)`);
  const rows: { id: string; msPerMb: number }[] = [];
  for (const rule of SECRET_RULES) {
    const r = measureRule(rule, bytes);
    rows.push({ id: rule.id, msPerMb: r.msPerMb });
    console.log(`${rule.id.padEnd(34)} ${String(r.inputs).padStart(6)} ${r.msPerMb.toFixed(1).padStart(9)} ${String(r.hits).padStart(7)}  ${r.worst}`);
  }
  const top = rows.reduce((a, b) => (b.msPerMb > a.msPerMb ? b : a));
  console.log(`\nworst overall: ${top.id} at ${top.msPerMb.toFixed(1)} ms/MB`);
}
