// What an ELF header says about its machine (e_machine, class, byte order, ARM EABI/hard-float,
// x86-64 ISA level note), and what a wheel filename says about its platforms (its tags parsed
// once by policy/tags.ts into one record). Pure functions; no host detection.
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
import { baselineArch, compareTagAge, libcOfTagPrefix, parsePlatformTag, type Architecture, type PlatformTag } from '../policy/tags.js';
import type { BaseArch, Libc } from '../policy/types.js';
import type { WheelName } from '../wheel/name.js';
import type { LogRecord } from './report.js';
import { wheelPlatforms } from '../wheel/name.js';

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

/** A platform in words for messages: its architecture ('aarch64'), else its ELF machine and class. */
export function describePlatform(p: ElfPlatform | undefined): string {
  if (p === undefined) return 'an unknown machine';
  return p.baseArch ?? `ELF machine ${p.machine} (${p.elfClass}-bit, ${p.littleEndian ? 'little' : 'big'}-endian)`;
}

/** What a wheel's file name says about its platforms: read once, then passed down. */
export interface WheelPlatforms {
  /** The name's platform tags, lower-cased, de-duplicated and sorted (spec §3.1), each parsed. */
  readonly tags: readonly PlatformTag[];
  /** The one baseline architecture the tags end with (the reference's reading), if exactly one. */
  readonly arch: BaseArch | undefined;
  /** The one libc the tags' prefixes name, if exactly one. */
  readonly libc: Libc | undefined;
  /** Every tag is `any`. */
  readonly pure: boolean;
  /** The oldest musllinux policy name the tags claim ('musllinux_1_1'): the one the wheel is judged by. */
  readonly muslPolicy: string | undefined;
  /** What could not be read, logged as the reference logs it. */
  readonly logs: readonly LogRecord[];
}

/** Parse a wheel name's platform tags once into the record the analysis passes down. */
export function readWheelPlatforms(name: WheelName): WheelPlatforms {
  const tags = wheelPlatforms(name).map(parsePlatformTag);
  const a = archOfTags(tags);
  const libc = libcOfTags(tags);
  const logs: LogRecord[] = a.unguessable.map((p) => ({ level: 'warning', message: `couldn't guess architecture for platform tag '${p}'` }));
  if (a.arch === undefined) logs.push({ level: 'warning', message: 'The architecture could not be deduced from the wheel filename' });
  if (libc === undefined) logs.push({ level: 'debug', message: 'The libc could not be deduced from the wheel filename' });
  return { tags, arch: a.arch, libc, pure: a.pure, muslPolicy: oldestMuslPolicy(tags), logs };
}

/**
 * The single baseline architecture the tags end with. `any` says nothing; a tag without a
 * known architecture, or two architectures, leave it undefined (the reference refuses to guess).
 */
function archOfTags(tags: readonly PlatformTag[]): { arch: BaseArch | undefined; pure: boolean; unguessable: string[] } {
  const found = new Set<BaseArch>();
  const unguessable: string[] = [];
  let missed = false;
  for (const t of tags) {
    if (t.family === 'any') missed = true;
    else if (t.arch === undefined) {
      unguessable.push(t.tag);
      missed = true;
    } else found.add(baselineArch(t.arch));
  }
  const [only] = [...found];
  return { arch: missed || found.size !== 1 ? undefined : only, pure: found.size === 0 && unguessable.length === 0, unguessable };
}

/** The single libc the tags' prefixes name (the reference reads prefixes only). */
function libcOfTags(tags: readonly PlatformTag[]): Libc | undefined {
  const found = new Set<Libc>();
  for (const t of tags) {
    const l = libcOfTagPrefix(t.tag);
    if (l !== undefined) found.add(l);
  }
  const [only] = [...found];
  return found.size === 1 ? only : undefined;
}

/** The oldest (strictest) musllinux policy name among the tags. */
function oldestMuslPolicy(tags: readonly PlatformTag[]): string | undefined {
  const musl = tags.flatMap((t) => (t.family === 'musllinux' && t.policy !== undefined ? [t.policy] : []));
  return musl.sort(compareTagAge)[0]?.name;
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
