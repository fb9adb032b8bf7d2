// Dynamic relocation records (DT_RELA, DT_REL, DT_JMPREL, DT_RELR), read only for the
// rewriter's safety scan: before moving a section we make sure no relocation writes into it
// and no relocation addend points into it. Formats: gABI "Relocation", and the RELR proposal
// (packed relative relocations, generic-abi thread 2018).
import { ElfFormatError } from '../errors.js';
import { hex, type ByteReader } from '../util/bytes.js';
import { DT_JMPREL, DT_PLTREL, DT_PLTRELSZ, DT_REL, DT_RELA, DT_RELASZ, DT_RELR, DT_RELRSZ, DT_RELSZ } from './constants.js';
import { dynamicValue, type VaddrMapper } from './dynamic.js';
import { addrSize } from './layout.js';
import type { DynamicInfo } from './types.js';

export interface RelocationSite {
  /** Address the loader writes to. */
  readonly r_offset: bigint;
  /** Symbol index from r_info; 0 for relative relocations (and always for RELR). */
  readonly sym: number;
  /**
   * For a relocation without a symbol, the address it produces: the explicit addend (RELA) or
   * the value stored at r_offset (REL, RELR). Undefined for symbol relocations, whose addend
   * is an offset from the symbol, not an address.
   */
  readonly target: bigint | undefined;
}

function table(r: ByteReader, dyn: DynamicInfo, map: VaddrMapper, addrTag: bigint, sizeTag: bigint, what: string): { offset: number; size: number } | undefined {
  const addr = dynamicValue(dyn, addrTag);
  const size = dynamicValue(dyn, sizeTag);
  if (addr === undefined || size === undefined || size === 0n) return undefined;
  if (size > BigInt(r.length)) throw new ElfFormatError('ELF_MALFORMED', `${what} size ${hex(size)} is larger than the file`);
  const offset = map(addr, Number(size));
  if (offset === undefined) throw new ElfFormatError('ELF_MALFORMED', `${what} ${hex(addr)} is not inside any PT_LOAD segment`);
  return { offset, size: Number(size) };
}

/**
 * Show every dynamic relocation site of the file to `visit`, in table order. A visitor, not a
 * list: libLLVM has 350,000 relocations, and a list of them was 50 MiB of short-lived objects.
 */
export function forEachRelocation(r: ByteReader, dyn: DynamicInfo, map: VaddrMapper, visit: (site: RelocationSite) => void): void {
  const word = addrSize(r.is64);
  // The word stored at an address (REL and RELR keep their addend there).
  const stored = (addr: bigint): bigint | undefined => {
    const off = map(addr, word);
    return off === undefined ? undefined : r.word(off, 'relocated word');
  };
  const readRel = (t: { offset: number; size: number } | undefined, withAddend: boolean, what: string): void => {
    if (t === undefined) return;
    const ent = withAddend ? 3 * word : 2 * word;
    const [offsetField, infoField, addendField] = [`${what} r_offset`, `${what} r_info`, `${what} r_addend`];
    for (let o = t.offset; o + ent <= t.offset + t.size; o += ent) {
      const r_offset = r.word(o, offsetField);
      const info = r.word(o + word, infoField);
      // ELF64_R_SYM(i) = i >> 32, ELF32_R_SYM(i) = i >> 8.
      const sym = Number(r.is64 ? info >> 32n : info >> 8n);
      let target: bigint | undefined;
      if (sym === 0) target = withAddend ? r.sword(o + 2 * word, addendField) : stored(r_offset);
      visit({ r_offset, sym, target });
    }
  };
  readRel(table(r, dyn, map, DT_RELA, DT_RELASZ, 'DT_RELA'), true, 'DT_RELA');
  readRel(table(r, dyn, map, DT_REL, DT_RELSZ, 'DT_REL'), false, 'DT_REL');
  const pltrel = dynamicValue(dyn, DT_PLTREL);
  readRel(table(r, dyn, map, DT_JMPREL, DT_PLTRELSZ, 'DT_JMPREL'), pltrel === DT_RELA, 'DT_JMPREL');
  const relr = table(r, dyn, map, DT_RELR, DT_RELRSZ, 'DT_RELR');
  if (relr !== undefined) {
    // An even entry is an address; an odd one is a bitmap of the following word slots.
    let base = 0n;
    const bits = word * 8 - 1;
    for (let o = relr.offset; o + word <= relr.offset + relr.size; o += word) {
      const v = r.word(o, 'DT_RELR entry');
      if ((v & 1n) === 0n) {
        visit({ r_offset: v, sym: 0, target: stored(v) });
        base = v + BigInt(word);
      } else {
        let bitmap = v >> 1n;
        for (let i = 0; bitmap !== 0n; i++, bitmap >>= 1n) {
          if (bitmap & 1n) {
            const at = base + BigInt(i * word);
            visit({ r_offset: at, sym: 0, target: stored(at) });
          }
        }
        base += BigInt(bits * word);
      }
    }
  }
}

/**
 * One more than the highest symbol index a dynamic relocation names (0 without any): a lower
 * bound of the dynamic symbol count, for files whose hash table does not cover every symbol
 * (DT_GNU_HASH leaves out undefined symbols, all of an executable's may be undefined).
 */
export function relocatedSymbolCount(r: ByteReader, dyn: DynamicInfo, map: VaddrMapper): number {
  let top = 0;
  forEachRelocation(r, dyn, map, (site) => {
    if (site.sym + 1 > top) top = site.sym + 1;
  });
  return top;
}
