// The rewriter's mandatory self-check (design §3 D.10): the output is re-parsed and must keep
// the loader's layout rules and the input's meaning, except for the requested edits. Rules
// the input already broke are not held against the output (the check is differential).
import { ElfSelfCheckError, isWheelauditError } from '../errors.js';
import { hex } from '../util/bytes.js';
import { PF_W, PT_DYNAMIC, PT_LOAD, PT_PHDR, SHF_ALLOC, SHN_ABS, SHN_LORESERVE, SHN_UNDEF, SHT_DYNSYM, SHT_NOBITS, SHT_STRTAB, DT_RPATH, DT_RUNPATH, DT_STRSZ, DT_STRTAB, DT_SYMTAB, DT_VERNEED } from './constants.js';
import { dynamicValue } from './dynamic.js';
import { parseElf } from './read.js';
import { dynamicTableExtents, type TableExtent } from './tables.js';
import { machinePageSize, POINTER_TAGS } from './loader-facts.js';
import type { ElfFile, ProgramHeader } from './types.js';

export interface ExpectedDynamic {
  readonly needed: readonly string[];
  readonly soname: string | undefined;
  readonly rpath: string | undefined;
  readonly runpath: string | undefined;
  readonly verneedFiles: readonly string[];
}

function fail(message: string): never {
  throw new ElfSelfCheckError(`the rewritten file failed its self-check: ${message} (the output was not written)`);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Layout rules; returns the list of violations (strings) so input and output can be compared. */
export function layoutViolations(f: ElfFile): string[] {
  const out: string[] = [];
  const loads = f.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const page = BigInt(machinePageSize(f.header.e_machine));
  for (let i = 1; i < loads.length; i++) {
    if ((loads[i] as ProgramHeader).p_vaddr < (loads[i - 1] as ProgramHeader).p_vaddr) out.push('PT_LOAD entries are not in ascending p_vaddr order');
  }
  for (const l of loads) {
    if (l.p_align > 1n) {
      if ((l.p_align & (l.p_align - 1n)) !== 0n) out.push(`PT_LOAD ${l.index}: p_align ${hex(l.p_align)} is not a power of two`);
      else if ((l.p_vaddr - l.p_offset) % l.p_align !== 0n) out.push(`PT_LOAD ${l.index}: p_vaddr and p_offset are not congruent modulo p_align`);
    }
    if (l.p_filesz > l.p_memsz) out.push(`PT_LOAD ${l.index}: p_filesz exceeds p_memsz`);
  }
  const ranges = loads.map((l) => [(l.p_vaddr / page) * page, ((l.p_vaddr + l.p_memsz + page - 1n) / page) * page] as const);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i] as readonly [bigint, bigint];
      const b = ranges[j] as readonly [bigint, bigint];
      // Adjacent segments may share a page (ld.bfd does this); only a real overlap of their
      // byte ranges, or page ranges overlapping by more than one page, is a conflict.
      const la = loads[i] as ProgramHeader;
      const lb = loads[j] as ProgramHeader;
      if (la.p_vaddr < lb.p_vaddr + lb.p_memsz && lb.p_vaddr < la.p_vaddr + la.p_memsz) out.push(`PT_LOAD ${la.index} and ${lb.index} overlap`);
      else if (a[0] < b[1] - page && b[0] < a[1] - page) out.push(`PT_LOAD ${la.index} and ${lb.index} overlap by more than a page`);
    }
  }
  const h = f.header;
  if (h.e_phnum > 0) {
    const phEnd = h.e_phoff + BigInt(h.e_phnum * h.e_phentsize);
    if (!loads.some((l) => h.e_phoff >= l.p_offset && phEnd <= l.p_offset + l.p_filesz)) out.push('the program header table is not inside a PT_LOAD');
    const phdr = f.programHeaders.find((p) => p.p_type === PT_PHDR);
    if (phdr !== undefined && (phdr.p_offset !== h.e_phoff || phdr.p_filesz !== BigInt(h.e_phnum * h.e_phentsize))) out.push('PT_PHDR does not describe the program header table');
  }
  const dynPh = f.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
  if (dynPh !== undefined && !loads.some((l) => (l.p_flags & PF_W) !== 0 && dynPh.p_vaddr >= l.p_vaddr && dynPh.p_vaddr + dynPh.p_memsz <= l.p_vaddr + l.p_memsz)) {
    out.push('PT_DYNAMIC is not inside a writable PT_LOAD');
  }
  const sections = f.sections();
  for (const s of sections) {
    if ((s.sh_flags & SHF_ALLOC) === 0n || s.sh_size === 0n) continue;
    const inside = loads.some((l) => s.sh_addr >= l.p_vaddr && s.sh_addr + s.sh_size <= l.p_vaddr + (s.sh_type === SHT_NOBITS ? l.p_memsz : l.p_filesz));
    if (!inside) out.push(`section ${s.name} is not inside a PT_LOAD`);
    if (s.sh_type !== SHT_NOBITS && inside) {
      const homes = loads.filter((x) => s.sh_addr >= x.p_vaddr && s.sh_addr < x.p_vaddr + x.p_filesz);
      if (homes.length > 0 && !homes.some((l) => s.sh_offset - l.p_offset === s.sh_addr - l.p_vaddr)) out.push(`section ${s.name}: offset and address disagree with its PT_LOAD`);
    }
  }
  if (sections.length > 0) {
    for (const l of loads) {
      const has = sections.some((s) => (s.sh_flags & SHF_ALLOC) !== 0n && s.sh_size > 0n && s.sh_addr >= l.p_vaddr && s.sh_addr < l.p_vaddr + l.p_memsz);
      if (!has) out.push(`PT_LOAD at ${hex(l.p_vaddr)} contains no section`);
    }
    const d = f.dynamic;
    const dynstr = d === undefined ? undefined : sections.find((s) => s.sh_type === SHT_STRTAB && s.sh_addr === dynamicValue(d, DT_STRTAB));
    if (d !== undefined && (dynstr === undefined || dynstr.sh_size !== dynamicValue(d, DT_STRSZ))) out.push('DT_STRTAB/DT_STRSZ do not match a string table section');
  }
  return out;
}

function dynsymBytes(f: ElfFile): Uint8Array | undefined {
  const s = f.sections().find((x) => x.sh_type === SHT_DYNSYM);
  if (s === undefined) return undefined;
  const off = Number(s.sh_offset);
  return f.bytes.subarray(off, off + Number(s.sh_size));
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Element-wise equality of flat arrays (fast path for the large tables). */
function sameArray(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function symbolView(f: ElfFile): unknown[][] {
  const secs = f.sections();
  const addrOf = (shndx: number): bigint | undefined => secs[shndx]?.sh_addr;
  return f.dynamicSymbols().map((s) => {
    let value: bigint | string = s.st_value;
    if (s.name === '_DYNAMIC') value = 'dynamic';
    else if (s.st_shndx !== SHN_UNDEF && s.st_shndx !== SHN_ABS && s.st_shndx < SHN_LORESERVE) {
      const base = addrOf(s.st_shndx);
      if (base !== undefined) value = s.st_value - base;
    }
    return [s.name, value, s.st_size, s.st_info, s.st_other, s.st_shndx];
  });
}

const REWRITTEN_TABLES: ReadonlySet<bigint> = new Set([DT_SYMTAB, DT_VERNEED]);

function tablesKeptBytes(before: ElfFile, tables: readonly TableExtent[], after: ElfFile): void {
  const ad = after.dynamic;
  if (ad === undefined) return;
  for (const t of tables) {
    if (t.tag === undefined || REWRITTEN_TABLES.has(t.tag)) continue;
    const size = Number(t.size);
    const from = before.vaddrToOffset(t.vaddr, size);
    const moved = dynamicValue(ad, t.tag);
    const to = moved === undefined ? undefined : after.vaddrToOffset(moved, size);
    if (from === undefined) continue; // a table the input did not map: nothing to compare
    if (to === undefined) fail(`the table of dynamic tag ${hex(t.tag)} (${t.name}) is no longer mapped`);
    if (!sameBytes(before.bytes.subarray(from, from + size), after.bytes.subarray(to, to + size))) fail(`the bytes of ${t.name} changed`);
  }
}

/**
 * What the self-check reads from the input, read before anything is written: a malformed
 * input then fails as bad input (ElfFormatError), and any error while checking the output
 * can only be the output's, a bug.
 */
export interface SelfCheckBaseline {
  readonly before: ElfFile;
  readonly violations: ReadonlySet<string>;
  readonly tables: readonly TableExtent[];
}

export function selfCheckBaseline(before: ElfFile): SelfCheckBaseline {
  before.dynamicSymbolCount();
  before.versionNeeds();
  before.versionDefs();
  before.symbolVersionIndexes();
  before.notes();
  const d = before.dynamic;
  return { before, violations: new Set(layoutViolations(before)), tables: d === undefined ? [] : dynamicTableExtents(before, d) };
}

/**
 * Re-parse the rewritten bytes and check them against the input (design §3 D.10). Throws
 * ElfSelfCheckError (an internal error, code ELF_SELF_CHECK) unless the output is the input
 * with exactly the expected dynamic edits; returns the parsed output.
 */
export function verifyEdit(baseline: SelfCheckBaseline, out: Uint8Array, expected: ExpectedDynamic): ElfFile {
  try {
    const after = parseElf(out);
    checkEdit(baseline, after, expected);
    return after;
  } catch (e) {
    // Our own output failing to read back is the same bug as failing a rule.
    if (isWheelauditError(e)) fail(`it does not read back (${e.message})`);
    throw e;
  }
}

function checkEdit(baseline: SelfCheckBaseline, after: ElfFile, expected: ExpectedDynamic): void {
  const before = baseline.before;
  const d = after.dynamic;
  if (d === undefined || d.nullIndex < 0) fail('the dynamic array is missing or has no DT_NULL');
  if (!same(d.needed, expected.needed)) fail(`DT_NEEDED is ${JSON.stringify(d.needed)}, expected ${JSON.stringify(expected.needed)}`);
  if (d.soname !== expected.soname) fail(`DT_SONAME is ${String(d.soname)}, expected ${String(expected.soname)}`);
  if (d.rpath !== expected.rpath || d.runpath !== expected.runpath) fail('DT_RPATH/DT_RUNPATH differ from the request');
  // Setting a run path leaves exactly one entry; other edits keep whatever the input had.
  const rpathCount = d.entries.filter((e) => e.d_tag === DT_RPATH || e.d_tag === DT_RUNPATH).length;
  const rpathBefore = (before.dynamic?.entries ?? []).filter((e) => e.d_tag === DT_RPATH || e.d_tag === DT_RUNPATH).length;
  if (rpathCount > Math.max(1, rpathBefore)) fail(`${rpathCount} DT_RPATH/DT_RUNPATH entries remain`);
  const vn = after.versionNeeds();
  if (!same(vn.map((n) => n.file), expected.verneedFiles)) fail('Verneed file names do not follow the DT_NEEDED renames');
  for (const n of vn) if (!d.needed.includes(n.file) && before.dynamic?.needed.includes(before.versionNeeds().find((b) => b.offset === n.offset)?.file ?? '')) fail(`Verneed names ${n.file}, which is not a DT_NEEDED entry`);
  if (!same(vn.map((n) => n.aux.map((a) => [a.name, a.vna_hash, a.vna_flags, a.vna_other])), before.versionNeeds().map((n) => n.aux.map((a) => [a.name, a.vna_hash, a.vna_flags, a.vna_other])))) fail('Vernaux entries changed');
  if (!same(after.versionDefs().map((v) => [v.vd_ndx, v.vd_flags, v.aux.map((a) => a.name)]), before.versionDefs().map((v) => [v.vd_ndx, v.vd_flags, v.aux.map((a) => a.name)]))) fail('Verdef entries changed');
  if (!sameArray(after.symbolVersionIndexes(), before.symbolVersionIndexes())) fail('.gnu.version changed');
  // Identical .dynsym bytes (the usual case: the table neither moved nor needed fix-ups) say
  // the symbols are unchanged without decoding every name; otherwise compare symbol by symbol.
  if (!sameBytes(dynsymBytes(after), dynsymBytes(before))) {
    const symsAfter = symbolView(after);
    const symsBefore = symbolView(before);
    if (symsAfter.length !== symsBefore.length || symsAfter.some((row, i) => !sameArray(row, symsBefore[i] ?? []))) fail('the dynamic symbol table changed');
  }
  if (after.interpreter !== before.interpreter) fail('PT_INTERP changed');
  if (!same(after.notes().map((n) => [n.owner, n.type, Array.from(n.desc)]), before.notes().map((n) => [n.owner, n.type, Array.from(n.desc)]))) fail('notes changed');

  // Existing segments keep their place: the loader's view of the original image is unchanged.
  const oldLoads = before.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const newLoads = after.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const minOld = oldLoads.reduce((m, l) => (l.p_vaddr < m ? l.p_vaddr : m), BigInt(Number.MAX_SAFE_INTEGER));
  const minNew = newLoads.reduce((m, l) => (l.p_vaddr < m ? l.p_vaddr : m), BigInt(Number.MAX_SAFE_INTEGER));
  if (minOld !== minNew) fail('the lowest PT_LOAD address changed');
  for (const o of oldLoads) {
    const kept = newLoads.some((n) => n.p_offset === o.p_offset && n.p_vaddr === o.p_vaddr && n.p_filesz === o.p_filesz && n.p_memsz === o.p_memsz && n.p_flags === o.p_flags);
    const rebuilt = o.p_offset + o.p_filesz === BigInt(before.bytes.length) && newLoads.some((n) => n.p_offset === o.p_offset && n.p_vaddr === o.p_vaddr);
    if (!kept && !rebuilt) fail(`PT_LOAD at ${hex(o.p_vaddr)} was changed`);
  }
  if (after.header.e_phoff !== before.header.e_phoff) fail('the program header table moved');
  const fresh = layoutViolations(after).filter((v) => !baseline.violations.has(v));
  if (fresh.length > 0) fail(fresh.join('; '));

  // Every table that may have moved holds the same bytes where its tag now points (.dynstr:
  // the old strings are a prefix; .dynsym and Verneed change by design and were compared above).
  tablesKeptBytes(before, baseline.tables, after);

  // Every pointer tag that resolved before still resolves.
  for (const e of after.dynamic?.entries ?? []) {
    const old = before.dynamic?.entries.find((b) => b.d_tag === e.d_tag);
    if (old === undefined || !POINTER_TAGS.has(e.d_tag)) continue;
    if (before.vaddrToOffset(old.d_val, 1) !== undefined && after.vaddrToOffset(e.d_val, 1) === undefined) fail(`dynamic tag ${hex(e.d_tag)} no longer points into a PT_LOAD`);
  }
}
