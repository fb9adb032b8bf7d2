// Blockers as text: one line per culprit for every blocker kind, long symbol lists cut to six
// names, chains joined with arrows, and the one hint that names the build image (from the
// build-image table) or the flag that helps.
import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../../src/analyze/blockers.js';
import { blockerHint, blockerLines, chainText, imageText } from '../../../src/cli/render/blockers-text.js';

const T = 'manylinux_2_17_x86_64';

describe('blockerLines', () => {
  it.each([
    [{ kind: 'blacklisted-symbol', file: 'p/_x.so', library: 'libz.so.1', symbols: ['zcfree'] }, 'black-listed symbol zcfree from libz.so.1, used by p/_x.so'],
    [{ kind: 'blacklisted-symbol', file: 'p/_x.so', library: 'libz.so.1', symbols: ['a', 'b'] }, 'black-listed symbols a, b from libz.so.1, used by p/_x.so'],
    [{ kind: 'external-library', soname: 'libffi.so.8', realpath: '/lib/libffi.so.8', chains: [{ elf: 'p/_x.so', chain: ['libffi.so.8'] }] }, `external library libffi.so.8 (/lib/libffi.so.8), not whitelisted by ${T}: p/_x.so -> libffi.so.8`],
    [{ kind: 'external-library', soname: 'libq.so', realpath: undefined, chains: [] }, `external library libq.so (not found), not whitelisted by ${T}`],
    [{ kind: 'library-not-found', soname: 'libq.so', chains: [{ elf: 'a', chain: ['libp.so', 'libq.so'] }, { elf: 'b', chain: ['libq.so'] }] }, 'libq.so could not be located: a -> libp.so -> libq.so; b -> libq.so'],
    [{ kind: 'isa', file: 'p/_x.so', isa: 'x86_64_v3', whitelistedIn: undefined }, 'p/_x.so requires the x86_64_v3 instruction set (--disable-isa-ext-check skips this check)'],
    [{ kind: 'isa', file: '/lib/libm.so', isa: 'x86_64_v2', whitelistedIn: 'manylinux_2_5_x86_64' }, '/lib/libm.so (whitelisted up to manylinux_2_5_x86_64) requires the x86_64_v2 instruction set (--disable-isa-ext-check skips this check)'],
    [{ kind: 'ucs2', file: 'p/_x.so' }, 'p/_x.so was built against a narrow-unicode (UCS2) Python'],
    [{ kind: 'pyfpe', file: 'p/_x.so' }, 'p/_x.so uses PyFPE_jbuf (a Python built --with-fpectl)'],
    [{ kind: 'libc-mismatch', wheelLibc: 'musl', targetLibc: 'glibc' }, `the wheel's ELF files use musl, and ${T} is a glibc tag`],
    [{ kind: 'arch-mismatch', wheelArch: 'aarch64', targetArch: 'x86_64', files: ['p/_x.so'] }, `the wheel's ELF files are aarch64 (p/_x.so), and ${T} is for x86_64`],
    [{ kind: 'elf-in-pure-wheel', files: ['a.so', 'b'] }, "the wheel is tagged 'any' but holds ELF files, which load on one platform only: a.so, b"],
  ] as [Blocker, string][])('%j', (b, line) => {
    expect(blockerLines([b], T)).toEqual([line]);
  });

  it('symbol versions: a line per importer, six names then a count, grafted importers and a missing best tag said so', () => {
    const syms = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
    const b: Blocker = {
      kind: 'symbol-version',
      library: 'libc.so.6',
      version: 'GLIBC_2.36',
      bestTag: 'manylinux_2_36_x86_64',
      importers: [
        { file: 'p/_x.so', grafted: false, realpath: undefined, symbols: syms },
        { file: 'libffi.so.8', grafted: true, realpath: '/lib/libffi.so.8', symbols: [] },
      ],
    };
    expect(blockerLines([b], T)).toEqual([
      's1@GLIBC_2.36, s2@GLIBC_2.36, s3@GLIBC_2.36, s4@GLIBC_2.36, s5@GLIBC_2.36, s6@GLIBC_2.36 and 2 more from libc.so.6, imported by p/_x.so; GLIBC_2.36 needs manylinux_2_36_x86_64 or newer',
      'GLIBC_2.36 (no symbol names it) from libc.so.6, imported by libffi.so.8 (a library repair would graft, from /lib/libffi.so.8); GLIBC_2.36 needs manylinux_2_36_x86_64 or newer',
    ]);
    expect(blockerLines([{ ...b, bestTag: undefined, importers: [b.importers[0] as never] }], 'musllinux_1_2_x86_64')[0]).toMatch(/; no musllinux tag allows GLIBC_2\.36$/);
  });
});

describe('chainText and imageText', () => {
  it('join a chain with arrows; name the image with its C library and whether it is maintained', () => {
    expect(chainText({ elf: 'p/_x.so', chain: ['liba.so', 'libb.so'] })).toBe('p/_x.so -> liba.so -> libb.so');
    expect(imageText('manylinux_2_17_x86_64')).toBe('quay.io/pypa/manylinux2014_x86_64 (glibc 2.17)');
    expect(imageText('manylinux_2_5_x86_64')).toBe('quay.io/pypa/manylinux1_x86_64 (glibc 2.5, no longer maintained)');
    expect(imageText('linux_x86_64')).toBeUndefined();
  });
});

describe('blockerHint', () => {
  const sv: Blocker = { kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', bestTag: undefined, importers: [] };
  it('names the image, the build choices and the flags each blocker calls for', () => {
    expect(blockerHint([], T)).toBeUndefined();
    expect(blockerHint([sv], T)).toBe('rebuild in quay.io/pypa/manylinux2014_x86_64 (glibc 2.17), whose wheels qualify for manylinux_2_17_x86_64');
    expect(blockerHint([sv], 'manylinux_2_30_x86_64')).toBe('rebuild in quay.io/pypa/manylinux_2_28_x86_64 (glibc 2.28), whose wheels also qualify for manylinux_2_30_x86_64');
    expect(blockerHint([{ kind: 'isa', file: 'x', isa: 'x86_64_v3', whitelistedIn: undefined }], T)).toBe(
      'rebuild in quay.io/pypa/manylinux2014_x86_64 (glibc 2.17) for the baseline instruction set (no -march beyond it), whose wheels qualify for manylinux_2_17_x86_64; or pass --disable-isa-ext-check if the wheel picks its code path by CPU at run time',
    );
    expect(blockerHint([{ kind: 'library-not-found', soname: 'x', chains: [] }], T)).toBe('add its directory to LD_LIBRARY_PATH or --ldpaths, or skip it with --exclude');
    expect(blockerHint([{ kind: 'external-library', soname: 'x', realpath: undefined, chains: [] }], T)).toBe(`\`wheelaudit repair --plat ${T}\` copies external libraries into the wheel`);
    expect(blockerHint([{ kind: 'libc-mismatch', wheelLibc: 'glibc', targetLibc: 'musl' }], 'musllinux_1_2_x86_64')).toBe(
      'build musl wheels in quay.io/pypa/musllinux_1_2_x86_64 (musl 1.2), or choose a --plat tag that matches this wheel',
    );
    expect(blockerHint([sv], 'manylinux_2_17_armv7l')).toBe('rebuild on a system with glibc 2.17 or older (no pypa image is published for armv7l), for manylinux_2_17_armv7l');
    expect(blockerHint([sv], 'android_24_arm64_v8a')).toBe('rebuild with an Android NDK for API level 24 or lower, for android_24_arm64_v8a');
  });
});
