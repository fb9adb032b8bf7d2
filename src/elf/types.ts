// The parsed view of an ELF file. Raw fields keep the gABI names (p_offset, d_tag, vna_name);
// derived fields are camelCase. Addr/Off/Xword fields are bigint in both classes (ELF32
// values are widened), so one type serves ELF32 and ELF64.

/** The decoded `e_ident` bytes: class, byte order, version and OS ABI. */
export interface ElfIdent {
  /** 32 or 64, from EI_CLASS. */
  readonly elfClass: 32 | 64;
  readonly littleEndian: boolean;
  readonly ei_osabi: number;
  readonly ei_abiversion: number;
}

/** The ELF file header (`Elf64_Ehdr`), 32-bit values widened. */
export interface ElfHeader {
  readonly e_type: number;
  readonly e_machine: number;
  readonly e_version: number;
  readonly e_entry: bigint;
  readonly e_phoff: bigint;
  readonly e_shoff: bigint;
  readonly e_flags: number;
  readonly e_ehsize: number;
  readonly e_phentsize: number;
  /** The real count, after PN_XNUM extended numbering. */
  readonly e_phnum: number;
  readonly e_shentsize: number;
  /** The real count, after extended numbering (shdr[0].sh_size). */
  readonly e_shnum: number;
  /** The real index, after SHN_XINDEX (shdr[0].sh_link). */
  readonly e_shstrndx: number;
}

/** One program header (`Elf64_Phdr`). */
export interface ProgramHeader {
  readonly index: number;
  readonly p_type: number;
  readonly p_flags: number;
  readonly p_offset: bigint;
  readonly p_vaddr: bigint;
  readonly p_paddr: bigint;
  readonly p_filesz: bigint;
  readonly p_memsz: bigint;
  readonly p_align: bigint;
}

/** One section header (`Elf64_Shdr`) with its name. */
export interface SectionHeader {
  readonly index: number;
  readonly sh_name: number;
  /** Name from the section-name string table; '' when it cannot be read. */
  readonly name: string;
  readonly sh_type: number;
  readonly sh_flags: bigint;
  readonly sh_addr: bigint;
  readonly sh_offset: bigint;
  readonly sh_size: bigint;
  readonly sh_link: number;
  readonly sh_info: number;
  readonly sh_addralign: bigint;
  readonly sh_entsize: bigint;
}

/** One entry of the dynamic array (`Elf64_Dyn`). */
export interface DynamicEntry {
  /** Slot number in the dynamic array. */
  readonly index: number;
  readonly d_tag: bigint;
  readonly d_val: bigint;
}

/** The dynamic section decoded: its entries and the values the analysis reads from them. */
export interface DynamicInfo {
  /** File offset and size of the PT_DYNAMIC array. */
  readonly offset: number;
  readonly size: number;
  readonly vaddr: bigint;
  /** Slots the segment has room for (p_filesz / entry size). */
  readonly capacity: number;
  /** Entries before the first DT_NULL (the live ones). */
  readonly entries: readonly DynamicEntry[];
  /** Slot of the first DT_NULL, or -1 when the array has none. */
  readonly nullIndex: number;
  /** File offset and size of the dynamic string table (DT_STRTAB / DT_STRSZ). */
  readonly strtabOffset: number;
  readonly strtabSize: number;
  readonly strtabAddr: bigint;
  readonly needed: readonly string[];
  readonly soname: string | undefined;
  /** Raw DT_RPATH / DT_RUNPATH strings (colon-separated); undefined when absent. */
  readonly rpath: string | undefined;
  readonly runpath: string | undefined;
  readonly flags: number | undefined;
  readonly flags1: number | undefined;
}

/** One symbol of the dynamic symbol table (`Elf64_Sym`) with its name. */
export interface ElfSymbol {
  readonly index: number;
  readonly st_name: number;
  readonly name: string;
  readonly st_value: bigint;
  readonly st_size: bigint;
  readonly st_info: number;
  readonly st_other: number;
  readonly st_shndx: number;
  /** STB_* from st_info. */
  readonly bind: number;
  /** STT_* from st_info. */
  readonly type: number;
  /** STV_* from st_other. */
  readonly visibility: number;
}

/** One version required from a library (`Elf64_Vernaux`). */
export interface Vernaux {
  readonly offset: number;
  readonly vna_hash: number;
  readonly vna_flags: number;
  readonly vna_other: number;
  readonly vna_name: number;
  readonly name: string;
}

/** The versions required from one library (`Elf64_Verneed`). */
export interface Verneed {
  readonly offset: number;
  readonly vn_version: number;
  readonly vn_cnt: number;
  readonly vn_file: number;
  readonly vn_aux: number;
  readonly vn_next: number;
  /** The library name vn_file points at. */
  readonly file: string;
  readonly aux: readonly Vernaux[];
}

/** One version name of a version definition (`Elf64_Verdaux`). */
export interface Verdaux {
  readonly offset: number;
  readonly vda_name: number;
  readonly name: string;
}

/** One version definition (`Elf64_Verdef`): a version this file provides. */
export interface Verdef {
  readonly offset: number;
  readonly vd_version: number;
  readonly vd_flags: number;
  readonly vd_ndx: number;
  readonly vd_cnt: number;
  readonly vd_hash: number;
  readonly aux: readonly Verdaux[];
}

/** A symbol's version as the loader sees it (from .gnu.version plus verdef/verneed). */
export interface SymbolVersion {
  /** The versym value with the hidden bit cleared. 0 = local, 1 = global (unversioned). */
  readonly index: number;
  readonly hidden: boolean;
  /** Version name (e.g. GLIBC_2.17) for index >= 2, when it resolves. */
  readonly name: string | undefined;
  /** For a needed version: the library (vn_file) that must provide it. */
  readonly file: string | undefined;
}

/** One note of a `PT_NOTE` segment or `SHT_NOTE` section. */
export interface ElfNote {
  readonly namesz: number;
  readonly descsz: number;
  readonly type: number;
  readonly owner: string;
  readonly desc: Uint8Array;
}

/** One property of a `.note.gnu.property` note (such as the x86 ISA level needed). */
export interface GnuProperty {
  readonly pr_type: number;
  readonly data: Uint8Array;
}

/** The kinds of recoverable oddity the reader reports. */
export type ParseWarningCode =
  | 'ELF_NO_DT_NULL'
  | 'ELF_STRING_NOT_UTF8'
  | 'ELF_STRING_OUT_OF_RANGE'
  | 'ELF_BAD_SECTION_NAMES'
  | 'ELF_BAD_NOTE'
  | 'ELF_DYNAMIC_MISMATCH';

/** A recoverable oddity: reported, never fatal (goblin's permissive mode). */
export interface ParseWarning {
  readonly code: ParseWarningCode;
  readonly message: string;
  readonly offset?: number;
}

/**
 * A parsed ELF file. The header, program headers, PT_INTERP and PT_DYNAMIC are read eagerly;
 * the rest is read on first use and memoized, so the analysis only pays for what it asks for.
 */
export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly ident: ElfIdent;
  readonly header: ElfHeader;
  readonly programHeaders: readonly ProgramHeader[];
  /** PT_INTERP contents without the trailing NUL. */
  readonly interpreter: string | undefined;
  /** The first PT_DYNAMIC; undefined for static files. */
  readonly dynamic: DynamicInfo | undefined;
  readonly warnings: readonly ParseWarning[];
  sections(): readonly SectionHeader[];
  sectionByName(name: string): SectionHeader | undefined;
  dynamicSymbols(): readonly ElfSymbol[];
  /** How many dynamic symbols there are, without decoding them. */
  dynamicSymbolCount(): number;
  /**
   * Visit the dynamic symbols without materialising them (the analysis' path). The visitor
   * gets a reused view; `name(i)` decodes symbol i's name, `nameIs(i, s)` compares it.
   */
  scanDynamicSymbols(visit: (s: { readonly index: number; readonly st_info: number; readonly st_shndx: number; readonly st_name: number }) => void): void;
  /** The name at a .dynstr offset (for scanDynamicSymbols). */
  dynamicString(offset: number): string;
  /** Whether the .dynstr string at `offset` equals `s`, without decoding it. */
  dynamicStringIs(offset: number, s: string): boolean;
  /** .gnu.version entries, one per dynamic symbol; empty when there is no DT_VERSYM. */
  symbolVersionIndexes(): readonly number[];
  symbolVersion(symbolIndex: number): SymbolVersion | undefined;
  versionNeeds(): readonly Verneed[];
  versionDefs(): readonly Verdef[];
  notes(): readonly ElfNote[];
  /** Properties of the GNU property note (NT_GNU_PROPERTY_TYPE_0), in file order. */
  gnuProperties(): readonly GnuProperty[];
  /** GNU_PROPERTY_X86_ISA_1_NEEDED bitmask, or undefined when absent (x86 files only). */
  x86IsaNeeded(): number | undefined;
  /** File offset of a virtual address range through the PT_LOAD segments, or undefined. */
  // A function property, not a method: callers pass it on as a callback, and it uses no `this`.
  readonly vaddrToOffset: (vaddr: bigint, size: number) => number | undefined;
}
