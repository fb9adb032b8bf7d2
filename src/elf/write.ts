// applyElfEdit: bytes + a plan of edits -> new bytes, in one pass (design:
// shared/design/elf-rewriting.md). In place when the new dynamic entries fit the DT_NULL
// slack and every string already exists in .dynstr; otherwise the relocation write: strings
// are appended to a copy of .dynstr in one new PT_LOAD past the end of the file, the program
// header table never moves (a slot comes from a PT_NULL, free space, or evicting movable
// sections), pointers are remapped by address. Every output is re-parsed and verified before
// it is returned; the input is never mutated.
import { ElfFormatError } from '../errors.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import {
  DT_NEEDED,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  ET_DYN,
  ET_EXEC,
} from './constants.js';
import { planElfEdit, type ElfEditOp, type ElfEditPlan } from './edit.js';
import { layoutRefusalHint, refuseLayout, takeOutput, writeDynamicArray, type PlannedEntry } from './dynamic-write.js';
import { relocateWrite } from './relocate.js';
import { parseElf } from './read.js';
import { readCString } from './strtab.js';
import type { ElfFile } from './types.js';
import { selfCheckBaseline, verifyEdit, type ExpectedDynamic } from './verify.js';

/** How an edit was written: nothing to do, within the existing tables, by moving them, or into room a previous edit left. */
export type WriteStrategy = 'unchanged' | 'in-place' | 'relocated' | 'reused';

/** The edited image and how the editor made room for the change. */
export interface ElfWriteResult {
  readonly bytes: Uint8Array;
  readonly strategy: WriteStrategy;
}

const STRING_TAGS = new Set([DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH]);
const utf8 = new TextEncoder();

/** Where `s` already sits in the string table as a NUL-terminated string (possibly a suffix). */
export function findString(table: Uint8Array, s: string): number | undefined {
  const needle = utf8.encode(s);
  const n = needle.length;
  outer: for (let i = 0; i + n < table.length; i++) {
    if (table[i + n] !== 0) continue;
    for (let j = 0; j < n; j++) if (table[i + j] !== needle[j]) continue outer;
    return i;
  }
  return undefined;
}

/** The dynamic entries after applying `plan`, strings still unplaced where they changed. */
function planEntries(elf: ElfFile, plan: ElfEditPlan): PlannedEntry[] {
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'the file has no dynamic section (it is statically linked)');
  const r = new ByteReader(elf.bytes, elf.ident.littleEndian, elf.ident.elfClass === 64);
  const table = { offset: dyn.strtabOffset, size: dyn.strtabSize };
  let entries: PlannedEntry[] = dyn.entries.map((e) => ({
    tag: e.d_tag,
    val: e.d_val,
    str: STRING_TAGS.has(e.d_tag) ? readCString(r, table, Number(e.d_val), `dynamic entry ${e.index}`, undefined) : undefined,
    changed: false,
  }));

  if (plan.removeNeeded.size > 0) {
    for (const need of elf.versionNeeds()) {
      if (plan.removeNeeded.has(need.file)) {
        throw new ElfFormatError('ELF_EDIT_INVALID', `can't remove DT_NEEDED '${need.file}': symbol versions (${need.aux.map((a) => a.name).join(', ')}) are still required from it`);
      }
    }
    entries = entries.filter((e) => !(e.tag === DT_NEEDED && e.str !== undefined && plan.removeNeeded.has(e.str)));
  }
  for (const e of entries) {
    if (e.tag !== DT_NEEDED || e.str === undefined) continue;
    const to = plan.replaceNeeded.get(e.str);
    if (to !== undefined) {
      e.str = to;
      e.changed = true;
    }
  }
  if (plan.soname !== undefined) {
    const existing = entries.filter((e) => e.tag === DT_SONAME);
    if (existing.length === 0) entries.push({ tag: DT_SONAME, val: 0n, str: plan.soname, changed: true });
    for (const e of existing) {
      if (e.str !== plan.soname) {
        e.str = plan.soname;
        e.changed = true;
      }
    }
  }
  if (plan.rpath !== undefined) {
    const first = entries.findIndex((e) => e.tag === DT_RPATH || e.tag === DT_RUNPATH);
    const kept = entries.filter((e) => e.tag !== DT_RPATH && e.tag !== DT_RUNPATH);
    if (plan.rpath !== null) {
      const tag = plan.rpath.tag === 'DT_RPATH' ? DT_RPATH : DT_RUNPATH;
      const old = first >= 0 ? entries[first] : undefined;
      const same = old !== undefined && old.tag === tag && old.str === plan.rpath.value && entries.filter((e) => e.tag === DT_RPATH || e.tag === DT_RUNPATH).length === 1;
      const entry: PlannedEntry = same ? (old as PlannedEntry) : { tag, val: 0n, str: plan.rpath.value, changed: true };
      // Put it where the first RPATH/RUNPATH was (entries before it are unaffected by removal).
      const at = first >= 0 ? entries.slice(0, first).filter((e) => e.tag !== DT_RPATH && e.tag !== DT_RUNPATH).length : kept.length;
      kept.splice(at, 0, entry);
    }
    entries = kept;
  }
  return entries;
}

function sameEntries(elf: ElfFile, entries: readonly PlannedEntry[]): boolean {
  const live = elf.dynamic?.entries ?? [];
  return live.length === entries.length && entries.every((e, i) => !e.changed && e.tag === live[i]?.d_tag && e.val === live[i]?.d_val);
}

/** What the output's dynamic view must be, for the self-check. */
function expectation(elf: ElfFile, entries: readonly PlannedEntry[], plan: ElfEditPlan): ExpectedDynamic {
  const strOf = (tag: bigint): string[] => entries.filter((e) => e.tag === tag).map((e) => e.str ?? '');
  return {
    needed: strOf(DT_NEEDED),
    soname: strOf(DT_SONAME)[0],
    rpath: strOf(DT_RPATH)[0],
    runpath: strOf(DT_RUNPATH)[0],
    verneedFiles: elf.versionNeeds().map((n) => plan.replaceNeeded.get(n.file) ?? n.file),
  };
}

/**
 * Apply an edit to an ELF image. Returns new bytes (or the input itself when nothing changes).
 * Throws ElfFormatError: ELF_EDIT_INVALID (contradictory plan, static file, removing a
 * versioned dependency), ELF_EDIT_NO_ROOM (a layout that cannot be rewritten safely),
 * and ElfSelfCheckError, an internal error (the output failed verification: a bug, nothing
 * is returned).
 */
export interface EditOptions {
  /**
   * Write the result into this buffer when it is large enough (its old contents do not
   * matter); the result is then a view of it. Lets a caller editing many files reuse memory.
   */
  readonly output?: Uint8Array;
}

/** Apply an edit to an ELF image and return the new bytes (the input is never modified); the output is re-parsed and checked before it is returned. */
export function applyElfEdit(input: Uint8Array, edit: ElfEditPlan | readonly ElfEditOp[], options: EditOptions = {}): ElfWriteResult {
  const plan = isOpList(edit) ? planElfEdit(edit) : edit;
  const elf = parseElf(input);
  if (elf.header.e_type !== ET_DYN && elf.header.e_type !== ET_EXEC) {
    throw new ElfFormatError('ELF_EDIT_INVALID', `e_type ${elf.header.e_type} is not an executable or shared object`);
  }
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'the file has no dynamic section (it is statically linked)');
  if (dyn.nullIndex < 0) throw refuseLayout('the dynamic array has no DT_NULL terminator', layoutRefusalHint(elf.header.e_shnum > 0));

  const entries = planEntries(elf, plan);
  const renames = elf.versionNeeds().filter((n) => plan.replaceNeeded.has(n.file));
  // vn_file is rewritten in place; in a damaged file it could sit inside another record.
  const auxRanges = elf.versionNeeds().flatMap((n) => n.aux.map((a) => a.offset));
  for (const n of renames) {
    if (auxRanges.some((a) => n.offset + 4 < a + 16 && a < n.offset + 8)) {
      throw new ElfFormatError('ELF_MALFORMED', `verneed record at offset ${n.offset} overlaps a Vernaux record`);
    }
  }
  if (sameEntries(elf, entries) && renames.length === 0) return { bytes: input, strategy: 'unchanged' };

  // Place strings: reuse any existing NUL-terminated occurrence, else append.
  const oldStr = input.subarray(dyn.strtabOffset, dyn.strtabOffset + dyn.strtabSize);
  const appended: string[] = [];
  let appendedSize = 0;
  const placed = new Map<string, bigint>();
  const place = (s: string): bigint => {
    const known = placed.get(s);
    if (known !== undefined) return known;
    const at = findString(oldStr, s);
    let off: bigint;
    if (at !== undefined) off = BigInt(at);
    else {
      off = BigInt(dyn.strtabSize + appendedSize);
      appended.push(s);
      appendedSize += utf8.encode(s).length + 1;
    }
    placed.set(s, off);
    return off;
  };
  for (const e of entries) if (e.changed && e.str !== undefined) e.val = place(e.str);
  const verneedFiles = new Map<number, bigint>(renames.map((n) => [n.offset, place(plan.replaceNeeded.get(n.file) as string)]));

  const needStr = appended.length > 0;
  const needDyn = entries.length + 1 > dyn.capacity;
  const expected = expectation(elf, entries, plan);
  const baseline = selfCheckBaseline(elf);
  let out: Uint8Array;
  let strategy: WriteStrategy;
  if (!needStr && !needDyn) {
    out = inPlaceWrite(elf, entries, verneedFiles, options.output);
    strategy = 'in-place';
  } else {
    const appendedBytes = new Uint8Array(appendedSize);
    let p = 0;
    for (const s of appended) {
      const b = utf8.encode(s);
      appendedBytes.set(b, p);
      p += b.length + 1;
    }
    const res = withRefusalHint(elf, () => relocateWrite(elf, entries, verneedFiles, appendedBytes, needDyn, options.output));
    out = res.bytes;
    strategy = res.reused ? 'reused' : 'relocated';
  }
  verifyEdit(baseline, out, expected);
  return { bytes: out, strategy };
}

/** Run a write that may refuse the layout, adding the hint that fits this file to a refusal. */
function withRefusalHint<T>(elf: ElfFile, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (e instanceof ElfFormatError && e.code === 'ELF_EDIT_NO_ROOM' && e.hint === undefined) {
      throw new ElfFormatError(e.code, e.message, { cause: e, hint: layoutRefusalHint(elf.header.e_shnum > 0) });
    }
    throw e;
  }
}

function isOpList(e: ElfEditPlan | readonly ElfEditOp[]): e is readonly ElfEditOp[] {
  return Array.isArray(e);
}

/** Rewrite the dynamic array (and Verneed names) where they are. */
function inPlaceWrite(elf: ElfFile, entries: readonly PlannedEntry[], verneedFiles: ReadonlyMap<number, bigint>, output: Uint8Array | undefined): Uint8Array {
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'no dynamic section');
  const out = takeOutput(elf.bytes.length, output, elf.bytes);
  out.set(elf.bytes);
  const w = new ByteWriter(out, elf.ident.littleEndian, elf.ident.elfClass === 64);
  writeDynamicArray(w, dyn.offset, dyn.capacity, entries);
  for (const [off, val] of verneedFiles) w.u32(off + 4, Number(val), 'vn_file');
  return out;
}

