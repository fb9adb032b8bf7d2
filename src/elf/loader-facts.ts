// What the rewriter and its self-check both need to know about the loader: which dynamic tags
// hold addresses of tables that may move, which never hold an address, and the largest page
// size each machine's kernels use (design §2 rule 3, §3 D.5).
import {
  DT_ANDROID_REL,
  DT_ANDROID_RELA,
  DT_BIND_NOW,
  DT_FINI_ARRAYSZ,
  DT_FLAGS,
  DT_FLAGS_1,
  DT_GNU_HASH,
  DT_HASH,
  DT_INIT_ARRAYSZ,
  DT_JMPREL,
  DT_NEEDED,
  DT_PLTREL,
  DT_PLTRELSZ,
  DT_PREINIT_ARRAYSZ,
  DT_REL,
  DT_RELA,
  DT_RELACOUNT,
  DT_RELAENT,
  DT_RELASZ,
  DT_RELCOUNT,
  DT_RELENT,
  DT_RELR,
  DT_RELRENT,
  DT_RELRSZ,
  DT_RELSZ,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMBOLIC,
  DT_SYMENT,
  DT_SYMTAB,
  DT_TEXTREL,
  DT_VERDEF,
  DT_VERDEFNUM,
  DT_VERNEED,
  DT_VERNEEDNUM,
  DT_VERSYM,
  EM_AARCH64,
  EM_LOONGARCH,
  EM_MIPS,
  EM_PPC,
  EM_PPC64,
} from './constants.js';

/** Largest page size kernels of each machine use (design §2, page-size table). */
export function machinePageSize(e_machine: number): number {
  switch (e_machine) {
    case EM_AARCH64:
    case EM_PPC64:
    case EM_PPC:
    case EM_LOONGARCH:
    case EM_MIPS:
      return 0x10000;
    default:
      return 0x1000;
  }
}

/** Dynamic tags holding addresses of tables we may move; everything else is left alone. */
export const POINTER_TAGS: ReadonlySet<bigint> = new Set([
  DT_HASH,
  DT_STRTAB,
  DT_SYMTAB,
  DT_RELA,
  DT_REL,
  DT_JMPREL,
  DT_RELR,
  DT_GNU_HASH,
  DT_VERSYM,
  DT_VERDEF,
  DT_VERNEED,
  DT_ANDROID_REL,
  DT_ANDROID_RELA,
]);

/** Tags whose value is a size, a count, a string offset or flags: never an address. */
const NON_ADDRESS_TAGS: ReadonlySet<bigint> = new Set([
  DT_NEEDED,
  DT_PLTRELSZ,
  DT_RELASZ,
  DT_RELAENT,
  DT_STRSZ,
  DT_SYMENT,
  DT_SONAME,
  DT_RPATH,
  DT_SYMBOLIC,
  DT_RELSZ,
  DT_RELENT,
  DT_PLTREL,
  DT_TEXTREL,
  DT_BIND_NOW,
  DT_INIT_ARRAYSZ,
  DT_FINI_ARRAYSZ,
  DT_RUNPATH,
  DT_FLAGS,
  DT_PREINIT_ARRAYSZ,
  DT_RELRSZ,
  DT_RELRENT,
  DT_RELACOUNT,
  DT_RELCOUNT,
  DT_FLAGS_1,
  DT_VERDEFNUM,
  DT_VERNEEDNUM,
]);

/**
 * DT_INIT/DT_FINI, the *_ARRAY tags, DT_PLTGOT, DT_DEBUG... and processor/OS specific
 * pointers: every tag we do not know to be a size, count or flag is treated as an address.
 */
export function isAddressTag(tag: bigint): boolean {
  return !NON_ADDRESS_TAGS.has(tag);
}
