// The position-keeping JSON reader behind --policy-file: the same values as JSON.parse, and
// errors that point at the line and column of the problem.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, MAX_JSON_DEPTH, parseJsonWithPositions, type JsonNode } from '../../src/policy/json-source.js';
import { REPO } from '../helpers/corpus.js';
import { cpuClock } from '../helpers/cpu-clock.js';

function plain(n: JsonNode): unknown {
  switch (n.kind) {
    case 'object':
      return Object.fromEntries(n.members.map((m) => [m.key, plain(m.value)]));
    case 'array':
      return n.items.map(plain);
    case 'null':
      return null;
    default:
      return n.value;
  }
}

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parseJsonWithPositions', () => {
  it.each(['manylinux.json', 'musllinux.json', 'android.json', 'stable-abi.json'])('reads policies/%s exactly as JSON.parse does', (f) => {
    const text = readFileSync(path.join(REPO, 'policies', f), 'utf8');
    expect(plain(parseJsonWithPositions(text))).toEqual(JSON.parse(text));
  });

  it('reads every kind of value, escapes included', () => {
    const text = '{"a": [1, -2.5e3, true, false, null], "b": "x\\n\\u00e9\\"\\\\\\/", "c": {}}';
    expect(plain(parseJsonWithPositions(text))).toEqual(JSON.parse(text));
  });

  it('records where each value and key starts (1-based)', () => {
    const n = parseJsonWithPositions('{\n  "a": [\n    10,\n\t"x"\n  ]\n}');
    expect(n.pos).toEqual({ line: 1, column: 1 });
    if (n.kind !== 'object') throw new Error('object expected');
    const m = n.members[0];
    expect(m?.keyPos).toEqual({ line: 2, column: 3 });
    expect(m?.value.pos).toEqual({ line: 2, column: 8 });
    if (m?.value.kind !== 'array') throw new Error('array expected');
    expect(m.value.items.map((i) => i.pos)).toEqual([
      { line: 3, column: 5 },
      { line: 4, column: 2 },
    ]);
  });

  it.each([
    ['[1, 2,]', 1, 7, "expected a JSON value, found \"]\""],
    ['{"a" 1}', 1, 6, "expected ':' after member \"a\", found \"1\""],
    ['{"a": 1 "b": 2}', 1, 9, "expected ',' or '}' after a member, found"],
    ['{"a": 1,\n "a": 2}', 2, 2, 'duplicate member "a"'],
    ['["abc', 1, 6, 'unterminated string'],
    ['["a\tb"]', 1, 4, 'control character U+0009'],
    ['["\\x"]', 1, 3, 'invalid escape \\x'],
    ['["\\u12G4"]', 1, 3, 'expected four hex digits'],
    ['[tru]', 1, 2, 'expected a JSON value'],
    ['{} {}', 1, 4, 'expected the end of the file'],
    ['', 1, 1, 'found the end of the file'],
    ['[01]', 1, 3, "expected ',' or ']'"],
    ['{\n  1: 2}', 2, 3, 'expected a quoted member name, found "1"'],
  ])('%j fails at %i:%i', (text, line, column, message) => {
    const e = syntaxError(text);
    expect(e.pos).toEqual({ line, column });
    expect(e.reason).toContain(message);
  });

  it('refuses deep nesting without exhausting the stack, in bounded time', () => {
    const start = cpuClock();
    const e = syntaxError(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(e.reason).toContain(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    expect(start()).toBeLessThan(10_000);
  });

  it('skips a byte order mark without shifting columns', () => {
    const n = parseJsonWithPositions('\ufeff[1]');
    expect(plain(n)).toEqual([1]);
    expect(n.pos).toEqual({ line: 1, column: 2 });
  });
});
