// The fixed-size ELF records, each described once as a table of fields (name, kind, offset in
// ELF32 and in ELF64; gABI ch. 4 "ELF Header", "Section Header", "Symbol Table", ch. 5
// "Program Header", "Dynamic Section"), and the two functions that read and write a record
// against its table. The reader (headers.ts), the writers (segment-write.ts, strip.ts) and
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

/** Elf32_Ehdr / Elf64_Ehdr after e_ident (the 16 identification bytes are read on their own). */
export const EHDR = layout('ELF header', ELF32_EHDR_SIZE, ELF64_EHDR_SIZE, {
  e_type: { kind: 'half', at32: 0x10, at64: 0x10 },
  e_machine: { kind: 'half', at32: 0x12, at64: 0x12 },
  e_version: { kind: 'word', at32: 0x14, at64: 0x14 },
  e_entry: { kind: 'xword', at32: 0x18, at64: 0x18 },
  e_phoff: { kind: 'xword', at32: 0x1c, at64: 0x20 },
  e_shoff: { kind: 'xword', at32: 0x20, at64: 0x28 },
  e_flags: { kind: 'word', at32: 0x24, at64: 0x30 },
  e_ehsize: { kind: 'half', at32: 0x28, at64: 0x34 },
  e_phentsize: { kind: 'half', at32: 0x2a, at64: 0x36 },
  e_phnum: { kind: 'half', at32: 0x2c, at64: 0x38 },
  e_shentsize: { kind: 'half', at32: 0x2e, at64: 0x3a },
  e_shnum: { kind: 'half', at32: 0x30, at64: 0x3c },
  e_shstrndx: { kind: 'half', at32: 0x32, at64: 0x3e },
});

/** Elf32_Phdr / Elf64_Phdr: p_flags is the 7th field in ELF32 and the 2nd in ELF64. */
export const PHDR = layout('program header', ELF32_PHDR_SIZE, ELF64_PHDR_SIZE, {
  p_type: { kind: 'word', at32: 0x00, at64: 0x00 },
  p_flags: { kind: 'word', at32: 0x18, at64: 0x04 },
  p_offset: { kind: 'xword', at32: 0x04, at64: 0x08 },
  p_vaddr: { kind: 'xword', at32: 0x08, at64: 0x10 },
  p_paddr: { kind: 'xword', at32: 0x0c, at64: 0x18 },
  p_filesz: { kind: 'xword', at32: 0x10, at64: 0x20 },
  p_memsz: { kind: 'xword', at32: 0x14, at64: 0x28 },
  p_align: { kind: 'xword', at32: 0x1c, at64: 0x30 },
});

/** Elf32_Shdr / Elf64_Shdr. */
export const SHDR = layout('section header', ELF32_SHDR_SIZE, ELF64_SHDR_SIZE, {
  sh_name: { kind: 'word', at32: 0x00, at64: 0x00 },
  sh_type: { kind: 'word', at32: 0x04, at64: 0x04 },
  sh_flags: { kind: 'xword', at32: 0x08, at64: 0x08 },
  sh_addr: { kind: 'xword', at32: 0x0c, at64: 0x10 },
  sh_offset: { kind: 'xword', at32: 0x10, at64: 0x18 },
  sh_size: { kind: 'xword', at32: 0x14, at64: 0x20 },
  sh_link: { kind: 'word', at32: 0x18, at64: 0x28 },
  sh_info: { kind: 'word', at32: 0x1c, at64: 0x2c },
  sh_addralign: { kind: 'xword', at32: 0x20, at64: 0x30 },
  sh_entsize: { kind: 'xword', at32: 0x24, at64: 0x38 },
});

/** Elf32_Sym / Elf64_Sym: st_value and st_size come before st_info in ELF32, after st_shndx in ELF64. */
export const SYM = layout('symbol', ELF32_SYM_SIZE, ELF64_SYM_SIZE, {
  st_name: { kind: 'word', at32: 0x00, at64: 0x00 },
  st_value: { kind: 'xword', at32: 0x04, at64: 0x08 },
  st_size: { kind: 'xword', at32: 0x08, at64: 0x10 },
  st_info: { kind: 'byte', at32: 0x0c, at64: 0x04 },
  st_other: { kind: 'byte', at32: 0x0d, at64: 0x05 },
  st_shndx: { kind: 'half', at32: 0x0e, at64: 0x06 },
});

/** Elf32_Dyn / Elf64_Dyn. */
export const DYN = layout('dynamic entry', ELF32_DYN_SIZE, ELF64_DYN_SIZE, {
  d_tag: { kind: 'sxword', at32: 0x00, at64: 0x00 },
  d_val: { kind: 'xword', at32: 0x04, at64: 0x08 },
});

/** Size of a record in this class. */
export function recordSize(l: RecordLayout<Readonly<Record<string, FieldSpec>>>, is64: boolean): number {
  return is64 ? l.size64 : l.size32;
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
