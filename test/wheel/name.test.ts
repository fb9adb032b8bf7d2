import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WheelFormatError } from '../../src/errors.js';
import { parseWheelName, wheelPlatforms, withPlatformTags } from '../../src/wheel/name.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof WheelFormatError ? e.code : `not a WheelFormatError: ${String(e)}`;
  }
  return undefined;
}

describe('parseWheelName', () => {
  it('splits a plain name', () => {
    expect(parseWheelName('demo-1.0-py3-none-any.whl')).toEqual({
      filename: 'demo-1.0-py3-none-any.whl',
      distribution: 'demo',
      version: '1.0',
      build: undefined,
      pythonTags: ['py3'],
      abiTags: ['none'],
      platformTags: ['any'],
    });
  });

  it('expands compressed tag sets and keeps them as written', () => {
    const n = parseWheelName('numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    expect(n.distribution).toBe('numpy');
    expect(n.pythonTags).toEqual(['cp311']);
    expect(n.abiTags).toEqual(['cp311']);
    expect(n.platformTags).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
    const p = parseWheelName('six-1.16.0-py2.py3-none-any.whl');
    expect(p.pythonTags).toEqual(['py2', 'py3']);
  });

  it('reads a build tag', () => {
    const n = parseWheelName('demo-1.0-1local-cp312-cp312-linux_x86_64.whl');
    expect(n.build).toBe('1local');
    expect(n.version).toBe('1.0');
    expect(n.platformTags).toEqual(['linux_x86_64']);
  });

  it('accepts PEP 440 forms', () => {
    for (const v of ['1', '1.0.0', '2!1.0', '1.0a1', '1.0.b2', '1.0rc1', '1.0.post1', '1.0.dev3', '1.0+local.7', 'v1.0', '1.0RC1', '1.0_alpha_1', '1.0c1', '1.0r2', '1.0pre']) {
      expect(parseWheelName(`demo-${v}-py3-none-any.whl`).version).toBe(v);
    }
  });

  it.each([
    ['demo-1.0-py3-none-any.zip', "extension must be '.whl'"],
    ['demo-1.0-py3-none.whl', 'expected 5 or 6 dash-separated parts, found 4'],
    ['demo-1.0-1-2-py3-none-any.whl', 'found 7'],
    ['de mo-1.0-py3-none-any.whl', "invalid distribution name 'de mo'"],
    ['de__mo-1.0-py3-none-any.whl', "contains '__'"],
    ['-1.0-py3-none-any.whl', "invalid distribution name ''"],
    ['demo-1.0.0.x-py3-none-any.whl', "invalid version '1.0.0.x'"],
    ['demo-latest-py3-none-any.whl', "invalid version 'latest'"],
    ['demo-1.0-abc-py3-none-any.whl', "invalid build tag 'abc' (must start with a digit)"],
    ['demo-1.0-py3-none-linux_x86_64..any.whl', "empty platform tag in 'linux_x86_64..any'"],
    ['demo-1.0-py3--any.whl', 'empty abi tag'],
    ['dist/demo-1.0-py3-none-any.whl', 'expected a base name, found a path'],
  ])('refuses %s', (filename, why) => {
    let err: unknown;
    try {
      parseWheelName(filename);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WheelFormatError);
    const e = err as WheelFormatError;
    expect(e.code).toBe('WHEEL_BAD_NAME');
    expect(e.message).toContain(`invalid wheel filename '${filename}': `);
    expect(e.message).toContain(why);
    expect(e.message).not.toMatch(/\.$/);
  });
});

describe('wheelPlatforms (spec §3.1, §10.2)', () => {
  it.each([
    ['foo-1.0-py3-none-any.any.whl', ['any']],
    ['foo-1.0-py3-none-linux_x86_64.any.whl', ['any', 'linux_x86_64']],
    ['foo-1.0-py3-none-any.linux_x86_64.whl', ['any', 'linux_x86_64']],
    ['foo-1.0-py2.py3-none-linux_x86_64.any.whl', ['any', 'linux_x86_64']],
    ['foo-1.0-cp39-cp39-MANYLINUX1_X86_64.manylinux1_x86_64.whl', ['manylinux1_x86_64']],
    ['foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', ['manylinux2014_x86_64', 'manylinux_2_17_x86_64']],
  ])('%s -> %j', (filename, expected) => {
    expect(wheelPlatforms(parseWheelName(filename))).toEqual(expected);
  });
});

describe('withPlatformTags', () => {
  it('replaces everything after the last dash, keeping the rest as written', () => {
    const n = parseWheelName('Demo_Pkg-1.0-7-cp313-cp313-linux_x86_64.whl');
    expect(withPlatformTags(n, ['manylinux1_x86_64', 'manylinux_2_5_x86_64'])).toBe(
      'Demo_Pkg-1.0-7-cp313-cp313-manylinux1_x86_64.manylinux_2_5_x86_64.whl',
    );
  });

  it('keeps the caller order (the caller sorts)', () => {
    const n = parseWheelName('a-1-py3-none-any.whl');
    expect(withPlatformTags(n, ['b', 'a'])).toBe('a-1-py3-none-b.a.whl');
  });

  it('refuses an empty list and tags that would break the name', () => {
    const n = parseWheelName('a-1-py3-none-any.whl');
    expect(codeOf(() => withPlatformTags(n, []))).toBe('WHEEL_BAD_NAME');
    expect(codeOf(() => withPlatformTags(n, ['linux-x86_64']))).toBe('WHEEL_BAD_NAME');
    expect(codeOf(() => withPlatformTags(n, ['a.b']))).toBe('WHEEL_BAD_NAME');
    expect(codeOf(() => withPlatformTags(n, ['']))).toBe('WHEEL_BAD_NAME');
  });
});

// Differential check against packaging.utils.parse_wheel_filename, when Python has it.
function pythonHasPackaging(): boolean {
  try {
    execFileSync('python3', ['-c', 'import packaging.utils'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PY_PARSE = `
import json, sys
from packaging.utils import parse_wheel_filename
out = []
for name in json.load(sys.stdin):
    try:
        _, _, _, tags = parse_wheel_filename(name)
        out.append(sorted({t.platform for t in tags}))
    except Exception:
        out.append(None)
print(json.dumps(out))
`;
import { MET, needs, unmet } from '../helpers/requires.js';

describe('agrees with packaging.utils.parse_wheel_filename', needs(pythonHasPackaging() ? MET : unmet('needs python3 with the packaging module (Debian package python3-packaging)')), () => {
  it('on valid and invalid names', () => {
    // Left out on purpose: names where wheelaudit is stricter (empty distribution, empty tags, paths).
    const names = [
      'demo-1.0-py3-none-any.whl',
      'demo-1.0-1-py3-none-any.whl',
      'demo-1.0-1abc-py3-none-any.whl',
      'demo-1.0-abc-py3-none-any.whl',
      'demo-1.0-py3-none-any.WHL',
      'demo-1.0-py3-none.whl',
      'demo-1.0-1-2-py3-none-any.whl',
      'de__mo-1.0-py3-none-any.whl',
      'de.mo-1.0-py3-none-any.whl',
      'dé_mo-1.0-py3-none-any.whl',
      'de+mo-1.0-py3-none-any.whl',
      'demo-1.0.0.x-py3-none-any.whl',
      'demo-2!1.0.post1.dev2+abc.1-py3-none-any.whl',
      'demo-1.0a-py3-none-any.whl',
      'demo-1.0alpha.2-py3-none-any.whl',
      'demo-1.0.preview3-py3-none-any.whl',
      'demo-1.0_rev4-py3-none-any.whl',
      'demo-1.0.+x-py3-none-any.whl',
      'demo-1.0+-py3-none-any.whl',
      'demo-1.0+a..b-py3-none-any.whl',
      'demo-V1.0-py3-none-any.whl',
      'demo-1.0dev-py3-none-any.whl',
      'demo-1.0.DEV.4-py3-none-any.whl',
      'demo-1..0-py3-none-any.whl',
      'demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'demo-1.0-py3-none-LINUX_X86_64.Linux_x86_64.whl',
      'demo-1.0-py2.py3-none-linux_x86_64.any.whl',
    ];
    const expected = JSON.parse(
      execFileSync('python3', ['-c', PY_PARSE], { input: JSON.stringify(names), encoding: 'utf8' }),
    ) as (string[] | null)[];
    const actual = names.map((n) => {
      try {
        return wheelPlatforms(parseWheelName(n));
      } catch (e) {
        if (e instanceof WheelFormatError && e.code === 'WHEEL_BAD_NAME') return null;
        throw e;
      }
    });
    expect(actual).toEqual(expected);
  });
});
