// The grammar of platform tags: manylinux_X_Y_<arch> (PEP 600) with the legacy manylinux1,
// manylinux2010 and manylinux2014 (PEP 513, 571, 599), musllinux_X_Y_<arch> (PEP 656),
// android_<API level>_<ABI> (PEP 738), linux_<arch> and any. The only module that parses,
// validates and orders tags; which tags have policies is the policy files' business. Tags are
// case-sensitive here: callers lower-case a file name's tags first, as installers do.
import type { BaseArch, Libc } from './types.js';

/** Every architecture name a platform tag can end with, in the reference's enum order. */
export const ARCHITECTURES = [
  'aarch64',
  'arm64_v8a',
  'armv7l',
  'i686',
  'loongarch64',
  'ppc64',
  'ppc64le',
  'riscv64',
  's390x',
  'x86_64',
  'x86_64_v2',
  'x86_64_v3',
  'x86_64_v4',
] as const;

/** An architecture as a platform tag spells it, including the x86-64 microarchitecture levels (`x86_64_v3`). */
export type Architecture = (typeof ARCHITECTURES)[number];

/** The baseline architecture of each tag spelling: Apple's/Android's arm64_v8a is aarch64, x86_64_v3 is x86_64. */
const BASELINE: Readonly<Record<Architecture, BaseArch>> = {
  aarch64: 'aarch64',
  arm64_v8a: 'aarch64',
  armv7l: 'armv7l',
  i686: 'i686',
  loongarch64: 'loongarch64',
  ppc64: 'ppc64',
  ppc64le: 'ppc64le',
  riscv64: 'riscv64',
  s390x: 's390x',
  x86_64: 'x86_64',
  x86_64_v2: 'x86_64',
  x86_64_v3: 'x86_64',
  x86_64_v4: 'x86_64',
};

/** True when `s` is one of {@link ARCHITECTURES}. */
export function isArchitecture(s: string): s is Architecture {
  return (ARCHITECTURES as readonly string[]).includes(s);
}

/** The baseline architecture policies name: arm64_v8a -> aarch64, x86_64_v3 -> x86_64. */
export function baselineArch(a: Architecture): BaseArch {
  return BASELINE[a];
}

/** True when code built for `ext` runs on every machine of `arch` (x86_64 ⊂ v2 ⊂ v3 ⊂ v4). */
export function archCovers(arch: Architecture, ext: Architecture): boolean {
  if (baselineArch(arch) !== baselineArch(ext)) return false;
  return ARCHITECTURES.indexOf(ext) <= ARCHITECTURES.indexOf(arch);
}

/**
 * The architecture a tag ends with (`_<arch>`), whatever comes before: the reference reads a
 * wheel's architecture this way, so `macosx_11_0_x86_64` says x86_64 and `win_amd64` nothing.
 * No name in {@link ARCHITECTURES} ends with `_` plus another, so at most one matches.
 */
export function archSuffixOf(tag: string): Architecture | undefined {
  return ARCHITECTURES.find((a) => tag.endsWith(`_${a}`));
}

/**
 * Android ABI names, as they end an Android platform tag, mapped to the base arch. Only
 * x86_64 and arm64_v8a have policies today.
 */
export const ANDROID_ABI_ARCHES: ReadonlyMap<string, BaseArch> = new Map<string, BaseArch>([
  ['arm64_v8a', 'aarch64'],
  ['x86_64', 'x86_64'],
  ['armeabi_v7a', 'armv7l'],
  ['x86', 'i686'],
]);

/** The lowest API level an Android platform tag may name (the oldest Android policy's). */
export const MIN_ANDROID_API_LEVEL = 21;

/** The legacy manylinux names and the glibc version each stands for (PEP 513, 571, 599). */
export const LEGACY_MANYLINUX: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['manylinux1', [2, 5] as const],
  ['manylinux2010', [2, 12] as const],
  ['manylinux2014', [2, 17] as const],
]);

/** The kinds of tag, by spelling. `other` is anything else (macosx_*, win_amd64, a typo). */
export type TagFamily = 'manylinux' | 'musllinux' | 'android' | 'linux' | 'any' | 'other';

/** The family whose tags target each libc. */
export const LIBC_FAMILY: Readonly<Record<Libc, 'manylinux' | 'musllinux' | 'android'>> = {
  glibc: 'manylinux',
  musl: 'musllinux',
  android: 'android',
};

/** How a policy name of each libc is spelt, for messages. */
export const POLICY_NAME_FORMS: Readonly<Record<Libc, string>> = {
  glibc: 'manylinux_<glibc major>_<minor>',
  musl: 'musllinux_<musl major>_<minor>',
  android: 'android_<API level>',
};

/** A policy name read by its spelling: a platform tag without its architecture. */
export interface PolicyBase {
  /** As written: 'manylinux_2_17', 'manylinux2014', 'musllinux_1_2', 'android_24'. */
  readonly name: string;
  readonly libc: Libc;
  /** manylinux1/2010/2014 and any other `manylinux<digits>` (which has no known version). */
  readonly legacy: boolean;
  /** The C library version the name allows: [2, 17]; undefined for Android and unknown legacy names. */
  readonly libcVersion: readonly [number, number] | undefined;
  /** Android only: the API level. */
  readonly apiLevel: number | undefined;
}

// Digits are read as written: 'manylinux_02_17' parses (version [2, 17]) but is not the name
// 'manylinux_2_17', so no policy is found under it. Numbers keep their full spelling in `name`.
const MODERN_BASE_RE = /^(manylinux|musllinux)_(\d+)_(\d+)$/;
const LEGACY_BASE_RE = /^manylinux\d+$/;
const ANDROID_BASE_RE = /^android_(\d+)$/;

/**
 * Read a policy name ('manylinux_2_17', 'manylinux2014', 'musllinux_1_2', 'android_24').
 * Returns undefined for anything else, including 'linux' (which names no libc).
 */
export function parsePolicyBase(name: string): PolicyBase | undefined {
  const modern = MODERN_BASE_RE.exec(name);
  if (modern !== null) {
    const libc: Libc = modern[1] === 'manylinux' ? 'glibc' : 'musl';
    return { name, libc, legacy: false, libcVersion: [Number(modern[2]), Number(modern[3])], apiLevel: undefined };
  }
  if (LEGACY_BASE_RE.test(name)) {
    return { name, libc: 'glibc', legacy: true, libcVersion: LEGACY_MANYLINUX.get(name), apiLevel: undefined };
  }
  const android = ANDROID_BASE_RE.exec(name);
  if (android !== null) return { name, libc: 'android', legacy: false, libcVersion: undefined, apiLevel: Number(android[1]) };
  return undefined;
}

/** A platform tag read by its spelling. */
export interface PlatformTag {
  readonly tag: string;
  readonly family: TagFamily;
  /** The libc the family targets (undefined for linux, any and other tags). */
  readonly libc: Libc | undefined;
  /**
   * The tag without its architecture: 'manylinux_2_17', 'manylinux2014', 'android_24',
   * 'linux'; for an `other` tag the tag minus a known architecture suffix, else the whole tag.
   */
  readonly base: string;
  /** What follows the base, as written: 'x86_64', 'arm64_v8a', 'armeabi_v7a', 'sparc'. */
  readonly archSuffix: string | undefined;
  /** The known architecture the tag ends with ({@link archSuffixOf}), whatever its family. */
  readonly arch: Architecture | undefined;
  /** The baseline architecture: from the ABI name for Android, else from `arch`. */
  readonly baseArch: BaseArch | undefined;
  /** The policy name's reading, for manylinux, musllinux and android tags. */
  readonly policy: PolicyBase | undefined;
}

// A policy tag: a policy name, '_', and a lower-case architecture or ABI name.
const POLICY_TAG_RE = /^(manylinux(?:_\d+_\d+|\d+)|musllinux_\d+_\d+|android_\d+)_([a-z][a-z0-9_]*)$/;

/** Parse one platform tag (never throws: what is not a Linux tag is family `other`). */
export function parsePlatformTag(tag: string): PlatformTag {
  const arch = archSuffixOf(tag);
  const m = POLICY_TAG_RE.exec(tag);
  const policy = m?.[1] === undefined ? undefined : parsePolicyBase(m[1]);
  if (m?.[1] !== undefined && m[2] !== undefined && policy !== undefined) {
    const baseArch = policy.libc === 'android' ? ANDROID_ABI_ARCHES.get(m[2]) : arch === undefined ? undefined : baselineArch(arch);
    return { tag, family: LIBC_FAMILY[policy.libc], libc: policy.libc, base: m[1], archSuffix: m[2], arch, baseArch, policy };
  }
  const base = arch === undefined ? tag : tag.slice(0, -(arch.length + 1));
  const family: TagFamily = tag === 'any' ? 'any' : tag.startsWith('linux_') && arch !== undefined ? 'linux' : 'other';
  return { tag, family, libc: undefined, base, archSuffix: arch, arch, baseArch: arch === undefined ? undefined : baselineArch(arch), policy: undefined };
}

/**
 * The libc a tag's prefix names: 'manylinux…' is glibc, 'musllinux…' musl, 'android…'
 * Android, even when the rest is misspelt. The reference reads a file name's libc this way.
 */
export function libcOfTagPrefix(tag: string): Libc | undefined {
  for (const libc of ['glibc', 'musl', 'android'] as const) if (tag.startsWith(LIBC_FAMILY[libc])) return libc;
  return undefined;
}

/** The API level of an Android tag ('android_24_arm64_v8a' -> 24), else undefined. */
export function androidApiLevel(tag: string): number | undefined {
  return parsePlatformTag(tag).policy?.apiLevel;
}

/** The suffix a tag uses for a base arch: the Android ABI name for Android, else the arch. */
export function tagArchSuffix(libc: Libc, arch: BaseArch): string {
  if (libc === 'android') {
    for (const [abi, base] of ANDROID_ABI_ARCHES) if (base === arch) return abi;
  }
  return arch;
}

/** The full tag of a policy name for one arch: ('manylinux_2_17', glibc, x86_64) -> 'manylinux_2_17_x86_64'. */
export function platformTagName(base: string, libc: Libc, arch: BaseArch): string {
  return `${base}_${tagArchSuffix(libc, arch)}`;
}

/**
 * Oldest first: by C library version, then API level; tags without either keep their order
 * (sort is stable). musllinux_1_1 sorts before musllinux_1_2, manylinux2014 before manylinux_2_28.
 */
export function compareTagAge(a: PolicyBase, b: PolicyBase): number {
  const [amaj = 0, amin = 0] = a.libcVersion ?? [];
  const [bmaj = 0, bmin = 0] = b.libcVersion ?? [];
  return amaj - bmaj || amin - bmin || (a.apiLevel ?? 0) - (b.apiLevel ?? 0);
}

/**
 * The tags a repair's new tag replaces in the wheel (spec §2.6): none for a linux tag;
 * `linux_<arch>` for manylinux_X_Y and musllinux_X_Y tags; otherwise (legacy manylinux names,
 * Android) `linux_` plus everything after the first `_`. The reference's rule, kept as is:
 * for Android it gives the meaningless linux_24_arm64_v8a, which no wheel carries.
 */
export function linuxTagsReplacedBy(tag: string): string[] {
  if (tag.startsWith('linux')) return [];
  const t = parsePlatformTag(tag);
  if ((t.family === 'manylinux' || t.family === 'musllinux') && t.policy?.legacy === false) return [`linux_${t.archSuffix ?? ''}`];
  const underscore = tag.indexOf('_');
  return [`linux_${underscore < 0 ? '' : tag.slice(underscore + 1)}`];
}
