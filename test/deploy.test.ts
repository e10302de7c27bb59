/**
 * The deployment examples in deploy/ parse, and every sprawl command they run uses only options
 * that command has (so renaming a flag breaks this test, not a user's nightly Job).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../src/cli/main.ts';

const FILES = ['deploy/kubernetes/sprawl-nightly.yaml', 'deploy/github-actions/sprawl-nightly.yml'];

/** Each `sprawl <command> ...` (or bin/sprawl.js, or sprawl@version) in a text: the command and its long options. */
function invocations(text: string): { command: string; flags: string[] }[] {
  const out: { command: string; flags: string[] }[] = [];
  for (const m of text.matchAll(/(?:bin\/sprawl\.js|sprawl@[\d.]+)[ \t]+([a-z]+)((?:[ \t]+(?:"[^"]*"|[^\s;|>&]+))*)/g)) {
    out.push({ command: m[1] as string, flags: [...(m[2] ?? '').matchAll(/(?<=\s)--[a-z-]+/g)].map((f) => f[0]) });
  }
  return out;
}

/** Every string in a parsed document (a container's args, a step's run), each a shell line or more. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function optionsOf(command: string): string[] {
  const program = buildProgram();
  const cmd = program.commands.find((c) => c.name() === command);
  if (!cmd) throw new Error(`no command ${command}`);
  return [...cmd.options, ...program.options].map((o) => o.long ?? '');
}

describe.each(FILES)('%s', (file) => {
  const text = readFileSync(file, 'utf8');

  it('is valid YAML', () => {
    for (const doc of parseAllDocuments(text)) expect(doc.errors, file).toEqual([]);
  });

  it('runs sprawl commands with options they have', () => {
    const calls = parseAllDocuments(text).flatMap((doc) => strings(doc.toJS())).flatMap(invocations);
    expect(calls.map((c) => c.command)).toEqual(expect.arrayContaining(['scan', 'analyze']));
    expect(calls.find((c) => c.command === 'scan')?.flags).toEqual(expect.arrayContaining(['--run', '--shard']));
    expect(calls.find((c) => c.command === 'analyze')?.flags).toEqual(expect.arrayContaining(['--run', '--shards']));
    for (const { command, flags } of calls) {
      const known = optionsOf(command);
      for (const flag of flags) expect(known, `${command} ${flag}`).toContain(flag);
    }
  });
});
