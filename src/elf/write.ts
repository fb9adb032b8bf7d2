// applyElfEdit: bytes + a plan of edits -> new bytes, in one pass (design:
// shared/design/elf-rewriting.md). In place when the new dynamic entries fit the DT_NULL
// slack and every string already exists in .dynstr; otherwise the segment write
// (segment-write.ts): strings are appended to a copy of .dynstr in one new PT_LOAD past the
// end of the file, the program header table never moves (a slot comes from a PT_NULL, free
// space, or evicting movable pieces), pointers are remapped by address. Every output passes
// the self-check (self-check.ts) before it is returned; the input is never mutated.
import { ElfFormatError } from '../errors.js';
import { ByteWriter, takeOutput } from '../util/bytes.js';
import { ET_DYN, ET_EXEC } from './constants.js';
import { writeDynamicArray, type PlannedEntry } from './dynamic-array.js';
import { expectation, placeStrings, planEntries, sameEntries, verneedRenames } from './dynamic-plan.js';
import { planElfEdit, type ElfEditOp, type ElfEditPlan } from './edit.js';
import { parseElf } from './read.js';
import { layoutRefusalHint, refuseLayout } from './refuse.js';
import { writeNewSegment } from './segment-write.js';
import { selfCheckBaseline, verifyEdit } from './self-check.js';
import { selfCheckSnapshot } from './snapshot.js';
import type { ElfFile } from './types.js';

/** How an edit was written: nothing to do, within the existing tables, by moving them, or into room a previous edit left. */
export type WriteStrategy = 'unchanged' | 'in-place' | 'relocated' | 'reused';

/** The edited image and how the editor made room for the change. */
export interface ElfWriteResult {
  readonly bytes: Uint8Array;
  readonly strategy: WriteStrategy;
}

/** How applyElfEdit may produce its output. */
export interface EditOptions {
  /**
   * Write the result into this buffer when it is large enough (its old contents do not
   * matter); the result is then a view of it. Lets a caller editing many files reuse memory.
   */
  readonly output?: Uint8Array;
  /**
   * Write the result over the input, in its own buffer, when the room after the input's bytes
   * in that buffer holds the growth (else into a new buffer, as without it); the input is then
   * gone. The self-check still compares with the input, through a copy of the ranges it reads
   * (snapshot.ts) taken before the first byte is written. `output` is ignored.
   */
  readonly inPlace?: boolean;
}

/**
 * Apply an edit to an ELF image. Returns new bytes (or the input itself when nothing changes).
 * Throws ElfFormatError: ELF_EDIT_INVALID (contradictory plan, static file, removing a
 * versioned dependency), ELF_EDIT_NO_ROOM (a layout that cannot be rewritten safely, with a
 * hint that fits the file); and ElfSelfCheckError, an internal error (the output failed
 * verification: a bug, nothing is returned).
 */
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
  const renames = verneedRenames(elf, plan);
  if (sameEntries(elf, entries) && renames.length === 0) return { bytes: input, strategy: 'unchanged' };
  const strings = placeStrings(input.subarray(dyn.strtabOffset, dyn.strtabOffset + dyn.strtabSize), entries, renames);
  const needDyn = entries.length + 1 > dyn.capacity;
  const expected = expectation(elf, entries, plan);
  const inPlace = options.inPlace === true;
  const baseline = selfCheckBaseline(inPlace ? parseElf(selfCheckSnapshot(elf)) : elf);
  // The writer reads .dynsym through the parsed input when there are no section headers: parse
  // it before the bytes under it change.
  if (inPlace && elf.header.e_shnum === 0) elf.dynamicSymbols();
  const output = inPlace ? 'in-place' : options.output;
  let out: Uint8Array;
  let strategy: WriteStrategy;
  if (strings.appended.length === 0 && !needDyn) {
    out = inPlaceWrite(elf, entries, strings.verneedFiles, output);
    strategy = 'in-place';
  } else {
    const res = withRefusalHint(elf, () => writeNewSegment(elf, entries, strings.verneedFiles, strings.appended, needDyn, output));
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
function inPlaceWrite(elf: ElfFile, entries: readonly PlannedEntry[], verneedFiles: ReadonlyMap<number, bigint>, output: Uint8Array | 'in-place' | undefined): Uint8Array {
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'no dynamic section');
  const out = takeOutput(elf.bytes.length, output, elf.bytes);
  if (out.buffer !== elf.bytes.buffer || out.byteOffset !== elf.bytes.byteOffset) out.set(elf.bytes);
  const w = new ByteWriter(out, elf.ident.littleEndian, elf.ident.elfClass === 64);
  writeDynamicArray(w, dyn.offset, dyn.capacity, entries);
  for (const [off, val] of verneedFiles) w.u32(off + 4, Number(val), 'vn_file');
  return out;
}
