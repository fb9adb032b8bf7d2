// Shared pieces of the two write paths: the planned dynamic entry and the writer of the
// dynamic array, plus the one refusal message for layouts we will not touch.
import { ElfFormatError } from '../errors.js';
import type { ByteWriter } from '../util/bytes.js';
import { DT_NULL } from './constants.js';
import { dynEntrySize } from './dynamic.js';

/** A dynamic entry being planned: `str` set means the value is a string still to be placed. */
export interface PlannedEntry {
  readonly tag: bigint;
  val: bigint;
  str: string | undefined;
  changed: boolean;
}

/** A layout the relocation write will not touch (applyElfEdit adds the hint, which depends on the file). */
export function refuseLayout(message: string, hint?: string): ElfFormatError {
  return new ElfFormatError('ELF_EDIT_NO_ROOM', `${message}; this layout cannot be rewritten safely here`, hint === undefined ? {} : { hint });
}

/**
 * What can still edit a file this editor refused: patchelf, when the file has section
 * headers; when it has none, patchelf refuses it too, and only a copy with its section
 * headers (not sstripped) can be edited.
 */
export function layoutRefusalHint(hasSectionHeaders: boolean): string {
  return hasSectionHeaders
    ? 'use --patcher patchelf for this file'
    : 'the file has no section headers, which patchelf cannot edit either; use a copy of the library that keeps its section headers (not sstripped)';
}


/** Write `entries` then DT_NULL up to `capacity` slots at `offset`. */
export function writeDynamicArray(w: ByteWriter, offset: number, capacity: number, entries: readonly PlannedEntry[]): void {
  const ent = dynEntrySize(w.is64);
  if (entries.length + 1 > capacity) throw new ElfFormatError('ELF_EDIT_NO_ROOM', `dynamic array needs ${entries.length + 1} slots, has ${capacity}`);
  for (let i = 0; i < capacity; i++) {
    const e = entries[i];
    const o = offset + i * ent;
    w.sword(o, e?.tag ?? DT_NULL, `dynamic entry ${i} d_tag`);
    w.word(o + (w.is64 ? 8 : 4), e?.val ?? 0n, `dynamic entry ${i} d_val`);
  }
}


/**
 * The buffer an edit writes into: `provided` when it is large enough and shares no memory
 * with the input (callers that edit many files reuse one), else a new one.
 */
export function takeOutput(len: number, provided: Uint8Array | undefined, input: Uint8Array): Uint8Array {
  if (provided !== undefined && provided.buffer !== input.buffer && provided.length >= len) return provided.subarray(0, len);
  return new Uint8Array(len);
}
