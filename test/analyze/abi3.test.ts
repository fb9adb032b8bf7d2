// The abi3 check: on the compiled fixtures (limited API 3.8, plus 3.12-only and private
// functions) and on hand-made symbol sets for the cases a compiler cannot easily produce.
import { describe, expect, it } from 'vitest';
import { abi3Claim, checkAbi3, decideAbi3, describeAbi3Problem } from '../../src/analyze/abi3.js';
import type { ElfSummary } from '../../src/analyze/elf-summary.js';
import { loadWheel } from '../../src/analyze/load-wheel.js';
import { loadStableAbi } from '../../src/policy/stable-abi.js';
import { parseWheelName } from '../../src/wheel/name.js';
import { wheel } from '../helpers/cli.js';

const abi = loadStableAbi();

async function check(file: string): Promise<ReturnType<typeof checkAbi3>> {
  const w = await loadWheel(wheel(file));
  return checkAbi3(w.contents.name, w.contents.elves, abi);
}

function summary(undefinedStrong: string[]): ElfSummary {
  return { undefinedStrong: new Set(undefinedStrong) } as unknown as ElfSummary;
}

describe('abi3Claim', () => {
  it.each([
    ['x-1.0-cp38-abi3-linux_x86_64.whl', 'cp38', [3, 8]],
    ['x-1.0-cp310.cp39-abi3-linux_x86_64.whl', 'cp39', [3, 9]],
    ['x-1.0-cp312-ABI3-linux_x86_64.whl', 'cp312', [3, 12]],
  ])('%s claims %s', (name, tag, floor) => {
    expect(abi3Claim(parseWheelName(name))).toEqual({ pythonTag: tag, floor });
  });

  it.each(['x-1.0-cp311-cp311-linux_x86_64.whl', 'x-1.0-py3-abi3-linux_x86_64.whl', 'x-1.0-cp27-abi3-linux_x86_64.whl'])('%s claims nothing', (name) => {
    expect(abi3Claim(parseWheelName(name))).toBeUndefined();
  });
});

describe('checkAbi3 on the fixture wheels', () => {
  it('a cp38-abi3 extension using only the 3.8 stable ABI passes', async () => {
    const r = await check('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl');
    expect(r?.problems).toEqual([]);
    expect(r?.checked).toEqual(['abi3ok/_abi3ok.abi3.so']);
    expect(r?.neededVersion).toEqual([3, 8]);
    expect(r === undefined ? undefined : decideAbi3(r)).toEqual({ kind: 'keep' });
  });

  it('3.12-only functions in a cp38-abi3 wheel are named with the version they need', async () => {
    const r = await check('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl');
    expect(r?.problems).toEqual([
      { kind: 'newer', elf: 'abi3new/_abi3new.abi3.so', symbol: 'PyErr_GetRaisedException', needs: [3, 12] },
      { kind: 'newer', elf: 'abi3new/_abi3new.abi3.so', symbol: 'PyType_FromMetaclass', needs: [3, 12] },
    ]);
    expect(r?.problems.map(describeAbi3Problem)).toContain('PyType_FromMetaclass: in the stable ABI from Python 3.12');
    expect(r?.neededVersion).toEqual([3, 12]);
    expect(r === undefined ? undefined : decideAbi3(r)).toEqual({ kind: 'raise', from: 'cp38', to: 'cp312' });
  });

  it('a private function is outside every stable ABI, so no abi3 tag is true', async () => {
    const r = await check('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl');
    expect(r?.problems).toEqual([{ kind: 'not-stable', elf: 'abi3leak/_abi3leak.abi3.so', symbol: '_PyObject_GetDictPtr' }]);
    expect(r === undefined ? undefined : decideAbi3(r).kind).toBe('refuse');
  });

  it('a version-specific wheel is not checked', async () => {
    expect(await check('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')).toBeUndefined();
  });
});

describe('checkAbi3 on symbol sets', () => {
  const name = parseWheelName('x-1.0-cp39-abi3-linux_x86_64.whl');

  it('Windows-only and debug-only symbols are absent from a Linux CPython; fork symbols are there', () => {
    const r = checkAbi3(name, [['x/a.abi3.so', summary(['PyErr_SetFromWindowsErr', '_Py_RefTotal', 'PyOS_AfterFork_Child', 'strlen'])]], abi);
    expect(r?.problems).toEqual([
      { kind: 'conditional', elf: 'x/a.abi3.so', symbol: 'PyErr_SetFromWindowsErr', ifdef: 'MS_WINDOWS' },
      { kind: 'conditional', elf: 'x/a.abi3.so', symbol: '_Py_RefTotal', ifdef: 'Py_REF_DEBUG' },
    ]);
  });

  it('the needed version is the newest of the stable symbols used; files without Python symbols are skipped', () => {
    const r = checkAbi3(
      name,
      [
        ['x/b.abi3.so', summary(['PyModule_AddType', 'Py_NewRef'])],
        ['x/a.abi3.so', summary(['PyObject_GetBuffer'])],
        ['x/libhelper.so', summary(['memcpy', 'Pythagoras'])],
      ],
      abi,
    );
    expect(r?.checked).toEqual(['x/a.abi3.so', 'x/b.abi3.so']);
    expect(r?.neededVersion).toEqual([3, 11]);
    expect(r?.problems.map((p) => `${p.elf} ${p.symbol}`)).toEqual(['x/a.abi3.so PyObject_GetBuffer', 'x/b.abi3.so PyModule_AddType', 'x/b.abi3.so Py_NewRef']);
  });

  it('records the data commit', () => {
    expect(checkAbi3(name, [], abi)?.dataCommit).toBe(abi.commit);
  });
});
