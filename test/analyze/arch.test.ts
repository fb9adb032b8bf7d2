import { describe, expect, it } from 'vitest';

import { readWheelPlatforms } from '../../src/analyze/arch.js';
import { ARCHITECTURES, baselineArch } from '../../src/policy/tags.js';
import { parseWheelName } from '../../src/wheel/name.js';

const read = (platforms: string) => readWheelPlatforms(parseWheelName(`foo-1.0-py3-none-${platforms}.whl`));

describe('readWheelPlatforms: architecture (spec §10.2)', () => {
  it.each(ARCHITECTURES.map((a) => [a]))('linux_%s gives its baseline', (a) => {
    const p = read(`linux_${a}`);
    expect(p.arch).toBe(baselineArch(a));
    expect(p.pure).toBe(false);
    expect(p.logs.filter((l) => l.level === 'warning')).toEqual([]);
  });

  it.each([
    ['linux_x86_64.manylinux1_x86_64', 'x86_64'],
    ['android_21_x86_64', 'x86_64'],
    ['android_21_arm64_v8a', 'aarch64'],
    ['manylinux_2_17_x86_64.manylinux_2_17_x86_64_v3', 'x86_64'],
    ['MANYLINUX_2_17_AARCH64', 'aarch64'],
  ])('%s -> %s', (platforms, arch) => {
    expect(read(platforms).arch).toBe(arch);
  });

  it.each([
    ['linux_mipsel', ["couldn't guess architecture for platform tag 'linux_mipsel'"]],
    ['linux_x86_64.linux_aarch64', []],
    ['linux_x86_64.linux_mipsel', ["couldn't guess architecture for platform tag 'linux_mipsel'"]],
    ['linux_x86_64.any', []],
    ['android_21_x86', ["couldn't guess architecture for platform tag 'android_21_x86'"]],
  ])('%s: no architecture', (platforms, unguessed) => {
    const p = read(platforms);
    expect(p.arch).toBeUndefined();
    expect(p.pure).toBe(false);
    const warnings = p.logs.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warnings).toEqual([...unguessed, 'The architecture could not be deduced from the wheel filename']);
  });

  it('any alone is pure', () => {
    for (const platforms of ['any', 'any.any', 'ANY']) {
      const p = read(platforms);
      expect(p.pure, platforms).toBe(true);
      expect(p.arch).toBeUndefined();
    }
  });
});

describe('readWheelPlatforms: libc (spec §10.2)', () => {
  it.each([
    ['manylinux1_x86_64', 'glibc'],
    ['manylinux1_x86_64.manylinux2010_x86_64', 'glibc'],
    ['musllinux_1_1_x86_64', 'musl'],
    ['android_24_arm64_v8a', 'android'],
    ['linux_x86_64.manylinux_2_17_x86_64', 'glibc'],
    ['any', undefined],
    ['something', undefined],
    ['manylinux1_x86_64.musllinux_1_1_x86_64', undefined],
  ])('%s -> %s', (platforms, libc) => {
    const p = read(platforms);
    expect(p.libc).toBe(libc);
    const debug = p.logs.filter((l) => l.level === 'debug').map((l) => l.message);
    expect(debug).toEqual(libc === undefined ? ['The libc could not be deduced from the wheel filename'] : []);
  });
});

describe('readWheelPlatforms: tags and the musl claim', () => {
  it('parses each tag once: lower-cased, de-duplicated and sorted', () => {
    const p = read('manylinux_2_17_x86_64.LINUX_X86_64.manylinux2014_x86_64.linux_x86_64');
    expect(p.tags.map((t) => t.tag)).toEqual(['linux_x86_64', 'manylinux2014_x86_64', 'manylinux_2_17_x86_64']);
    expect(p.tags.map((t) => t.family)).toEqual(['linux', 'manylinux', 'manylinux']);
    expect(p.tags.map((t) => t.policy?.libcVersion)).toEqual([undefined, [2, 17], [2, 17]]);
  });

  it.each([
    ['musllinux_1_2_x86_64', 'musllinux_1_2'],
    ['musllinux_1_2_x86_64.musllinux_1_1_x86_64', 'musllinux_1_1'],
    ['musllinux_1_10_x86_64.musllinux_1_9_x86_64', 'musllinux_1_9'],
    ['manylinux_2_17_x86_64', undefined],
    ['linux_x86_64', undefined],
  ])('%s claims musl policy %s', (platforms, musl) => {
    expect(read(platforms).muslPolicy).toBe(musl);
  });
});
