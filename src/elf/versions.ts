// GNU symbol versioning (LSB Core "Symbol Versioning"): .gnu.version (versym),
// .gnu.version_r (Verneed/Vernaux) and .gnu.version_d (Verdef/Verdaux). Tables are found by
// DT_VERSYM / DT_VERNEED / DT_VERDEF, or by section type when the dynamic tags are absent.
// Chains are followed with a visited set and a step budget, so a looping or absurd chain is
// an error, never a hang.
import { ElfFormatError } from '../errors.js';
import { hex, toOffset, type ByteReader } from '../util/bytes.js';
import {
  DT_VERDEF,
  DT_VERDEFNUM,
  DT_VERNEED,
  DT_VERNEEDNUM,
  DT_VERSYM,
  SHT_GNU_verdef,
  SHT_GNU_verneed,
  VERDAUX_SIZE,
  VERDEF_SIZE,
  VERNAUX_SIZE,
  VERNEED_SIZE,
} from './constants.js';
import { dynamicValue, type VaddrMapper } from './dynamic.js';
import { readCString, type StringTableRef } from './strtab.js';
import type { DynamicInfo, ParseWarning, SectionHeader, Verdaux, Verdef, Vernaux, Verneed } from './types.js';

interface TableStart {
  readonly offset: number;
  readonly count: number;
}

function locate(
  r: ByteReader,
  dyn: DynamicInfo | undefined,
  sections: readonly SectionHeader[],
  mapVaddr: VaddrMapper,
  addrTag: bigint,
  numTag: bigint,
  shType: number,
  what: string,
): TableStart | undefined {
  const addr = dyn === undefined ? undefined : dynamicValue(dyn, addrTag);
  if (addr !== undefined) {
    const num = dyn === undefined ? undefined : dynamicValue(dyn, numTag);
    const offset = mapVaddr(addr, 1);
    if (offset === undefined) throw new ElfFormatError('ELF_MALFORMED', `${what} address ${hex(addr)} is not inside any PT_LOAD segment`);
    return { offset, count: num === undefined ? 0 : Number(BigInt.asUintN(32, num)) };
  }
  const s = sections.find((x) => x.sh_type === shType);
  if (s === undefined) return undefined;
  return { offset: toOffset(s.sh_offset, r.length, `section ${s.name} sh_offset`), count: s.sh_info };
}

/** Follow a `next`-linked chain of records, refusing loops and runaway lengths. */
function walkChain(
  r: ByteReader,
  start: number,
  maxCount: number,
  recordSize: number,
  what: string,
  read: (offset: number) => number /* returns next delta, 0 ends */,
): void {
  const seen = new Set<number>();
  // Each record occupies at least recordSize distinct bytes, so a chain longer than this
  // cannot be genuine whatever the count field claims.
  const budget = Math.min(maxCount, Math.floor(r.length / recordSize) + 1);
  let off = start;
  for (let i = 0; i < budget; i++) {
    if (seen.has(off)) throw new ElfFormatError('ELF_MALFORMED', `${what} chain loops back to offset ${hex(off)}`, { offset: off });
    seen.add(off);
    // One budget for every chain of the file: records shared between chains count each time.
    if (--r.recordBudget < 0) throw new ElfFormatError('ELF_MALFORMED', `${what}: the version chains hold more records than the file can`, { offset: off });
    r.check(off, recordSize, `${what} entry ${i}`);
    const next = read(off);
    if (next === 0) return;
    off += next;
  }
  if (maxCount > budget) {
    throw new ElfFormatError('ELF_MALFORMED', `${what} count ${maxCount} is larger than the file can hold`);
  }
}

export function parseVerneed(
  r: ByteReader,
  dyn: DynamicInfo | undefined,
  sections: readonly SectionHeader[],
  mapVaddr: VaddrMapper,
  strtab: StringTableRef,
  warnings: ParseWarning[],
): Verneed[] {
  const start = locate(r, dyn, sections, mapVaddr, DT_VERNEED, DT_VERNEEDNUM, SHT_GNU_verneed, 'DT_VERNEED');
  if (start === undefined) return [];
  const out: Verneed[] = [];
  walkChain(r, start.offset, start.count, VERNEED_SIZE, 'verneed', (o) => {
    const i = out.length;
    // Elf_Verneed: 0x00 vn_version, 0x02 vn_cnt, 0x04 vn_file, 0x08 vn_aux, 0x0c vn_next.
    const vn_version = r.u16(o, `verneed ${i} vn_version`);
    const vn_cnt = r.u16(o + 2, `verneed ${i} vn_cnt`);
    const vn_file = r.u32(o + 4, `verneed ${i} vn_file`);
    const vn_aux = r.u32(o + 8, `verneed ${i} vn_aux`);
    const vn_next = r.u32(o + 12, `verneed ${i} vn_next`);
    const file = readCString(r, strtab, vn_file, `verneed ${i} vn_file`, warnings);
    const aux: Vernaux[] = [];
    if (vn_cnt > 0 && vn_aux < VERNEED_SIZE) {
      throw new ElfFormatError('ELF_MALFORMED', `verneed ${i} vn_aux ${vn_aux} makes its Vernaux records overlap the Verneed record`, { offset: o });
    }
    if (vn_cnt > 0) {
      walkChain(r, o + vn_aux, vn_cnt, VERNAUX_SIZE, `vernaux of ${file}`, (a) => {
        const j = aux.length;
        // Elf_Vernaux: 0x00 vna_hash, 0x04 vna_flags, 0x06 vna_other, 0x08 vna_name, 0x0c vna_next.
        const vna_name = r.u32(a + 8, `vernaux ${i}.${j} vna_name`);
        aux.push({
          offset: a,
          vna_hash: r.u32(a, `vernaux ${i}.${j} vna_hash`),
          vna_flags: r.u16(a + 4, `vernaux ${i}.${j} vna_flags`),
          vna_other: r.u16(a + 6, `vernaux ${i}.${j} vna_other`),
          vna_name,
          name: readCString(r, strtab, vna_name, `vernaux ${i}.${j} vna_name`, warnings),
        });
        return r.u32(a + 12, `vernaux ${i}.${j} vna_next`);
      });
    }
    out.push({ offset: o, vn_version, vn_cnt, vn_file, vn_aux, vn_next, file, aux });
    return vn_next;
  });
  return out;
}

export function parseVerdef(
  r: ByteReader,
  dyn: DynamicInfo | undefined,
  sections: readonly SectionHeader[],
  mapVaddr: VaddrMapper,
  strtab: StringTableRef,
  warnings: ParseWarning[],
): Verdef[] {
  const start = locate(r, dyn, sections, mapVaddr, DT_VERDEF, DT_VERDEFNUM, SHT_GNU_verdef, 'DT_VERDEF');
  if (start === undefined) return [];
  const out: Verdef[] = [];
  walkChain(r, start.offset, start.count, VERDEF_SIZE, 'verdef', (o) => {
    const i = out.length;
    // Elf_Verdef: 0x00 vd_version, 0x02 vd_flags, 0x04 vd_ndx, 0x06 vd_cnt, 0x08 vd_hash,
    // 0x0c vd_aux, 0x10 vd_next.
    const vd_cnt = r.u16(o + 6, `verdef ${i} vd_cnt`);
    const vd_aux = r.u32(o + 12, `verdef ${i} vd_aux`);
    const aux: Verdaux[] = [];
    if (vd_cnt > 0 && vd_aux < VERDEF_SIZE) {
      throw new ElfFormatError('ELF_MALFORMED', `verdef ${i} vd_aux ${vd_aux} makes its Verdaux records overlap the Verdef record`, { offset: o });
    }
    if (vd_cnt > 0) {
      walkChain(r, o + vd_aux, vd_cnt, VERDAUX_SIZE, `verdaux of verdef ${i}`, (a) => {
        // Elf_Verdaux: 0x00 vda_name, 0x04 vda_next.
        const vda_name = r.u32(a, `verdaux ${i}.${aux.length} vda_name`);
        aux.push({ offset: a, vda_name, name: readCString(r, strtab, vda_name, `verdaux ${i}.${aux.length} vda_name`, warnings) });
        return r.u32(a + 4, `verdaux ${i}.${aux.length - 1} vda_next`);
      });
    }
    out.push({
      offset: o,
      vd_version: r.u16(o, `verdef ${i} vd_version`),
      vd_flags: r.u16(o + 2, `verdef ${i} vd_flags`),
      vd_ndx: r.u16(o + 4, `verdef ${i} vd_ndx`),
      vd_cnt,
      vd_hash: r.u32(o + 8, `verdef ${i} vd_hash`),
      aux,
    });
    return r.u32(o + 16, `verdef ${i} vd_next`);
  });
  return out;
}

/** The .gnu.version array: one u16 per dynamic symbol. */
export function parseVersym(
  r: ByteReader,
  dyn: DynamicInfo | undefined,
  mapVaddr: VaddrMapper,
  symbolCount: number,
  versymSection: SectionHeader | undefined,
): number[] {
  const addr = dyn === undefined ? undefined : dynamicValue(dyn, DT_VERSYM);
  let offset: number | undefined;
  if (addr !== undefined) {
    offset = mapVaddr(addr, symbolCount * 2);
    if (offset === undefined) throw new ElfFormatError('ELF_MALFORMED', `DT_VERSYM ${hex(addr)} (${symbolCount} entries) is not inside any PT_LOAD segment`);
  } else if (versymSection !== undefined) {
    offset = toOffset(versymSection.sh_offset, r.length, 'section .gnu.version sh_offset');
  } else {
    return [];
  }
  r.check(offset, symbolCount * 2, '.gnu.version table');
  // The whole table was bounds-checked above: read it straight from the view (a checked,
  // labelled read per entry costs more than the read itself on 100,000-symbol libraries).
  const out = new Array<number>(symbolCount);
  const { view, littleEndian } = r;
  for (let i = 0; i < symbolCount; i++) out[i] = view.getUint16(offset + i * 2, littleEndian);
  return out;
}
