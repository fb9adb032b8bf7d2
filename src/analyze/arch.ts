// Architectures and libcs: the wheel platform vocabulary (PEP 600/656/738 tags), what an ELF
// header says about its machine (e_machine, class, byte order, ARM EABI/hard-float, x86-64
// ISA level note), and what a wheel filename says. Pure functions; no host detection.
import {
  EF_ARM_ABI_FLOAT_HARD,
  EF_ARM_EABI_VER5,
  EF_ARM_EABIMASK,
  EM_386,
  EM_AARCH64,
  EM_ARM,
  EM_LOONGARCH,
  EM_PPC64,
  EM_RISCV,
  EM_S390,
  EM_X86_64,
  GNU_PROPERTY_X86_ISA_1_V2,
  GNU_PROPERTY_X86_ISA_1_V3,
  GNU_PROPERTY_X86_ISA_1_V4,
} from '../elf/constants.js';
import type { ElfFile } from '../elf/index.js';
import type { BaseArch, Libc } from '../policy/types.js';
import type { WheelName } from '../wheel/name.js';
import { wheelPlatforms } from '../wheel/name.js';

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

export function baselineArch(a: Architecture): BaseArch {
  if (a.startsWith('arm64')) return 'aarch64';
  if (a.startsWith('x86_64')) return 'x86_64';
  return a as BaseArch;
}

/** True when code built for `ext` runs on every machine of `arch` (x86_64 ⊂ v2 ⊂ v3 ⊂ v4). */
export function archCovers(arch: Architecture, ext: Architecture): boolean {
  if (baselineArch(arch) !== baselineArch(ext)) return false;
  return ARCHITECTURES.indexOf(ext) <= ARCHITECTURES.indexOf(arch);
}

/** What an ELF header says about the machine it runs on (auditwheel's "Platform"). */
export interface ElfPlatform {
  readonly osabi: number;
  readonly elfClass: 32 | 64;
  readonly littleEndian: boolean;
  readonly machine: number;
  /** Undefined when the machine is unknown or an ARM file is not EABI5 hard-float. */
  readonly baseArch: BaseArch | undefined;
  /** x86_64_v2/v3/v4 from the GNU property note; undefined for baseline code. */
  readonly extArch: Architecture | undefined;
  readonly error: string | undefined;
}

const MACHINE_ARCH: readonly (readonly [number, 32 | 64, boolean, BaseArch])[] = [
  [EM_386, 32, true, 'i686'],
  [EM_X86_64, 64, true, 'x86_64'],
  [EM_PPC64, 64, true, 'ppc64le'],
  [EM_PPC64, 64, false, 'ppc64'],
  [EM_RISCV, 64, true, 'riscv64'],
  [EM_AARCH64, 64, true, 'aarch64'],
  [EM_S390, 64, false, 's390x'],
  [EM_ARM, 32, true, 'armv7l'],
  [EM_LOONGARCH, 64, true, 'loongarch64'],
];

export function elfPlatform(elf: ElfFile): ElfPlatform {
  const cls = elf.ident.elfClass;
  const le = elf.ident.littleEndian;
  const machine = elf.header.e_machine;
  let baseArch = MACHINE_ARCH.find(([m, c, l]) => m === machine && c === cls && l === le)?.[3];
  let extArch: Architecture | undefined;
  let error: string | undefined;
  if (baseArch === undefined) {
    error = 'Unknown architecture';
  } else if (baseArch === 'x86_64') {
    const needed = elf.x86IsaNeeded();
    if (needed !== undefined) {
      const bits = needed & ~1;
      if (bits & GNU_PROPERTY_X86_ISA_1_V4) extArch = 'x86_64_v4';
      else if (bits & GNU_PROPERTY_X86_ISA_1_V3) extArch = 'x86_64_v3';
      else if (bits & GNU_PROPERTY_X86_ISA_1_V2) extArch = 'x86_64_v2';
      else if (bits !== 0) error = 'unknown x86_64 ISA';
    }
  } else if (baseArch === 'armv7l') {
    const flags = elf.header.e_flags;
    if ((flags & EF_ARM_EABIMASK) >>> 0 !== EF_ARM_EABI_VER5) error = 'Invalid ARM EABI version for armv7l';
    else if ((flags & EF_ARM_ABI_FLOAT_HARD) !== EF_ARM_ABI_FLOAT_HARD) error = 'armv7l shall use hard-float';
    if (error !== undefined) baseArch = undefined;
  }
  return { osabi: elf.ident.ei_osabi, elfClass: cls, littleEndian: le, machine, baseArch, extArch, error };
}

/** Can a library with platform `lib` be loaded into a process of platform `p`? (ld.so's view) */
export function platformsCompatible(p: ElfPlatform, lib: ElfPlatform): boolean {
  // ELFOSABI_NONE/SYSV (0) and GNU/LINUX (3) interoperate; anything else must match exactly.
  const compatibleOsabi = p.osabi === lib.osabi || ((p.osabi === 0 || p.osabi === 3) && (lib.osabi === 0 || lib.osabi === 3));
  return compatibleOsabi && p.elfClass === lib.elfClass && p.littleEndian === lib.littleEndian && p.machine === lib.machine;
}

/** The result of reading the architecture from a wheel's filename. */
export type FilenameArch =
  | { readonly kind: 'arch'; readonly arch: BaseArch }
  | { readonly kind: 'pure' }
  | { readonly kind: 'error'; readonly message: string; readonly unguessable: readonly string[] };

export function archFromWheelName(name: WheelName): FilenameArch {
  const found = new Set<BaseArch>();
  const unguessable: string[] = [];
  let missed = false;
  let pure = true;
  for (const platform of wheelPlatforms(name)) {
    const isAny = platform === 'any';
    pure &&= isAny;
    missed ||= isAny;
    if (isAny) continue;
    let hit = false;
    for (const a of ARCHITECTURES) {
      if (platform.endsWith(`_${a}`)) {
        found.add(baselineArch(a));
        hit = true;
      }
    }
    if (!hit) {
      unguessable.push(platform);
      missed = true;
    }
  }
  if (found.size === 0) {
    return pure ? { kind: 'pure' } : { kind: 'error', message: 'unknown architecture', unguessable };
  }
  if (missed || found.size > 1) {
    const message =
      found.size === 1
        ? 'wheels with multiple architectures are not supported'
        : `wheels with multiple architectures are not supported, got {${[...found].sort().join(', ')}}`;
    return { kind: 'error', message, unguessable };
  }
  const [arch] = [...found] as [BaseArch];
  return { kind: 'arch', arch };
}

const LIBC_PREFIXES: readonly (readonly [string, Libc])[] = [
  ['manylinux', 'glibc'],
  ['musllinux', 'musl'],
  ['android', 'android'],
];

export function libcOfPlatformTag(tag: string): Libc | undefined {
  return LIBC_PREFIXES.find(([p]) => tag.startsWith(p))?.[1];
}

export type FilenameLibc = { readonly kind: 'libc'; readonly libc: Libc } | { readonly kind: 'error'; readonly message: string };

export function libcFromWheelName(name: WheelName): FilenameLibc {
  const found = new Set<Libc>();
  for (const platform of wheelPlatforms(name)) {
    const l = libcOfPlatformTag(platform);
    if (l !== undefined) found.add(l);
  }
  if (found.size === 0) return { kind: 'error', message: 'unknown libc used' };
  if (found.size > 1) return { kind: 'error', message: `wheels with multiple libc are not supported, got {${[...found].sort().join(', ')}}` };
  const [libc] = [...found] as [Libc];
  return { kind: 'libc', libc };
}

/** Split `--plat` into its base and architecture: manylinux_2_17_x86_64 -> manylinux_2_17 + x86_64. */
export function splitPlatformTag(plat: string): { base: string; arch: Architecture | undefined } {
  for (const a of ARCHITECTURES) {
    if (plat.endsWith(`_${a}`)) return { base: plat.slice(0, -(a.length + 1)), arch: a };
  }
  return { base: plat, arch: undefined };
}

/** The module name an extension file must export an init function for: `_ext.cpython-311-x86_64-linux-gnu.so` -> `_ext`. */
export function moduleName(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/** The libc implied by an extension's filename suffix, when its contents say nothing (spec §3.3 step 3). */
export function libcFromExtensionName(fileName: string): Libc | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  if (base.endsWith('-arm-linux-musleabihf.so') || base.endsWith('-linux-musl.so')) return 'musl';
  if (base.endsWith('-arm-linux-gnueabihf.so') || base.endsWith('-linux-gnu.so')) {
    // Before CPython 3.11 musl builds were also called -linux-gnu, so only 3.11+ counts.
    const stem = base.slice(0, -3);
    const soabi = (stem.split('.').pop() ?? '').split('-');
    const ver = soabi[1] ?? '';
    if (soabi[0] === 'cpython' && /^3(1[1-9]|[2-9]\d)/.test(ver)) return 'glibc';
  }
  return undefined;
}
