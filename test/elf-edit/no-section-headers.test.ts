// Files without section headers, beyond the matrix's sstrip variants (build.sh): on every
// cross architecture of the committed fixtures, a grafted library (libverdemo.so.1), the
// program that needs it (verdemo-main) and an extension (_minext) are sstripped by our own
// generator, edited the way `repair` edits them, and run under qemu-user with the cross
// sysroot (verdemo-main dlopens the extension and calls its PyInit). Then a wheel goes through
// `wheelaudit repair` end to end: its sstripped extension and the sstripped libffi it grafts
// are rewritten, and the result installs with pip and imports with the host's libffi hidden.
// Last, `wheelaudit repair` on aarch64, s390x and ppc64 wheels (sstripped extension and
// library), the repaired extension loaded under qemu by a loader that links only libc.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/index.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { buildWheel, unpackWheel } from '../helpers/build-wheel.js';
import { runCli } from '../helpers/cli.js';
import { isolationSupport, runIsolated, systemLibrary } from '../helpers/isolate.js';
import { fromSupport, needs, requireFile, requireTool } from '../helpers/requires.js';
import { freshVenv, removeVenvs, venvSupport, SYSTEM_PYTHON } from '../helpers/venv.js';
import { ARCHES, REPO, type ArchKey } from './helpers/fixtures.js';
import { runPrograms } from './helpers/runtime.js';

const OUT = path.join(REPO, 'fixtures', 'elf', 'out');
const H = '1a2b3c4d';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-nosht-matrix-'));
afterAll(() => {
  removeVenvs();
  rmSync(tmp, { recursive: true, force: true });
});

/** fixtures/elf/out directory -> arch of the matrix, the extension's SOABI triplet, the Debian arch of its cross libc. */
const CROSS: readonly (readonly [string, ArchKey, string, string])[] = [
  ['aarch64', 'aarch64', 'aarch64-linux-gnu', 'arm64'],
  ['armv7l', 'armhf', 'arm-linux-gnueabihf', 'armhf'],
  ['i686', 'i686', 'i386-linux-gnu', 'i386'],
  ['ppc64le', 'ppc64el', 'powerpc64le-linux-gnu', 'ppc64el'],
  ['ppc64', 'ppc64', 'powerpc64-linux-gnu', 'ppc64'],
  ['s390x', 's390x', 's390x-linux-gnu', 's390x'],
  ['riscv64', 'riscv64', 'riscv64-linux-gnu', 'riscv64'],
];

function put(file: string, bytes: Uint8Array): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  chmodSync(file, 0o755);
  return file;
}

/** Edit, and check what every output must be: written by a relocation, still without section headers. */
function edited(bytes: Uint8Array, ops: readonly ElfEditOp[]): Uint8Array {
  const r = applyElfEdit(bytes, ops);
  expect(['relocated', 'reused']).toContain(r.strategy);
  expect(parseElf(r.bytes).header.e_shnum).toBe(0);
  return r.bytes;
}

describe('sstripped extension and grafted library, rewritten and run under qemu', { concurrent: true }, () => {
  for (const [dir, key, triplet, debArch] of CROSS) {
    const arch = ARCHES[key];
    const tools = needs(requireTool(arch.qemu ?? '', 'qemu-user-static'), requireFile(arch.sysroot ?? '', `libc6-${debArch}-cross`));
    it(`slow: ${dir}`, tools, async () => {
      const src = (f: string): Uint8Array => sstrip(new Uint8Array(readFileSync(path.join(OUT, dir, f))));
      const ext = `_minext.cpython-311-${triplet}.so`;
      const root = path.join(tmp, dir);
      // repair's edits: the grafted copy gets its hashed SONAME, whatever needs it the new name
      // and a run path to the graft folder; the extension gets the run path too.
      const lib = edited(src('libverdemo.so.1'), [{ kind: 'set-soname', soname: `libverdemo-${H}.so.1` }]);
      put(path.join(root, 'verdemo.libs', `libverdemo-${H}.so.1`), lib);
      const main = edited(src('verdemo-main'), [
        { kind: 'replace-needed', from: 'libverdemo.so.1', to: `libverdemo-${H}.so.1` },
        { kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' },
      ]);
      const program = put(path.join(root, 'bin', 'verdemo-main'), main);
      const extFile = put(path.join(root, 'pkg', ext), edited(src(ext), [{ kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' }]));
      // A second repair of an already repaired library (a graft taken from a repaired wheel).
      const again = edited(lib, [
        { kind: 'set-soname', soname: `libverdemo-${H}${H}.so.1` },
        { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' },
      ]);
      put(path.join(root, 'again', 'verdemo.libs', `libverdemo-${H}${H}.so.1`), again);
      const main2 = put(
        path.join(root, 'again', 'bin', 'verdemo-main'),
        edited(src('verdemo-main'), [
          { kind: 'replace-needed', from: 'libverdemo.so.1', to: `libverdemo-${H}${H}.so.1` },
          { kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' },
        ]),
      );
      const findings = await runPrograms(arch, [
        { program, expected: 'answer=2 len=3 n=5\n', label: 'verdemo-main' },
        { program: main2, expected: 'answer=2 len=3 n=5\n', label: 'verdemo-main, library edited twice' },
      ]);
      expect(findings).toEqual([]);
      // The harness with arguments dlopens the extension and calls its init function.
      const withExt = spawnSync(arch.qemu as string, ['-L', arch.sysroot as string, program, extFile, 'PyInit__minext'], {
        encoding: 'utf8',
        env: { LD_BIND_NOW: '1', LD_WARN: '1', PATH: '/usr/bin:/bin' },
        timeout: 120_000,
      });
      expect(withExt.stderr).toBe('');
      expect(withExt.stdout).toBe('answer=2 len=3 n=5\nPyInit__minext=9\n');
    });
  }
});


// A wheel through `wheelaudit repair`: the withffi fixture wheel with its extension sstripped
// (RECORD updated), repaired against a library folder holding an sstripped libffi.so.8.
const MAKE_WHEEL = String.raw`
import base64, hashlib, sys, zipfile
src, dst, member, path = sys.argv[1:5]
data = open(path, "rb").read()
digest = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        body = zin.read(info)
        if info.filename == member:
            body = data
        elif info.filename.endswith(".dist-info/RECORD"):
            rows = []
            for line in body.decode().splitlines():
                name = line.split(",")[0]
                rows.append(f"{member},{digest},{len(data)}" if name == member else line)
            body = ("\n".join(rows) + "\n").encode()
        zout.writestr(info, body)
`;

const ffi = systemLibrary('libffi.so.8');

describe('a wheel with sstripped ELF files through wheelaudit repair', () => {
  const tools = needs(requireFile('/usr/lib/x86_64-linux-gnu/libffi.so.8', 'libffi8'), fromSupport(venvSupport()), fromSupport(isolationSupport()));
  it('slow: repairs, installs and imports with the grafted, sstripped libffi', tools, async () => {
    const work = path.join(tmp, 'wheel');
    const member = 'withffi/_withffi.cpython-311-x86_64-linux-gnu.so';
    const ext = put(path.join(work, 'ext', 'ext.so'), sstrip(new Uint8Array(readFileSync(path.join(OUT, 'x86_64', 'with-ffi', path.basename(member))))));
    const input = path.join(work, 'in', 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    mkdirSync(path.dirname(input), { recursive: true });
    const made = spawnSync(SYSTEM_PYTHON, ['-c', MAKE_WHEEL, path.join(REPO, 'fixtures', 'wheels', path.basename(input)), input, member, ext], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    const libdir = path.join(work, 'libs');
    put(path.join(libdir, 'libffi.so.8'), sstrip(new Uint8Array(readFileSync(realpathSync(ffi as string)))));
    const outDir = path.join(work, 'out');
    const r = await runCli(['repair', '-w', outDir, input], { env: { LD_LIBRARY_PATH: libdir, SOURCE_DATE_EPOCH: '1700000000' } });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const [repaired] = readdirSync(outDir).filter((f) => f.endsWith('.whl'));
    expect(repaired).toBe('withffi-0.1.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    const wheelFile = path.join(outDir, repaired as string);

    // What was written: both ELF files still have no section headers, and say what repair asked.
    const unpacked = path.join(work, 'unpacked');
    const unzip = spawnSync(SYSTEM_PYTHON, ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', wheelFile, unpacked], { encoding: 'utf8' });
    expect(unzip.stderr).toBe('');
    const libs = readdirSync(path.join(unpacked, 'withffi.libs'));
    expect(libs).toHaveLength(1);
    const graft = parseElf(new Uint8Array(readFileSync(path.join(unpacked, 'withffi.libs', libs[0] as string))));
    const extOut = parseElf(new Uint8Array(readFileSync(path.join(unpacked, member))));
    expect(graft.header.e_shnum).toBe(0);
    expect(extOut.header.e_shnum).toBe(0);
    expect(graft.dynamic?.soname).toBe(libs[0]);
    expect(extOut.dynamic?.needed).toContain(libs[0]);
    expect(extOut.dynamic?.rpath ?? extOut.dynamic?.runpath).toBe('$ORIGIN/../withffi.libs');
    const show = await runCli(['show', wheelFile]);
    expect(show.code).toBe(0);
    expect(show.stdout.replace(/\s+/g, ' ')).toContain('is consistent with the following platform tag: "manylinux_2_27_x86_64"');

    // pip installs it; it imports with the host's libffi hidden, so the grafted copy is what loads.
    const venv = freshVenv(work);
    venv.pipInstall([wheelFile]);
    const run = runIsolated(venv.python, ['-c', 'import withffi._withffi as m; print(m.value())'], { hide: [ffi as string], cwd: work, env: { PATH: '/usr/bin:/bin', PYTHONNOUSERSITE: '1' } });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('42\n');
  });
});

// The same, through `wheelaudit repair` itself on other architectures (one little-endian, two
// big-endian): a cross-compiled extension needing libverdemo.so.1 and that library, both
// sstripped, go through repair (plan, graft, rename, run path), and the repaired extension is
// dlopen()ed under qemu by a loader that links nothing but libc, so only the grafted copy can
// satisfy its DT_NEEDED. The unrepaired extension is the control: it fails to load there.
const VDEXT_C = String.raw`
#include <stdint.h>
int verdemo_len(const char *s);
void *PyInit__vdext(void);
void *PyInit__vdext(void) { return (void *)(uintptr_t)(verdemo_len("wheelaudit") + 100); }
`;
const LOADER_C = String.raw`
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW);
  if (h == NULL) { printf("dlopen: %s\n", dlerror()); return 1; }
  void *(*init)(void) = (void *(*)(void))dlsym(h, argv[2]);
  if (init == NULL) { printf("dlsym: %s\n", dlerror()); return 1; }
  printf("%s=%lu\n", argv[2], (unsigned long)(uintptr_t)init());
  return 0;
}
`;

describe('sstripped extension and library through wheelaudit repair, run under qemu', { concurrent: true }, () => {
  const REPAIRED: readonly (readonly [string, ArchKey, string, string])[] = [
    ['aarch64', 'aarch64', 'aarch64-linux-gnu', 'arm64'],
    ['s390x', 's390x', 's390x-linux-gnu', 's390x'],
    ['ppc64', 'ppc64', 'powerpc64-linux-gnu', 'ppc64'],
  ];
  for (const [dir, key, triplet, debArch] of REPAIRED) {
    const arch = ARCHES[key];
    const cc = arch.cc ?? '';
    const tools = needs(requireTool(arch.qemu ?? '', 'qemu-user-static'), requireTool(cc, `gcc-${triplet}`), requireFile(arch.sysroot ?? '', `libc6-${debArch}-cross`));
    it(`slow: ${dir}`, tools, async () => {
      const work = path.join(tmp, `repair-${dir}`);
      mkdirSync(path.join(work, 'libs'), { recursive: true });
      const lib = path.join(OUT, dir, 'libverdemo.so.1');
      const ext = `_vdext.cpython-311-${triplet}.so`;
      writeFileSync(path.join(work, 'ext.c'), VDEXT_C);
      writeFileSync(path.join(work, 'loader.c'), LOADER_C);
      const build = (args: string[]): void => {
        const r = spawnSync(cc, args, { cwd: work, encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      };
      build(['-shared', '-fPIC', '-O2', '-o', `full-${ext}`, 'ext.c', lib]);
      build(['-O2', '-o', 'loader', 'loader.c', '-ldl']);
      const extBytes = sstrip(new Uint8Array(readFileSync(path.join(work, `full-${ext}`))));
      put(path.join(work, 'libs', 'libverdemo.so.1'), sstrip(new Uint8Array(readFileSync(lib))));
      const unrepaired = put(path.join(work, 'unrepaired', 'vdext', ext), extBytes);
      expect(parseElf(extBytes).header.e_shnum).toBe(0);
      const input = await buildWheel(path.join(work, 'in'), {
        distribution: 'vdext',
        version: '0.1.0',
        tag: `cp311-cp311-linux_${dir}`,
        files: { 'vdext/__init__.py': '', [`vdext/${ext}`]: { data: extBytes, mode: 0o755 } },
      });
      const outDir = path.join(work, 'out');
      const r = await runCli(['repair', '-w', outDir, input], { env: { LD_LIBRARY_PATH: path.join(work, 'libs'), SOURCE_DATE_EPOCH: '1700000000' } });
      expect(r.stderr).not.toMatch(/error|warning/i);
      expect(r.code).toBe(0);
      const [repaired] = readdirSync(outDir);
      const site = path.join(work, 'site');
      await unpackWheel(path.join(outDir, repaired as string), site);
      const grafts = readdirSync(path.join(site, 'vdext.libs'));
      expect(grafts).toEqual([expect.stringMatching(/^libverdemo-[0-9a-f]{8}\.so\.1$/)]);
      const graft = parseElf(new Uint8Array(readFileSync(path.join(site, 'vdext.libs', grafts[0] as string))));
      const extOut = parseElf(new Uint8Array(readFileSync(path.join(site, 'vdext', ext))));
      // Both were rewritten, and neither gained section headers.
      expect([graft.header.e_shnum, extOut.header.e_shnum]).toEqual([0, 0]);
      expect(graft.dynamic?.soname).toBe(grafts[0]);
      expect(extOut.dynamic?.needed).toContain(grafts[0]);
      expect(extOut.dynamic?.rpath ?? extOut.dynamic?.runpath).toBe('$ORIGIN/../vdext.libs');

      const load = (file: string): { stdout: string; stderr: string } =>
        spawnSync(arch.qemu as string, ['-L', arch.sysroot as string, path.join(work, 'loader'), file, 'PyInit__vdext'], {
          encoding: 'utf8',
          env: { LD_BIND_NOW: '1', PATH: '/usr/bin:/bin' },
          timeout: 120_000,
        });
      const ok = load(path.join(site, 'vdext', ext));
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toBe('PyInit__vdext=110\n');
      const control = load(unrepaired);
      expect(control.stdout).toMatch(/^dlopen: .*libverdemo\.so\.1: cannot open shared object file/);
    });
  }
});
