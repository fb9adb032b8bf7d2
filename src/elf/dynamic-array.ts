// The dynamic array as an edit plans it (entries whose strings may still need a place in
// .dynstr) and the one writer of it, used by the in-place write and the segment write.
import { ElfFormatError } from '../errors.js';
import type { ByteWriter } from '../util/bytes.js';
import { DT_NULL } from './constants.js';
import { DYN, fieldAt, recordSize } from './layout.js';

/** A dynamic entry being planned: `str` set means the value is a string still to be placed. */
export interface PlannedEntry {
  readonly tag: bigint;
  val: bigint;
  str: string | undefined;
  changed: boolean;
}

/** Write `entries` then DT_NULL up to `capacity` slots at `offset`. */
export function writeDynamicArray(w: ByteWriter, offset: number, capacity: number, entries: readonly PlannedEntry[]): void {
  const ent = recordSize(DYN, w.is64);
  const valAt = fieldAt(DYN.fields.d_val, w.is64);
  if (entries.length + 1 > capacity) throw new ElfFormatError('ELF_EDIT_NO_ROOM', `dynamic array needs ${entries.length + 1} slots, has ${capacity}`);
  for (let i = 0; i < capacity; i++) {
    const e = entries[i];
    const o = offset + i * ent;
    w.sword(o, e?.tag ?? DT_NULL, `dynamic entry ${i} d_tag`);
    w.word(o + valAt, e?.val ?? 0n, `dynamic entry ${i} d_val`);
  }
}
