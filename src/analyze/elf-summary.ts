// Reduce a parsed ELF file to the facts the analysis needs, so the file's bytes can be
// dropped at once (flat memory on huge wheels). Everything read here comes from the dynamic
// segment, .dynsym, the version tables and the notes: never from .symtab or debug info.
import { SHN_UNDEF, STB_WEAK, STT_FUNC, STT_NOTYPE } from '../elf/constants.js';
import type { ElfFile } from '../elf/index.js';
import { elfPlatform, moduleName, type ElfPlatform } from './arch.js';

/** The facts of one ELF file that the analysis uses (platform, needed libraries, run paths, symbol versions). */
export interface ElfSummary {
  readonly platform: ElfPlatform;
  readonly interpreter: string | undefined;
  readonly hasDynamic: boolean;
  readonly needed: readonly string[];
  readonly soname: string | undefined;
  readonly rpath: string | undefined;
  readonly runpath: string | undefined;
  /** (Verneed file, version name) pairs, loader entries (ld-linux*, ld64.so.*) left out. */
  readonly versionRequirements: readonly (readonly [string, string])[];
  /** Names of undefined, non-weak dynamic symbols (what the blacklist is matched against). */
  readonly undefinedStrong: ReadonlySet<string>;
  /**
   * The undefined dynamic symbols bound to each needed version, keyed by
   * {@link versionedImportKey}(file, version): which names make a version requirement (so a
   * refusal can say `arc4random@GLIBC_2.36`). Absent when symbols were not read.
   */
  readonly versionedImports?: ReadonlyMap<string, readonly string[]>;
  /** 3 for PyInit_<mod>, 2 for init<mod> or _cffi_pypyinit_<mod>; undefined when not an extension. */
  readonly pythonExtension: 2 | 3 | undefined;
  readonly usesPyFPE: boolean;
  readonly usesUcs2: boolean;
}

/** The key of {@link ElfSummary.versionedImports}: a Verneed file and one of its version names. */
export function versionedImportKey(file: string, version: string): string {
  return `${file}\u0000${version}`;
}

export function isLoaderName(name: string): boolean {
  return name.startsWith('ld-linux') || name === 'ld64.so.2' || name === 'ld64.so.1';
}

const PYFPE = new Set(['PyFPE_jbuf', 'PyFPE_dummy', 'PyFPE_counter']);

export interface SummaryOptions {
  /**
   * Read the dynamic symbol table (blacklist, extension, PyFPE and UCS2 facts). Libraries
   * outside the wheel never need it, and it is the costliest part of a large C++ library.
   */
  readonly symbols?: boolean;
}

/** Summarise `elf`, which was read from a file named `fileName` (its basename names the module). */
export function summarizeElf(elf: ElfFile, fileName: string, options: SummaryOptions = {}): ElfSummary {
  const platform = elfPlatform(elf);
  const dyn = elf.dynamic;
  const versionRequirements: (readonly [string, string])[] = [];
  for (const need of elf.versionNeeds()) {
    // Versions the dynamic loader itself provides never constrain the platform tag.
    if (isLoaderName(need.file)) continue;
    for (const aux of need.aux) versionRequirements.push([need.file, aux.name]);
  }

  const mod = moduleName(fileName);
  const inits: readonly (readonly [string, 2 | 3])[] = [
    [`init${mod}`, 2],
    [`PyInit_${mod}`, 3],
    [`_cffi_pypyinit_${mod}`, 2],
  ];
  let pythonExtension: 2 | 3 | undefined;
  let usesPyFPE = false;
  let ucs2 = false;
  const undefinedStrong = new Set<string>();
  const versionedImports = new Map<string, string[]>();
  if (options.symbols !== false) {
    elf.scanDynamicSymbols((s) => {
      const bind = s.st_info >> 4;
      const type = s.st_info & 0xf;
      if (s.st_shndx === SHN_UNDEF) {
        // Only undefined names are decoded: they are few even in very large libraries.
        const name = elf.dynamicString(s.st_name);
        if (bind !== STB_WEAK && name !== '') undefinedStrong.add(name);
        const v = name === '' ? undefined : elf.symbolVersion(s.index);
        if (v?.file !== undefined && v.name !== undefined) {
          const key = versionedImportKey(v.file, v.name);
          const names = versionedImports.get(key);
          if (names === undefined) versionedImports.set(key, [name]);
          else names.push(name);
        }
        if (PYFPE.has(name) && (type === STT_FUNC || type === STT_NOTYPE)) usesPyFPE = true;
        if (type === STT_FUNC && name.includes('PyUnicodeUCS2_')) ucs2 = true;
      } else if (pythonExtension === undefined && type === STT_FUNC) {
        for (const [init, ver] of inits) {
          if (elf.dynamicStringIs(s.st_name, init)) {
            pythonExtension = ver;
            break;
          }
        }
      }
    });
  }
  return {
    platform,
    interpreter: elf.interpreter,
    hasDynamic: dyn !== undefined,
    needed: dyn?.needed ?? [],
    soname: dyn?.soname,
    rpath: dyn?.rpath,
    runpath: dyn?.runpath,
    versionRequirements,
    undefinedStrong,
    ...(options.symbols !== false ? { versionedImports } : {}),
    pythonExtension,
    usesPyFPE,
    usesUcs2: pythonExtension === 2 && ucs2,
  };
}
