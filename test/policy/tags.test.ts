import { describe, expect, it } from 'vitest';

import {
  ANDROID_ABI_ARCHES,
  ARCHITECTURES,
  LEGACY_MANYLINUX,
  androidApiLevel,
  archCovers,
  archSuffixOf,
  baselineArch,
  compareTagAge,
  libcOfTagPrefix,
  linuxTagsReplacedBy,
  parsePlatformTag,
  parsePolicyBase,
  platformTagName,
  tagArchSuffix,
  type PolicyBase,
} from '../../src/policy/tags.js';
import { BASE_ARCHES, isBaseArch } from '../../src/policy/types.js';

describe('parsePlatformTag: policy tags', () => {
  it.each([
    ['manylinux2014_x86_64', { family: 'manylinux', libc: 'glibc', base: 'manylinux2014', archSuffix: 'x86_64', baseArch: 'x86_64' }],
    ['manylinux1_i686', { family: 'manylinux', libc: 'glibc', base: 'manylinux1', archSuffix: 'i686', baseArch: 'i686' }],
    ['manylinux_2_17_aarch64', { family: 'manylinux', libc: 'glibc', base: 'manylinux_2_17', archSuffix: 'aarch64', baseArch: 'aarch64' }],
    ['manylinux_2_5_x86_64', { family: 'manylinux', libc: 'glibc', base: 'manylinux_2_5', archSuffix: 'x86_64', baseArch: 'x86_64' }],
    ['manylinux_2_17_x86_64_v3', { family: 'manylinux', libc: 'glibc', base: 'manylinux_2_17', archSuffix: 'x86_64_v3', baseArch: 'x86_64' }],
    // An unknown architecture still spells a manylinux tag; it just names no baseline.
    ['manylinux_2_99_sparc', { family: 'manylinux', libc: 'glibc', base: 'manylinux_2_99', archSuffix: 'sparc', baseArch: undefined }],
    ['musllinux_1_2_armv7l', { family: 'musllinux', libc: 'musl', base: 'musllinux_1_2', archSuffix: 'armv7l', baseArch: 'armv7l' }],
    ['android_24_arm64_v8a', { family: 'android', libc: 'android', base: 'android_24', archSuffix: 'arm64_v8a', baseArch: 'aarch64' }],
    ['android_21_x86_64', { family: 'android', libc: 'android', base: 'android_21', archSuffix: 'x86_64', baseArch: 'x86_64' }],
    ['android_21_armeabi_v7a', { family: 'android', libc: 'android', base: 'android_21', archSuffix: 'armeabi_v7a', baseArch: 'armv7l' }],
    ['android_21_x86', { family: 'android', libc: 'android', base: 'android_21', archSuffix: 'x86', baseArch: 'i686' }],
    // Android names ABIs, not architectures: 'aarch64' is not an Android ABI.
    ['android_24_aarch64', { family: 'android', libc: 'android', base: 'android_24', archSuffix: 'aarch64', baseArch: undefined }],
  ])('%s', (tag, want) => {
    const t = parsePlatformTag(tag);
    expect({ family: t.family, libc: t.libc, base: t.base, archSuffix: t.archSuffix, baseArch: t.baseArch }).toEqual(want);
    expect(t.tag).toBe(tag);
    expect(t.policy?.name).toBe(want.base);
  });

  it.each([
    'auto',
    'linux_x86_64',
    'manylinux_2_17',
    'musllinux_1_x86_64',
    'musllinux2014_x86_64',
    'android_x86_64',
    'android__x86_64',
    'manylinux_2_x86_64',
    'manylinux__17_x86_64',
    'manylinux_2_17_',
    'manylinux_2_17_9x',
    'manylinux_-2_17_x86_64',
    'manylinux_2.17_x86_64',
    'any',
    '',
    'Manylinux1_x86_64',
    'MANYLINUX_2_17_X86_64',
    'manylinux_2_17_X86_64',
  ])('%j is not a libc-specific tag', (tag) => {
    const t = parsePlatformTag(tag);
    expect(t.libc).toBeUndefined();
    expect(t.policy).toBeUndefined();
    expect(['linux', 'any', 'other']).toContain(t.family);
  });

  it('reads versions and API levels as numbers, and keeps leading zeros in the name', () => {
    // A name with leading zeros parses, but it is not the canonical name: no policy is found
    // under 'manylinux_02_17', while its version orders as 2.17.
    const t = parsePlatformTag('manylinux_02_017_x86_64');
    expect(t.family).toBe('manylinux');
    expect(t.base).toBe('manylinux_02_017');
    expect(t.policy?.libcVersion).toEqual([2, 17]);
    expect(parsePlatformTag('android_024_x86_64').policy?.apiLevel).toBe(24);
    expect(parsePlatformTag('android_024_x86_64').base).toBe('android_024');
  });
});

describe('parsePlatformTag: linux, any and other tags', () => {
  it.each([
    ['any', 'any', undefined, undefined],
    ['linux_x86_64', 'linux', 'x86_64', 'x86_64'],
    ['linux_x86_64_v4', 'linux', 'x86_64_v4', 'x86_64'],
    ['linux_arm64_v8a', 'linux', 'arm64_v8a', 'aarch64'],
    ['linux_armv7l', 'linux', 'armv7l', 'armv7l'],
    // Unknown architecture: not a linux tag wheelaudit can judge.
    ['linux_mipsel', 'other', undefined, undefined],
    ['linux_armv5l', 'other', undefined, undefined],
    // The reference guesses the architecture from the end of any tag.
    ['macosx_11_0_x86_64', 'other', 'x86_64', 'x86_64'],
    ['macosx_11_0_arm64', 'other', undefined, undefined],
    ['win_amd64', 'other', undefined, undefined],
    ['anything', 'other', undefined, undefined],
    ['Linux_x86_64', 'other', 'x86_64', 'x86_64'],
  ])('%s -> %s, arch %s, baseline %s', (tag, family, arch, baseArch) => {
    const t = parsePlatformTag(tag);
    expect(t.family).toBe(family);
    expect(t.arch).toBe(arch);
    expect(t.baseArch).toBe(baseArch);
    expect(t.libc).toBeUndefined();
    expect(t.base).toBe(arch === undefined ? tag : tag.slice(0, -(arch.length + 1)));
  });
});

describe('parsePolicyBase', () => {
  it.each([
    ['manylinux_2_17', 'glibc', false, [2, 17], undefined],
    ['manylinux_2_5', 'glibc', false, [2, 5], undefined],
    ['manylinux_3_0', 'glibc', false, [3, 0], undefined],
    ['manylinux1', 'glibc', true, [2, 5], undefined],
    ['manylinux2010', 'glibc', true, [2, 12], undefined],
    ['manylinux2014', 'glibc', true, [2, 17], undefined],
    // Spelt like a legacy name but none of the three: glibc, with no known version.
    ['manylinux2015', 'glibc', true, undefined, undefined],
    ['musllinux_1_1', 'musl', false, [1, 1], undefined],
    ['musllinux_1_2', 'musl', false, [1, 2], undefined],
    ['android_21', 'android', false, undefined, 21],
    ['android_9', 'android', false, undefined, 9],
  ])('%s -> %s (legacy %s) version %j level %j', (name, libc, legacy, version, level) => {
    expect(parsePolicyBase(name)).toEqual({ name, libc, legacy, libcVersion: version, apiLevel: level });
  });

  it.each(['linux', 'manylinux', 'manylinux_2', 'manylinux_2_', 'manylinux_2_x', 'manylinux_2_17_x86_64', 'musllinux1', 'musllinux_1', 'android', 'android_', 'android_x', 'android_21_1', 'MANYLINUX_2_17', ' manylinux_2_17', 'manylinux_2_17 '])(
    '%j is not a policy name',
    (name) => {
      expect(parsePolicyBase(name)).toBeUndefined();
    },
  );

  it('knows the three legacy names PEP 513, 571 and 599 define', () => {
    expect([...LEGACY_MANYLINUX.keys()]).toEqual(['manylinux1', 'manylinux2010', 'manylinux2014']);
  });
});

describe('architectures', () => {
  it('every spelling ends a tag alone: no architecture is "_" plus another', () => {
    for (const a of ARCHITECTURES) {
      expect(archSuffixOf(`linux_${a}`)).toBe(a);
      expect(ARCHITECTURES.filter((b) => `linux_${a}`.endsWith(`_${b}`))).toEqual([a]);
    }
    expect(archSuffixOf('x86_64')).toBeUndefined();
  });

  it('maps each spelling to a policy architecture', () => {
    for (const a of ARCHITECTURES) expect(isBaseArch(baselineArch(a)), a).toBe(true);
    expect(baselineArch('arm64_v8a')).toBe('aarch64');
    expect(baselineArch('x86_64_v2')).toBe('x86_64');
    // Every policy architecture is spelt as itself in a tag.
    for (const b of BASE_ARCHES) expect(baselineArch(b)).toBe(b);
  });

  it('x86-64 levels cover the levels below them, never another architecture', () => {
    expect(archCovers('x86_64_v3', 'x86_64_v2')).toBe(true);
    expect(archCovers('x86_64_v3', 'x86_64')).toBe(true);
    expect(archCovers('x86_64_v3', 'x86_64_v3')).toBe(true);
    expect(archCovers('x86_64_v3', 'x86_64_v4')).toBe(false);
    expect(archCovers('x86_64', 'x86_64_v2')).toBe(false);
    expect(archCovers('aarch64', 'x86_64')).toBe(false);
  });

  it('names Android ABIs, and each base arch by one ABI', () => {
    const bases = [...ANDROID_ABI_ARCHES.values()];
    expect(new Set(bases).size).toBe(bases.length);
    expect(tagArchSuffix('android', 'aarch64')).toBe('arm64_v8a');
    expect(tagArchSuffix('android', 'i686')).toBe('x86');
    expect(tagArchSuffix('glibc', 'aarch64')).toBe('aarch64');
    expect(platformTagName('android_24', 'android', 'aarch64')).toBe('android_24_arm64_v8a');
    expect(platformTagName('musllinux_1_2', 'musl', 'armv7l')).toBe('musllinux_1_2_armv7l');
    for (const [abi, base] of ANDROID_ABI_ARCHES) expect(parsePlatformTag(platformTagName('android_30', 'android', base)).archSuffix).toBe(abi);
  });
});

describe('libcOfTagPrefix (the reference reads a file name libc by prefix)', () => {
  it.each([
    ['manylinux1_x86_64', 'glibc'],
    ['manylinux_2_17_x86_64', 'glibc'],
    // A misspelt tag still names its family's libc, as the reference reads it.
    ['manylinuxfoo', 'glibc'],
    ['musllinux_1_1_x86_64', 'musl'],
    ['android_24_arm64_v8a', 'android'],
    ['linux_x86_64', undefined],
    ['any', undefined],
    ['something', undefined],
    ['MANYLINUX1_X86_64', undefined],
  ])('%s -> %s', (tag, libc) => {
    expect(libcOfTagPrefix(tag)).toBe(libc);
  });
});

describe('androidApiLevel (spec §10.2)', () => {
  it.each([
    ['android_21_arm64_v8a', 21],
    ['android_9_whatever', 9],
    ['android_27_x86_64', 27],
    ['linux_x86_64', undefined],
    ['android_x86_64', undefined],
    ['manylinux_2_17_x86_64', undefined],
  ])('%s -> %s', (tag, level) => {
    expect(androidApiLevel(tag)).toBe(level);
  });
});

describe('compareTagAge', () => {
  const base = (n: string): PolicyBase => {
    const p = parsePolicyBase(n);
    if (p === undefined) throw new Error(`test bug: ${n}`);
    return p;
  };
  it('orders by C library version as numbers, legacy names by the version they stand for', () => {
    const names = ['manylinux_2_28', 'manylinux2014', 'manylinux_2_9', 'manylinux1', 'manylinux_2_17', 'manylinux2010', 'manylinux_2_5'];
    const sorted = names.map(base).sort(compareTagAge).map((p) => p.name);
    expect(sorted).toEqual(['manylinux1', 'manylinux_2_5', 'manylinux_2_9', 'manylinux2010', 'manylinux2014', 'manylinux_2_17', 'manylinux_2_28']);
    expect(['musllinux_1_2', 'musllinux_1_10', 'musllinux_1_1'].map(base).sort(compareTagAge).map((p) => p.name)).toEqual(['musllinux_1_1', 'musllinux_1_2', 'musllinux_1_10']);
  });

  it('orders Android tags by API level', () => {
    expect(['android_27', 'android_21', 'android_24'].map(base).sort(compareTagAge).map((p) => p.name)).toEqual(['android_21', 'android_24', 'android_27']);
  });
});

describe('linuxTagsReplacedBy (spec §2.6, §10.2)', () => {
  it.each([
    ['linux_aarch64', []],
    ['linux_x86_64', []],
    ['manylinux1_ppc64le', ['linux_ppc64le']],
    ['manylinux1_x86_64', ['linux_x86_64']],
    ['manylinux2010_i686', ['linux_i686']],
    ['manylinux2014_x86_64', ['linux_x86_64']],
    ['manylinux2014_aarch64', ['linux_aarch64']],
    ['manylinux_2_24_x86_64', ['linux_x86_64']],
    ['manylinux_2_5_x86_64', ['linux_x86_64']],
    ['manylinux_2_17_armv7l', ['linux_armv7l']],
    ['manylinux_2_31_riscv64', ['linux_riscv64']],
    ['manylinux_2_17_x86_64_v3', ['linux_x86_64_v3']],
    ['musllinux_1_2_aarch64', ['linux_aarch64']],
    ['musllinux_1_1_x86_64', ['linux_x86_64']],
    // The reference's meaningless but harmless result for Android.
    ['android_24_arm64_v8a', ['linux_24_arm64_v8a']],
  ])('%s -> %j', (name, want) => {
    expect(linuxTagsReplacedBy(name)).toEqual(want);
  });
});
