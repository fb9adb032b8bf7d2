// Every `wheelaudit repair` flag, environment fallback and refusal (spec §1.3, §1.5, §6, §8,
// §11 and our own deviations), through the CLI, judged from the outside: exit code, the one
// error line, what lands in the output directory (and that nothing does on failure), the
// output's filename, WHEEL, zip headers and ELF dynamic sections.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, wheel, type CliResult } from '../helpers/cli.js';
import { systemLibrary } from '../helpers/isolate.js';
import { readelfDynamic } from '../helpers/readelf.js';
import { inspectZip, SYSTEM_PYTHON } from '../helpers/venv.js';
import { MET, needs, requireAll, requireTool, unmet } from '../helpers/requires.js';

// The outputs are read back with Info-ZIP's unzip and Python's zipfile, ELF files with readelf.
const ORACLES = needs(requireTool('unzip', 'unzip'), requireTool('python3', 'python3'), requireTool('readelf', 'binutils'));
const XML_CHAIN = needs(
  requireAll(...['libxml2.so.2', 'libicuuc.so.72', 'liblzma.so.5'].map((s) => (systemLibrary(s) === undefined ? unmet(`needs ${s} on the host (Debian packages libxml2 libicu72 liblzma5)`) : MET))),
  requireTool('unzip', 'unzip'),
  requireTool('python3', 'python3'),
  requireTool('readelf', 'binutils'),
);

const WITHFFI = 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl';
const SYMVEROLD = 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl';
const FFI_EXT = 'withffi/_withffi.cpython-311-x86_64-linux-gnu.so';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const fileSha = (p: string): string => sha256(readFileSync(p));

let tmp: string;
let n = 0;
/** A fresh, not yet existing output directory. */
const outDir = (): string => path.join(tmp, `out-${++n}`);

function sh(cmd: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8', cwd: opts.cwd, input: opts.input, env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.error?.message ?? ''}${r.stderr ?? ''}` };
}

const haveTool = (t: string): boolean => sh('sh', ['-c', `command -v ${t}`]).code === 0;

function repair(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return runCli(['repair', ...args], { env, ...(cwd === undefined ? {} : { cwd }) });
}

/** Exactly one `wheelaudit: error[CODE]: …` line, optionally followed by `  - culprit` and `  hint:` lines; no trace. */
function expectOneError(r: CliResult, code: number, errCode: string | RegExp, message: string | RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const errIdx = lines.findIndex((l) => l.includes('error['));
  expect(errIdx, r.stderr).toBeGreaterThanOrEqual(0);
  expect(lines.filter((l) => l.includes('error[')), r.stderr).toHaveLength(1);
  for (const l of lines.slice(errIdx + 1)) expect(l, r.stderr).toMatch(/^ {2}(hint: |- )/);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  const line = lines[errIdx] as string;
  const m = /^wheelaudit: error\[([A-Z_]+)\]: (.*)$/.exec(line);
  expect(m, line).not.toBeNull();
  if (typeof errCode === 'string') expect(m?.[1], line).toBe(errCode);
  else expect(m?.[1], line).toMatch(errCode);
  const msg = m?.[2] ?? '';
  if (typeof message === 'string') expect(msg).toBe(message);
  else expect(msg).toMatch(message);
}

/** No output wheel, no temporary file: the directory is absent or empty. */
function expectNothingWritten(dir: string): void {
  if (existsSync(dir)) expect(readdirSync(dir)).toEqual([]);
}

function onlyOutput(dir: string): string {
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  return path.join(dir, files[0] as string);
}

function unpack(whl: string): string {
  const d = mkdtempSync(path.join(tmp, 'x-'));
  const r = sh('unzip', ['-q', '-o', whl, '-d', d]);
  if (r.code !== 0) throw new Error(`unzip ${whl}: ${r.stderr}`);
  return d;
}

const entryNames = (whl: string): string[] => inspectZip(whl).entries.map((e) => e.name);
const readEntry = (whl: string, name: string): Buffer => spawnSync('unzip', ['-p', whl, name], { maxBuffer: 64 * 1024 * 1024 }).stdout;
const wheelTags = (whl: string, distInfo: string): string[] => readEntry(whl, `${distInfo}/WHEEL`).toString('utf8').match(/^Tag: .*$/gm) ?? [];
const hasSymtab = (file: string): boolean => / \.symtab\s/.test(sh('readelf', ['-SW', file]).stdout);

function graftName(real: string): string {
  const b = path.basename(real);
  const dot = b.indexOf('.');
  return `${b.slice(0, dot)}-${fileSha(real).slice(0, 8)}${b.slice(dot)}`;
}
const LIBFFI = systemLibrary('libffi.so.8') as string;

let ffiSeen: string | undefined;
/** The path the analysis resolved libffi.so.8 to (`show --json` external_libs). */
async function ffiPathSeen(): Promise<string> {
  if (ffiSeen === undefined) {
    const j = JSON.parse((await runCli(['show', '--json', wheel(WITHFFI)])).stdout) as { external_libs: Record<string, string> };
    ffiSeen = j.external_libs['libffi.so.8'] as string;
  }
  return ffiSeen;
}

// ---------------------------------------------------------------------------------------------
// Wheels built here with gcc: `symx` (a real CPython extension needing libsymdep.so.1, which
// lives only in a temp directory; both keep their .symtab) and `ghost` (the same extension
// linked against libnowhere.so.1, which is deleted after linking: it exists nowhere).

const PACK = String.raw`
import base64, csv, hashlib, io, json, sys, zipfile
spec = json.load(open(sys.argv[1]))
rows = []
with zipfile.ZipFile(spec["out"], "w", zipfile.ZIP_DEFLATED) as z:
    def add(name, data, mode):
        info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        info.create_system = 3
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow([name, "sha256=" + digest, len(data)])
        rows.append(buf.getvalue())
    for name, src in spec["files"]:
        add(name, open(src, "rb").read(), 0o755 if ".so" in src else 0o644)
    for name, text, listed in spec.get("extra", []):
        n = len(rows)
        add(name, text.encode(), 0o644)
        if not listed:
            del rows[n:]
    di = spec["distinfo"]
    add(di + "/METADATA", b"Metadata-Version: 2.1\nName: %s\nVersion: 0.1.0\n" % spec["name"].encode(), 0o644)
    add(di + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: flags.test.ts\nRoot-Is-Purelib: false\nTag: %s\n" % spec["tag"]).encode(), 0o644)
    rows.append(di + "/RECORD,,")
    add(di + "/RECORD", ("\n".join(rows) + "\n").encode(), 0o644)
`;

const EXT_C = String.raw`
#include <Python.h>
extern int DEPFN(void);
static PyObject *value(PyObject *self, PyObject *args) { return PyLong_FromLong(DEPFN()); }
static PyMethodDef methods[] = {{"value", value, METH_NOARGS, "value"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_NAME", NULL, -1, methods};
PyMODINIT_FUNC PyInit__NAME(void) { return PyModule_Create(&def); }
`;

/** Odd entries in the symx wheel: [name, content, listed in RECORD]. */
const SYMX_EXTRA: [string, string, boolean][] = [
  ['symx/a,b.txt', 'ab', true],
  ['symx/q"uote.txt', 'qu', true],
  ['symx/\u00fcn\u00ef.txt', 'u', true],
  ['symx/unlisted.txt', 'not in RECORD', false],
  ['symx-0.1.0.dist-info/RECORD.jws', '{}', false],
  ['symx-0.1.0.dist-info/RECORD.p7s', 'sig', false],
];

interface Built {
  symx: string;
  ghost: string;
  rpx: string;
  twin: string;
  helper: string;
  libDir: string;
  libsymdep: string;
  librp: string;
}
let built: Built | undefined;
const canBuild = haveTool('gcc') && existsSync('/usr/include/python3.11/Python.h') && existsSync(SYSTEM_PYTHON);
const buildNote = canBuild ? '' : ' [skipped: needs gcc and python3.11-dev]';

function buildWheels(): Built {
  const dir = mkdtempSync(path.join(tmp, 'build-'));
  const libDir = path.join(dir, 'lib');
  const goneDir = path.join(dir, 'gone');
  mkdirSync(libDir);
  mkdirSync(goneDir);
  writeFileSync(path.join(dir, 'dep.c'), 'int symdep_value(void) { return 7; }\n');
  writeFileSync(path.join(dir, '__init__.py'), '');
  const gcc = (args: string[]): void => {
    const r = sh('gcc', args, { cwd: dir });
    if (r.code !== 0) throw new Error(`gcc ${args.join(' ')}: ${r.stderr}`);
  };
  const lib = (soname: string, where: string, extra: string[] = []): string => {
    const p = path.join(where, soname);
    gcc(['-shared', '-fPIC', '-O1', `-Wl,-soname,${soname}`, ...extra, '-o', p, 'dep.c']);
    return p;
  };
  const libsymdep = lib('libsymdep.so.1', libDir);
  const libnowhere = lib('libnowhere.so.1', goneDir);
  // A dependency with its own RUNPATH: the grafted copy must have none (§6.8, #693).
  const librp = lib('librp.so.1', libDir, ['-Wl,--enable-new-dtags,-rpath,/opt/nowhere:$ORIGIN/../b']);
  const wheels: Record<string, string> = {};
  // An in-wheel helper library that needs the external libsymdep (spec §6.4's checked case).
  writeFileSync(path.join(dir, 'helper.c'), 'extern int symdep_value(void);\nint helper_value(void) { return symdep_value() + 1; }\n');
  const libhelper = path.join(dir, 'libhelper.so');
  gcc(['-shared', '-fPIC', '-O1', '-Wl,-soname,libhelper.so', '-o', libhelper, 'helper.c', libsymdep]);
  const ext = (module: string, func: string, dep: string, extra: string[] = []): string => {
    writeFileSync(path.join(dir, `${module}.c`), EXT_C.replace(/_NAME/g, module).replace(/DEPFN/g, func));
    const so = path.join(dir, `${module}.cpython-311-x86_64-linux-gnu.so`);
    gcc(['-shared', '-fPIC', '-O1', '-I/usr/include/python3.11', ...extra, '-o', so, `${module}.c`, dep]);
    return so;
  };
  const init = path.join(dir, '__init__.py');
  const so = (m: string): string => `${m}.cpython-311-x86_64-linux-gnu.so`;
  // name -> the wheel's files [entry, source]
  const specs: [string, [string, string][]][] = [
    ['symx', [['symx/__init__.py', init], [`symx/${so('_symx')}`, ext('_symx', 'symdep_value', libsymdep)]]],
    ['ghost', [['ghost/__init__.py', init], [`ghost/${so('_ghost')}`, ext('_ghost', 'symdep_value', libnowhere)]]],
    // RUNPATH with an in-wheel, an outside and a not-yet-existing in-wheel entry (spec §6.6's checked case).
    ['rpx', [['rpx/__init__.py', init], [`rpx/sub/${so('_rpx')}`, ext('_rpx', 'symdep_value', librp, ['-Wl,--enable-new-dtags,-rpath,$ORIGIN/inner:/usr/lib:$ORIGIN/../../outside'])]]],
    // Two extensions at different depths needing the same library: one copy (#90).
    [
      'twin',
      [
        ['twin/__init__.py', init],
        [`twin/${so('_twa')}`, ext('_twa', 'symdep_value', libsymdep)],
        [`twin/sub/${so('_twb')}`, ext('_twb', 'symdep_value', libsymdep)],
      ],
    ],
    ['helper', [['helper/__init__.py', init], [`helper/${so('_helper')}`, ext('_helper', 'helper_value', libhelper, ['-Wl,--disable-new-dtags,-rpath,$ORIGIN/lib'])], ['helper/lib/libhelper.so', libhelper]]],
  ];
  for (const [name, files] of specs) {
    const out = path.join(dir, `${name}-0.1.0-cp311-cp311-linux_x86_64.whl`);
    const spec = path.join(dir, `${name}.json`);
    writeFileSync(
      spec,
      JSON.stringify({
        out,
        name,
        tag: 'cp311-cp311-linux_x86_64',
        distinfo: `${name}-0.1.0.dist-info`,
        files,
        extra: name === 'symx' ? SYMX_EXTRA : [],
      }),
    );
    const r = sh(SYSTEM_PYTHON, ['-c', PACK, spec]);
    if (r.code !== 0) throw new Error(`packing ${name}: ${r.stderr}`);
    wheels[name] = out;
  }
  rmSync(goneDir, { recursive: true, force: true });
  return { ...(wheels as Pick<Built, 'symx' | 'ghost' | 'rpx' | 'twin' | 'helper'>), libDir, libsymdep, librp };
}

/** Import `<name>._<name>` from an unpacked wheel with nothing but the wheel dir on sys.path. */
function importValue(unpacked: string, name: string): CliResult {
  return sh(SYSTEM_PYTHON, ['-c', `import sys; sys.path.insert(0, sys.argv[1]); import ${name}._${name} as m; print(m.value())`, unpacked]);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-flags-'));
  if (canBuild) built = buildWheels();
}, 120_000);

afterAll(() => {
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('--plat', () => {
  it('auto (explicit or default) picks the best tag: symverold -> manylinux1 + manylinux_2_5', async () => {
    for (const flags of [[], ['--plat', 'auto']]) {
      const d = outDir();
      const r = await repair([...flags, '-w', d, wheel(SYMVEROLD)]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(d)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
    }
  });

  it('a PEP 600 name: withffi to manylinux_2_28 also gets the higher manylinux_2_27 tag, and says so', ORACLES, async () => {
    const d = outDir();
    const r = await repair(['--plat', 'manylinux_2_28_x86_64', '-w', d, wheel(WITHFFI)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'Wheel is eligible for a higher priority tag. You requested manylinux_2_28_x86_64 but I have found this wheel is eligible for manylinux_2_27_x86_64.',
    );
    const out = onlyOutput(d);
    expect(path.basename(out)).toBe('withffi-0.1.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl');
    expect(wheelTags(out, 'withffi-0.1.0.dist-info')).toEqual(['Tag: cp311-cp311-manylinux_2_27_x86_64', 'Tag: cp311-cp311-manylinux_2_28_x86_64']);
  });

  it('an alias gives both names (#288): manylinux2014_x86_64 -> manylinux2014 + manylinux_2_17 (--only-plat)', ORACLES, async () => {
    const d = outDir();
    const r = await repair(['--plat', 'manylinux2014_x86_64', '--only-plat', '-w', d, wheel(SYMVEROLD)]);
    expect(r.code, r.stderr).toBe(0);
    const out = onlyOutput(d);
    expect(path.basename(out)).toBe('symverold-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl');
    expect(wheelTags(out, 'symverold-0.1.0.dist-info')).toEqual(['Tag: cp311-cp311-manylinux_2_17_x86_64', 'Tag: cp311-cp311-manylinux2014_x86_64']);
  });

  it("a tag of another architecture: \"can't repair wheel … with x86_64 architecture to a wheel targeting aarch64\", exit 2, nothing written", async () => {
    const d = outDir();
    const r = await repair(['--plat', 'manylinux_2_17_aarch64', '-w', d, wheel(WITHFFI)]);
    expectOneError(r, 2, 'REPAIR_REFUSED', `can't repair wheel ${WITHFFI} with x86_64 architecture to a wheel targeting aarch64`);
    expect(existsSync(d)).toBe(false);
  });

  it('a musl tag on a manylinux-tagged wheel: libc mismatch (GLIBC -> MUSL), exit 2, nothing written', async () => {
    const name = 'symverold-0.1.0-cp311-cp311-manylinux_2_5_x86_64.whl';
    const src = path.join(mkdtempSync(path.join(tmp, 'in-')), name);
    copyFileSync(wheel(SYMVEROLD), src);
    const d = outDir();
    const r = await repair(['--plat', 'musllinux_1_2_x86_64', '-w', d, src]);
    expectOneError(r, 2, 'REPAIR_REFUSED', `can't repair wheel ${name} with GLIBC libc to a wheel targeting MUSL`);
    expect(existsSync(d)).toBe(false);
  });

  it('a manylinux tag on a musllinux-tagged wheel: libc mismatch (MUSL -> GLIBC)', async () => {
    const name = 'muslext-0.1.0-cp311-cp311-musllinux_1_2_x86_64.whl';
    const src = path.join(mkdtempSync(path.join(tmp, 'in-')), name);
    copyFileSync(wheel('muslext-0.1.0-cp311-cp311-linux_x86_64.whl'), src);
    const d = outDir();
    const r = await repair(['--plat', 'manylinux_2_28_x86_64', '-w', d, src]);
    expectOneError(r, 2, 'REPAIR_REFUSED', `can't repair wheel ${name} with MUSL libc to a wheel targeting GLIBC`);
    expect(existsSync(d)).toBe(false);
  });

  it('a musl tag on a linux_x86_64 glibc wheel: the libc mismatch its ELF files show (exit 2; the reference says "not a platform wheel")', async () => {
    const d = outDir();
    const r = await repair(['--plat', 'musllinux_1_2_x86_64', '-w', d, wheel(WITHFFI)]);
    expectOneError(r, 2, 'REPAIR_REFUSED', `can't repair wheel ${WITHFFI} with GLIBC libc to a wheel targeting MUSL`);
    expect(r.stderr).not.toContain('This does not look like a platform wheel');
    expectNothingWritten(d);
  });

  it.each(['foo', 'manylinux_2_99_x86_64', 'manylinux_2_5_aarch64', 'linux_x86_64', ''])('unknown tag %j: exit 2, one line, nothing written', async (plat) => {
    const d = outDir();
    const r = await repair(['--plat', plat, '-w', d, wheel(SYMVEROLD)]);
    expectOneError(r, 2, 'USAGE', /--plat/);
    expect(existsSync(d)).toBe(false);
  });
});

describe('environment fallbacks (spec §1.3): env is the default, the command line wins', () => {
  it('AUDITWHEEL_PLAT is used, and --plat beats it', async () => {
    const d1 = outDir();
    expect((await repair(['--only-plat', '-w', d1, wheel(SYMVEROLD)], { AUDITWHEEL_PLAT: 'manylinux_2_17_x86_64' })).code).toBe(0);
    expect(readdirSync(d1)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl']);
    const d2 = outDir();
    expect((await repair(['--only-plat', '--plat', 'manylinux_2_24_x86_64', '-w', d2, wheel(SYMVEROLD)], { AUDITWHEEL_PLAT: 'manylinux_2_17_x86_64' })).code).toBe(0);
    expect(readdirSync(d2)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux_2_24_x86_64.whl']);
  });

  it('AUDITWHEEL_ZIP_COMPRESSION_LEVEL and -z: level 0 is still deflate (method 8), -z 9 beats env 0', ORACLES, async () => {
    const graft = `withffi.libs/${graftName(LIBFFI)}`;
    const d0 = outDir();
    expect((await repair(['-w', d0, wheel(WITHFFI)], { AUDITWHEEL_ZIP_COMPRESSION_LEVEL: '0' })).code).toBe(0);
    const z0 = inspectZip(onlyOutput(d0));
    const d9 = outDir();
    expect((await repair(['-z', '9', '-w', d9, wheel(WITHFFI)], { AUDITWHEEL_ZIP_COMPRESSION_LEVEL: '0' })).code).toBe(0);
    const z9 = inspectZip(onlyOutput(d9));
    const dz = outDir();
    expect((await repair(['-z', '0', '-w', dz, wheel(WITHFFI)])).code).toBe(0);
    const zz = inspectZip(onlyOutput(dz));
    for (const z of [z0, z9, zz]) {
      expect(z.testzip).toBeNull();
      expect(z.entries.length).toBeGreaterThan(0);
      for (const e of z.entries) expect(e.method, e.name).toBe(e.isDir ? 0 : 8);
    }
    const lib = (z: typeof z0) => z.entries.find((e) => e.name === graft);
    // Level 0 deflate = stored blocks: a little larger than the data; level 9 compresses.
    expect(lib(z0)?.compressSize).toBeGreaterThanOrEqual(lib(z0)?.fileSize ?? 0);
    expect(lib(zz)?.compressSize).toBe(lib(z0)?.compressSize);
    expect(lib(z9)?.compressSize).toBeLessThan((lib(z9)?.fileSize ?? 0) * 0.8);
  });

  it('AUDITWHEEL_PATCHER=none is used (a wheel needing grafts fails), and --patcher native beats it', async () => {
    const d1 = outDir();
    const r1 = await repair(['-w', d1, wheel(WITHFFI)], { AUDITWHEEL_PATCHER: 'none' });
    expectOneError(r1, 1, 'REPAIR_PATCHER', new RegExp(`^${WITHFFI.replace(/\./g, '\\.')}: the 'none' patcher can't patch the following files: `));
    expectNothingWritten(d1);
    const d2 = outDir();
    const r2 = await repair(['--patcher', 'native', '-w', d2, wheel(WITHFFI)], { AUDITWHEEL_PATCHER: 'none' });
    expect(r2.code, r2.stderr).toBe(0);
    expect(readdirSync(d2)).toEqual(['withffi-0.1.0-cp311-cp311-manylinux_2_27_x86_64.whl']);
  });

  it.each([
    ['AUDITWHEEL_PLAT', 'foo', /^environment variable AUDITWHEEL_PLAT: .*'foo'/],
    ['AUDITWHEEL_PLAT', 'musllinux_1_2_aarch64x', /AUDITWHEEL_PLAT/],
    ['AUDITWHEEL_ZIP_COMPRESSION_LEVEL', 'foo', /^environment variable AUDITWHEEL_ZIP_COMPRESSION_LEVEL: .*'foo'/],
    ['AUDITWHEEL_ZIP_COMPRESSION_LEVEL', '10', /AUDITWHEEL_ZIP_COMPRESSION_LEVEL: .*'10'/],
    ['AUDITWHEEL_ZIP_COMPRESSION_LEVEL', '-1', /AUDITWHEEL_ZIP_COMPRESSION_LEVEL: .*'-1'/],
    ['AUDITWHEEL_PATCHER', 'lief-patchelf', /^environment variable AUDITWHEEL_PATCHER: .*'lief-patchelf'/],
    ['AUDITWHEEL_PATCHER', 'bogus', /AUDITWHEEL_PATCHER: .*'bogus'/],
  ])('bad %s=%j: exit 2, one line naming the variable, nothing written', async (variable, value, message) => {
    const d = outDir();
    const r = await repair(['-w', d, wheel(WITHFFI)], { [variable]: value });
    expectOneError(r, 2, 'USAGE', message);
    expect(existsSync(d)).toBe(false);
  });

  it.each(['AUDITWHEEL_PLAT', 'AUDITWHEEL_ZIP_COMPRESSION_LEVEL', 'AUDITWHEEL_PATCHER'])('an empty %s counts as unset (the reference crashes, §9.70)', async (variable) => {
    const d = outDir();
    const r = await repair(['-w', d, wheel(SYMVEROLD)], { [variable]: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
  });

  it.each([['10'], ['-1'], ['x']])('-z %s: exit 2, one line, nothing written', async (level) => {
    const d = outDir();
    expectOneError(await repair(['-z', level, '-w', d, wheel(SYMVEROLD)]), 2, 'USAGE', /-z\/--zip-compression-level/);
    expect(existsSync(d)).toBe(false);
  });
});

describe('output location and names', () => {
  it('-w creates a nested directory and logs the resolved path of the retagged file', async () => {
    const d = path.join(tmp, 'a', 'b', '..', 'c', 'wheelhouse');
    const r = await repair(['-w', d, wheel(SYMVEROLD)]);
    expect(r.code).toBe(0);
    const out = path.join(tmp, 'a', 'c', 'wheelhouse', 'symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl');
    expect(existsSync(out)).toBe(true);
    expect(r.stderr).toContain(`\nFixed-up wheel written to ${out}`);
  });

  it('-w through a symlink: the log names the resolved directory (§1.5 step 11)', async () => {
    const real = mkdtempSync(path.join(tmp, 'real-'));
    const link = path.join(tmp, `link-${++n}`);
    symlinkSync(real, link);
    const r = await repair(['-w', link, wheel(SYMVEROLD)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`\nFixed-up wheel written to ${realpathSync(real)}/symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl`);
  });

  it('-w relative to the working directory', async () => {
    const cwd = mkdtempSync(path.join(tmp, 'cwd-'));
    const r = await repair(['-w', 'rel/wh', wheel(SYMVEROLD)], {}, cwd);
    expect(r.code).toBe(0);
    expect(readdirSync(path.join(cwd, 'rel', 'wh'))).toHaveLength(1);
  });

  it.each([
    ['_libs', 'withffi_libs', '$ORIGIN/../withffi_libs'],
    ['/.libs', 'withffi/.libs', '$ORIGIN/.libs'],
  ])('-L %s grafts into %s and points the extension at %s', ORACLES, async (sdir, folder, rpath) => {
    const d = outDir();
    const r = await repair(['-L', sdir, '-w', d, wheel(WITHFFI)]);
    expect(r.code, r.stderr).toBe(0);
    const x = unpack(onlyOutput(d));
    expect(readdirSync(path.join(x, folder)).filter((f) => f.startsWith('libffi'))).toEqual([graftName(LIBFFI)]);
    expect(readelfDynamic(path.join(x, FFI_EXT)).rpath).toBe(rpath);
  });

  it('--no-update-tags keeps the input filename and WHEEL, but still grafts', ORACLES, async () => {
    const d = outDir();
    const r = await repair(['--no-update-tags', '-w', d, wheel(WITHFFI)]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d)).toEqual([WITHFFI]);
    const out = path.join(d, WITHFFI);
    expect(readEntry(out, 'withffi-0.1.0.dist-info/WHEEL').equals(readEntry(wheel(WITHFFI), 'withffi-0.1.0.dist-info/WHEEL'))).toBe(true);
    expect(entryNames(out)).toContain(`withffi.libs/${graftName(LIBFFI)}`);
  });

  it('the output may never replace the input (--no-update-tags with -w = the input directory): refused, input untouched, no temp file', async () => {
    const dir = mkdtempSync(path.join(tmp, 'same-'));
    const src = path.join(dir, WITHFFI);
    copyFileSync(wheel(WITHFFI), src);
    const before = fileSha(src);
    const r = await repair(['--no-update-tags', '-w', dir, src]);
    expectOneError(r, 2, 'REPAIR_REFUSED', /would replace the input/);
    expect(fileSha(src)).toBe(before);
    expect(readdirSync(dir)).toEqual([WITHFFI]);
  });

  it('a missing wheel: exit 2 "cannot access <path>. No such file"', async () => {
    const d = outDir();
    expectOneError(await repair(['-w', d, 'nope-1.0-py3-none-any.whl'], {}, tmp), 2, 'USAGE', 'cannot access nope-1.0-py3-none-any.whl. No such file');
    expectNothingWritten(d);
  });
});

describe('--only-plat', () => {
  it('without it a higher-priority tag is added: symverold to manylinux_2_17 -> four tags, sorted; WHEEL in abis order', ORACLES, async () => {
    const d = outDir();
    const r = await repair(['--plat', 'manylinux_2_17_x86_64', '-w', d, wheel(SYMVEROLD)]);
    expect(r.code).toBe(0);
    const out = onlyOutput(d);
    expect(path.basename(out)).toBe('symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl');
    expect(wheelTags(out, 'symverold-0.1.0.dist-info')).toEqual([
      'Tag: cp311-cp311-manylinux_2_5_x86_64',
      'Tag: cp311-cp311-manylinux1_x86_64',
      'Tag: cp311-cp311-manylinux_2_17_x86_64',
      'Tag: cp311-cp311-manylinux2014_x86_64',
    ]);
  });

  it('with it only the requested tag and its alias', async () => {
    const d = outDir();
    const r = await repair(['--plat', 'manylinux_2_17_x86_64', '--only-plat', '-w', d, wheel(SYMVEROLD)]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('eligible for a higher priority tag');
    expect(readdirSync(d)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl']);
  });
});

describe('--exclude (spec §5.8, #508/#528/#474)', ORACLES, () => {
  it.each([['libffi.so.8'], ['libffi.so.*'], ['*/libffi.so.*'], ['<dir the analysis found it in>/*']])(
    '%s: nothing grafted, DT_NEEDED kept, the extension left byte-identical',
    async (p) => {
      const pattern = p.startsWith('<') ? `${path.dirname(await ffiPathSeen())}/*` : p;
      const d = outDir();
      const r = await repair(['--exclude', pattern, '-w', d, wheel(WITHFFI)]);
      expect(r.code, r.stderr).toBe(0);
      // §5.8: a soname match logs the soname, a path match the resolved path.
      expect(r.stderr).toContain(pattern.includes('/') ? `Excluding ${await ffiPathSeen()}` : 'Excluding libffi.so.8');
      const out = onlyOutput(d);
      const names = entryNames(out);
      expect(names.some((e) => e.startsWith('withffi.libs'))).toBe(false);
      const x = unpack(out);
      expect(readelfDynamic(path.join(x, FFI_EXT)).needed).toEqual(['libffi.so.8']);
      expect(fileSha(path.join(x, FFI_EXT))).toBe(sha256(readEntry(wheel(WITHFFI), FFI_EXT)));
    },
  );

  it.each([['libffi.so.[6,7]'], ['libffi'], ['<the path with its symlinked directories resolved>']])('%s matches nothing and excludes nothing', async (p) => {
    // Only the final path component is resolved (spec §5.7), so a pattern spelled with the
    // fully resolved directory (/usr/lib/… on a merged-/usr host) does not match /lib/….
    const seen = await ffiPathSeen();
    const pattern = p.startsWith('<') ? `${path.dirname(realpathSync(seen))}/*` : p;
    if (p.startsWith('<') && path.dirname(realpathSync(seen)) === path.dirname(seen)) return; // not a merged-/usr host
    const d = outDir();
    expect((await repair(['--exclude', pattern, '-w', d, wheel(WITHFFI)])).code).toBe(0);
    expect(entryNames(onlyOutput(d))).toContain(`withffi.libs/${graftName(LIBFFI)}`);
  });

  it('excluding libicuuc also leaves out what only it needs (libicudata); the libxml2 copy keeps DT_NEEDED libicuuc.so.72', XML_CHAIN, async () => {
    const d = outDir();
    const r = await repair(['--exclude', 'libicuuc.so.72', '-w', d, wheel('withxml-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code, r.stderr).toBe(0);
    const x = unpack(onlyOutput(d));
    const libs = readdirSync(path.join(x, 'withxml.libs')).sort();
    expect(libs).toEqual([graftName(systemLibrary('liblzma.so.5') as string), graftName(systemLibrary('libxml2.so.2') as string)].sort());
    const xml = readelfDynamic(path.join(x, 'withxml.libs', graftName(systemLibrary('libxml2.so.2') as string)));
    expect(xml.needed).toContain('libicuuc.so.72');
    expect(xml.needed).toContain(graftName(systemLibrary('liblzma.so.5') as string));
    expect(xml.rpath).toBe('$ORIGIN');
  });
});

describe('--exclude "*" (§9.24)', ORACLES, () => {
  it('excludes libpython too: withpython keeps its DT_NEEDED and is left byte-identical', async () => {
    const d = outDir();
    const r = await repair(['--exclude', '*', '-w', d, wheel('withpython-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Excluding libpython3.11.so.1.0');
    expect(r.stderr).not.toContain('Removing libpython');
    const out = onlyOutput(d);
    const so = 'withpython/_withpython.cpython-311-x86_64-linux-gnu.so';
    expect(sha256(readEntry(out, so))).toBe(sha256(readEntry(wheel('withpython-0.1.0-cp311-cp311-linux_x86_64.whl'), so)));
  });
});

describe('--strip, --ldpaths (gcc-built wheels)', () => {
  it.skipIf(!canBuild)(`--ldpaths DIR finds a library outside the system dirs; without --strip symbols stay; the result imports${buildNote}`, async () => {
    const b = built as Built;
    expect(hasSymtab(b.libsymdep)).toBe(true);
    const d = outDir();
    const r = await repair(['--ldpaths', b.libDir, '-w', d, b.symx]);
    expect(r.code, r.stderr).toBe(0);
    const out = onlyOutput(d);
    // It needs nothing newer than GLIBC_2.2.5 once libsymdep is grafted.
    expect(path.basename(out)).toBe('symx-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl');
    const x = unpack(out);
    const g = path.join(x, 'symx.libs', graftName(b.libsymdep));
    expect(existsSync(g)).toBe(true);
    expect(hasSymtab(g)).toBe(true);
    expect(hasSymtab(path.join(x, 'symx/_symx.cpython-311-x86_64-linux-gnu.so'))).toBe(true);
    const imp = importValue(x, 'symx');
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toBe('7\n');
  });

  it.skipIf(!canBuild)(`--strip removes .symtab from the grafted copy and the extension, which still import${buildNote}`, async () => {
    const b = built as Built;
    const d = outDir();
    const r = await repair(['--strip', '--ldpaths', b.libDir, '-w', d, b.symx]);
    expect(r.code, r.stderr).toBe(0);
    const x = unpack(onlyOutput(d));
    const g = path.join(x, 'symx.libs', graftName(b.libsymdep));
    expect(hasSymtab(g)).toBe(false);
    expect(hasSymtab(path.join(x, 'symx/_symx.cpython-311-x86_64-linux-gnu.so'))).toBe(false);
    expect(readelfDynamic(g).soname).toBe(graftName(b.libsymdep));
    expect(importValue(x, 'symx').stdout).toBe('7\n');
  });

  it.skipIf(!canBuild)(`AUDITWHEEL_LD_LIBRARY_PATH and LD_LIBRARY_PATH are searched too${buildNote}`, async () => {
    const b = built as Built;
    for (const variable of ['AUDITWHEEL_LD_LIBRARY_PATH', 'LD_LIBRARY_PATH']) {
      const d = outDir();
      const r = await repair(['-w', d, b.symx], { [variable]: b.libDir });
      expect(r.code, `${variable}: ${r.stderr}`).toBe(0);
      expect(entryNames(onlyOutput(d))).toContain(`symx.libs/${graftName(b.libsymdep)}`);
    }
  });

  it.skipIf(!canBuild)(`an existing RUNPATH becomes DT_RPATH keeping only in-wheel entries; the grafted copy loses its own RUNPATH${buildNote}`, async () => {
    const b = built as Built;
    const d = outDir();
    const r = await repair(['--ldpaths', b.libDir, '-w', d, b.rpx]);
    expect(r.code, r.stderr).toBe(0);
    const x = unpack(onlyOutput(d));
    const ext = readelfDynamic(path.join(x, 'rpx/sub/_rpx.cpython-311-x86_64-linux-gnu.so'));
    expect(ext.rpath).toBe('$ORIGIN/inner:$ORIGIN/../../outside:$ORIGIN/../../rpx.libs');
    expect(ext.runpath).toBeUndefined();
    expect(ext.needed).toContain(graftName(b.librp));
    expect(readelfDynamic(b.librp).runpath).toBe('/opt/nowhere:$ORIGIN/../b');
    const g = readelfDynamic(path.join(x, 'rpx.libs', graftName(b.librp)));
    expect(g.rpath).toBeUndefined();
    expect(g.runpath).toBeUndefined();
    const imp = sh(SYSTEM_PYTHON, ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import rpx.sub._rpx as m; print(m.value())', x]);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toBe('7\n');
  });

  it.skipIf(!canBuild)(`two extensions needing the same library share one grafted copy, each with its own RPATH (#90)${buildNote}`, async () => {
    const b = built as Built;
    const d = outDir();
    expect((await repair(['--ldpaths', b.libDir, '-w', d, b.twin])).code).toBe(0);
    const x = unpack(onlyOutput(d));
    expect(readdirSync(path.join(x, 'twin.libs'))).toEqual([graftName(b.libsymdep)]);
    expect(readelfDynamic(path.join(x, 'twin/_twa.cpython-311-x86_64-linux-gnu.so')).rpath).toBe('$ORIGIN/../twin.libs');
    expect(readelfDynamic(path.join(x, 'twin/sub/_twb.cpython-311-x86_64-linux-gnu.so')).rpath).toBe('$ORIGIN/../../twin.libs');
    const imp = sh(SYSTEM_PYTHON, ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import twin._twa as a, twin.sub._twb as b; print(a.value() + b.value())', x]);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toBe('14\n');
  });

  it.skipIf(!canBuild)(`an extension reaching the external library only through an in-wheel library: both patched (§6.4)${buildNote}`, async () => {
    const b = built as Built;
    const d = outDir();
    const r = await repair(['--ldpaths', b.libDir, '-w', d, b.helper]);
    expect(r.code, r.stderr).toBe(0);
    const x = unpack(onlyOutput(d));
    const g = graftName(b.libsymdep);
    expect(readdirSync(path.join(x, 'helper.libs'))).toEqual([g]);
    const e = readelfDynamic(path.join(x, 'helper/_helper.cpython-311-x86_64-linux-gnu.so'));
    expect(e.needed[0]).toBe('libhelper.so');
    expect(e.rpath).toBe('$ORIGIN/lib:$ORIGIN/../helper.libs');
    const h = readelfDynamic(path.join(x, 'helper/lib/libhelper.so'));
    expect(h.needed).toContain(g);
    expect(h.needed).not.toContain('libsymdep.so.1');
    expect(h.rpath).toBe('$ORIGIN/../../helper.libs');
    const imp = sh(SYSTEM_PYTHON, ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import helper._helper as m; print(m.value())', x]);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toBe('8\n');
  });

  it('--ldpaths with a modified, read-only copy of libffi grafts that copy (its own hash), made owner-writable (#237)', ORACLES, async () => {
    const dir = mkdtempSync(path.join(tmp, 'ldp-'));
    const copy = path.join(dir, 'libffi.so.8');
    writeFileSync(copy, Buffer.concat([readFileSync(LIBFFI), Buffer.alloc(64)]), { mode: 0o444 });
    const d = outDir();
    const r = await repair(['--ldpaths', dir, '-w', d, wheel(WITHFFI)]);
    expect(r.code, r.stderr).toBe(0);
    const names = entryNames(onlyOutput(d));
    expect(names).toContain(`withffi.libs/libffi-${fileSha(copy).slice(0, 8)}.so.8`);
    const z = inspectZip(onlyOutput(d));
    expect((z.entries.find((e) => e.name === `withffi.libs/libffi-${fileSha(copy).slice(0, 8)}.so.8`)?.externalAttr ?? 0) >>> 16).toBe(0o100644);
    expect(names).not.toContain(`withffi.libs/${graftName(LIBFFI)}`);
  });
});

describe('missing libraries: exit 1, the reference message, no partial wheel (our deviation from §6.15)', () => {
  it('--ldpaths "" hides the system dirs: libffi.so.8 cannot be located', async () => {
    const d = outDir();
    const r = await repair(['--ldpaths', '', '-w', d, wheel(WITHFFI)]);
    expectOneError(r, 1, 'REPAIR_LIB_NOT_FOUND', 'Cannot repair wheel, because required library "libffi.so.8" could not be located');
    expectNothingWritten(d);
  });

  it.skipIf(!canBuild)(`a library that exists nowhere (libnowhere.so.1)${buildNote}`, async () => {
    const b = built as Built;
    const d = outDir();
    const before = fileSha(b.ghost);
    const r = await repair(['-w', d, b.ghost]);
    expectOneError(r, 1, 'REPAIR_LIB_NOT_FOUND', 'Cannot repair wheel, because required library "libnowhere.so.1" could not be located');
    expectNothingWritten(d);
    expect(fileSha(b.ghost)).toBe(before);
  });
});

describe('--patcher', () => {
  it('none: a wheel that only needs retagging is written, also with --strip (§8.3)', async () => {
    for (const flags of [[], ['--strip']]) {
      const d = outDir();
      const r = await repair(['--patcher', 'none', ...flags, '-w', d, wheel(SYMVEROLD)]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(d)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
    }
  });

  it('none: a wheel that needs grafting fails with one line and writes nothing (no partial wheel)', async () => {
    const d = outDir();
    const r = await repair(['--patcher', 'none', '-w', d, wheel(WITHFFI)]);
    expectOneError(r, 1, 'REPAIR_PATCHER', `${WITHFFI}: the 'none' patcher can't patch the following files: withffi.libs/${graftName(LIBFFI)}, ${FFI_EXT}`);
    expectNothingWritten(d);
  });

  const pv = sh('patchelf', ['--version']);
  const old = pv.code === 0 && /patchelf 0\.(\d|1[0-3]|14\.[0-4])(\s|$|\.)/.test(pv.stdout.trim() + '\n');
  it.skipIf(!old)(`patchelf older than 0.14.5 (${pv.stdout.trim() || 'absent'}) is refused before anything is written, even for a retag-only wheel${old ? '' : ' [skipped: needs Debian bookworm patchelf 0.14.3]'}`, async () => {
    for (const w of [SYMVEROLD, WITHFFI]) {
      const d = outDir();
      const r = await repair(['--patcher', 'patchelf', '-w', d, wheel(w)]);
      expectOneError(r, 1, 'REPAIR_PATCHER', new RegExp(`^${pv.stdout.trim().replace(/\./g, '\\.')} found.*patchelf >= 0\\.14\\.5`));
      expect(existsSync(d)).toBe(false);
    }
    const d = outDir();
    expectOneError(await repair(['-w', d, wheel(SYMVEROLD)], { AUDITWHEEL_PATCHER: 'patchelf' }), 1, 'REPAIR_PATCHER', /patchelf >= 0\.14\.5/);
    expect(existsSync(d)).toBe(false);
  });
});

describe('refusals (spec §1.5 step 8): exit 2, the reference message with the path as typed, nothing written', () => {
  const W = path.join('fixtures', 'wheels');
  it.each([
    ['zblack-0.1.0-cp311-cp311-linux_x86_64.whl', [], 'manylinux_2_41_x86_64', 'it depends on black-listed symbols.'],
    ['glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl', ['--plat', 'manylinux_2_17_x86_64'], 'manylinux_2_17_x86_64', "of the presence of too-recent versioned symbols. You'll need to compile the wheel on an older toolchain."],
    ['isav3-0.1.0-cp311-cp311-linux_x86_64.whl', [], 'manylinux_2_41_x86_64', 'it depends on unsupported ISA extensions.'],
    ['ucs2-0.1.0-cp27-cp27m-linux_x86_64.whl', [], 'manylinux_2_41_x86_64', "it was compiled against a UCS2 build of Python. You'll need to compile the wheel against a wide-unicode build of Python."],
    ['fpe-0.1.0-cp311-cp311-linux_x86_64.whl', [], 'manylinux_2_41_x86_64', /^it uses the PyFPE_jbuf function/],
  ] as [string, string[], string, string | RegExp][])('%s %j', async (name, flags, plat, why) => {
    const d = outDir();
    const typed = path.join(W, name);
    const r = await repair([...flags, '-w', d, typed]);
    const prefix = `cannot repair "${typed}" to "${plat}" ABI because `;
    expectOneError(r, 2, 'REPAIR_REFUSED', typeof why === 'string' ? prefix + why : new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${why.source.slice(1)}`));
    expect(r.stderr.indexOf(`Repairing ${name}`)).toBeGreaterThanOrEqual(0);
    expect(r.stderr.indexOf(`Repairing ${name}`)).toBeLessThan(r.stderr.indexOf('error['));
    expectNothingWritten(d);
  });

  it('glibcnew is fine at manylinux_2_36 (the refusal is about the target)', async () => {
    const d = outDir();
    const r = await repair(['--plat', 'manylinux_2_36_x86_64', '--only-plat', '-w', d, wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d)).toEqual(['glibcnew-0.1.0-cp311-cp311-manylinux_2_36_x86_64.whl']);
  });

  it('--disable-isa-ext-check lets isav3 through as manylinux1/manylinux_2_5', async () => {
    const d = outDir();
    const r = await repair(['--disable-isa-ext-check', '-w', d, wheel('isav3-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d)).toEqual(['isav3-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
  });
});

describe('pure wheels (--allow-pure-python-wheel, #660)', () => {
  const PURE = 'purepkg-0.1.0-py3-none-any.whl';

  it('without the flag: exit 1, the "not a platform wheel" message, no file written', async () => {
    const d = outDir();
    const r = await repair(['-w', d, wheel(PURE)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('This does not look like a platform wheel');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expectNothingWritten(d);
  });

  it('with the flag: copied byte-identical with its mtime, exit 0', async () => {
    const src = path.join(mkdtempSync(path.join(tmp, 'pure-')), PURE);
    copyFileSync(wheel(PURE), src);
    const t = new Date('2021-05-06T07:08:09Z');
    utimesSync(src, t, t);
    const d = outDir();
    const r = await repair(['--allow-pure-python-wheel', '-w', d, src]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('This does not look like a platform wheel');
    expect(readdirSync(d)).toEqual([PURE]);
    expect(fileSha(path.join(d, PURE))).toBe(fileSha(src));
    expect(statSync(path.join(d, PURE)).mtimeMs).toBe(t.getTime());
  });

  it('with the flag and -w = its own directory: nothing to do, exit 0, input untouched (B16)', async () => {
    const dir = mkdtempSync(path.join(tmp, 'pure-'));
    const src = path.join(dir, PURE);
    copyFileSync(wheel(PURE), src);
    const r = await repair(['--allow-pure-python-wheel', '-w', dir, src]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual([PURE]);
    expect(fileSha(src)).toBe(fileSha(wheel(PURE)));
  });
});

describe('other cases', ORACLES, () => {
  it('an already-compliant wheel (symverold) is a successful no-op that is still written, retagged, with nothing grafted', async () => {
    const d = outDir();
    const r = await repair(['-w', d, wheel(SYMVEROLD)]);
    expect(r.code).toBe(0);
    const out = onlyOutput(d);
    expect(path.basename(out)).toBe('symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl');
    const names = entryNames(out);
    expect(names.some((e) => e.includes('.libs/'))).toBe(false);
    const so = names.find((e) => e.endsWith('.so')) as string;
    expect(sha256(readEntry(out, so))).toBe(sha256(readEntry(wheel(SYMVEROLD), so)));
  });

  it.each([
    ['pietool-0.1.0-py3-none-linux_x86_64.whl', 'pietool-0.1.0-py3-none-manylinux_2_34_x86_64.whl', 'pietool-0.1.0.data/scripts/hello-pie'],
    ['statictool-0.1.0-py3-none-linux_x86_64.whl', 'statictool-0.1.0-py3-none-manylinux1_x86_64.manylinux_2_5_x86_64.whl', 'statictool-0.1.0.data/scripts/hello-static'],
  ])('%s: an ELF script without external libraries stays an unmodified ELF in .data/scripts (§6.7)', async (input, output, script) => {
    const d = outDir();
    const r = await repair(['-w', d, wheel(input)]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d)).toEqual([output]);
    const names = entryNames(path.join(d, output));
    expect(names.some((e) => e.includes('.scripts/') || e.includes('.libs/'))).toBe(false);
    expect(sha256(readEntry(path.join(d, output), script))).toBe(sha256(readEntry(wheel(input), script)));
  });

  it.each(['abc', '1.5', '12abc'])('SOURCE_DATE_EPOCH=%s: exit 2, one line, nothing written', async (v) => {
    const d = outDir();
    expectOneError(await repair(['-w', d, wheel(SYMVEROLD)], { SOURCE_DATE_EPOCH: v }), 2, 'USAGE', /SOURCE_DATE_EPOCH/);
    expect(existsSync(d)).toBe(false);
  });

  it.skipIf(!canBuild)(`RECORD quoting, UTF-8 names, unlisted files and RECORD.jws (§6.13, §6.14, §4.1)${buildNote}`, async () => {
    const b = built as Built;
    const d = outDir();
    expect((await repair(['--ldpaths', b.libDir, '-w', d, b.symx])).code).toBe(0);
    const z = inspectZip(onlyOutput(d));
    const text = z.recordText as string;
    const hashOf = (n: string) => z.entries.find((e) => e.name === n)?.hash;
    expect(text).toContain(`\r\n"symx/a,b.txt",${hashOf('symx/a,b.txt')},2\r\n`);
    expect(text).toContain(`\r\n"symx/q""uote.txt",${hashOf('symx/q"uote.txt')},2\r\n`);
    expect(text).toContain(`\r\nsymx/\u00fcn\u00ef.txt,${hashOf('symx/\u00fcn\u00ef.txt')},1\r\n`);
    // A file the input RECORD did not list is still repacked, and listed now.
    expect(text).toContain(`\r\nsymx/unlisted.txt,${hashOf('symx/unlisted.txt')},13\r\n`);
    // RECORD.jws is deleted (its signature no longer holds); RECORD.p7s is kept, as in the reference.
    const names = z.entries.map((e) => e.name);
    expect(names).not.toContain('symx-0.1.0.dist-info/RECORD.jws');
    expect(names).toContain('symx-0.1.0.dist-info/RECORD.p7s');
    // Bit 11 (UTF-8) only for the non-ASCII name.
    for (const e of z.entries) expect(e.flagBits & 0x800, e.name).toBe(/^[\x00-\x7f]*$/.test(e.name) ? 0 : 0x800);
    expect(z.testzip).toBeNull();
  });

  it('entries stored (method 0) in the input are deflated in the output, like every file (#366, §6.14)', async () => {
    const dir = mkdtempSync(path.join(tmp, 'stored-'));
    const src = path.join(dir, SYMVEROLD);
    const conv = sh(SYSTEM_PYTHON, [
      '-c',
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as i, zipfile.ZipFile(sys.argv[2], "w") as o:\n    for e in i.infolist():\n        d = i.read(e); e.compress_type = zipfile.ZIP_STORED; o.writestr(e, d)',
      wheel(SYMVEROLD),
      src,
    ]);
    expect(conv.code, conv.stderr).toBe(0);
    const stored = inspectZip(src).entries;
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((e) => e.method === 0)).toBe(true);
    const d = outDir();
    expect((await repair(['-w', d, src])).code).toBe(0);
    const z = inspectZip(onlyOutput(d));
    expect(z.entries.length).toBeGreaterThan(0);
    for (const e of z.entries) expect(e.method, e.name).toBe(e.isDir ? 0 : 8);
  });

  it('SOURCE_DATE_EPOCH after 2107 is stored as the last DOS time, 2107-12-31 23:59:58', async () => {
    const d = outDir();
    expect((await repair(['-w', d, wheel(SYMVEROLD)], { SOURCE_DATE_EPOCH: '5000000000' })).code).toBe(0);
    const entries = inspectZip(onlyOutput(d)).entries;
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.dateTime, e.name).toEqual([2107, 12, 31, 23, 59, 58]);
  });

  it('re-repairing a repaired wheel changes nothing: same name, byte-identical with the same SOURCE_DATE_EPOCH', async () => {
    const d1 = outDir();
    expect((await repair(['-w', d1, wheel(WITHFFI)], { SOURCE_DATE_EPOCH: '1700000000' })).code).toBe(0);
    const first = onlyOutput(d1);
    const d2 = outDir();
    const r = await repair(['-w', d2, first], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('No filename tags change needed.');
    expect(r.stderr).toContain('No WHEEL info change needed.');
    expect(fileSha(onlyOutput(d2))).toBe(fileSha(first));
  });

  it('-w naming an existing regular file: one error line (exit 1), not an internal error; the file is untouched', async () => {
    const f = path.join(mkdtempSync(path.join(tmp, 'wfile-')), 'not-a-dir');
    writeFileSync(f, 'keep');
    for (const w of [f, path.join(f, 'sub')]) {
      const r = await repair(['-w', w, wheel(SYMVEROLD)]);
      expectOneError(r, 1, /^(IO|REPAIR_IO)$/, /not-a-dir/);
    }
    expect(readFileSync(f, 'utf8')).toBe('keep');
  });

  it.each([['/../../evil'], ['/../..']])('-L %s (a library folder outside the wheel) is a usage error (exit 2), not an internal error; nothing written', async (sdir) => {
    const d = outDir();
    const r = await repair(['-L', sdir, '-w', d, wheel(WITHFFI)]);
    expectOneError(r, 2, 'USAGE', /-L|lib-sdir/);
    expectNothingWritten(d);
  });

  it('-L "" grafts into the package directory itself (<name> + "")', async () => {
    const d = outDir();
    expect((await repair(['-L', '', '-w', d, wheel(WITHFFI)])).code).toBe(0);
    const x = unpack(onlyOutput(d));
    expect(existsSync(path.join(x, 'withffi', graftName(LIBFFI)))).toBe(true);
    expect(readelfDynamic(path.join(x, FFI_EXT)).rpath).toBe('$ORIGIN');
  });

  it('several wheels: the first failure stops the rest, earlier outputs stay (#343)', async () => {
    const d = outDir();
    const r = await repair(['-w', d, wheel(SYMVEROLD), wheel('zblack-0.1.0-cp311-cp311-linux_x86_64.whl'), wheel(WITHFFI)]);
    expect(r.code).toBe(2);
    expect(readdirSync(d)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
    expect(r.stderr).not.toContain(`Repairing ${WITHFFI}`);
  });
});
