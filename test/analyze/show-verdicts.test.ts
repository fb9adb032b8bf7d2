// `show --json` verdicts for every fixture wheel, each with the reason it holds. These were
// also compared with auditwheel 6.8.1 run from source on this machine: they agree, except
// where noted as a deliberate deviation. Set WHEELAUDIT_REFERENCE_CMD (a command that runs
// auditwheel) to re-run that comparison.
// The wheels whose verdict depends on system libraries (libffi, libxml2 and ICU, musl) are
// judged against a Debian bookworm sysroot of their own (--sysroot; the packages unpacked from
// the machine's apt mirror into /var/cache/wheelaudit-test), never against what this machine
// happens to have installed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/corpus.js';
import { runCli, wheel } from '../helpers/cli.js';
import { fixtureSysroot, fixtureSysrootSupport } from '../helpers/fixture-sysroot.js';
import { MET, needs, requireEnv } from '../helpers/requires.js';

interface Expect {
  overall: string;
  sym: string;
  /** Paths of libraries from the sysroot are given as they are inside it. */
  external: Record<string, string | null>;
  /** Judged against the bookworm sysroot (the verdict depends on system libraries). */
  sysroot?: boolean;
  pyfpe?: boolean;
  ucs2?: boolean;
  isa?: boolean;
  why: string;
}

const FFI = '/lib/x86_64-linux-gnu/libffi.so.8.1.2';
const XML_CHAIN = {
  'libicudata.so.72': '/lib/x86_64-linux-gnu/libicudata.so.72.1',
  'libicuuc.so.72': '/lib/x86_64-linux-gnu/libicuuc.so.72.1',
  'liblzma.so.5': '/lib/x86_64-linux-gnu/liblzma.so.5.4.1',
  'libxml2.so.2': '/lib/x86_64-linux-gnu/libxml2.so.2.9.14',
};

const CASES: Record<string, Expect> = {
  'symverold-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: '.symver pins memcpy@GLIBC_2.2.5, the only version needed, and libc.so.6 is whitelisted everywhere',
  },
  'glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_36_x86_64',
    sym: 'manylinux_2_36_x86_64',
    external: {},
    why: 'arc4random_uniform needs GLIBC_2.36, first allowed by manylinux_2_36',
  },
  'cxxext-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_24_x86_64',
    sym: 'manylinux_2_24_x86_64',
    external: {},
    why: 'GLIBCXX_3.4.21 / CXXABI_1.3.9 first appear in manylinux_2_24; libstdc++ and libgcc_s are whitelisted',
  },
  'withffi-0.1.0-cp311-cp311-linux_x86_64.whl': {
    sysroot: true,
    overall: 'linux_x86_64',
    sym: 'manylinux_2_27_x86_64',
    external: { 'libffi.so.8': FFI },
    why: 'libffi.so.8 is on no whitelist, so show (no grafting) falls to linux; libffi itself needs GLIBC_2.27',
  },
  'withxml-0.1.0-cp311-cp311-linux_x86_64.whl': {
    sysroot: true,
    overall: 'linux_x86_64',
    sym: 'manylinux_2_35_x86_64',
    external: XML_CHAIN,
    why: 'libxml2 and its own icu/lzma dependencies are external; libicuuc needs GLIBCXX_3.4.30 (manylinux_2_35)',
  },
  'demo-0.1.0-cp311-cp311-linux_x86_64.whl': {
    sysroot: true,
    overall: 'linux_x86_64',
    sym: 'manylinux_2_35_x86_64',
    external: { 'libffi.so.8': FFI, ...XML_CHAIN },
    why: 'the union of the ffi and xml cases',
  },
  'withpython-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: { 'libpython3.11.so.1.0': null },
    why: 'libpython is never resolved (path null) and is external for glibc policies',
  },
  'zblack-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_12_x86_64',
    external: {},
    why: 'the undefined non-weak zcfree is blacklisted for libz.so.1 by every policy; ZLIB_1.2.0 caps sym at 2_12 (2_5 has an empty ZLIB list)',
  },
  'isav2-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    isa: true,
    why: 'the GNU property note needs x86-64-v2, which no x86_64 policy covers',
  },
  'isav3-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    isa: true,
    why: 'as isav2, with x86-64-v3',
  },
  'fpe-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    pyfpe: true,
    why: 'the extension references PyFPE_jbuf',
  },
  'ucs2-0.1.0-cp27-cp27m-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    ucs2: true,
    why: 'a Python 2 extension (init_ucs2) calling PyUnicodeUCS2_FromString',
  },
  'chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_34_x86_64',
    sym: 'manylinux_2_34_x86_64',
    external: {},
    why: 'liba/libb resolve inside the wheel through $ORIGIN RPATHs; the bundled executable needs __libc_start_main@GLIBC_2.34',
  },
  'chainrunpath-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'the same chain through DT_RUNPATH: everything is inside the wheel and nothing is versioned',
  },
  'ffitool-0.1.0-py3-none-any.whl': {
    sysroot: true,
    overall: 'linux_x86_64',
    sym: 'manylinux_2_34_x86_64',
    external: { 'libffi.so.8': FFI },
    why: 'an any-tagged wheel whose .data/scripts executable needs libffi; the first ELF sets the arch',
  },
  'pietool-0.1.0-py3-none-linux_x86_64.whl': {
    overall: 'manylinux_2_34_x86_64',
    sym: 'manylinux_2_34_x86_64',
    external: {},
    why: 'a PIE executable needing GLIBC_2.34',
  },
  'statictool-0.1.0-py3-none-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'a static executable names no libc, so the host libc (glibc) is assumed, with a warning',
  },
  'muslext-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'musllinux_1_2_x86_64',
    sym: 'musllinux_1_2_x86_64',
    external: {},
    why: 'NEEDED libc.musl-x86_64.so.1 is the whitelisted Alpine soname; the newest musl policy is used when the filename names none',
  },
  'muslplain-0.1.0-cp311-cp311-linux_x86_64.whl': {
    sysroot: true,
    overall: 'linux_x86_64',
    sym: 'musllinux_1_2_x86_64',
    // Deviation: musl path files are newline-separated on Debian; the reference splits on ':'
    // only and reports null here.
    external: { 'libc.so': '/lib/x86_64-linux-musl/libc.so' },
    why: 'a plain libc.so NEEDED (Debian musl-gcc) is not the whitelisted Alpine soname',
  },
  'nosect-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'no section headers: versions are still read through DT_VERNEED (the reference reads only the section, a deviation)',
  },
  'droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl': {
    overall: 'linux_aarch64',
    sym: 'android_24_arm64_v8a',
    external: { 'libc++_shared.so': null },
    why: 'Android never searches the host: libc++_shared.so stays unresolved and external',
  },
  'abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'limited API 3.8 extension; only libc.so.6 (strtol@GLIBC_2.2.5)',
  },
  'abi3new-0.1.0-cp38-abi3-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'the platform verdict ignores Python symbols (its 3.12-only functions are an abi3 finding, not a platform one)',
  },
  'abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'as abi3new, with a private function',
  },
  'dlopener-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'manylinux_2_34_x86_64',
    sym: 'manylinux_2_34_x86_64',
    external: {},
    why: 'dlopen moved into libc.so.6 at GLIBC_2.34; the libraries it opens are not in DT_NEEDED',
  },
  'provpkg-0.1.0-py3-none-linux_x86_64.whl': {
    overall: 'manylinux_2_5_x86_64',
    sym: 'manylinux_2_5_x86_64',
    external: {},
    why: 'a library-only wheel: libprov.so.1 needs nothing versioned',
  },
  'provuser-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_27_x86_64',
    external: { 'libffi.so.8': FFI, 'libprov.so.1': null },
    why: 'libprov.so.1 comes from another wheel, so without --provided-by it is missing (and libffi is external)',
  },
  'provloose-0.1.0-cp311-cp311-linux_x86_64.whl': {
    overall: 'linux_x86_64',
    sym: 'manylinux_2_27_x86_64',
    external: { 'libffi.so.8': FFI, 'libprov.so.1': null },
    why: 'the same extension as provuser, in a wheel that does not require provpkg',
  },
  'minext-0.1.0-cp311-cp311-linux_aarch64.whl': { overall: 'manylinux_2_17_aarch64', sym: 'manylinux_2_17_aarch64', external: {}, why: 'aarch64 starts at manylinux_2_17' },
  'minext-0.1.0-cp311-cp311-linux_armv7l.whl': { overall: 'manylinux_2_17_armv7l', sym: 'manylinux_2_17_armv7l', external: {}, why: 'EABI5 hard-float; armv7l starts at 2_17' },
  'minext-0.1.0-cp311-cp311-linux_i686.whl': { overall: 'manylinux_2_5_i686', sym: 'manylinux_2_5_i686', external: {}, why: 'ELF32 i386 with old GLIBC versions' },
  'minext-0.1.0-cp311-cp311-linux_ppc64.whl': { overall: 'manylinux_2_17_ppc64', sym: 'manylinux_2_17_ppc64', external: {}, why: 'big-endian ppc64 exists only in manylinux_2_17' },
  'minext-0.1.0-cp311-cp311-linux_ppc64le.whl': { overall: 'manylinux_2_17_ppc64le', sym: 'manylinux_2_17_ppc64le', external: {}, why: 'ppc64le starts at 2_17' },
  'minext-0.1.0-cp311-cp311-linux_riscv64.whl': { overall: 'manylinux_2_31_riscv64', sym: 'manylinux_2_31_riscv64', external: {}, why: 'riscv64 starts at 2_31' },
  'minext-0.1.0-cp311-cp311-linux_s390x.whl': { overall: 'manylinux_2_17_s390x', sym: 'manylinux_2_17_s390x', external: {}, why: 'big-endian s390x starts at 2_17' },
};

const sysrootOk = fixtureSysrootSupport();
let sysroot = '';

describe('show --json verdicts on the fixture wheels', () => {
  beforeAll(async () => {
    if (sysrootOk.ok) sysroot = await fixtureSysroot();
  }, 600_000);

  it('covers every fixture wheel but the pure one', () => {
    const all = readdirSync(path.join(FIXTURES, 'wheels')).filter((f) => f.endsWith('.whl') && !f.startsWith('purepkg'));
    expect(all.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, exp] of Object.entries(CASES)) {
    it(`${name}: ${exp.overall} — ${exp.why}`, needs(exp.sysroot === true ? sysrootOk : MET), async () => {
      const r = await runCli(['show', '--json', ...(exp.sysroot === true ? ['--sysroot', sysroot] : []), wheel(name)]);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(j['wheel']).toBe(name);
      expect(j['pure']).toBe(false);
      expect(j['overall_tag']).toBe(exp.overall);
      expect(j['sym_tag']).toBe(exp.sym);
      const external = Object.fromEntries(Object.entries(exp.external).map(([k, v]) => [k, v === null || exp.sysroot !== true ? v : `${sysroot}${v}`]));
      expect(j['external_libs']).toEqual(external);
      expect(j['pyfpe']).toBe(exp.pyfpe ?? false);
      expect(j['ucs2']).toBe(exp.ucs2 ?? false);
      expect(j['unsupported_isa']).toBe(exp.isa ?? false);
    });
  }

  it('--disable-isa-ext-check lifts the ISA verdict', async () => {
    const r = await runCli(['show', '--json', '--disable-isa-ext-check', wheel('isav3-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j['overall_tag']).toBe('manylinux_2_5_x86_64');
    expect(j['unsupported_isa']).toBe(false);
  });

  it('--ldpaths points the Android wheel at its libraries', async () => {
    const dir = path.join(FIXTURES, 'elf', 'out', 'aarch64-android', 'ldpaths', 'arg');
    const r = await runCli(['show', '--json', '--ldpaths', dir, wheel('droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl')]);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j['external_libs']).toEqual({ 'libc++_shared.so': path.join(dir, 'libc++_shared.so') });
    expect(j['overall_tag']).toBe('linux_aarch64');
  });
});

const reference = process.env['WHEELAUDIT_REFERENCE_CMD'];
const DEVIATIONS = new Set(['muslplain-0.1.0-cp311-cp311-linux_x86_64.whl', 'nosect-0.1.0-cp311-cp311-linux_x86_64.whl']);

describe('agreement with auditwheel (WHEELAUDIT_REFERENCE_CMD)', needs(requireEnv('WHEELAUDIT_REFERENCE_CMD', 'a command running auditwheel 6.8.1, for the differential comparison')), () => {
  const names = readdirSync(path.join(FIXTURES, 'wheels')).filter((f) => f.endsWith('.whl') && !DEVIATIONS.has(f));
  for (const name of names) {
    it(name, async () => {
      const theirs = spawnSync('sh', ['-c', `${reference} show --json "$0"`, wheel(name)], { encoding: 'utf8' });
      const ours = await runCli(['show', '--json', wheel(name)]);
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.code).toBe(theirs.status);
    });
  }
});
