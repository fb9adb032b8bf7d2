// The fixed-size ELF records, each described once as a table of fields (name, kind, offset in
// ELF32 and in ELF64; gABI ch. 4 "ELF Header", "Section Header", "Symbol Table", ch. 5
// "Program Header", "Dynamic Section"; LSB "Symbol Versioning"), and the two functions that
// read and write a record against its table. The reader (headers.ts), the writers (segment-write.ts, strip.ts) and
// the fast symbol scans take offsets and sizes from here, so a layout is never spelled twice.
import type { ByteReader, ByteWriter } from '../util/bytes.js';
import {
  ELF32_DYN_SIZE,
  ELF32_EHDR_SIZE,
  ELF32_PHDR_SIZE,
  ELF32_SHDR_SIZE,
  ELF32_SYM_SIZE,
  ELF64_DYN_SIZE,
  ELF64_EHDR_SIZE,
  ELF64_PHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELF64_SYM_SIZE,
  VERDAUX_SIZE,
  VERDEF_SIZE,
  VERNAUX_SIZE,
  VERNEED_SIZE,
} from './constants.js';

/**
 * How a field is stored: `byte` (unsigned char), `half` (Elf_Half, 2 bytes), `word`
 * (Elf_Word, 4 bytes), `xword` (Elf_Addr / Elf_Off / Elf_Xword: 4 bytes in ELF32, 8 in
 * ELF64, read as bigint in both) and `sxword` (Elf_Sxword / Elf32_Sword, signed, bigint).
 */
export type FieldKind = 'byte' | 'half' | 'word' | 'xword' | 'sxword';

export interface FieldSpec {
  readonly kind: FieldKind;
  /** Byte offset in the ELF32 record. */
  readonly at32: number;
  /** Byte offset in the ELF64 record. */
  readonly at64: number;
}

export interface RecordLayout<F extends Readonly<Record<string, FieldSpec>>> {
  /** For messages: 'ELF header', 'program header'... */
  readonly what: string;
  readonly size32: number;
  readonly size64: number;
  readonly fields: F;
}

/** The decoded record: numbers for byte/half/word fields, bigints for the class-sized ones. */
export type RecordValues<F extends Readonly<Record<string, FieldSpec>>> = {
  -readonly [K in keyof F]: F[K]['kind'] extends 'xword' | 'sxword' ? bigint : number;
};

function layout<const F extends Readonly<Record<string, FieldSpec>>>(what: string, size32: number, size64: number, fields: F): RecordLayout<F> {
  return { what, size32, size64, fields };
}

/** A field maker for one kind: (offset in ELF32, offset in ELF64) -> field spec, the kind kept literal. */
function kind<K extends FieldKind>(k: K): (at32: number, at64: number) => { readonly kind: K; readonly at32: number; readonly at64: number } {
  return (at32, at64) => ({ kind: k, at32, at64 });
}
const byte = kind('byte');
const half = kind('half');
const word = kind('word');
const xword = kind('xword');
const sxword = kind('sxword');

/** Elf32_Ehdr / Elf64_Ehdr after e_ident (the 16 identification bytes are read on their own). */
export const EHDR = layout('ELF header', ELF32_EHDR_SIZE, ELF64_EHDR_SIZE, {
  e_type: half(0x10, 0x10), e_machine: half(0x12, 0x12), e_version: word(0x14, 0x14),
  e_entry: xword(0x18, 0x18), e_phoff: xword(0x1c, 0x20), e_shoff: xword(0x20, 0x28), e_flags: word(0x24, 0x30),
  e_ehsize: half(0x28, 0x34), e_phentsize: half(0x2a, 0x36), e_phnum: half(0x2c, 0x38),
  e_shentsize: half(0x2e, 0x3a), e_shnum: half(0x30, 0x3c), e_shstrndx: half(0x32, 0x3e),
});

/** Elf32_Phdr / Elf64_Phdr: p_flags is the 7th field in ELF32 and the 2nd in ELF64. */
export const PHDR = layout('program header', ELF32_PHDR_SIZE, ELF64_PHDR_SIZE, {
  p_type: word(0x00, 0x00), p_flags: word(0x18, 0x04), p_offset: xword(0x04, 0x08), p_vaddr: xword(0x08, 0x10),
  p_paddr: xword(0x0c, 0x18), p_filesz: xword(0x10, 0x20), p_memsz: xword(0x14, 0x28), p_align: xword(0x1c, 0x30),
});

/** Elf32_Shdr / Elf64_Shdr. */
export const SHDR = layout('section header', ELF32_SHDR_SIZE, ELF64_SHDR_SIZE, {
  sh_name: word(0x00, 0x00), sh_type: word(0x04, 0x04), sh_flags: xword(0x08, 0x08), sh_addr: xword(0x0c, 0x10),
  sh_offset: xword(0x10, 0x18), sh_size: xword(0x14, 0x20), sh_link: word(0x18, 0x28), sh_info: word(0x1c, 0x2c),
  sh_addralign: xword(0x20, 0x30), sh_entsize: xword(0x24, 0x38),
});

/** Elf32_Sym / Elf64_Sym: st_value and st_size come before st_info in ELF32, after st_shndx in ELF64. */
export const SYM = layout('symbol', ELF32_SYM_SIZE, ELF64_SYM_SIZE, {
  st_name: word(0x00, 0x00), st_value: xword(0x04, 0x08), st_size: xword(0x08, 0x10),
  st_info: byte(0x0c, 0x04), st_other: byte(0x0d, 0x05), st_shndx: half(0x0e, 0x06),
});

/** Elf32_Dyn / Elf64_Dyn. */
export const DYN = layout('dynamic entry', ELF32_DYN_SIZE, ELF64_DYN_SIZE, { d_tag: sxword(0x00, 0x00), d_val: xword(0x04, 0x08) });

/** Elf_Verneed (LSB "Symbol Versioning"): the same in both classes. */
export const VERNEED = layout('verneed', VERNEED_SIZE, VERNEED_SIZE, {
  vn_version: half(0x00, 0x00), vn_cnt: half(0x02, 0x02), vn_file: word(0x04, 0x04), vn_aux: word(0x08, 0x08), vn_next: word(0x0c, 0x0c),
});

/** Elf_Vernaux. */
export const VERNAUX = layout('vernaux', VERNAUX_SIZE, VERNAUX_SIZE, {
  vna_hash: word(0x00, 0x00), vna_flags: half(0x04, 0x04), vna_other: half(0x06, 0x06), vna_name: word(0x08, 0x08), vna_next: word(0x0c, 0x0c),
});

/** Elf_Verdef. */
export const VERDEF = layout('verdef', VERDEF_SIZE, VERDEF_SIZE, {
  vd_version: half(0x00, 0x00), vd_flags: half(0x02, 0x02), vd_ndx: half(0x04, 0x04), vd_cnt: half(0x06, 0x06),
  vd_hash: word(0x08, 0x08), vd_aux: word(0x0c, 0x0c), vd_next: word(0x10, 0x10),
});

/** Elf_Verdaux. */
export const VERDAUX = layout('verdaux', VERDAUX_SIZE, VERDAUX_SIZE, { vda_name: word(0x00, 0x00), vda_next: word(0x04, 0x04) });

/** Size of a record in this class. */
export function recordSize(l: RecordLayout<Readonly<Record<string, FieldSpec>>>, is64: boolean): number {
  return is64 ? l.size64 : l.size32;
}

/** Size of an Elf_Addr / Elf_Off / Elf_Xword (an `xword` field): 8 in ELF64, 4 in ELF32. */
export function addrSize(is64: boolean): 4 | 8 {
  return is64 ? 8 : 4;
}

/** Offset of a field in this class. */
export function fieldAt(f: FieldSpec, is64: boolean): number {
  return is64 ? f.at64 : f.at32;
}

function readField(r: ByteReader, f: FieldSpec, at: number, what: string): number | bigint {
  switch (f.kind) {
    case 'byte':
      return r.u8(at, what);
    case 'half':
      return r.u16(at, what);
    case 'word':
      return r.u32(at, what);
    case 'xword':
      return r.word(at, what);
    case 'sxword':
      return r.sword(at, what);
  }
}

function writeField(w: ByteWriter, f: FieldSpec, at: number, v: number | bigint, what: string): void {
  switch (f.kind) {
    case 'byte':
      w.u8(at, Number(v), what);
      return;
    case 'half':
      w.u16(at, Number(v), what);
      return;
    case 'word':
      w.u32(at, Number(v), what);
      return;
    case 'xword':
      w.word(at, BigInt(v), what);
      return;
    case 'sxword':
      w.sword(at, BigInt(v), what);
      return;
  }
}

/**
 * Read every field of the record at `base`. Each read is bounds-checked and named in its
 * error ("program header 3 p_offset (8 bytes at 0x...) lies past the end of the file").
 */
export function readRecord<F extends Readonly<Record<string, FieldSpec>>>(r: ByteReader, l: RecordLayout<F>, base: number, label: string): RecordValues<F> {
  const out: Record<string, number | bigint> = {};
  for (const [name, f] of Object.entries(l.fields)) out[name] = readField(r, f, base + fieldAt(f, r.is64), `${label} ${name}`);
  // Every key of F was filled in from l.fields, with the kind RecordValues maps it to.
  return out as RecordValues<F>;
}

/** Write the given fields of the record at `base` (the others are left as they are). */
export function writeRecord<F extends Readonly<Record<string, FieldSpec>>>(w: ByteWriter, l: RecordLayout<F>, base: number, values: Partial<RecordValues<F>>, label: string): void {
  const given: Readonly<Record<string, unknown>> = values;
  for (const [name, f] of Object.entries(l.fields)) {
    const v = given[name];
    if (typeof v === 'number' || typeof v === 'bigint') writeField(w, f, base + fieldAt(f, w.is64), v, `${label} ${name}`);
  }
}
