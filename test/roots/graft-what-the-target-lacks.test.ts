// Issue 7, item 1, with a real older distribution as the oracle. An extension links the
// whitelisted libgobject-2.0.so.0 and a library of its own, libwaffi.so.1, which calls into
// libffi.so.8 directly. On this bookworm machine libgobject links libffi.so.8 too, so the old
// rule ("whatever a whitelisted library loads here, the target has") left libffi out of the
// wheel. On Debian bullseye libgobject links libffi.so.7, and that wheel does not import. The
// repaired wheel must carry its own libffi, be tagged by what its grafted libraries need
// (libffi's GLIBC_2.27: manylinux_2_27), and import in a bullseye root. The old rule's output
// is reproduced with `--exclude libffi.so.8` (it leaves out exactly what that rule left out,
// and likewise does not count its symbol versions) and shown to fail the same oracle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.js';
import { buildWheel } from '../helpers/build-wheel.js';
import { runCli } from '../helpers/cli.js';
import { debianRoot, rootSupport, runInRoot } from '../helpers/debian-root.js';
import { needs, requireFile, requireTool } from '../helpers/requires.js';

const MULTIARCH = '/usr/lib/x86_64-linux-gnu';
const BULLSEYE = { suite: 'bullseye', include: ['python3', 'libglib2.0-0'] } as const;

const WAFFI_C = String.raw`
#include <ffi.h>
static int add(int a, int b) { return a + b; }
/* a + b, computed through a libffi call */
int waffi_sum(int a, int b) {
  ffi_cif cif;
  ffi_type *types[2] = { &ffi_type_sint, &ffi_type_sint };
  void *values[2] = { &a, &b };
  ffi_arg rc;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, types) != FFI_OK) return -1;
  ffi_call(&cif, FFI_FN(add), &rc, values);
  return (int) rc;
}
`;

// The stable ABI (abi3), so the one binary imports in bullseye's Python 3.9 and here.
const EXT_C = String.raw`
#define Py_LIMITED_API 0x03060000
#include <Python.h>
extern int waffi_sum(int, int);
extern const char *g_type_name(unsigned long type);
static PyObject *value(PyObject *self, PyObject *args) {
  const char *n = g_type_name(24); /* G_TYPE_INT: proves libgobject is loaded and working */
  int ok = n != NULL && n[0] == 'g' && n[1] == 'i' && n[2] == 'n' && n[3] == 't' && n[4] == 0;
  return PyLong_FromLong(waffi_sum(40, 2) + (ok ? 0 : 1000));
}
static PyMethodDef methods[] = { { "value", value, METH_NOARGS, NULL }, { NULL, NULL, 0, NULL } };
static struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "_gobjffi", NULL, -1, methods };
PyMODINIT_FUNC PyInit__gobjffi(void) { return PyModule_Create(&def); }
`;

const IMPORT = String.raw`
import re, sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall("/tmp/site")
sys.path.insert(0, "/tmp/site")
try:
    import gobjffi
    print("value", gobjffi.value())
    maps = open("/proc/self/maps").read()
    print("ffi", " ".join(sorted(set(re.findall(r"/(libffi[^/\s]*)", maps)))))
except ImportError as e:
    print("ImportError", e)
`;

/** Every GLIBC_x.y version an ELF file needs (from its DT_VERNEED), as [major, minor]. */
function glibcVersions(bytes: Uint8Array): [number, number][] {
  const elf = parseElf(bytes);
  const out: [number, number][] = [];
  for (const need of elf.versionNeeds()) {
    for (const v of need.aux) {
      const m = /^GLIBC_(\d+)\.(\d+)/.exec(v.name);
      if (m !== null) out.push([Number(m[1]), Number(m[2])]);
    }
  }
  return out;
}

const hostHas = [
  requireTool('gcc', 'gcc'),
  requireFile('/usr/include/python3.11/Python.h', 'libpython3.11-dev'),
  requireFile('/usr/include/x86_64-linux-gnu/ffi.h', 'libffi-dev'),
  requireFile(`${MULTIARCH}/libgobject-2.0.so.0`, 'libglib2.0-0'),
];

describe('a library a whitelisted one also loads is grafted, and the wheel imports on bullseye', needs(rootSupport(), ...hostHas), () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-bullseye-'));
  let root = '';
  let input = '';
  const out = { fixed: path.join(tmp, 'fixed'), oldRule: path.join(tmp, 'old-rule') };
  const logs: Record<string, string> = {};
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(async () => {
    const rootP = debianRoot(BULLSEYE);
    const lib = path.join(tmp, 'lib');
    mkdirSync(lib);
    writeFileSync(path.join(tmp, 'waffi.c'), WAFFI_C);
    writeFileSync(path.join(tmp, 'ext.c'), EXT_C);
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', path.join(lib, 'libwaffi.so.1'), '-Wl,-soname,libwaffi.so.1', path.join(tmp, 'waffi.c'), '-lffi']);
    const so = path.join(tmp, '_gobjffi.abi3.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', so, path.join(tmp, 'ext.c'), '-I/usr/include/python3.11', '-Wl,--no-as-needed', path.join(lib, 'libwaffi.so.1'), `${MULTIARCH}/libgobject-2.0.so.0`]);
    input = await buildWheel(path.join(tmp, 'in'), {
      distribution: 'gobjffi',
      version: '0.1.0',
      tag: 'cp39-abi3-linux_x86_64',
      files: { 'gobjffi/__init__.py': 'from ._gobjffi import value\n', 'gobjffi/_gobjffi.abi3.so': { data: readFileSync(so), mode: 0o755 } },
    });
    // LD_LIBRARY_PATH adds to the system directories (--ldpaths would replace them).
    const env = { SOURCE_DATE_EPOCH: '1700000000', LD_LIBRARY_PATH: lib };
    const fixed = await runCli(['-v', 'repair', '-w', out.fixed, input], { env });
    const oldRule = await runCli(['repair', '--exclude', 'libffi.so.8', '-w', out.oldRule, input], { env });
    if (fixed.code !== 0 || oldRule.code !== 0) throw new Error(`repair failed:\n${fixed.stderr}\n${oldRule.stderr}`);
    logs['fixed'] = fixed.stderr;
    root = await rootP;
  });

  const wheelIn = (dir: string): string => {
    const [f] = readdirSync(dir);
    return path.join(dir, f as string);
  };
  const entries = (whl: string): string[] => execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', whl], { encoding: 'utf8' }).trim().split('\n');

  it('the scenario holds: here libgobject links libffi.so.8, on bullseye libffi.so.7', () => {
    const deps = (p: string): readonly string[] => parseElf(readFileSync(p)).dynamic?.needed ?? [];
    expect(deps(`${MULTIARCH}/libgobject-2.0.so.0`)).toContain('libffi.so.8');
    expect(deps(path.join(root, 'usr/lib/x86_64-linux-gnu/libgobject-2.0.so.0'))).toContain('libffi.so.7');
    expect(existsSync(path.join(root, 'usr/lib/x86_64-linux-gnu/libffi.so.8'))).toBe(false);
  });

  it('repair grafts libwaffi and libffi (not libgobject) and tags the wheel by libffi’s GLIBC_2.27', () => {
    const whl = wheelIn(out.fixed);
    expect(path.basename(whl)).toBe('gobjffi-0.1.0-cp39-abi3-manylinux_2_27_x86_64.whl');
    const libs = entries(whl).filter((e) => e.startsWith('gobjffi.libs/') && !e.endsWith('/')).map((e) => e.replace(/-[0-9a-f]{8}\./, '-HASH.'));
    expect(libs.sort()).toEqual(['gobjffi.libs/libffi-HASH.so.8.1.2', 'gobjffi.libs/libwaffi-HASH.so.1']);
    expect(logs['fixed']).not.toMatch(/not grafted/);
  });

  it('show: libffi.so.8 is an external library of the input, as auditwheel reports it', async () => {
    const r = await runCli(['show', '--json', input], { env: { LD_LIBRARY_PATH: path.join(tmp, 'lib') } });
    const j = JSON.parse(r.stdout) as { external_libs: Record<string, string | null> };
    expect(Object.keys(j.external_libs).sort()).toEqual(['libffi.so.8', 'libwaffi.so.1']);
  });

  it('every ELF file of the repaired wheel needs at most GLIBC_2.31 (bullseye’s glibc)', () => {
    const x = path.join(tmp, 'x');
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', wheelIn(out.fixed), x]);
    const elves = ['gobjffi/_gobjffi.abi3.so', ...readdirSync(path.join(x, 'gobjffi.libs')).map((f) => `gobjffi.libs/${f}`)];
    for (const e of elves) {
      for (const [maj, min] of glibcVersions(readFileSync(path.join(x, e)))) expect(maj * 100 + min, `${e} needs GLIBC_${maj}.${min}`).toBeLessThanOrEqual(231);
    }
  });

  it('the repaired wheel imports on bullseye; its own libffi.so.8 and the system libffi.so.7 (under libgobject) are both loaded', () => {
    const r = runInRoot(root, ['python3', '-c', IMPORT, '/tmp/in/w.whl'], { binds: [{ host: wheelIn(out.fixed), at: '/tmp/in/w.whl', readOnly: true }] });
    expect(r.stderr).toBe('');
    const [value, ffi] = r.stdout.trim().split('\n');
    expect(value).toBe('value 42');
    expect(ffi).toMatch(/^ffi libffi-[0-9a-f]{8}\.so\.8\.1\.2 libffi\.so\.7\.1\.0$/);
  });

  it('the old rule’s output (libffi left out) imports here but NOT on bullseye: the oracle can fail', () => {
    const whl = wheelIn(out.oldRule);
    expect(entries(whl).filter((e) => e.includes('libffi'))).toEqual([]);
    // It even claimed a more compatible tag, because libffi's GLIBC_2.27 was not counted.
    expect(path.basename(whl)).toBe('gobjffi-0.1.0-cp39-abi3-manylinux1_x86_64.manylinux_2_5_x86_64.whl');
    const here = execFileSync('python3', ['-c', IMPORT.replace(/\/tmp\/site/g, path.join(tmp, 'here-site')), whl], { encoding: 'utf8' });
    expect(here.split('\n')[0]).toBe('value 42');
    const r = runInRoot(root, ['python3', '-c', IMPORT, '/tmp/in/w.whl'], { binds: [{ host: whl, at: '/tmp/in/w.whl', readOnly: true }] });
    expect(r.stdout.trim()).toMatch(/^ImportError libffi\.so\.8: cannot open shared object file/);
  });
});
