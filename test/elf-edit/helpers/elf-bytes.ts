// A deliberately tiny ELF reader for the rewrite tests, independent of src/elf: headers, program
// and section headers, section bytes and the raw dynamic array. It trusts its input (fixtures and
// editor outputs that readelf has already accepted) and throws plain Errors on nonsense.

export interface RawPhdr {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

export interface RawShdr {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

export interface RawElf {
  readonly bytes: Uint8Array;
  readonly is64: boolean;
  readonly le: boolean;
  readonly type: number;
  readonly machine: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shoff: number;
  readonly shnum: number;
  readonly phdrs: readonly RawPhdr[];
  readonly shdrs: readonly RawShdr[];
}

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PF_W = 2;
export const SHT_NOBITS = 8;

function num(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`value ${v} too large`);
  return Number(v);
}

export function readRaw(bytes: Uint8Array): RawElf {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0) !== 0x7f454c46) throw new Error('not ELF');
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (o: number): number => dv.getUint16(o, le);
  const u32 = (o: number): number => dv.getUint32(o, le);
  const w = (o: number): number => (is64 ? num(dv.getBigUint64(o, le)) : u32(o));
  const phoff = w(is64 ? 32 : 28);
  const shoff = w(is64 ? 40 : 32);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = shoff === 0 ? 0 : u16(is64 ? 60 : 48);
  const shstrndx = u16(is64 ? 62 : 50);
  const phdrs: RawPhdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const a = phoff + i * phentsize;
    phdrs.push(
      is64
        ? { type: u32(a), flags: u32(a + 4), offset: w(a + 8), vaddr: w(a + 16), filesz: w(a + 32), memsz: w(a + 40), align: w(a + 48) }
        : { type: u32(a), offset: u32(a + 4), vaddr: u32(a + 8), filesz: u32(a + 16), memsz: u32(a + 20), flags: u32(a + 24), align: u32(a + 28) },
    );
  }
  const raw: (Omit<RawShdr, 'name'> & { nameOff: number })[] = [];
  for (let i = 0; i < shnum; i++) {
    const a = shoff + i * shentsize;
    raw.push(
      is64
        ? { index: i, nameOff: u32(a), type: u32(a + 4), flags: w(a + 8), addr: w(a + 16), offset: w(a + 24), size: w(a + 32), link: u32(a + 40) }
        : { index: i, nameOff: u32(a), type: u32(a + 4), flags: u32(a + 8), addr: u32(a + 12), offset: u32(a + 16), size: u32(a + 20), link: u32(a + 24) },
    );
  }
  const strtab = raw[shstrndx];
  const name = (off: number): string => {
    if (!strtab) return '';
    let end = strtab.offset + off;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return Buffer.from(bytes.subarray(strtab.offset + off, end)).toString('latin1');
  };
  const shdrs = raw.map(({ nameOff, ...s }) => ({ ...s, name: name(nameOff) }));
  return { bytes, is64, le, type: u16(16), machine: u16(18), phoff, phentsize, phnum, shoff, shnum, phdrs, shdrs };
}

export function sectionBytes(elf: RawElf, s: RawShdr): Uint8Array {
  return s.type === SHT_NOBITS ? new Uint8Array(0) : elf.bytes.subarray(s.offset, s.offset + s.size);
}

/** File offset of a virtual address, through the PT_LOAD that maps it from the file. */
export function vaddrToOffset(elf: RawElf, vaddr: number): number | undefined {
  for (const p of elf.phdrs) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
  }
  return undefined;
}

export interface RawDyn {
  readonly tag: bigint;
  readonly val: bigint;
}

/** The dynamic array up to and including the first DT_NULL, plus the slot capacity. */
export function dynamicEntries(elf: RawElf): { entries: RawDyn[]; capacity: number } {
  const d = elf.phdrs.find((p) => p.type === PT_DYNAMIC);
  if (!d) return { entries: [], capacity: 0 };
  const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  const ent = elf.is64 ? 16 : 8;
  const capacity = Math.floor(d.filesz / ent);
  const entries: RawDyn[] = [];
  for (let i = 0; i < capacity; i++) {
    const a = d.offset + i * ent;
    const tag = elf.is64 ? dv.getBigInt64(a, elf.le) : BigInt(dv.getInt32(a, elf.le));
    const val = elf.is64 ? dv.getBigUint64(a + 8, elf.le) : BigInt(dv.getUint32(a + 4, elf.le));
    entries.push({ tag, val });
    if (tag === 0n) break;
  }
  return { entries, capacity };
}

/** The NUL-terminated string at a .dynstr offset (DT_STRTAB-relative). */
export function dynString(elf: RawElf, off: number): string | undefined {
  const { entries } = dynamicEntries(elf);
  const strtab = entries.find((e) => e.tag === 5n);
  if (!strtab) return undefined;
  const base = vaddrToOffset(elf, Number(strtab.val));
  if (base === undefined) return undefined;
  let end = base + off;
  while (end < elf.bytes.length && elf.bytes[end] !== 0) end++;
  return Buffer.from(elf.bytes.subarray(base + off, end)).toString('latin1');
}

/** .dynsym entries: st_name offsets and names. */
export function dynsymNames(elf: RawElf): { nameOff: number; name: string }[] {
  const sym = elf.shdrs.find((s) => s.type === 11);
  if (!sym) return [];
  const str = elf.shdrs[sym.link];
  if (!str) return [];
  const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  const ent = elf.is64 ? 24 : 16;
  const out: { nameOff: number; name: string }[] = [];
  for (let a = sym.offset; a + ent <= sym.offset + sym.size; a += ent) {
    const nameOff = dv.getUint32(a, elf.le);
    let end = str.offset + nameOff;
    while (end < elf.bytes.length && elf.bytes[end] !== 0) end++;
    out.push({ nameOff, name: Buffer.from(elf.bytes.subarray(str.offset + nameOff, end)).toString('latin1') });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Table sizes without section headers: what an sstripped file still says about its tables.

const DT = { HASH: 4n, STRTAB: 5n, SYMTAB: 6n, RELA: 7n, RELASZ: 8n, STRSZ: 10n, REL: 17n, RELSZ: 18n, PLTRELSZ: 2n, JMPREL: 23n, RELRSZ: 35n, RELR: 36n, GNU_HASH: 0x6ffffef5n, VERSYM: 0x6ffffff0n, VERDEF: 0x6ffffffcn, VERNEED: 0x6ffffffen } as const;
export const DYN_TABLE_TAGS: readonly bigint[] = [DT.HASH, DT.STRTAB, DT.SYMTAB, DT.RELA, DT.REL, DT.JMPREL, DT.RELR, DT.GNU_HASH, DT.VERSYM, DT.VERDEF, DT.VERNEED];

/** Number of dynamic symbols: DT_HASH's nchain, else the end of DT_GNU_HASH's last chain. */
function symbolCount(elf: RawElf, val: (tag: bigint) => number | undefined): number | undefined {
  const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  const hashEnt = elf.is64 && elf.machine === 22 ? 8 : 4; // s390x: 64-bit hash words
  const word = (o: number): number => (hashEnt === 8 ? Number(dv.getBigUint64(o, elf.le)) : dv.getUint32(o, elf.le));
  const hash = val(DT.HASH);
  const hashOff = hash === undefined ? undefined : vaddrToOffset(elf, hash);
  if (hashOff !== undefined) return word(hashOff + hashEnt);
  const gnu = val(DT.GNU_HASH);
  const off = gnu === undefined ? undefined : vaddrToOffset(elf, gnu);
  if (off === undefined) return undefined;
  const nb = dv.getUint32(off, elf.le);
  const symoff = dv.getUint32(off + 4, elf.le);
  const buckets = off + 16 + dv.getUint32(off + 8, elf.le) * (elf.is64 ? 8 : 4);
  let last = 0;
  for (let i = 0; i < nb; i++) last = Math.max(last, dv.getUint32(buckets + 4 * i, elf.le));
  if (last < symoff) return symoff;
  const chains = buckets + 4 * nb;
  while ((dv.getUint32(chains + 4 * (last - symoff), elf.le) & 1) === 0) last++;
  return last + 1;
}

/** End of a chain of version records (Verneed/Vernaux or Verdef/Verdaux) from `start`. */
function versionChainEnd(elf: RawElf, start: number, def: boolean): number {
  const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  let end = start;
  for (let at = start, n = 0; n < 10_000; n++) {
    const cnt = dv.getUint16(at + (def ? 6 : 2), elf.le);
    const aux = dv.getUint32(at + (def ? 12 : 8), elf.le);
    end = Math.max(end, at + (def ? 20 : 16));
    for (let a = at + aux, k = 0; k < cnt; k++) {
      end = Math.max(end, a + (def ? 8 : 16));
      const next = dv.getUint32(a + (def ? 4 : 12), elf.le);
      if (next === 0) break;
      a += next;
    }
    const next = dv.getUint32(at + (def ? 16 : 12), elf.le);
    if (next === 0) break;
    at += next;
  }
  return end;
}

/** Byte size of the table a dynamic tag names, from the dynamic array alone; undefined when unknown. */
export function dynTableSize(elf: RawElf, tag: bigint): number | undefined {
  const { entries } = dynamicEntries(elf);
  const val = (t: bigint): number | undefined => {
    const e = entries.find((x) => x.tag === t);
    return e === undefined ? undefined : Number(e.val);
  };
  const sized: Record<string, bigint> = { [String(DT.STRTAB)]: DT.STRSZ, [String(DT.RELA)]: DT.RELASZ, [String(DT.REL)]: DT.RELSZ, [String(DT.JMPREL)]: DT.PLTRELSZ, [String(DT.RELR)]: DT.RELRSZ };
  const sizeTag = sized[String(tag)];
  if (sizeTag !== undefined) return val(sizeTag);
  const at = val(tag);
  const off = at === undefined ? undefined : vaddrToOffset(elf, at);
  if (off === undefined) return undefined;
  const nsyms = symbolCount(elf, val);
  const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  switch (tag) {
    case DT.SYMTAB:
      return nsyms === undefined ? undefined : nsyms * (elf.is64 ? 24 : 16);
    case DT.VERSYM:
      return nsyms === undefined ? undefined : nsyms * 2;
    case DT.HASH: {
      const ent = elf.is64 && elf.machine === 22 ? 8 : 4;
      const word = (o: number): number => (ent === 8 ? Number(dv.getBigUint64(o, elf.le)) : dv.getUint32(o, elf.le));
      return (2 + word(off) + word(off + ent)) * ent;
    }
    case DT.GNU_HASH: {
      if (nsyms === undefined) return undefined;
      const nb = dv.getUint32(off, elf.le);
      const symoff = dv.getUint32(off + 4, elf.le);
      return 16 + dv.getUint32(off + 8, elf.le) * (elf.is64 ? 8 : 4) + 4 * nb + 4 * Math.max(0, nsyms - symoff);
    }
    case DT.VERNEED:
      return versionChainEnd(elf, off, false) - off;
    case DT.VERDEF:
      return versionChainEnd(elf, off, true) - off;
    default:
      return undefined;
  }
}
