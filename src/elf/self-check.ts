// The mandatory self-check of everything wheelaudit writes into an ELF file (design §3 D.10):
// the output is re-parsed and must keep the loader's layout rules and the input's meaning,
// except for what was asked. An edit may change only the requested dynamic entries (rules
// the input already broke are not held against the output: the check is differential); a
// strip may change nothing the loader sees. A failure is ElfSelfCheckError, an internal error
// (a bug, exit 70): the output is never returned, and the input is never blamed.
import { ElfSelfCheckError, isWheelauditError } from '../errors.js';
import { hex } from '../util/bytes.js';
import { DT_RPATH, DT_RUNPATH, DT_STRSZ, DT_STRTAB, DT_SYMTAB, DT_VERNEED, PF_W, PT_DYNAMIC, PT_LOAD, PT_PHDR, SHF_ALLOC, SHN_ABS, SHN_LORESERVE, SHN_UNDEF, SHT_DYNSYM, SHT_NOBITS, SHT_NULL, SHT_STRTAB } from './constants.js';
import { dynamicValue } from './dynamic.js';
import { recordSize, EHDR } from './layout.js';
import { machinePageSize, POINTER_TAGS } from './loader-facts.js';
import { mergeRanges, sameBytes, sameOutside, type Range } from './ranges.js';
import { parseElf } from './read.js';
import { dynamicTableExtents, type TableExtent } from './tables.js';
import type { ElfFile, ProgramHeader, SectionHeader } from './types.js';

/** What an edit must leave in the dynamic array and Verneed. */
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
  const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return text(a) === text(b);
}

/** Element-wise equality of flat arrays (fast path for the large tables). */
function sameArray(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------------------------
// Layout rules (design §2), as a list of violations so that input and output can be compared.

/** PT_LOAD order, alignment and overlap (rules 1-3). */
function loadViolations(f: ElfFile, loads: readonly ProgramHeader[]): string[] {
  const out: string[] = [];
  const page = BigInt(machinePageSize(f.header.e_machine));
  let prev: ProgramHeader | undefined;
  for (const l of loads) {
    if (prev !== undefined && l.p_vaddr < prev.p_vaddr) out.push('PT_LOAD entries are not in ascending p_vaddr order');
    prev = l;
    if (l.p_align > 1n) {
      if ((l.p_align & (l.p_align - 1n)) !== 0n) out.push(`PT_LOAD ${l.index}: p_align ${hex(l.p_align)} is not a power of two`);
      else if ((l.p_vaddr - l.p_offset) % l.p_align !== 0n) out.push(`PT_LOAD ${l.index}: p_vaddr and p_offset are not congruent modulo p_align`);
    }
    if (l.p_filesz > l.p_memsz) out.push(`PT_LOAD ${l.index}: p_filesz exceeds p_memsz`);
  }
  const pages = (l: ProgramHeader): readonly [bigint, bigint] => [(l.p_vaddr / page) * page, ((l.p_vaddr + l.p_memsz + page - 1n) / page) * page];
  loads.forEach((la, i) => {
    for (const lb of loads.slice(i + 1)) {
      const [a0, a1] = pages(la);
      const [b0, b1] = pages(lb);
      // Adjacent segments may share a page (ld.bfd does this); only a real overlap of their
      // byte ranges, or page ranges overlapping by more than one page, is a conflict.
      if (la.p_vaddr < lb.p_vaddr + lb.p_memsz && lb.p_vaddr < la.p_vaddr + la.p_memsz) out.push(`PT_LOAD ${la.index} and ${lb.index} overlap`);
      else if (a0 < b1 - page && b0 < a1 - page) out.push(`PT_LOAD ${la.index} and ${lb.index} overlap by more than a page`);
    }
  });
  return out;
}

/** The program header table and .dynamic where the loader needs them (rules 4-5). */
function headerViolations(f: ElfFile, loads: readonly ProgramHeader[]): string[] {
  const out: string[] = [];
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
  return out;
}

/** Sections and segments agree (rule 6), and DT_STRTAB/DT_STRSZ name .dynstr. */
function sectionViolations(f: ElfFile, loads: readonly ProgramHeader[]): string[] {
  const out: string[] = [];
  const sections = f.sections();
  const isAllocated = (s: SectionHeader): boolean => (s.sh_flags & SHF_ALLOC) !== 0n && s.sh_size > 0n;
  for (const s of sections.filter(isAllocated)) {
    const inside = loads.some((l) => s.sh_addr >= l.p_vaddr && s.sh_addr + s.sh_size <= l.p_vaddr + (s.sh_type === SHT_NOBITS ? l.p_memsz : l.p_filesz));
    if (!inside) out.push(`section ${s.name} is not inside a PT_LOAD`);
    if (s.sh_type !== SHT_NOBITS && inside) {
      const homes = loads.filter((x) => s.sh_addr >= x.p_vaddr && s.sh_addr < x.p_vaddr + x.p_filesz);
      if (homes.length > 0 && !homes.some((l) => s.sh_offset - l.p_offset === s.sh_addr - l.p_vaddr)) out.push(`section ${s.name}: offset and address disagree with its PT_LOAD`);
    }
  }
  if (sections.length === 0) return out;
  for (const l of loads) {
    if (!sections.some((s) => isAllocated(s) && s.sh_addr >= l.p_vaddr && s.sh_addr < l.p_vaddr + l.p_memsz)) out.push(`PT_LOAD at ${hex(l.p_vaddr)} contains no section`);
  }
  const d = f.dynamic;
  const dynstr = d === undefined ? undefined : sections.find((s) => s.sh_type === SHT_STRTAB && s.sh_addr === dynamicValue(d, DT_STRTAB));
  if (d !== undefined && (dynstr === undefined || dynstr.sh_size !== dynamicValue(d, DT_STRSZ))) out.push('DT_STRTAB/DT_STRSZ do not match a string table section');
  return out;
}

/** Every layout rule the file breaks. */
export function layoutViolations(f: ElfFile): string[] {
  const loads = f.programHeaders.filter((p) => p.p_type === PT_LOAD);
  return [...loadViolations(f, loads), ...headerViolations(f, loads), ...sectionViolations(f, loads)];
}

// ---------------------------------------------------------------------------------------------
// Edits.

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
 * Re-parse the rewritten bytes and check them against the input. Throws ElfSelfCheckError
 * unless the output is the input with exactly the expected dynamic edits; returns the parsed
 * output.
 */
export function verifyEdit(baseline: SelfCheckBaseline, out: Uint8Array, expected: ExpectedDynamic): ElfFile {
  try {
    const after = parseElf(out);
    const before = baseline.before;
    checkDynamic(before, after, expected);
    checkVersions(before, after, expected);
    checkSymbols(before, after);
    if (after.interpreter !== before.interpreter) fail('PT_INTERP changed');
    if (!same(after.notes().map((n) => [n.owner, n.type, Array.from(n.desc)]), before.notes().map((n) => [n.owner, n.type, Array.from(n.desc)]))) fail('notes changed');
    checkImageKept(before, after);
    const fresh = layoutViolations(after).filter((v) => !baseline.violations.has(v));
    if (fresh.length > 0) fail(fresh.join('; '));
    checkTables(baseline, after);
    return after;
  } catch (e) {
    // Our own output failing to read back is the same bug as failing a rule.
    if (isWheelauditError(e)) fail(`it does not read back (${e.message})`);
    throw e;
  }
}

/** The dynamic entries are the expected ones; setting a run path leaves exactly one entry. */
function checkDynamic(before: ElfFile, after: ElfFile, expected: ExpectedDynamic): void {
  const d = after.dynamic;
  if (d === undefined || d.nullIndex < 0) fail('the dynamic array is missing or has no DT_NULL');
  if (!same(d.needed, expected.needed)) fail(`DT_NEEDED is ${JSON.stringify(d.needed)}, expected ${JSON.stringify(expected.needed)}`);
  if (d.soname !== expected.soname) fail(`DT_SONAME is ${String(d.soname)}, expected ${String(expected.soname)}`);
  if (d.rpath !== expected.rpath || d.runpath !== expected.runpath) fail('DT_RPATH/DT_RUNPATH differ from the request');
  const runPaths = (f: ElfFile): number => (f.dynamic?.entries ?? []).filter((e) => e.d_tag === DT_RPATH || e.d_tag === DT_RUNPATH).length;
  // Other edits keep whatever the input had.
  if (runPaths(after) > Math.max(1, runPaths(before))) fail(`${runPaths(after)} DT_RPATH/DT_RUNPATH entries remain`);
  // Every pointer tag that resolved before still resolves.
  for (const e of d.entries) {
    const old = before.dynamic?.entries.find((b) => b.d_tag === e.d_tag);
    if (old === undefined || !POINTER_TAGS.has(e.d_tag)) continue;
    if (before.vaddrToOffset(old.d_val, 1) !== undefined && after.vaddrToOffset(e.d_val, 1) === undefined) fail(`dynamic tag ${hex(e.d_tag)} no longer points into a PT_LOAD`);
  }
}

/** Verneed follows the renames and nothing else; Vernaux, Verdef and .gnu.version are unchanged. */
function checkVersions(before: ElfFile, after: ElfFile, expected: ExpectedDynamic): void {
  const vn = after.versionNeeds();
  const needed = after.dynamic?.needed ?? [];
  if (!same(vn.map((n) => n.file), expected.verneedFiles)) fail('Verneed file names do not follow the DT_NEEDED renames');
  for (const n of vn) {
    const was = before.versionNeeds().find((b) => b.offset === n.offset)?.file ?? '';
    if (!needed.includes(n.file) && before.dynamic?.needed.includes(was)) fail(`Verneed names ${n.file}, which is not a DT_NEEDED entry`);
  }
  const aux = (f: ElfFile): unknown => f.versionNeeds().map((n) => n.aux.map((a) => [a.name, a.vna_hash, a.vna_flags, a.vna_other]));
  if (!same(aux(after), aux(before))) fail('Vernaux entries changed');
  const defs = (f: ElfFile): unknown => f.versionDefs().map((v) => [v.vd_ndx, v.vd_flags, v.aux.map((a) => a.name)]);
  if (!same(defs(after), defs(before))) fail('Verdef entries changed');
  if (!sameArray(after.symbolVersionIndexes(), before.symbolVersionIndexes())) fail('.gnu.version changed');
}

function dynsymBytes(f: ElfFile): Uint8Array | undefined {
  const s = f.sections().find((x) => x.sh_type === SHT_DYNSYM);
  if (s === undefined) return undefined;
  const off = Number(s.sh_offset);
  return f.bytes.subarray(off, off + Number(s.sh_size));
}

/** Each dynamic symbol as the loader sees it: values relative to their section (which may move). */
function symbolView(f: ElfFile): unknown[][] {
  const secs = f.sections();
  return f.dynamicSymbols().map((s) => {
    let value: bigint | string = s.st_value;
    if (s.name === '_DYNAMIC') value = 'dynamic';
    else if (s.st_shndx !== SHN_UNDEF && s.st_shndx !== SHN_ABS && s.st_shndx < SHN_LORESERVE) {
      const base = secs[s.st_shndx]?.sh_addr;
      if (base !== undefined) value = s.st_value - base;
    }
    return [s.name, value, s.st_size, s.st_info, s.st_other, s.st_shndx];
  });
}

/**
 * The dynamic symbols are unchanged. Identical .dynsym bytes (the usual case: the table
 * neither moved nor needed fix-ups) say so without decoding every name.
 */
function checkSymbols(before: ElfFile, after: ElfFile): void {
  if (sameBytes(dynsymBytes(after), dynsymBytes(before))) return;
  const symsAfter = symbolView(after);
  const symsBefore = symbolView(before);
  if (symsAfter.length !== symsBefore.length || symsAfter.some((row, i) => !sameArray(row, symsBefore[i] ?? []))) fail('the dynamic symbol table changed');
}

/** Existing segments keep their place: the loader's view of the original image is unchanged. */
function checkImageKept(before: ElfFile, after: ElfFile): void {
  const oldLoads = before.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const newLoads = after.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const lowest = (ls: readonly ProgramHeader[]): bigint => ls.reduce((m, l) => (l.p_vaddr < m ? l.p_vaddr : m), BigInt(Number.MAX_SAFE_INTEGER));
  if (lowest(oldLoads) !== lowest(newLoads)) fail('the lowest PT_LOAD address changed');
  for (const o of oldLoads) {
    const kept = newLoads.some((n) => n.p_offset === o.p_offset && n.p_vaddr === o.p_vaddr && n.p_filesz === o.p_filesz && n.p_memsz === o.p_memsz && n.p_flags === o.p_flags);
    const rebuilt = o.p_offset + o.p_filesz === BigInt(before.bytes.length) && newLoads.some((n) => n.p_offset === o.p_offset && n.p_vaddr === o.p_vaddr);
    if (!kept && !rebuilt) fail(`PT_LOAD at ${hex(o.p_vaddr)} was changed`);
  }
  if (after.header.e_phoff !== before.header.e_phoff) fail('the program header table moved');
}

/** Tables whose bytes change by design (and are compared entry by entry above). */
const REWRITTEN_TABLES: ReadonlySet<bigint> = new Set([DT_SYMTAB, DT_VERNEED]);

/**
 * Every table that may have moved holds the same bytes where its tag now points (.dynstr:
 * the old strings are a prefix of the new table).
 */
function checkTables(baseline: SelfCheckBaseline, after: ElfFile): void {
  const before = baseline.before;
  const ad = after.dynamic;
  if (ad === undefined) return;
  for (const t of baseline.tables) {
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

// ---------------------------------------------------------------------------------------------
// Strips.

function failStrip(what: string, cause?: unknown): never {
  throw new ElfSelfCheckError(`strip produced an inconsistent file: ${what} (run without --strip to avoid it)`, cause === undefined ? undefined : { cause });
}

const hasBytes = (s: SectionHeader): boolean => s.sh_type !== SHT_NOBITS && s.sh_type !== SHT_NULL && s.sh_size !== 0n;

/**
 * Re-parse a stripped file and check the promises: the same program headers and segment
 * bytes (only the ELF header's section fields and, when sections were renumbered, .dynsym's
 * st_shndx may change), and exactly `kept` sections, in order, with their old bytes.
 */
export function verifyStrip(before: ElfFile, out: Uint8Array, kept: readonly SectionHeader[], renumbered: boolean): void {
  let after: ElfFile;
  try {
    after = parseElf(out);
  } catch (e) {
    return failStrip(`it does not parse (${e instanceof Error ? e.message : String(e)})`, e);
  }
  if (!same(before.programHeaders, after.programHeaders)) failStrip('the program headers changed');
  const allowed: Range[] = [{ start: 0, end: recordSize(EHDR, before.ident.elfClass === 64) }];
  if (renumbered) {
    for (const s of kept) if (s.sh_type === SHT_DYNSYM) allowed.push({ start: Number(s.sh_offset), end: Number(s.sh_offset + s.sh_size) });
  }
  const allowedMerged = mergeRanges(allowed);
  for (const ph of before.programHeaders) {
    const a = Number(ph.p_offset);
    if (!sameOutside(before.bytes, out, { start: a, end: a + Number(ph.p_filesz) }, allowedMerged)) failStrip(`the bytes of program header ${ph.index} changed`);
  }
  const secs = after.sections();
  if (secs.length !== kept.length) failStrip(`expected ${kept.length} sections, found ${secs.length}`);
  kept.forEach((s, n) => {
    const t = secs[n];
    if (t === undefined) return failStrip(`section ${n} is missing`);
    if (t.name !== s.name || t.sh_type !== s.sh_type || t.sh_flags !== s.sh_flags || t.sh_addr !== s.sh_addr) failStrip(`section ${n} (${s.name}) differs from the input's`);
    if (t.index === after.header.e_shstrndx || !hasBytes(s) || (renumbered && s.sh_type === SHT_DYNSYM)) return;
    const a = Number(s.sh_offset);
    const b = Number(t.sh_offset);
    const size = Number(s.sh_size);
    if (t.sh_size !== s.sh_size || !sameBytes(before.bytes.subarray(a, a + size), out.subarray(b, b + size))) failStrip(`the contents of section ${n} (${s.name}) changed`);
  });
}
