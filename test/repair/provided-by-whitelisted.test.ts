// Which libraries a whitelisted system library keeps out of the graft set: only those it is
// guaranteed to bring on every target (policies/companions.json: libGLX.so.0 and
// libGLdispatch.so.0 with GLVND's libGL.so.1), and only when the wheel needs that library
// itself. Anything else a whitelisted library happens to load on this machine (libffi under
// libgobject) is grafted like any other library, and counts toward the tag. The bullseye test
// in test/roots/ shows why, on a distribution where libgobject links another libffi.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditWheel } from '../../src/analyze/audit.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import type { Finding } from '../../src/analyze/report.js';
import { buildWheel, unpackWheel, wheelEntries } from '../helpers/build-wheel.js';
import { runCli } from '../helpers/cli.js';
import { isolationSupport, runIsolated } from '../helpers/isolate.js';
import { fromSupport, needs, requireFile, requireTool, type Requirement } from '../helpers/requires.js';
import { SYSTEM_PYTHON } from '../helpers/venv.js';

const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const lib = (soname: string, pkg: string): Requirement => requireFile(path.join(LIBDIR, soname), pkg);
const gcc = requireTool('gcc', 'gcc');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-provided-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** An extension (entry `<pkg>/_<pkg>.cpython-311-x86_64-linux-gnu.so`) from C source, linked against `sonames`. */
async function extensionWheel(pkg: string, source: string, sonames: readonly string[], cflags: readonly string[] = []): Promise<string> {
  const dir = path.join(tmp, `${pkg}-${++counter}`);
  const c = path.join(tmp, `${pkg}-${counter}.c`);
  writeFileSync(c, source);
  const so = path.join(tmp, `${pkg}-${counter}.so`);
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', so, c, ...cflags, `-L${LIBDIR}`, '-Wl,--no-as-needed', ...sonames.map((s) => `-l:${s}`)]);
  return buildWheel(dir, {
    distribution: pkg,
    version: '0.1.0',
    tag: 'cp311-cp311-linux_x86_64',
    files: { [`${pkg}/__init__.py`]: '', [`${pkg}/_${pkg}.cpython-311-x86_64-linux-gnu.so`]: { data: readFileSync(so), mode: 0o755 } },
  });
}

async function findings(whl: string): Promise<readonly Finding[]> {
  const outcome = await auditWheel(whl, { disableIsaExtCheck: false, env: {}, cwd: tmp, root: '', hostFs: new HostFs() });
  if (outcome.kind !== 'platform') throw new Error(`${whl}: not a platform wheel`);
  return outcome.report.findings;
}

async function showJson(whl: string): Promise<{ external_libs: Record<string, string | null>; overall_tag: string; sym_tag: string }> {
  const r = await runCli(['show', '--json', whl]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { external_libs: Record<string, string | null>; overall_tag: string; sym_tag: string };
}

async function repair(whl: string): Promise<{ stderr: string; grafted: string[]; wheel: string }> {
  const out = mkdtempSync(path.join(tmp, 'out-'));
  const r = await runCli(['repair', '-w', out, whl], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  expect(r.code, r.stderr).toBe(0);
  const wheel = /Fixed-up wheel written to (.*)$/m.exec(r.stderr)?.[1] ?? '';
  const grafted = (await wheelEntries(wheel)).filter((e) => /^[^/]+\.libs\/./.test(e)).map((e) => e.replace(/^[^/]+\.libs\//, '').replace(/-[0-9a-f]{8}\./, '-HASH.'));
  return { stderr: r.stderr, grafted: grafted.sort(), wheel };
}

const GLX_SRC = `
extern void *glXGetProcAddress(const unsigned char *);
extern void glFlush(void);
extern int ffi_prep_cif(void *, int, unsigned, void *, void **);
void touch(void) { glFlush(); glXGetProcAddress((const unsigned char *)"x"); ffi_prep_cif(0, 0, 0, 0, 0); }
`;

describe('GLVND: libGLX and libGLdispatch come with libGL (the one companion rule)', needs(gcc, lib('libGL.so.1', 'libgl1'), lib('libGLX.so.0', 'libglx0'), lib('libGLdispatch.so.0', 'libglvnd0'), lib('libffi.so.8', 'libffi8')), () => {
  // The extension needs libGL.so.1 and also libGLX.so.0 directly (as glvnd-linked code does).
  const whl = (): Promise<string> => extensionWheel('glx', GLX_SRC, ['libGL.so.1', 'libGLX.so.0', 'libffi.so.8']);

  it('show: libGLX and libGLdispatch are not external, libffi is', async () => {
    expect(Object.keys((await showJson(await whl())).external_libs)).toEqual(['libffi.so.8']);
  });

  it('show -v says which rule kept libGLX out; plain show does not add the paragraph', async () => {
    const w = await whl();
    const verbose = await runCli(['-v', 'show', w]);
    // Paragraphs are wrapped at 70 columns.
    expect(verbose.stdout.replace(/\s+/g, ' ')).toContain('libGLX.so.0: not grafted, libGL.so.1 brings it on every manylinux target (GLVND)');
    // libGLdispatch is needed only by libGLX, which stays out: nothing to say about it.
    expect(verbose.stdout).not.toContain('libGLdispatch');
    expect((await runCli(['show', w])).stdout).not.toContain('not grafted');
  });

  it('the report has a provided-by-whitelisted finding with the rule and its reason, per policy', async () => {
    const provided = (await findings(await whl())).filter((f): f is Extract<Finding, { kind: 'provided-by-whitelisted' }> => f.kind === 'provided-by-whitelisted');
    expect(provided.map((f) => [f.soname, f.providedBy, f.rule])).toEqual([['libGLX.so.0', 'libGL.so.1', 'GLVND']]);
    for (const f of provided) {
      expect(f.reason).toMatch(/second dispatch table/);
      expect(f.policies).toContain('manylinux_2_5_x86_64');
      expect(f.policies).not.toContain('linux_x86_64');
    }
  });

  it('repair grafts libffi only, and says why libGLX stays out', async () => {
    const r = await repair(await whl());
    expect(r.grafted).toEqual(['libffi-HASH.so.8.1.2']);
    expect(r.stderr).toContain('libGLX.so.0: not grafted, libGL.so.1 brings it on every manylinux target (GLVND)');
  });

  it('without libGL.so.1 in the wheel’s own needs, libGLX.so.0 is an ordinary external library (grafted with libGLdispatch)', async () => {
    const w = await extensionWheel('glxonly', 'extern void *glXGetProcAddress(const unsigned char *); void t(void) { glXGetProcAddress((const unsigned char *)"x"); }', ['libGLX.so.0']);
    expect(Object.keys((await showJson(w)).external_libs).sort()).toEqual(['libGLX.so.0', 'libGLdispatch.so.0']);
    expect((await findings(w)).some((f) => f.kind === 'provided-by-whitelisted')).toBe(false);
  });
});

describe('no other closure: a library a whitelisted one loads here is grafted when the wheel needs it', needs(gcc, lib('libgobject-2.0.so.0', 'libglib2.0-0'), lib('libffi.so.8', 'libffi8')), () => {
  // libgobject-2.0.so.0 (whitelisted) links libffi.so.8 on this machine; the extension needs
  // libffi.so.8 itself. Another target's libgobject may link libffi.so.7 or .6.
  const SRC = 'extern const char *g_type_name(unsigned long); extern int ffi_prep_cif(void *, int, unsigned, void *, void **);\nvoid t(void) { g_type_name(24); ffi_prep_cif(0, 0, 0, 0, 0); }\n';

  it('show: libffi.so.8 is external and its GLIBC_2.27 caps the symbol tag; no provided finding', async () => {
    const w = await extensionWheel('gobj', SRC, ['libgobject-2.0.so.0', 'libffi.so.8']);
    const j = await showJson(w);
    expect(Object.keys(j.external_libs)).toEqual(['libffi.so.8']);
    expect(j.sym_tag).toBe('manylinux_2_27_x86_64');
    expect((await findings(w)).some((f) => f.kind === 'provided-by-whitelisted')).toBe(false);
  });

  it('repair grafts libffi (not libgobject) and tags the wheel manylinux_2_27', async () => {
    const r = await repair(await extensionWheel('gobj', SRC, ['libgobject-2.0.so.0', 'libffi.so.8']));
    expect(r.grafted).toEqual(['libffi-HASH.so.8.1.2']);
    expect(path.basename(r.wheel)).toBe('gobj-0.1.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    expect(r.stderr).not.toContain('not grafted');
  });
});

// A real extension module: value() calls glGetError through the grafted libOpenGL (dispatched
// by the system's libGLdispatch, which libGL brings) and glXGetProcAddressARB through libGL.
const OPENGL_EXT = String.raw`
#include <Python.h>
extern unsigned int glGetError(void);
extern void *glXGetProcAddressARB(const unsigned char *);
static PyObject *value(PyObject *self, PyObject *args) {
  return PyLong_FromLong((long) glGetError() + (glXGetProcAddressARB((const unsigned char *) "glFlush") != NULL ? 7 : 1000));
}
static PyMethodDef methods[] = { { "value", value, METH_NOARGS, NULL }, { NULL, NULL, 0, NULL } };
static struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "_gl", NULL, -1, methods };
PyMODINIT_FUNC PyInit__gl(void) { return PyModule_Create(&def); }
`;

const IMPORT_GL = String.raw`
import sys
sys.path.insert(0, sys.argv[1])
import gl._gl as m
print(m.value())
maps = open("/proc/self/maps").read()
print(" ".join(sorted({l.rsplit("/", 1)[1] for l in maps.splitlines() if "libOpenGL" in l or "libGLdispatch" in l})))
`;

describe('a wheel linking libOpenGL + libGL imports where libGL is present', needs(
  gcc,
  requireFile('/usr/include/python3.11/Python.h', 'libpython3.11-dev'),
  requireFile(SYSTEM_PYTHON, 'python3.11'),
  lib('libGL.so.1', 'libgl1'),
  lib('libOpenGL.so.0', 'libopengl0'),
  fromSupport(isolationSupport()),
), () => {
  it('libOpenGL is grafted, libGLdispatch (brought by libGL) is not; with the host libOpenGL hidden it imports and runs', async () => {
    const w = await extensionWheel('gl', OPENGL_EXT, ['libOpenGL.so.0', 'libGL.so.1'], ['-I/usr/include/python3.11']);
    const r = await repair(w);
    expect(r.grafted).toEqual(['libOpenGL-HASH.so.0.0.0']);
    expect(r.stderr).toContain('libGLdispatch.so.0: not grafted, libGL.so.1 brings it on every manylinux target (GLVND)');
    const site = mkdtempSync(path.join(tmp, 'site-'));
    await unpackWheel(r.wheel, site);
    const run = runIsolated(SYSTEM_PYTHON, ['-c', IMPORT_GL, site], { hide: [path.join(LIBDIR, 'libOpenGL.so.0')], env: { PATH: '/usr/bin:/bin' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [value, loaded] = run.stdout.trim().split('\n');
    expect(value).toBe('7');
    // One libGLdispatch (the system's), and the grafted libOpenGL.
    expect(loaded).toMatch(/^libGLdispatch\.so\.0\.0\.0 libOpenGL-[0-9a-f]{8}\.so\.0\.0\.0$/);
  });
});
