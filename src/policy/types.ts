// The policy data model: what a platform tag (manylinux_2_17_x86_64, musllinux_1_2_aarch64,
// android_24_arm64_v8a, linux_x86_64) allows an ELF file in a wheel to depend on.
// Pure types and constants; loading and validation live in load.ts and schema.ts.

/** The C library a policy targets: glibc (manylinux), musl (musllinux) or Android's bionic. */
export type Libc = 'glibc' | 'musl' | 'android';

export const LIBCS = ['glibc', 'musl', 'android'] as const satisfies readonly Libc[];

/** The baseline architectures a policy can name, in the order used for listings. */
export const BASE_ARCHES = [
  'x86_64',
  'i686',
  'aarch64',
  'armv7l',
  'ppc64le',
  'ppc64',
  's390x',
  'riscv64',
  'loongarch64',
] as const;

/** A baseline architecture as policies name it (`x86_64`, `aarch64`, ...). */
export type BaseArch = (typeof BASE_ARCHES)[number];

/** True when `s` is one of {@link BASE_ARCHES}. */
export function isBaseArch(s: string): s is BaseArch {
  return (BASE_ARCHES as readonly string[]).includes(s);
}

/** One policy, already narrowed to one architecture. */
export interface Policy {
  /**
   * Full platform tag: 'manylinux_2_17_x86_64', 'linux_x86_64', 'musllinux_1_2_aarch64'.
   * For Android it is the wheel's own tag, e.g. 'android_25_arm64_v8a', even when the facts
   * come from an older API level's entry (here android_24).
   */
  readonly name: string;
  /**
   * `name` without its architecture suffix: 'manylinux_2_17', 'linux', 'musllinux_1_2'.
   * For Android the wheel's own level: 'android_25' for the example above.
   */
  readonly baseName: string;
  /** Full alias tags, e.g. ['manylinux2014_x86_64']. */
  readonly aliases: readonly string[];
  /** Higher means older and more compatible; `linux` is 0. */
  readonly priority: number;
  readonly libc: Libc;
  readonly arch: BaseArch;
  /**
   * Version-definition prefix -> the allowed full version names, e.g.
   * 'GLIBC' -> {'GLIBC_2.2.5', 'GLIBC_2.3', ...}. A prefix present with an empty set is still
   * "known": references to it are judged (and all fail) rather than ignored.
   */
  readonly symbolVersions: ReadonlyMap<string, ReadonlySet<string>>;
  /** Sonames the platform guarantees; an ELF may need these without bundling them. */
  readonly libraryWhitelist: ReadonlySet<string>;
  /** soname -> symbols an ELF must not reference from it (undefined, non-weak). */
  readonly blacklist: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Whitelisted soname -> the libraries it is guaranteed to bring on every target of this
   * policy (policies/companions.json). Only these are never grafted when it is loaded.
   */
  readonly companions: ReadonlyMap<string, Companion>;
}

/** A rule of policies/companions.json: `library` always loads `brings`, under those sonames. */
export interface Companion {
  /** The whitelisted library: 'libGL.so.1'. */
  readonly library: string;
  readonly libc: Libc;
  /** What it loads itself on every target: ['libGLX.so.0', 'libGLdispatch.so.0']. */
  readonly brings: readonly string[];
  /** Short name for messages: 'GLVND'. */
  readonly label: string;
  /** Why the guarantee holds, for the documentation and verbose output. */
  readonly reason: string;
}

/** The policies that apply to one (libc, arch), as the analyzer sees them. */
export interface PolicySet {
  readonly libc: Libc;
  readonly arch: BaseArch;
  /** Ascending priority: [0] is `linux`, the last one is `highest`. */
  readonly policies: readonly Policy[];
  readonly linux: Policy;
  /** Highest priority, the oldest and most compatible tag (e.g. manylinux_2_5_x86_64). */
  readonly highest: Policy;
  /** Lowest non-linux priority, the newest tag (e.g. manylinux_2_41_x86_64). */
  readonly lowest: Policy;
  /** The policy whose name or one of whose aliases is `nameOrAlias` (full tags). */
  find(nameOrAlias: string): Policy | undefined;
  /** Like {@link find}, but throws PolicyError POLICY_NOT_FOUND when nothing matches. */
  get(nameOrAlias: string): Policy;
}

/**
 * One entry of a policy file after the per-entry deltas have been added up: the full facts
 * for every arch the entry supports. This is what the PEP 600 check and the per-arch
 * narrowing work on.
 */
export interface PolicyEntry {
  /** Base name without arch: 'manylinux_2_17', 'linux'. */
  readonly name: string;
  /** Base aliases without arch: ['manylinux2014']. */
  readonly aliases: readonly string[];
  readonly priority: number;
  readonly arches: readonly BaseArch[];
  /** arch -> prefix -> full version names. Has a key for every arch in `arches`. */
  readonly symbolVersions: ReadonlyMap<BaseArch, ReadonlyMap<string, ReadonlySet<string>>>;
  readonly libraryWhitelist: ReadonlySet<string>;
  readonly blacklist: ReadonlyMap<string, ReadonlySet<string>>;
}
