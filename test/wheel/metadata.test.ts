import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WheelFormatError } from '../../src/errors.js';
import {
  parseWheelMetadata,
  retaggedWheelSize,
  rootIsPurelib,
  serializeWheelMetadata,
  updateWheelTags,
  wheelTags,
} from '../../src/wheel/metadata.js';

const CP313 = 'Wheel-Version: 1.0\nGenerator: bdist_wheel (0.45.1)\nRoot-Is-Purelib: false\nTag: cp313-cp313-linux_x86_64\n\n';

function rewrite(text: string, abis: string[], remove: string[], notPurelib: boolean): { text: string; changed: boolean } {
  const { metadata, changed } = updateWheelTags(parseWheelMetadata(text), abis, remove, notPurelib);
  return { text: serializeWheelMetadata(metadata), changed };
}

describe('parseWheelMetadata / serializeWheelMetadata', () => {
  it('keeps headers in order and round-trips', () => {
    const m = parseWheelMetadata(CP313);
    expect(m.headers).toEqual([
      ['Wheel-Version', '1.0'],
      ['Generator', 'bdist_wheel (0.45.1)'],
      ['Root-Is-Purelib', 'false'],
      ['Tag', 'cp313-cp313-linux_x86_64'],
    ]);
    expect(serializeWheelMetadata(m)).toBe(CP313);
  });

  it('accepts CRLF, a missing final blank line and folded values; always writes \\n and one blank line', () => {
    const m = parseWheelMetadata('Wheel-Version: 1.0\r\nGenerator: a\r\n  folded\r\nTag: py3-none-any');
    expect(m.headers).toEqual([
      ['Wheel-Version', '1.0'],
      ['Generator', 'a\n  folded'],
      ['Tag', 'py3-none-any'],
    ]);
    expect(serializeWheelMetadata(m)).toBe('Wheel-Version: 1.0\nGenerator: a\n  folded\nTag: py3-none-any\n\n');
  });

  it('strips blanks after the colon only', () => {
    expect(parseWheelMetadata('A:   spaced value  \n').headers).toEqual([['A', 'spaced value  ']]);
    expect(parseWheelMetadata('A:\n').headers).toEqual([['A', '']]);
  });

  it('keeps a body after the blank line', () => {
    const m = parseWheelMetadata('A: 1\n\nsome body\n');
    expect(m.body).toBe('some body\n');
    expect(serializeWheelMetadata(m)).toBe('A: 1\n\nsome body\n');
  });

  it.each([
    ['Wheel-Version: 1.0\nnot a header\n', 'WHEEL line 2: found "not a header", expected \'Name: value\''],
    [' leading continuation\n', 'WHEEL line 1: found a continuation line before any header'],
    ['Bad Name: x\n', 'WHEEL line 1: found "Bad Name: x"'],
  ])('refuses %j', (text, message) => {
    let err: unknown;
    try {
      parseWheelMetadata(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_BAD_METADATA');
    expect((err as WheelFormatError).message).toContain(message);
  });
});

describe('wheelTags and rootIsPurelib', () => {
  it('lists every Tag in order, matching the name case-insensitively', () => {
    const m = parseWheelMetadata('Tag: py2-none-any\nOther: x\ntag: py3-none-any\n\n');
    expect(wheelTags(m)).toEqual(['py2-none-any', 'py3-none-any']);
  });

  it('reads Root-Is-Purelib like pip: only "true" (any case) is true', () => {
    expect(rootIsPurelib(parseWheelMetadata('Root-Is-Purelib: true\n'))).toBe(true);
    expect(rootIsPurelib(parseWheelMetadata('Root-Is-Purelib: True\n'))).toBe(true);
    expect(rootIsPurelib(parseWheelMetadata('Root-Is-Purelib: false\n'))).toBe(false);
    expect(rootIsPurelib(parseWheelMetadata('Root-Is-Purelib: yes\n'))).toBe(false);
    expect(rootIsPurelib(parseWheelMetadata('Tag: py3-none-any\n'))).toBeUndefined();
  });
});

describe('updateWheelTags (spec §6.11)', () => {
  it('appends new tags at the end in abis order and removes replaced platforms', () => {
    const out = rewrite(CP313, ['manylinux_2_5_x86_64', 'manylinux1_x86_64'], ['linux_x86_64'], false);
    expect(out.changed).toBe(true);
    expect(out.text).toBe(
      'Wheel-Version: 1.0\nGenerator: bdist_wheel (0.45.1)\nRoot-Is-Purelib: false\n' +
        'Tag: cp313-cp313-manylinux_2_5_x86_64\nTag: cp313-cp313-manylinux1_x86_64\n\n',
    );
  });

  it('moves the Tag block after headers that followed it', () => {
    const text = 'Wheel-Version: 1.0\nTag: cp312-cp312-linux_x86_64\nBuild: 3\n\n';
    expect(rewrite(text, ['manylinux_2_17_x86_64'], ['linux_x86_64'], false).text).toBe(
      'Wheel-Version: 1.0\nBuild: 3\nTag: cp312-cp312-manylinux_2_17_x86_64\n\n',
    );
  });

  it('keeps other existing tags (python_mscl example)', () => {
    const text = 'Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp313-cp313-manylinux2014_aarch64\n\n';
    const out = rewrite(text, ['manylinux_2_31_aarch64'], ['linux_aarch64'], false);
    expect(wheelTags(parseWheelMetadata(out.text))).toEqual([
      'cp313-cp313-manylinux2014_aarch64',
      'cp313-cp313-manylinux_2_31_aarch64',
    ]);
  });

  it('crosses every python-abi prefix with the new platforms, prefixes first', () => {
    const text = 'Wheel-Version: 1.0\nTag: py2-none-linux_x86_64\nTag: py3-none-linux_x86_64\n\n';
    const out = rewrite(text, ['manylinux_2_5_x86_64', 'manylinux1_x86_64'], ['linux_x86_64'], false);
    expect(wheelTags(parseWheelMetadata(out.text))).toEqual([
      'py2-none-manylinux_2_5_x86_64',
      'py2-none-manylinux1_x86_64',
      'py3-none-manylinux_2_5_x86_64',
      'py3-none-manylinux1_x86_64',
    ]);
  });

  it('writes exactly one Root-Is-Purelib: False after the tags when leaving purelib (#642)', () => {
    const text = 'Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: false\nTag: py3-none-any\n\n';
    const out = rewrite(text, ['manylinux_2_35_x86_64'], ['any'], true);
    expect(out.text).toBe(
      'Wheel-Version: 1.0\nGenerator: x\nTag: py3-none-manylinux_2_35_x86_64\nRoot-Is-Purelib: False\n\n',
    );
    expect(out.text.match(/Root-Is-Purelib/g)).toHaveLength(1);
    // Several Root-Is-Purelib headers also collapse into one.
    const two = rewrite('Root-Is-Purelib: true\nRoot-Is-Purelib: false\nTag: py3-none-any\n', ['linux_x86_64'], ['any'], true);
    expect(two.text).toBe('Tag: py3-none-linux_x86_64\nRoot-Is-Purelib: False\n\n');
  });

  it('leaves Root-Is-Purelib as written when not asked to change it', () => {
    const out = rewrite(CP313, ['manylinux_2_17_x86_64'], ['linux_x86_64'], false);
    expect(out.text).toContain('Root-Is-Purelib: false\n');
  });

  it('reports no change, and returns the same metadata, when the tags are already there', () => {
    const m = parseWheelMetadata(
      'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: cp313-cp313-manylinux_2_5_x86_64\nTag: cp313-cp313-manylinux1_x86_64\n',
    );
    const r = updateWheelTags(m, ['manylinux_2_5_x86_64', 'manylinux1_x86_64'], ['linux_x86_64'], true);
    expect(r.changed).toBe(false);
    expect(r.metadata).toBe(m);
    // The purelib header is only rewritten together with the tags.
    expect(rootIsPurelib(r.metadata)).toBe(true);
  });
});

// Differential check against the same rule run on Python's email package (compat32 parser,
// Generator with maxheaderlen=0), which is how the reference reads and writes WHEEL.
const PY_REWRITE = `
import io, json, sys
from email.generator import Generator
from email.parser import Parser
cases = json.load(sys.stdin)
out = []
for text, abis, remove, not_purelib in cases:
    msg = Parser().parsestr(text)
    current = [v for k, v in msg.items() if k == "Tag"]
    pyc = []
    for t in current:
        p = "-".join(t.split("-")[:2])
        if p not in pyc:
            pyc.append(p)
    wanted = [p + "-" + a for p in pyc for a in abis]
    new = [t for t in wanted if t not in current]
    unwanted = [p + "-" + r for p in pyc for r in remove]
    updated = [t for t in current if t not in unwanted] + new
    changed = updated != current
    if changed:
        del msg["Tag"]
        for t in updated:
            msg.add_header("Tag", t)
        if not_purelib:
            del msg["Root-Is-Purelib"]
            msg["Root-Is-Purelib"] = "False"
    buf = io.StringIO()
    Generator(buf, mangle_from_=False, maxheaderlen=0).flatten(msg)
    out.append({"text": buf.getvalue(), "changed": changed})
print(json.dumps(out))
`;
import { needs, requireTool } from '../helpers/requires.js';

describe('agrees with the rule run on Python email', needs(requireTool('python3', 'python3')), () => {
  it('on a table of WHEEL files', () => {
    const cases: [string, string[], string[], boolean][] = [
      [CP313, ['manylinux_2_5_x86_64', 'manylinux1_x86_64'], ['linux_x86_64'], false],
      [CP313, ['linux_x86_64'], [], false],
      ['Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-any\n\n', ['manylinux_2_35_x86_64'], ['any'], true],
      ['Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\nBuild: 1\n', ['musllinux_1_2_x86_64'], ['any'], true],
      ['Wheel-Version: 1.0\nTag: cp311-abi3-manylinux2014_aarch64\nTag: cp311-abi3-linux_aarch64\n\n', ['manylinux_2_31_aarch64'], ['linux_aarch64'], false],
      ['Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_17_x86_64\n\n', ['manylinux_2_17_x86_64'], ['linux_x86_64'], false],
      ['Wheel-Version: 1.0\r\nGenerator: x\r\nTag: cp39-cp39-linux_i686\r\n\r\n', ['manylinux_2_5_i686', 'manylinux1_i686'], ['linux_i686'], false],
      ['Wheel-Version: 1.0\n', ['linux_x86_64'], [], false],
    ];
    const expected = JSON.parse(
      execFileSync('python3', ['-c', PY_REWRITE], { input: JSON.stringify(cases), encoding: 'utf8' }),
    ) as { text: string; changed: boolean }[];
    const actual = cases.map(([text, abis, remove, notPurelib]) => {
      const m = parseWheelMetadata(text);
      const r = updateWheelTags(m, abis, remove, notPurelib);
      return { text: serializeWheelMetadata(r.metadata), changed: r.changed };
    });
    expect(actual).toEqual(expected);
  });
});

describe('updateWheelTags at scale (issue 7 time bomb)', () => {
  it('retags 250,000 Tag lines, each with its own python tag, in linear time', () => {
    const n = 250_000;
    const text = `Wheel-Version: 1.0\n${Array.from({ length: n }, (_, i) => `Tag: cp${i}-cp${i}-linux_x86_64\n`).join('')}\n`;
    // CPU time of this process, not wall time: a loaded machine must not fail a linear run.
    const t0 = process.cpuUsage();
    const meta = parseWheelMetadata(text);
    const out = updateWheelTags(meta, ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'], ['linux_x86_64'], false);
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    const tags = wheelTags(out.metadata);
    expect(tags).toHaveLength(2 * n);
    expect(tags[0]).toBe('cp0-cp0-manylinux_2_17_x86_64');
    expect(tags[2 * n - 1]).toBe(`cp${n - 1}-cp${n - 1}-manylinux2014_x86_64`);
    // It took 96 s when quadratic; linear, it is well under a second on an idle machine.
    expect(ms).toBeLessThan(10_000);
  });
});

describe('retaggedWheelSize', () => {
  const cases: [string, string[], string[], boolean][] = [
    [CP313, ['manylinux_2_5_x86_64', 'manylinux1_x86_64'], ['linux_x86_64'], false],
    [CP313, ['linux_x86_64'], [], false],
    ['Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\nBuild: 1\n', ['musllinux_1_2_x86_64'], ['any'], true],
    ['Wheel-Version: 1.0\nGenerator: bdist_wheel — é 😀\nTag: cp311-abi3-manylinux2014_aarch64\nTag: cp311-abi3-linux_aarch64\n\nbody text ü\n', ['manylinux_2_31_aarch64'], ['linux_aarch64'], false],
    ['Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_17_x86_64\nTag: cp312-cp312-linux_x86_64\n\n', ['manylinux_2_17_x86_64'], ['linux_x86_64'], false],
    ['Wheel-Version: 1.0\nTag: weird\nTag: a-b\n\n', ['manylinux_2_17_x86_64'], [], true],
  ];
  it.each(cases)('is the byte length of the rewritten WHEEL, without building it (%#)', (text, abis, remove, notPurelib) => {
    const m = parseWheelMetadata(text);
    const r = updateWheelTags(m, abis, remove, notPurelib);
    const size = retaggedWheelSize(m, abis, remove, notPurelib);
    if (!r.changed) expect(size).toBeUndefined();
    else expect(size).toBe(new TextEncoder().encode(serializeWheelMetadata(r.metadata)).length);
  });
  it('is undefined exactly when updateWheelTags changes nothing', () => {
    const m = parseWheelMetadata(CP313);
    expect(retaggedWheelSize(m, ['linux_x86_64'], [], false)).toBeUndefined();
    expect(retaggedWheelSize(m, ['linux_x86_64'], [], true)).toBeUndefined();
    expect(retaggedWheelSize(m, ['manylinux1_x86_64'], [], false)).toBeGreaterThan(CP313.length);
  });
});
