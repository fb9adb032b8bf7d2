import { describe, expect, it } from 'vitest';

import { PolicyError } from '../../src/errors.js';
import {
  MUSL_LIBC_SONAMES,
  isKnownPlatformTag,
  knownPlatformTags,
  loadPolicyEntries,
  loadPolicySet,
} from '../../src/policy/load.js';
import { parsePlatformTag } from '../../src/policy/tags.js';
import { BASE_ARCHES, LIBCS } from '../../src/policy/types.js';
import type { BaseArch } from '../../src/policy/types.js';

/** Run `fn`, expect a PolicyError, and return it for further checks. */
function policyError(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    if (e instanceof PolicyError) return e;
  }
  throw new Error('expected a PolicyError, nothing was thrown');
}

const MANYLINUX_X86_64 = [
  'manylinux_2_5',
  'manylinux_2_12',
  'manylinux_2_17',
  'manylinux_2_24',
  'manylinux_2_26',
  'manylinux_2_27',
  'manylinux_2_28',
  'manylinux_2_31',
  'manylinux_2_34',
  'manylinux_2_35',
  'manylinux_2_36',
  'manylinux_2_37',
  'manylinux_2_38',
  'manylinux_2_39',
  'manylinux_2_40',
  'manylinux_2_41',
];

describe('loadPolicySet (glibc)', () => {
  it.each([
    ['manylinux_2_41_x86_64', 51],
    ['manylinux_2_36_x86_64', 56],
    ['manylinux_2_31_x86_64', 61],
    ['manylinux_2_27_x86_64', 65],
    ['manylinux_2_24_x86_64', 70],
    ['manylinux2014_x86_64', 80],
    ['manylinux_2_17_x86_64', 80],
    ['manylinux2010_x86_64', 90],
    ['manylinux_2_12_x86_64', 90],
    ['manylinux1_x86_64', 100],
    ['manylinux_2_5_x86_64', 100],
    ['linux_x86_64', 0],
  ])('priority of %s is %i', (name, priority) => {
    expect(loadPolicySet('glibc', 'x86_64').get(name).priority).toBe(priority);
  });

  it('finds a policy by alias as the same object as by name', () => {
    const set = loadPolicySet('glibc', 'aarch64');
    const byAlias = set.get('manylinux2014_aarch64');
    expect(byAlias).toBe(set.get('manylinux_2_17_aarch64'));
    expect(byAlias.aliases).toEqual(['manylinux2014_aarch64']);
    expect(byAlias.baseName).toBe('manylinux_2_17');
    expect(byAlias.arch).toBe('aarch64');
    expect(byAlias.libc).toBe('glibc');
  });

  it('reports an unknown name with POLICY_NOT_FOUND', () => {
    const set = loadPolicySet('glibc', 'x86_64');
    expect(set.find('nosuchpolicy')).toBeUndefined();
    const err = policyError(() => set.get('nosuchpolicy'));
    expect(err.code).toBe('POLICY_NOT_FOUND');
    expect(err.message).toBe("no policy named 'nosuchpolicy' found");
    expect(err.hint).toContain('manylinux_2_5_x86_64');
    // Names are full tags for this arch; another arch's tag or a bare base name is unknown.
    expect(set.find('manylinux_2_17_aarch64')).toBeUndefined();
    expect(set.find('manylinux_2_17')).toBeUndefined();
  });

  it('orders x86_64 by ascending priority from linux to manylinux_2_5', () => {
    const set = loadPolicySet('glibc', 'x86_64');
    expect(set.policies.map((p) => p.name)).toEqual([
      'linux_x86_64',
      ...[...MANYLINUX_X86_64].reverse().map((n) => `${n}_x86_64`),
    ]);
    const prios = set.policies.map((p) => p.priority);
    expect(prios).toEqual([...prios].sort((a, b) => a - b));
    expect(new Set(prios).size).toBe(prios.length);
    expect(set.linux).toBe(set.policies[0]);
    expect(set.lowest.name).toBe('manylinux_2_41_x86_64');
    expect(set.highest.name).toBe('manylinux_2_5_x86_64');
    expect(set.libc).toBe('glibc');
    expect(set.arch).toBe('x86_64');
  });

  it('gives linux nothing', () => {
    for (const arch of BASE_ARCHES) {
      const linux = loadPolicySet('glibc', arch).linux;
      expect(linux.name).toBe(`linux_${arch}`);
      expect(linux.baseName).toBe('linux');
      expect(linux.priority).toBe(0);
      expect(linux.aliases).toEqual([]);
      expect(linux.symbolVersions.size).toBe(0);
      expect(linux.libraryWhitelist.size).toBe(0);
      expect(linux.blacklist.size).toBe(0);
    }
  });

  it.each<[BaseArch, string, string, number]>([
    ['ppc64', 'manylinux_2_17_ppc64', 'manylinux_2_17_ppc64', 2],
    ['riscv64', 'manylinux_2_41_riscv64', 'manylinux_2_31_riscv64', 10],
    ['loongarch64', 'manylinux_2_41_loongarch64', 'manylinux_2_36_loongarch64', 7],
    ['aarch64', 'manylinux_2_41_aarch64', 'manylinux_2_17_aarch64', 15],
    ['i686', 'manylinux_2_41_i686', 'manylinux_2_5_i686', 17],
  ])('%s: lowest %s, highest %s, %i policies with linux', (arch, lowest, highest, count) => {
    const set = loadPolicySet('glibc', arch);
    expect(set.lowest.name).toBe(lowest);
    expect(set.highest.name).toBe(highest);
    expect(set.policies).toHaveLength(count);
  });

  it('keeps a known prefix with no versions (ZLIB in manylinux_2_5)', () => {
    const p = loadPolicySet('glibc', 'x86_64').get('manylinux1_x86_64');
    expect(p.symbolVersions.get('ZLIB')?.size).toBe(0);
    expect(p.symbolVersions.get('LIBATOMIC')?.size).toBe(0);
    expect([...p.symbolVersions.keys()].sort()).toEqual(['CXXABI', 'GCC', 'GLIBC', 'GLIBCXX', 'LIBATOMIC', 'ZLIB']);
    expect(p.symbolVersions.get('GLIBC')?.has('GLIBC_2.5')).toBe(true);
    expect(p.symbolVersions.get('GLIBC')?.has('GLIBC_2.6')).toBe(false);
    expect(p.symbolVersions.get('GLIBC')?.has('GLIBC_2.2.5')).toBe(true);
  });

  it('grows whitelists (libexpat from 2_12, libmvec from 2_24) and drops the glibc blacklist after 2_17', () => {
    const set = loadPolicySet('glibc', 'x86_64');
    const wl = (n: string): ReadonlySet<string> => set.get(n).libraryWhitelist;
    expect(wl('manylinux_2_5_x86_64').has('libexpat.so.1')).toBe(false);
    expect(wl('manylinux_2_12_x86_64').has('libexpat.so.1')).toBe(true);
    expect(wl('manylinux_2_17_x86_64').has('libmvec.so.1')).toBe(false);
    expect(wl('manylinux_2_24_x86_64').has('libmvec.so.1')).toBe(true);
    expect(wl('manylinux_2_41_x86_64').size).toBe(24);
    expect(set.get('manylinux_2_17_x86_64').blacklist.get('libc.so.6')?.has('__cxa_thread_atexit_impl')).toBe(true);
    expect(set.get('manylinux_2_24_x86_64').blacklist.has('libc.so.6')).toBe(false);
    expect(set.get('manylinux_2_34_x86_64').blacklist.get('libz.so.1')?.size).toBe(40);
    expect(set.get('manylinux_2_37_x86_64').blacklist.get('libz.so.1')?.size).toBe(23);
  });

  it('has the data quirks of the build images (x86_64 manylinux_2_37 stops at GLIBC_2.36)', () => {
    const set = loadPolicySet('glibc', 'x86_64');
    expect(set.get('manylinux_2_37_x86_64').symbolVersions.get('GLIBC')?.has('GLIBC_2.37')).toBe(false);
    expect(set.get('manylinux_2_38_x86_64').symbolVersions.get('GLIBC')?.has('GLIBC_2.37')).toBe(false);
    expect(loadPolicySet('glibc', 'i686').get('manylinux_2_37_i686').symbolVersions.get('GLIBC')?.has('GLIBC_2.37')).toBe(
      true,
    );
    const aarch64 = loadPolicySet('glibc', 'aarch64').get('manylinux_2_17_aarch64');
    expect(aarch64.symbolVersions.get('GLIBC')?.has('GLIBC_2.18')).toBe(true);
  });

  it('hands out fresh sets: changing one load does not change the next', () => {
    const first = loadPolicySet('glibc', 'x86_64').get('manylinux_2_17_x86_64');
    const wl = first.libraryWhitelist;
    if (wl instanceof Set) wl.add('libintruder.so.1');
    const again = loadPolicySet('glibc', 'x86_64').get('manylinux_2_17_x86_64');
    expect(again.libraryWhitelist.has('libintruder.so.1')).toBe(false);
  });

  it('refuses musl or Android options for glibc', () => {
    expect(policyError(() => loadPolicySet('glibc', 'x86_64', { musl: 'musllinux_1_2' })).code).toBe(
      'POLICY_NOT_FOUND',
    );
    expect(policyError(() => loadPolicySet('glibc', 'x86_64', { androidTag: 'android_24_x86_64' })).message).toContain(
      'Android platform tag',
    );
  });
});

describe('loadPolicySet (musl)', () => {
  const musl1_2: BaseArch[] = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x', 'riscv64', 'loongarch64'];

  it.each(musl1_2)('%s defaults to musllinux_1_2 (never the host) with the Alpine libc soname', (arch) => {
    const set = loadPolicySet('musl', arch);
    expect(set.policies.map((p) => p.name)).toEqual([`linux_${arch}`, `musllinux_1_2_${arch}`]);
    expect(set.lowest).toBe(set.highest);
    expect(set.highest.priority).toBe(90);
    const wl = set.highest.libraryWhitelist;
    expect(wl.has('libc.so')).toBe(false);
    expect(wl.has(MUSL_LIBC_SONAMES[arch] ?? '?')).toBe(true);
    expect(wl.has('libz.so.1')).toBe(true);
    expect(wl.size).toBe(2);
    expect(set.highest.symbolVersions.size).toBe(0);
    expect(set.highest.blacklist.get('libz.so.1')?.size).toBe(31);
  });

  it('maps libc.so per arch exactly as Alpine names it', () => {
    const got = Object.fromEntries(
      musl1_2.map((a) => [a, [...loadPolicySet('musl', a).highest.libraryWhitelist].filter((l) => l !== 'libz.so.1')]),
    );
    expect(got).toEqual({
      x86_64: ['libc.musl-x86_64.so.1'],
      i686: ['libc.musl-x86.so.1'],
      aarch64: ['libc.musl-aarch64.so.1'],
      armv7l: ['libc.musl-armv7.so.1'],
      ppc64le: ['libc.musl-ppc64le.so.1'],
      s390x: ['libc.musl-s390x.so.1'],
      riscv64: ['libc.musl-riscv64.so.1'],
      loongarch64: ['libc.musl-loongarch64.so.1'],
    });
  });

  it('selects musllinux_1_1 when asked', () => {
    const set = loadPolicySet('musl', 'x86_64', { musl: 'musllinux_1_1' });
    expect(set.policies.map((p) => p.name)).toEqual(['linux_x86_64', 'musllinux_1_1_x86_64']);
    expect(set.highest.priority).toBe(100);
    expect(set.highest.libraryWhitelist.has('libc.musl-x86_64.so.1')).toBe(true);
  });

  it('refuses a badly spelled, unknown or unsupported musl policy', () => {
    const bad = policyError(() => loadPolicySet('musl', 'x86_64', { musl: 'manylinux_1_1' }));
    expect(bad.code).toBe('POLICY_NOT_FOUND');
    expect(bad.message).toContain("invalid musl policy 'manylinux_1_1'");
    expect(policyError(() => loadPolicySet('musl', 'x86_64', { musl: 'musllinux_1_2_x86_64' })).message).toContain(
      'invalid musl policy',
    );
    expect(policyError(() => loadPolicySet('musl', 'x86_64', { musl: 'musllinux_5_1' })).message).toBe(
      "no musllinux policy named 'musllinux_5_1' found (known: musllinux_1_1, musllinux_1_2)",
    );
    expect(policyError(() => loadPolicySet('musl', 'loongarch64', { musl: 'musllinux_1_1' })).message).toContain(
      "policy 'musllinux_1_1' does not support loongarch64",
    );
  });

  it('refuses an arch no musl policy covers', () => {
    const err = policyError(() => loadPolicySet('musl', 'ppc64'));
    expect(err.code).toBe('POLICY_NOT_FOUND');
    expect(err.message).toMatch(/^no musllinux policy supports ppc64 \(musllinux policies cover x86_64, i686/);
  });
});

describe('loadPolicySet (android)', () => {
  const table: [number, number, string][] = [
    [21, 79, 'android_21'],
    [22, 79, 'android_21'],
    [23, 79, 'android_21'],
    [24, 76, 'android_24'],
    [25, 76, 'android_24'],
    [26, 74, 'android_26'],
    [27, 73, 'android_27'],
    [28, 73, 'android_27'],
  ];
  const entries = loadPolicyEntries('android');

  for (const [abi, arch] of [
    ['arm64_v8a', 'aarch64'],
    ['x86_64', 'x86_64'],
  ] as const) {
    it.each(table)(`${abi}: API level %i uses the entry with priority %i (%s)`, (level, priority, entryName) => {
      const tag = `android_${level}_${abi}`;
      const set = loadPolicySet('android', arch, { androidTag: tag });
      expect(set.policies).toHaveLength(2);
      expect(set.linux.name).toBe(`linux_${arch}`);
      expect(set.linux.libraryWhitelist.size).toBe(0);
      expect(set.lowest).toBe(set.highest);
      const p = set.highest;
      expect(p.name).toBe(tag);
      expect(p.baseName).toBe(`android_${level}`);
      expect(p.priority).toBe(priority);
      expect(p.arch).toBe(arch);
      expect(p.libc).toBe('android');
      expect(set.get(tag)).toBe(p);
      const entry = entries.find((e) => e.name === entryName);
      expect([...p.libraryWhitelist].sort()).toEqual([...(entry?.libraryWhitelist ?? ['?'])].sort());
    });
  }

  it('adds libraries as the API level rises', () => {
    const wl = (level: number): ReadonlySet<string> =>
      loadPolicySet('android', 'aarch64', { androidTag: `android_${level}_arm64_v8a` }).highest.libraryWhitelist;
    expect(wl(23).has('libcamera2ndk.so')).toBe(false);
    expect(wl(24).has('libcamera2ndk.so')).toBe(true);
    expect(wl(24).has('libvulkan.so')).toBe(true);
    expect(wl(25).has('libaaudio.so')).toBe(false);
    expect(wl(26).has('libaaudio.so')).toBe(true);
    expect(wl(26).has('libsync.so')).toBe(true);
    expect(wl(26).has('libneuralnetworks.so')).toBe(false);
    expect(wl(30).has('libneuralnetworks.so')).toBe(true);
    expect(wl(21).size).toBe(16);
  });

  it('refuses levels below 21, tags that are not Android, and several tags', () => {
    expect(policyError(() => loadPolicySet('android', 'x86_64', { androidTag: 'android_20_x86_64' })).message).toBe(
      "no Android policies match the platform tag 'android_20_x86_64'",
    );
    expect(policyError(() => loadPolicySet('android', 'x86_64', { androidTag: 'linux_x86_64' })).message).toBe(
      'invalid tag: linux_x86_64',
    );
    expect(
      policyError(() =>
        loadPolicySet('android', 'aarch64', { androidTag: 'android_21_arm64_v8a.android_22_arm64_v8a' }),
      ).message,
    ).toBe("Android wheels must have exactly one platform tag, got ['android_21_arm64_v8a', 'android_22_arm64_v8a']");
  });

  it('refuses a missing tag, a tag for another arch, an unknown ABI and an arch without policies', () => {
    expect(policyError(() => loadPolicySet('android', 'x86_64')).message).toContain('platform tag is required');
    expect(policyError(() => loadPolicySet('android', 'x86_64', { androidTag: 'android_24_arm64_v8a' })).message).toBe(
      "platform tag 'android_24_arm64_v8a' is for aarch64, not x86_64",
    );
    expect(policyError(() => loadPolicySet('android', 'x86_64', { androidTag: 'android_24_mips' })).message).toContain(
      "unknown Android ABI 'mips'",
    );
    const err = policyError(() => loadPolicySet('android', 'i686', { androidTag: 'android_24_x86' }));
    expect(err.code).toBe('POLICY_NOT_FOUND');
    expect(err.message).toBe('no Android policy supports i686 (Android policies cover x86_64, aarch64)');
    expect(policyError(() => loadPolicySet('android', 'x86_64', { musl: 'musllinux_1_2' })).code).toBe(
      'POLICY_NOT_FOUND',
    );
  });
});

describe('loadPolicyEntries', () => {
  it('reads each file once and validates it (PEP 600 included)', () => {
    for (const libc of LIBCS) {
      const entries = loadPolicyEntries(libc);
      expect(loadPolicyEntries(libc)).toBe(entries);
      expect(entries.at(-1)?.name).toBe('linux');
    }
  });
});

describe('knownPlatformTags', () => {
  const tags = knownPlatformTags();
  const names = (libc: string, arch: BaseArch): string[] =>
    tags.filter((t) => t.libc === libc && t.arch === arch).map((t) => t.name);

  it('lists the 16 manylinux tags of x86_64, oldest first, with the three legacy aliases', () => {
    expect(names('glibc', 'x86_64')).toEqual(MANYLINUX_X86_64.map((n) => `${n}_x86_64`));
    const aliases = tags.filter((t) => t.libc === 'glibc' && t.arch === 'x86_64').flatMap((t) => t.aliases);
    expect(aliases).toEqual(['manylinux1_x86_64', 'manylinux2010_x86_64', 'manylinux2014_x86_64']);
  });

  it('covers every arch, with ppc64 only at 2_17, riscv64 from 2_31 and loongarch64 from 2_36', () => {
    for (const arch of BASE_ARCHES) expect(names('glibc', arch).length, arch).toBeGreaterThan(0);
    expect(names('glibc', 'ppc64')).toEqual(['manylinux_2_17_ppc64']);
    expect(tags.find((t) => t.name === 'manylinux_2_17_ppc64')?.aliases).toEqual(['manylinux2014_ppc64']);
    expect(names('glibc', 'riscv64')[0]).toBe('manylinux_2_31_riscv64');
    expect(names('glibc', 'riscv64')).toHaveLength(9);
    expect(names('glibc', 'loongarch64')[0]).toBe('manylinux_2_36_loongarch64');
    expect(names('glibc', 'loongarch64')).toHaveLength(6);
    expect(names('glibc', 'aarch64')[0]).toBe('manylinux_2_17_aarch64');
    expect(names('glibc', 'i686')).toEqual(MANYLINUX_X86_64.map((n) => `${n}_i686`));
  });

  it('lists musllinux and Android tags (Android with ABI names) and never linux', () => {
    expect(tags.filter((t) => t.libc === 'musl')).toHaveLength(15);
    expect(names('musl', 'loongarch64')).toEqual(['musllinux_1_2_loongarch64']);
    expect(names('musl', 'ppc64')).toEqual([]);
    expect(names('musl', 'x86_64')).toEqual(['musllinux_1_1_x86_64', 'musllinux_1_2_x86_64']);
    expect(names('android', 'aarch64')).toEqual([
      'android_21_arm64_v8a',
      'android_24_arm64_v8a',
      'android_26_arm64_v8a',
      'android_27_arm64_v8a',
    ]);
    expect(names('android', 'x86_64')).toHaveLength(4);
    expect(tags.filter((t) => t.libc === 'android')).toHaveLength(8);
    expect(tags.some((t) => t.name.startsWith('linux'))).toBe(false);
  });

  it('is grouped by libc then arch, and every tag parses and loads with its priority', () => {
    const order = tags.map((t) => `${LIBCS.indexOf(t.libc)}:${BASE_ARCHES.indexOf(t.arch)}`);
    const groups = order.filter((g, i) => g !== order[i - 1]);
    expect(new Set(groups).size).toBe(groups.length);
    expect(groups).toEqual([...groups].sort());
    for (const t of tags) {
      expect(parsePlatformTag(t.name).libc, t.name).toBe(t.libc);
      const set =
        t.libc === 'glibc'
          ? loadPolicySet('glibc', t.arch)
          : t.libc === 'musl'
            ? loadPolicySet('musl', t.arch, { musl: parsePlatformTag(t.name).base })
            : loadPolicySet('android', t.arch, { androidTag: t.name });
      expect(set.get(t.name).priority, t.name).toBe(t.priority);
      for (const a of t.aliases) expect(set.get(a).name).toBe(t.name);
    }
  });
});

describe('isKnownPlatformTag', () => {
  it('accepts every tag and alias a policy defines', () => {
    for (const t of knownPlatformTags()) {
      expect(isKnownPlatformTag(t.name), t.name).toBe(true);
      for (const a of t.aliases) expect(isKnownPlatformTag(a), a).toBe(true);
    }
  });

  it.each([
    ['android_21_x86_64', true],
    ['android_25_arm64_v8a', true],
    ['android_99_x86_64', true],
    ['android_20_x86_64', false],
    ['android_24_aarch64', false],
    ['android_24_armeabi_v7a', false],
    ['android_24_x86', false],
    ['manylinux_2_28_x86_64', true],
    ['manylinux_2_17_sparc', false],
    ['manylinux_02_17_x86_64', false],
    ['manylinux2015_x86_64', false],
    ['musllinux_1_3_x86_64', false],
    ['musllinux_1_2_ppc64', false],
    ['linux_x86_64', false],
    ['MANYLINUX2014_X86_64', false],
    ['auto', false],
  ])('%s -> %s', (tag, known) => {
    expect(isKnownPlatformTag(tag)).toBe(known);
  });
});
