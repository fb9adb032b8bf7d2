// Named culprits (issue 9, part 1): every refusal says which symbol@VERSION in which file,
// which black-listed symbol, which chain to a missing library, which ISA level (and the flag
// that skips the check), or which libc or architecture mismatch stands in the way, then ends
// with a hint naming the build image whose C library gives the requested tag. `check
// --format json` carries the same facts.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImageFor, buildImages } from '../../src/cli/build-images.js';
import { knownPlatformTags } from '../../src/policy/load.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { editWheel, elfWithNeeded, fixtureWheel, scratchDir } from './helpers/wheels.js';
import { needs, requireLibs } from '../helpers/requires.js';

const W = {
  glibcnew: fixtureWheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'),
  withxml: fixtureWheel('withxml-0.1.0-cp311-cp311-linux_x86_64.whl'),
  withffi: fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl'),
  zblack: fixtureWheel('zblack-0.1.0-cp311-cp311-linux_x86_64.whl'),
  isav3: fixtureWheel('isav3-0.1.0-cp311-cp311-linux_x86_64.whl'),
  fpe: fixtureWheel('fpe-0.1.0-cp311-cp311-linux_x86_64.whl'),
  ucs2: fixtureWheel('ucs2-0.1.0-cp27-cp27m-linux_x86_64.whl'),
  symverold: fixtureWheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'),
  demo: fixtureWheel('demo-0.1.0-cp311-cp311-linux_x86_64.whl'),
};

interface Refusal {
  code: string;
  message: string;
  culprits: string[];
  hint: string | undefined;
}

/** The error line, the `  - ` culprit lines and the `  hint:` line of a refusal; exit 2, nothing written. */
async function refusal(args: string[], exit = 2): Promise<Refusal & { r: CliResult }> {
  const out = path.join(scratchDir(), 'out');
  const r = await runCli(['repair', '-w', out, ...args]);
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = r.stderr.split('\n');
  const i = lines.findIndex((l) => l.startsWith('wheelaudit: error['));
  expect(i, r.stderr).toBeGreaterThanOrEqual(0);
  const m = /^wheelaudit: error\[([A-Z_]+)\]: (.*)$/.exec(lines[i] as string);
  const rest = lines.slice(i + 1).filter((l) => l !== '');
  // Nothing but culprits and one hint follow the error line.
  for (const l of rest) expect(l, r.stderr).toMatch(/^ {2}(- |hint: )/);
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  return {
    r,
    code: m?.[1] ?? '',
    message: m?.[2] ?? '',
    culprits: rest.filter((l) => l.startsWith('  - ')).map((l) => l.slice(4)),
    hint: rest.find((l) => l.startsWith('  hint: '))?.slice(8),
  };
}

interface JsonCheck {
  tag: string;
  status: string;
  blockers: Record<string, unknown>[];
  repair: { fixes: boolean; blockers: Record<string, unknown>[] } | null;
  hint: string | null;
}

/** `check --format json --plat TAG` on one wheel: its single check result. */
async function checkJson(wheel: string, plat: string): Promise<JsonCheck> {
  const r = await runCli(['check', '--format', 'json', '--plat', plat, wheel]);
  expect(r.code, r.stderr).toBe(1);
  const doc = JSON.parse(r.stdout) as { wheels: { checks: JsonCheck[] }[] };
  const c = doc.wheels[0]?.checks[0];
  expect(c?.tag).toBe(plat);
  expect(c?.status).toBe('fail');
  return c as JsonCheck;
}

describe('too-recent versioned symbols', () => {
  it('the wheel file, the symbol@VERSION, the newest tag it allows, and the image for the requested tag', async () => {
    const f = await refusal(['--plat', 'manylinux_2_17_x86_64', W.glibcnew]);
    expect(f.code).toBe('REPAIR_REFUSED');
    // The reference's sentence stays first: scripts match on it.
    expect(f.message).toMatch(/ABI because of the presence of too-recent versioned symbols\. You'll need to compile the wheel on an older toolchain\.$/);
    expect(f.culprits).toEqual([
      'arc4random_uniform@GLIBC_2.36 from libc.so.6, imported by glibcnew/_glibcnew.cpython-311-x86_64-linux-gnu.so; GLIBC_2.36 needs manylinux_2_36_x86_64 or newer',
    ]);
    expect(f.hint).toBe('rebuild in quay.io/pypa/manylinux2014_x86_64 (glibc 2.17), whose wheels qualify for manylinux_2_17_x86_64');
    const c = await checkJson(W.glibcnew, 'manylinux_2_17_x86_64');
    expect(c.blockers).toEqual([
      {
        kind: 'symbol-version',
        library: 'libc.so.6',
        version: 'GLIBC_2.36',
        best_tag: 'manylinux_2_36_x86_64',
        importers: [{ file: 'glibcnew/_glibcnew.cpython-311-x86_64-linux-gnu.so', grafted: false, realpath: null, symbols: ['arc4random_uniform'] }],
      },
    ]);
    expect(c.repair?.fixes).toBe(false);
    expect(c.hint).toBe(f.hint);
  });

  it('the hint names the image of the requested tag: manylinux_2_28 for 2_28', async () => {
    const f = await refusal(['--plat', 'manylinux_2_28_x86_64', W.glibcnew]);
    expect(f.hint).toBe('rebuild in quay.io/pypa/manylinux_2_28_x86_64 (glibc 2.28), whose wheels qualify for manylinux_2_28_x86_64');
  });

  it('symbols of libraries repair would graft are named with the library and where it comes from', needs(requireLibs('libxml2.so.2', 'libicuuc.so.72', 'liblzma.so.5')), async () => {
    const f = await refusal(['--plat', 'manylinux_2_17_x86_64', W.withxml]);
    const cxx = f.culprits.find((l) => l.includes('@GLIBCXX_3.4.30'));
    expect(cxx).toMatch(/^\S+@GLIBCXX_3\.4\.30 from libstdc\+\+\.so\.6, imported by libicuuc\.so\.72 \(a library repair would graft, from \/\S+libicuuc\.so\.72[.\d]*\); GLIBCXX_3\.4\.30 needs manylinux_2_35_x86_64 or newer$/);
    const c = await checkJson(W.withxml, 'manylinux_2_17_x86_64');
    // As it is, the external libraries block; after grafting, their symbol versions would.
    expect(c.blockers.every((b) => b['kind'] === 'external-library')).toBe(true);
    const after = c.repair?.blockers.find((b) => b['version'] === 'GLIBCXX_3.4.30') as { importers: { file: string; grafted: boolean; symbols: string[] }[] };
    expect(after.importers[0]?.file).toBe('libicuuc.so.72');
    expect(after.importers[0]?.grafted).toBe(true);
    expect(after.importers[0]?.symbols.length).toBeGreaterThan(0);
    expect(cxx).toContain(`${after.importers[0]?.symbols[0] ?? ''}@GLIBCXX_3.4.30`);
  });
});

describe('black-listed symbols', () => {
  it('the symbol, its library and the file', async () => {
    const f = await refusal(['--plat', 'manylinux_2_17_x86_64', W.zblack]);
    expect(f.message).toMatch(/ABI because it depends on black-listed symbols\.$/);
    expect(f.culprits).toEqual(['black-listed symbol zcfree from libz.so.1, used by zblack/_zblack.cpython-311-x86_64-linux-gnu.so']);
    expect(f.hint).toBe('rebuild in quay.io/pypa/manylinux2014_x86_64 (glibc 2.17) without the black-listed symbols, whose wheels qualify for manylinux_2_17_x86_64');
    const c = await checkJson(W.zblack, 'manylinux_2_17_x86_64');
    expect(c.blockers).toEqual([{ kind: 'blacklisted-symbol', file: 'zblack/_zblack.cpython-311-x86_64-linux-gnu.so', library: 'libz.so.1', symbols: ['zcfree'] }]);
  });
});

describe('external libraries', () => {
  it('check names the chain from the extension to each library, and says repair fixes it', needs(requireLibs('libffi.so.8', 'libxml2.so.2', 'libicuuc.so.72', 'liblzma.so.5')), async () => {
    const c = await checkJson(W.demo, 'manylinux_2_35_x86_64');
    const icudata = c.blockers.find((b) => b['soname'] === 'libicudata.so.72');
    expect(icudata).toMatchObject({ kind: 'external-library', chains: [{ file: 'demo/_demo.cpython-311-x86_64-linux-gnu.so', chain: ['libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72'] }] });
    expect(c.repair).toEqual({ fixes: true, blockers: [] });
    const text = await runCli(['check', '--plat', 'manylinux_2_35_x86_64', W.demo]);
    expect(text.stdout).toContain('demo/_demo.cpython-311-x86_64-linux-gnu.so -> libxml2.so.2 -> libicuuc.so.72 -> libicudata.so.72');
    expect(text.stdout).toContain(`repair fixes this: wheelaudit repair --plat manylinux_2_35_x86_64 ${W.demo}`);
  });

  it('a library repair cannot find: every one, with its chain, and the way to point at it', async () => {
    const d = scratchDir();
    const w = await editWheel(W.symverold, d, {
      add: new Map([['symverold/libghost.so', elfWithNeeded(['libc.so.6', 'libnowhere.so.1', 'libneither.so.2'])]]),
    });
    const f = await refusal([w], 1);
    expect(f.code).toBe('REPAIR_LIB_NOT_FOUND');
    expect(f.message).toBe('Cannot repair wheel, because required library "libneither.so.2" could not be located');
    expect(f.culprits).toEqual(['libneither.so.2 could not be located: symverold/libghost.so -> libneither.so.2', 'libnowhere.so.1 could not be located: symverold/libghost.so -> libnowhere.so.1']);
    expect(f.hint).toBe('add its directory to LD_LIBRARY_PATH or --ldpaths, or skip it with --exclude');
  });
});

describe('ISA extensions', () => {
  it('the file, the level and the flag that skips the check, in the line and the hint', async () => {
    const f = await refusal([W.isav3]);
    expect(f.message).toMatch(/ABI because it depends on unsupported ISA extensions\.$/);
    expect(f.culprits).toEqual(['isav3/_isav3.cpython-311-x86_64-linux-gnu.so requires the x86_64_v3 instruction set (--disable-isa-ext-check skips this check)']);
    expect(f.hint).toContain('--disable-isa-ext-check');
    expect(f.hint).toMatch(/^rebuild in quay\.io\/pypa\/manylinux_2_34_x86_64 \(glibc 2\.34\)/);
    const c = await checkJson(W.isav3, 'manylinux_2_17_x86_64');
    expect(c.blockers).toEqual([{ kind: 'isa', file: 'isav3/_isav3.cpython-311-x86_64-linux-gnu.so', isa: 'x86_64_v3', whitelisted_in: null, skip_flag: '--disable-isa-ext-check' }]);
  });
});

describe('UCS2 and PyFPE', () => {
  it('name the extension and what to rebuild against', async () => {
    const u = await refusal([W.ucs2]);
    expect(u.culprits).toEqual(['ucs2/_ucs2.so was built against a narrow-unicode (UCS2) Python']);
    expect(u.hint).toContain('against a wide-unicode (UCS4) Python');
    const p = await refusal([W.fpe]);
    expect(p.culprits).toEqual(['fpe/_fpe.cpython-311-x86_64-linux-gnu.so uses PyFPE_jbuf (a Python built --with-fpectl)']);
    expect(p.hint).toContain('without --with-fpectl');
  });
});

describe('libc and architecture mismatches with --plat are exactly that', () => {
  it('a musl tag on a glibc wheel: a libc mismatch, not "not a platform wheel"', async () => {
    const f = await refusal(['--plat', 'musllinux_1_2_x86_64', W.withffi]);
    expect(f.message).toBe("can't repair wheel withffi-0.1.0-cp311-cp311-linux_x86_64.whl with GLIBC libc to a wheel targeting MUSL");
    expect(f.r.stderr).not.toContain('does not look like a platform wheel');
    expect(f.culprits).toEqual(["the wheel's ELF files use glibc, and musllinux_1_2_x86_64 is a musl tag"]);
    expect(f.hint).toBe('build musl wheels in quay.io/pypa/musllinux_1_2_x86_64 (musl 1.2), or choose a --plat tag that matches this wheel');
    const c = await checkJson(W.withffi, 'musllinux_1_2_x86_64');
    expect(c.blockers).toEqual([{ kind: 'libc-mismatch', wheel_libc: 'glibc', target_libc: 'musl' }]);
  });

  it('an aarch64 tag on an x86_64 wheel: an architecture mismatch', async () => {
    const f = await refusal(['--plat', 'manylinux_2_17_aarch64', W.withffi]);
    expect(f.culprits).toEqual(["the wheel's ELF files are x86_64, and manylinux_2_17_aarch64 is for aarch64"]);
    expect(f.hint).toBe('build aarch64 wheels in quay.io/pypa/manylinux2014_aarch64 (glibc 2.17), or choose a --plat tag that matches this wheel');
    const c = await checkJson(W.withffi, 'manylinux_2_17_aarch64');
    expect(c.blockers).toEqual([{ kind: 'arch-mismatch', wheel_arch: 'x86_64', target_arch: 'aarch64', files: ['withffi/_withffi.cpython-311-x86_64-linux-gnu.so'] }]);
  });
});

describe('--exclude patterns that match nothing', () => {
  it('are warned about, with the likely intended pattern; a matching one is not', async () => {
    const d = scratchDir();
    const r = await runCli(['repair', '--exclude', 'libffi.so', '--exclude', 'libnope*', '-w', d, W.withffi]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning: --exclude libffi.so matched no library in the wheel's dependency trees; did you mean 'libffi.so*'?");
    expect(r.stderr).toContain("warning: --exclude libnope* matched no library in the wheel's dependency trees\n");
    const ok = await runCli(['repair', '--exclude', 'libffi.so*', '-w', scratchDir(), W.withffi]);
    expect(ok.stderr).not.toContain('matched no library');
    expect(ok.stderr).toContain('left out libffi.so.8: --exclude libffi.so*');
  });
});

describe('the build image table (pypa/manylinux README)', () => {
  it.each([
    ['manylinux_2_17_x86_64', 'quay.io/pypa/manylinux2014_x86_64', true, false],
    ['manylinux2014_aarch64', 'quay.io/pypa/manylinux2014_aarch64', true, false],
    ['manylinux_2_28_x86_64', 'quay.io/pypa/manylinux_2_28_x86_64', true, false],
    ['manylinux_2_36_x86_64', 'quay.io/pypa/manylinux_2_34_x86_64', false, false],
    ['manylinux_2_5_x86_64', 'quay.io/pypa/manylinux1_x86_64', true, true],
    ['manylinux1_i686', 'quay.io/pypa/manylinux1_i686', true, true],
    ['manylinux_2_12_x86_64', 'quay.io/pypa/manylinux2010_x86_64', true, true],
    ['manylinux_2_31_armv7l', 'quay.io/pypa/manylinux_2_31_armv7l', true, false],
    ['manylinux_2_39_riscv64', 'quay.io/pypa/manylinux_2_39_riscv64', true, false],
    ['musllinux_1_2_x86_64', 'quay.io/pypa/musllinux_1_2_x86_64', true, false],
    ['musllinux_1_1_aarch64', 'quay.io/pypa/musllinux_1_1_aarch64', true, true],
  ])('%s -> %s', (tag, image, exact, eol) => {
    expect(buildImageFor(tag)).toMatchObject({ image, exact, endOfLife: eol });
  });

  it('every image in the table is the exact image for its own tag, and that tag is one wheelaudit knows', () => {
    const known = new Set(knownPlatformTags().flatMap((t) => [t.name, ...t.aliases]));
    expect(buildImages().length).toBeGreaterThan(0);
    for (const img of buildImages()) {
      expect(img.arches.length, img.family).toBeGreaterThan(0);
      for (const arch of img.arches) {
        const tag = `${img.family}_${arch}`;
        expect(known.has(tag), tag).toBe(true);
        expect(buildImageFor(tag), tag).toEqual({ image: `quay.io/pypa/${tag}`, libc: img.libc, version: img.version, exact: true, endOfLife: img.endOfLife });
      }
    }
  });

  it.each(['manylinux_2_17_ppc64', 'musllinux_1_1_riscv64', 'manylinux_2_17_riscv64', 'linux_x86_64', 'android_24_arm64_v8a'])('%s: no image', (tag) => {
    expect(buildImageFor(tag)).toBeUndefined();
  });

  it('a refusal for a tag without an image says what C library to build with', async () => {
    const d = scratchDir();
    const w = await editWheel(fixtureWheel('minext-0.1.0-cp311-cp311-linux_ppc64.whl'), d, {});
    const c = await runCli(['check', '--format', 'json', '--plat', 'manylinux_2_17_ppc64', '--disable-isa-ext-check', w]);
    // minext passes on ppc64: the hint text for a failure is exercised on the renderer instead.
    expect(c.code, c.stdout).toBe(0);
    const { blockerHint } = await import('../../src/cli/render/blockers-text.js');
    expect(blockerHint([{ kind: 'ucs2', file: 'x.so' }], 'android_24_arm64_v8a')).toBe(
      'rebuild with an Android NDK for API level 24 or lower against a wide-unicode (UCS4) Python, for android_24_arm64_v8a',
    );
    expect(blockerHint([{ kind: 'ucs2', file: 'x.so' }], 'manylinux_2_17_ppc64')).toBe(
      'rebuild on a system with glibc 2.17 or older (no pypa image is published for ppc64) against a wide-unicode (UCS4) Python, for manylinux_2_17_ppc64',
    );
  });
});

describe('show -v lists the same culprits as a refusal, each group with a build-image hint', () => {
  it.each([
    ['glibcnew', W.glibcnew, 'manylinux_2_17_x86_64'],
    ['zblack', W.zblack, 'manylinux_2_17_x86_64'],
    ['isav3', W.isav3, 'manylinux_2_17_x86_64'],
  ])('%s', async (_name, wheel, plat) => {
    const f = await refusal(['--plat', plat, wheel]);
    const v = await runCli(['-v', 'show', wheel]);
    expect(v.code, v.stderr).toBe(0);
    const section = v.stdout.slice(v.stdout.indexOf('What rules out each more compatible tag:'));
    expect(section).not.toBe('');
    // The group holding the requested tag names the refusal's culprits...
    const groups = section.split(/\n(?= {2}\S)/).slice(1);
    const group = groups.find((g) => {
      const label = g.split('\n')[0] ?? '';
      const names = [...label.matchAll(/manylinux_2_(\d+)_x86_64/g)].map((m) => Number(m[1]));
      const want = Number(/_2_(\d+)_/.exec(plat)?.[1]);
      return names.length === 1 ? names[0] === want : (names[0] ?? 0) >= want && want >= (names[1] ?? 0);
    });
    expect(group, section).toBeDefined();
    for (const c of f.culprits) expect(group).toContain(`    - ${c}\n`);
    // ...and ends with a hint naming a pypa build image.
    expect(group).toMatch(/\n {4}hint: rebuild in quay\.io\/pypa\/manylinux\S+_x86_64 \(glibc 2\.\d+[^)]*\)/);
  });
});
