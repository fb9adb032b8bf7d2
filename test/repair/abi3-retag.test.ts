// Raising an abi3 wheel's floor: the python tag in the file name and in WHEEL's abi3 tags.
import { describe, expect, it } from 'vitest';
import { withAbi3PythonTag, withPythonTag } from '../../src/repair/abi3-retag.js';
import { parseWheelMetadata, serializeWheelMetadata } from '../../src/wheel/metadata.js';
import { parseWheelName } from '../../src/wheel/name.js';

describe('withPythonTag', () => {
  it.each([
    ['x-1.0-cp38-abi3-linux_x86_64.whl', 'x-1.0-cp312-abi3-linux_x86_64.whl'],
    ['x-1.0-1build-cp38.cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'x-1.0-1build-cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'],
  ])('%s -> %s', (from, to) => {
    const n = withPythonTag(parseWheelName(from), 'cp312');
    expect(n.filename).toBe(to);
    expect(n.pythonTags).toEqual(['cp312']);
    expect(parseWheelName(n.filename)).toEqual(n);
  });
});

describe('withAbi3PythonTag', () => {
  it('rewrites abi3 tags only, keeps the other headers and their order, drops duplicates', () => {
    const m = parseWheelMetadata('Wheel-Version: 1.0\nGenerator: x\nTag: cp38-abi3-linux_x86_64\nTag: cp39-abi3-linux_x86_64\nTag: py3-none-any\nRoot-Is-Purelib: false\n');
    expect(serializeWheelMetadata(withAbi3PythonTag(m, 'cp312'))).toBe('Wheel-Version: 1.0\nGenerator: x\nTag: cp312-abi3-linux_x86_64\nTag: py3-none-any\nRoot-Is-Purelib: false\n\n');
  });
});
