// The stable-ABI data: the committed file, its validation, and the script that derives it from
// CPython's Misc/stable_abi.toml (run here on a small TOML written in the same format).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { comparePyVersions, loadStableAbi, parsePyVersion, parseStableAbi } from '../../src/policy/stable-abi.js';
import { REPO } from '../helpers/corpus.js';

const SCRIPT = path.join(REPO, 'policies', 'stable-abi.py');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-stable-abi-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function thrown(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error('nothing was thrown');
}

describe('policies/stable-abi.json', () => {
  const abi = loadStableAbi();

  it('names the CPython commit it was derived from', () => {
    expect(abi.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(abi.provenance).toContain(`python/cpython commit ${abi.commit}`);
    expect(abi.provenance).toMatch(/sha256 [0-9a-f]{64}/);
  });

  it('holds the exported symbols (functions and data) with the version that added each', () => {
    expect(abi.symbols.get('PyArg_ParseTuple')).toMatchObject({ added: [3, 2], kind: 'function', abiOnly: false });
    expect(abi.symbols.get('PyType_FromMetaclass')).toMatchObject({ added: [3, 12], kind: 'function' });
    expect(abi.symbols.get('PyErr_GetRaisedException')?.added).toEqual([3, 12]);
    expect(abi.symbols.get('PyModule_AddType')?.added).toEqual([3, 10]);
    expect(abi.symbols.get('PyObject_GetBuffer')?.added).toEqual([3, 11]);
    expect(abi.symbols.get('_Py_NoneStruct')).toMatchObject({ added: [3, 2], kind: 'data', abiOnly: true });
    expect(abi.symbols.get('PyOS_AfterFork')?.ifdef).toBe('HAVE_FORK');
    expect(abi.symbols.get('PyErr_SetFromWindowsErr')?.ifdef).toBe('MS_WINDOWS');
    // Not exported symbols: constants, macros, typedefs and structs are left out.
    expect(abi.symbols.has('Py_tp_dealloc')).toBe(false);
    expect(abi.symbols.has('PyObject')).toBe(false);
    // Private and version-specific functions are in no stable ABI.
    expect(abi.symbols.has('_PyObject_GetDictPtr')).toBe(false);
    expect(abi.symbols.size).toBeGreaterThan(900);
  });

  it('is exactly what the script prints for the data it holds (sorted, one symbol per line)', () => {
    const text = readFileSync(path.join(REPO, 'policies', 'stable-abi.json'), 'utf8');
    const lines = text.split('\n').filter((l) => /^ {4}"/.test(l));
    const names = lines.map((l) => JSON.parse(l.slice(4, l.indexOf('":') + 1)) as string);
    expect(names).toEqual([...names].sort());
    expect(names.length).toBe(abi.symbols.size);
  });
});

describe('parseStableAbi', () => {
  const good = {
    format: 'wheelaudit-stable-abi/1',
    provenance: `from commit ${'a'.repeat(40)}`,
    commit: 'a'.repeat(40),
    symbols: { Py_Foo: { added: '3.9', kind: 'function' } },
  };

  it('accepts a minimal file', () => {
    expect(parseStableAbi(good, 'x.json').symbols.get('Py_Foo')?.added).toEqual([3, 9]);
  });

  it.each([
    [{ ...good, format: 'v2' }, /x\.json: "format": expected "wheelaudit-stable-abi\/1", found "v2"/],
    [{ ...good, commit: 'abc' }, /"commit": expected 40 hex digits/],
    [{ ...good, provenance: 'somewhere' }, /"provenance": expected a line naming the commit/],
    [{ ...good, symbols: { Py_Foo: { added: '3', kind: 'function' } } }, /"symbols"."Py_Foo".added: expected a version like "3.2", found "3"/],
    [{ ...good, symbols: { Py_Foo: { added: '3.9', kind: 'macro' } } }, /"symbols"."Py_Foo".kind: expected "function" or "data"/],
    [{ ...good, symbols: { strlen: { added: '3.9', kind: 'function' } } }, /"symbols"."strlen": not a Python C-API symbol name/],
    [{ ...good, symbols: [] }, /"symbols": expected an object/],
  ])('refuses %j', (json, message) => {
    const e = thrown(() => parseStableAbi(json, 'x.json'));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toMatch(message);
  });
});

describe('policies/stable-abi.py (the generator)', () => {
  const TOML = [
    '# comment',
    "[feature_macro.HAVE_FORK]",
    "    doc = 'on platforms with fork()'",
    '[struct.PyObject]',
    "    added = '3.2'",
    "    members = ['ob_refcnt', 'ob_type']",
    '[function.Py_Zeta]',
    "    added = '3.12'",
    '[data._Py_Alpha]',
    "    added = '3.2'",
    '    abi_only = true',
    '[function.PyOS_Fork]',
    "    added = '3.7'  # a comment",
    "    ifdef = 'HAVE_FORK'",
    '[const.Py_mp_length]',
    "    added = '3.2'",
    '',
  ].join('\n');
  const COMMIT = '0123456789abcdef0123456789abcdef01234567';

  function run(toml: string, commit = COMMIT): { code: number; stdout: string; stderr: string } {
    const file = path.join(tmp, `in-${Math.random().toString(16).slice(2)}.toml`);
    writeFileSync(file, toml);
    const r = spawnSync('python3', [SCRIPT, file, commit], { encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it('keeps functions and data, sorted, with version, kind, abiOnly and ifdef', () => {
    const r = run(TOML);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(4, 9)).toEqual([
      '  "symbols": {',
      '    "PyOS_Fork": {"added": "3.7", "kind": "function", "ifdef": "HAVE_FORK"},',
      '    "Py_Zeta": {"added": "3.12", "kind": "function"},',
      '    "_Py_Alpha": {"added": "3.2", "kind": "data", "abiOnly": true}',
      '  }',
    ]);
    const parsed = parseStableAbi(JSON.parse(r.stdout), 'generated');
    expect(parsed.commit).toBe(COMMIT);
    expect([...parsed.symbols.keys()]).toEqual(['PyOS_Fork', 'Py_Zeta', '_Py_Alpha']);
    expect(run(TOML).stdout).toBe(r.stdout);
  });

  it('refuses an item without a valid "added" and a malformed commit', () => {
    const bad = run("[function.Py_X]\n    added = 'soon'\n");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("function.Py_X: 'added' must be a version like '3.2', found 'soon'");
    expect(run(TOML, 'HEAD').code).not.toBe(0);
  });
});

describe('Python versions', () => {
  it('parse and compare', () => {
    expect(parsePyVersion('3.12')).toEqual([3, 12]);
    expect(parsePyVersion('3')).toBeUndefined();
    expect(comparePyVersions([3, 9], [3, 12])).toBeLessThan(0);
    expect(comparePyVersions([3, 12], [3, 12])).toBe(0);
  });
});
