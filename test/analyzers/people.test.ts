import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPeople, parsePeople, parsePeopleCsv, parsePeopleJson, splitCsvLine } from '../../src/analyzers/people.ts';

describe('parsePeopleCsv', () => {
  it.each([
    { name: 'email column only', text: 'email\nAna@Acme.io\nbob@acme.io\n', people: ['ana@acme.io', 'bob@acme.io'] },
    { name: 'email among other columns, CRLF', text: 'name,Email,team\r\nAna,ana@acme.io,data\r\n"Bob, Jr.",bob@acme.io,web\r\n', people: ['ana@acme.io', 'bob@acme.io'] },
    { name: 'active column drops inactive people', text: 'email,active\nana@acme.io,true\nbob@acme.io,false\ncy@acme.io,no\ndee@acme.io,\n', people: ['ana@acme.io', 'dee@acme.io'] },
    { name: 'blank and comment lines, BOM', text: '\uFEFF# people\nemail\n\nana@acme.io\n', people: ['ana@acme.io'] },
    { name: 'header only', text: 'email\n', people: [] },
  ])('$name', ({ text, people }) => {
    expect([...parsePeopleCsv(text, 'people.csv')].sort()).toEqual(people);
  });

  it.each([
    { name: 'no email column', text: 'name,team\nAna,data\n', error: 'people.csv:1: the header row has no "email" column' },
    { name: 'not an email', text: 'email\nana@acme.io\nnot-an-email\n', error: 'people.csv:3: "not-an-email" is not an email address' },
    { name: 'empty email', text: 'name,email\nAna,\n', error: 'people.csv:2: empty email' },
    { name: 'unclosed quote', text: 'email\n"ana@acme.io\n', error: 'people.csv:2: unclosed quote' },
    { name: 'empty file', text: '', error: 'people.csv: empty file' },
  ])('rejects: $name', ({ text, error }) => {
    expect(() => parsePeopleCsv(text, 'people.csv')).toThrow(error);
  });

  it('splits quoted cells', () => {
    expect(splitCsvLine('"a,b", "say ""hi""" ,c')).toEqual(['a,b', 'say "hi"', 'c']);
  });
});

describe('parsePeopleJson', () => {
  it.each([
    { name: 'array of emails', text: '["Ana@Acme.io", "bob@acme.io"]', people: ['ana@acme.io', 'bob@acme.io'] },
    { name: 'array of objects', text: '[{"email":"ana@acme.io","active":true},{"email":"bob@acme.io","active":false},{"email":"cy@acme.io"}]', people: ['ana@acme.io', 'cy@acme.io'] },
    { name: 'empty array', text: '[]', people: [] },
  ])('$name', ({ text, people }) => {
    expect([...parsePeopleJson(text, 'people.json')].sort()).toEqual(people);
  });

  it.each([
    { name: 'unterminated array names the last line', text: '[\n  "ana@acme.io",\n', error: /^people\.json:3: invalid JSON/ },
    { name: 'not an array', text: '{"people": []}', error: 'people.json:1: expected a JSON array' },
    { name: 'invalid JSON names the line', text: '[\n  "ana@acme.io",\n  oops\n]', error: /^people\.json:3: invalid JSON/ },
    { name: 'bad entry names its line', text: '[\n  "ana@acme.io",\n  {"name": "Bob"}\n]', error: 'people.json:3: entry 2: expected an email or an object with an "email" string' },
    { name: 'bad email names its line', text: '[\n  {"email": "ana@acme.io"},\n  {"email": "bob"}\n]', error: 'people.json:3: "bob" is not an email address' },
    { name: 'active not a boolean', text: '[{"email": "ana@acme.io", "active": "yes"}]', error: 'people.json:1: entry 1: "active" must be true or false' },
  ])('rejects: $name', ({ text, error }) => {
    expect(() => parsePeopleJson(text, 'people.json')).toThrow(error);
  });
});

describe('parsePeople / loadPeople', () => {
  it('chooses JSON by extension or content, CSV otherwise', () => {
    expect([...parsePeople('["a@x.io"]', 'people.txt')]).toEqual(['a@x.io']);
    expect([...parsePeople('email\na@x.io', 'people.csv')]).toEqual(['a@x.io']);
  });

  it('reads a file and names it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sprawl-people-'));
    const ok = join(dir, 'people.csv');
    writeFileSync(ok, 'email\nana@acme.io\n');
    expect(loadPeople(ok)).toEqual(new Set(['ana@acme.io']));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[\n"ana"\n]');
    expect(() => loadPeople(bad)).toThrow(`${bad}:2: "ana" is not an email address`);
    expect(() => loadPeople(join(dir, 'missing.csv'))).toThrow(`${join(dir, 'missing.csv')}: cannot read the people file`);
  });
});
