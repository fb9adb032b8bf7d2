import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { compareCodePoints, recordOrder, walkOrder } from '../../src/wheel/walk-order.js';

const DI = 'demo-1.0.dist-info';

// The worked example of spec §6.14: a repaired `demo` wheel with an ELF script.
const DEMO_FILES = [
  `${DI}/RECORD`,
  `${DI}/sboms/auditwheel.cdx.json`,
  `${DI}/METADATA`,
  `${DI}/WHEEL`,
  `${DI}/top_level.txt`,
  'demo.scripts/tool',
  'demo.libs/libicudata-0123abcd.so.72.1',
  'demo.libs/libicuuc-89abcdef.so.72.1',
  'demo-1.0.data/scripts/tool',
  'demo/_ext.cpython-311-x86_64-linux-gnu.so',
  'demo/__init__.py',
];

const DEMO_ORDER = [
  'demo/',
  'demo/__init__.py',
  'demo/_ext.cpython-311-x86_64-linux-gnu.so',
  'demo-1.0.data/',
  'demo-1.0.data/scripts/',
  'demo-1.0.data/scripts/tool',
  'demo.libs/',
  'demo.libs/libicudata-0123abcd.so.72.1',
  'demo.libs/libicuuc-89abcdef.so.72.1',
  'demo.scripts/',
  'demo.scripts/tool',
  `${DI}/`,
  `${DI}/METADATA`,
  `${DI}/WHEEL`,
  `${DI}/top_level.txt`,
  `${DI}/RECORD`,
  `${DI}/sboms/`,
  `${DI}/sboms/auditwheel.cdx.json`,
];

describe('walkOrder', () => {
  it('reproduces the worked example of spec §6.14', () => {
    expect(walkOrder(DEMO_FILES, DI)).toEqual(DEMO_ORDER);
  });

  it('gives RECORD rows in the same order without directories', () => {
    expect(recordOrder(DEMO_FILES, DI)).toEqual(DEMO_ORDER.filter((n) => !n.endsWith('/')));
  });

  it('puts root files before the first directory entry', () => {
    expect(walkOrder(['pkg/a.py', 'zz_top.py', 'a_top.py', `${DI}/RECORD`], DI)).toEqual([
      'a_top.py',
      'zz_top.py',
      'pkg/',
      'pkg/a.py',
      `${DI}/`,
      `${DI}/RECORD`,
    ]);
  });

  it('sorts files by code point and subdirectories by name, not by path with a slash', () => {
    const files = ['d/a', 'd/é', 'd/_', 'd/Z', 'd/\u{1F600}', 'd/\uFFFD'];
    expect(recordOrder(files, DI).slice(0, 6)).toEqual(['d/Z', 'd/_', 'd/a', 'd/é', 'd/\uFFFD', 'd/\u{1F600}']);
    // 'pkg' < 'pkg-1.0.data' < 'pkg.libs' < 'pkg.scripts' (sorting 'pkg/' would put it after '.').
    const order = walkOrder(['pkg.scripts/s', 'pkg.libs/l.so', 'pkg-1.0.data/x', 'pkg/m.py'], DI);
    expect(order.filter((n) => n.endsWith('/') && n.split('/').length === 2)).toEqual([
      'pkg/',
      'pkg-1.0.data/',
      'pkg.libs/',
      'pkg.scripts/',
      `${DI}/`,
    ]);
  });

  it('puts every top-level *.dist-info directory last, whatever its name', () => {
    const order = walkOrder([`${DI}/METADATA`, 'zzz/z.py', 'a.dist-info/x', 'sub/inner.dist-info/RECORD', 'sub/inner.dist-info/A'], DI);
    expect(order).toEqual([
      'sub/',
      'sub/inner.dist-info/',
      // RECORD goes last only in a top-level dist-info; this one is nested.
      'sub/inner.dist-info/A',
      'sub/inner.dist-info/RECORD',
      'zzz/',
      'zzz/z.py',
      'a.dist-info/',
      'a.dist-info/x',
      `${DI}/`,
      `${DI}/METADATA`,
      `${DI}/RECORD`,
    ]);
  });

  it('adds the dist-info RECORD when it is not listed', () => {
    expect(recordOrder(['demo/a.py', `${DI}/WHEEL`, `${DI}/licenses/LICENSE`], DI)).toEqual([
      'demo/a.py',
      `${DI}/WHEEL`,
      `${DI}/RECORD`,
      `${DI}/licenses/LICENSE`,
    ]);
  });

  it('keeps directories given with a trailing slash even when empty', () => {
    expect(walkOrder(['demo/a.py', 'demo/empty/', 'demo.libs/'], DI)).toEqual([
      'demo/',
      'demo/a.py',
      'demo/empty/',
      'demo.libs/',
      `${DI}/`,
      `${DI}/RECORD`,
    ]);
    expect(recordOrder(['demo/empty/'], DI)).toEqual([`${DI}/RECORD`]);
  });

  it('refuses duplicates, file/directory conflicts, unnormalized paths and a bad dist-info name', () => {
    const bad: [readonly string[], string][] = [
      [['a/b', 'a/b'], DI],
      [['a', 'a/b'], DI],
      [['a/b', 'a'], DI],
      [['a/b', 'a/b/'], DI],
      [['/abs'], DI],
      [['a//b'], DI],
      [['a/../b'], DI],
      [['./a'], DI],
      [[''], DI],
      [['a'], 'demo-1.0'],
      [['a'], 'x/demo-1.0.dist-info'],
    ];
    for (const [paths, di] of bad) {
      expect(() => walkOrder(paths, di), JSON.stringify(paths)).toThrow(InternalError);
    }
  });

  it('compareCodePoints orders by code point, unlike UTF-16 comparison above U+FFFF', () => {
    expect(compareCodePoints('\uFFFD', '\u{1F600}')).toBe(-1);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a constant on purpose: what UTF-16 order says
    expect('\uFFFD' < '\u{1F600}').toBe(false); // UTF-16 code units disagree
    expect(compareCodePoints('ab', 'abc')).toBe(-1);
    expect(compareCodePoints('abc', 'ab')).toBe(1);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});

// ---- against os.walk, with the reference's sorting rules ----------------------------------------

// What the reference does when it zips a tree (dir2zip over its sorted walk): sort dirnames and
// filenames, recurse into top-level *.dist-info last, RECORD last inside them, and write a
// directory entry for every directory but the root before its files.
const PY_WALK = `
import json, os, sys
top = sys.argv[1]
out = []
for dirpath, dirnames, filenames in os.walk(top):
    dirnames.sort()
    if dirpath == top:
        dirnames[:] = [d for d in dirnames if not d.endswith(".dist-info")] + [d for d in dirnames if d.endswith(".dist-info")]
    filenames.sort()
    if os.path.dirname(dirpath) == top and dirpath.endswith(".dist-info") and "RECORD" in filenames:
        filenames.remove("RECORD")
        filenames.append("RECORD")
    rel = os.path.relpath(dirpath, top)
    if rel != ".":
        out.append(rel + "/")
    out.extend((f if rel == "." else rel + "/" + f) for f in filenames)
print(json.dumps(out))
`;
import { needs, requireTool } from '../helpers/requires.js';

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-walk-order-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('walkOrder against os.walk', needs(requireTool('python3', 'python3')), () => {
  it('matches a Python walk over the same tree on disk', () => {
    const files = [
      ...DEMO_FILES,
      `${DI}/licenses/LICENSE`,
      `${DI}/licenses/sub/NOTICE`,
      'README',
      '_top.py',
      'Zed.txt',
      'é.txt',
      'demo/sub/x.py',
      'demo/sub-a/y.py',
      'demo/sub.b/z.py',
      'demo/sub_c/w.py',
      'demo/Upper/u.py',
      'demo/ünï/v.py',
      'demo/z-last.py',
      'demo/A-first.py',
      'demo.libs/nested/deeper/lib.so',
      'other.dist-info/RECORD',
      'other.dist-info/A',
      'demo/x.dist-info/RECORD',
      'demo/x.dist-info/B',
    ];
    const root = path.join(tmp, 'tree');
    for (const f of files) {
      const p = path.join(root, f);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f);
    }
    fs.mkdirSync(path.join(root, 'demo', 'empty'));
    const expected = JSON.parse(execFileSync('python3', ['-c', PY_WALK, root], { encoding: 'utf8' })) as string[];
    expect(walkOrder([...files, 'demo/empty/'], DI)).toEqual(expected);
  });
});

describe('walkOrder at scale', () => {
  it('orders files by code point like compareCodePoints, surrogate pairs and U+E000-U+FFFF included', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const units = ['a', 'B', '_', '-', 'é', '\uFFFD', '\uE000', '\uD7FF', '\u{1F600}', '\u{10000}', '1'];
    const names = new Set<string>();
    for (let tries = 0; names.size < 3000 && tries < 100_000; tries++) names.add(`d/${Array.from({ length: 1 + (next() % 6) }, () => units[next() % units.length]).join('')}`);
    const files = [...names];
    const order = recordOrder(files, DI).filter((p) => p.startsWith('d/'));
    expect(order).toEqual([...files].sort(compareCodePoints));
    expect(names.size).toBe(3000);
  });
});
