// The build-image table: exactly build-images.json, each family's C library version the one its
// name (or its PEP, for the legacy names) says, and the choice rule: the newest image of the
// tag's libc and architecture whose C library is not newer than the tag's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImageFor, buildImages, libcVersionText, tagTarget } from '../../src/cli/build-images.js';
import { REPO } from '../helpers/corpus.js';

const RAW = (JSON.parse(readFileSync(path.join(REPO, 'src', 'cli', 'build-images.json'), 'utf8')) as { images: { family: string; libc: string; version: string; arches: string[]; endOfLife: boolean }[] }).images;
// PEP 513, 571 and 599: the glibc each legacy name stands for.
const PEP_LEGACY: Record<string, string> = { manylinux1: '2.5', manylinux2010: '2.12', manylinux2014: '2.17' };

describe('buildImages', () => {
  it('is the JSON table, in order, with versions as numbers', () => {
    expect(RAW.length).toBeGreaterThan(5);
    expect(buildImages().map((i) => [i.family, i.libc, i.version.join('.'), [...i.arches], i.endOfLife])).toEqual(RAW.map((i) => [i.family, i.libc, i.version, i.arches, i.endOfLife]));
  });

  it("each family's version is the one its name says", () => {
    for (const img of buildImages()) {
      const fromName = PEP_LEGACY[img.family] ?? /^(?:many|musl)linux_(\d+)_(\d+)$/.exec(img.family)?.slice(1).join('.');
      expect(img.version.join('.'), img.family).toBe(fromName);
      expect(img.libc, img.family).toBe(img.family.startsWith('musllinux') ? 'musl' : 'glibc');
    }
  });
});

describe('tagTarget', () => {
  it('reads libc, C library version and architecture from a tag, legacy names included', () => {
    expect(tagTarget('manylinux_2_28_aarch64')).toEqual({ libc: 'glibc', version: [2, 28], arch: 'aarch64' });
    expect(tagTarget('manylinux2014_x86_64')).toEqual({ libc: 'glibc', version: [2, 17], arch: 'x86_64' });
    expect(tagTarget('manylinux1_i686')).toEqual({ libc: 'glibc', version: [2, 5], arch: 'i686' });
    expect(tagTarget('musllinux_1_2_armv7l')).toEqual({ libc: 'musl', version: [1, 2], arch: 'armv7l' });
    expect(tagTarget('linux_x86_64')).toBeUndefined();
    expect(tagTarget('android_24_arm64_v8a')).toBeUndefined();
    expect(tagTarget('macosx_11_0_arm64')).toBeUndefined();
  });
});

describe('buildImageFor', () => {
  it('between two images, the older one (not exact); an older tag than any image, none', () => {
    expect(buildImageFor('manylinux_2_30_x86_64')).toEqual({ image: 'quay.io/pypa/manylinux_2_28_x86_64', libc: 'glibc', version: [2, 28], exact: false, endOfLife: false });
    expect(buildImageFor('manylinux_2_17_x86_64')).toMatchObject({ image: 'quay.io/pypa/manylinux2014_x86_64', exact: true });
    expect(buildImageFor('manylinux_2_40_x86_64')).toMatchObject({ image: 'quay.io/pypa/manylinux_2_34_x86_64', exact: false });
    expect(buildImageFor('manylinux_2_17_armv7l')).toBeUndefined();
    expect(buildImageFor('musllinux_1_2_riscv64')).toMatchObject({ image: 'quay.io/pypa/musllinux_1_2_riscv64', exact: true });
    expect(buildImageFor('linux_x86_64')).toBeUndefined();
  });

  it('agrees with the rule computed from the JSON for every arch and glibc minor 5..42', () => {
    const arches = [...new Set(RAW.flatMap((i) => i.arches))];
    let found = 0;
    for (const arch of arches) {
      for (let minor = 5; minor <= 42; minor++) {
        const fits = RAW.filter((i) => i.libc === 'glibc' && i.arches.includes(arch) && Number(i.version.split('.')[1]) <= minor);
        const want = fits.sort((a, b) => Number(b.version.split('.')[1]) - Number(a.version.split('.')[1]))[0];
        const got = buildImageFor(`manylinux_2_${minor}_${arch}`);
        expect(got?.image, `${arch} 2.${minor}`).toBe(want === undefined ? undefined : `quay.io/pypa/${want.family}_${arch}`);
        if (got !== undefined) found++;
      }
    }
    expect(found).toBeGreaterThan(100);
  });
});

describe('libcVersionText', () => {
  it('is "<libc> <major>.<minor>"', () => {
    expect(libcVersionText('glibc', [2, 17])).toBe('glibc 2.17');
    expect(libcVersionText('musl', [1, 2])).toBe('musl 1.2');
  });
});
