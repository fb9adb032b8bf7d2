// pyJsonDumps must print byte for byte what Python's json.dumps(value, indent=4) prints
// (show --json is compared with auditwheel's output): checked against python3 itself.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pyJsonDumps, type JsonValue } from '../../../src/cli/render/pyjson.js';
import { needs, requireTool } from '../../helpers/requires.js';

describe('pyJsonDumps', needs(requireTool('python3', 'python3')), () => {
  it('equals json.dumps(indent=4) for nested values, empty containers, non-ASCII and control characters', () => {
    const values: JsonValue[] = [
      { policy: 'manylinux_2_17_x86_64', libs: { 'libffi.so.8': '/lib/x86_64-linux-gnu/libffi.so.8.1.2', 'libpython3.11.so.1.0': null } },
      { empty: {}, list: [], nested: [[], [1, 2.5, -3], { a: true, b: false }] },
      ['naïve', 'snowman ☃', 'emoji 😀', 'del \u007f', 'tab\tnewline\n', 'quote " backslash \\', '\u0001'],
      'just a string',
      12345,
      null,
    ];
    const py = 'import sys, json; print(json.dumps([json.dumps(v, indent=4) for v in json.load(sys.stdin)]))';
    const want = JSON.parse(execFileSync('python3', ['-c', py], { input: JSON.stringify(values), encoding: 'utf8' })) as string[];
    expect(values.map(pyJsonDumps)).toEqual(want);
  });
});
