// NUL-terminated string tables (.dynstr, .shstrtab). An index outside the table or a string
// without its NUL is an error; a string that is not UTF-8 is kept, with its bad bytes
// written as \xNN escapes, and reported as a warning rather than silently replaced.
import { ElfFormatError } from '../errors.js';
import { hex, type ByteReader } from '../util/bytes.js';
import type { ParseWarning } from './types.js';

export interface StringTableRef {
  /** File offset of the table. */
  readonly offset: number;
  readonly size: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readCString(
  r: ByteReader,
  table: StringTableRef,
  index: number,
  what: string,
  warnings: ParseWarning[] | undefined,
): string {
  if (!Number.isSafeInteger(index) || index < 0 || index >= table.size) {
    throw new ElfFormatError(
      'ELF_MALFORMED',
      `${what}: string offset ${hex(index)} lies outside its string table (size ${hex(table.size)})`,
    );
  }
  const bytes = r.bytes;
  const start = table.offset + index;
  const end = table.offset + table.size;
  const nul = bytes.indexOf(0, start);
  if (nul < 0 || nul >= end) {
    throw new ElfFormatError('ELF_MALFORMED', `${what}: string at offset ${hex(index)} has no terminating NUL`, {
      offset: start,
    });
  }
  const sub = bytes.subarray(start, nul);
  let ascii = true;
  for (const b of sub) {
    if (b >= 0x80) {
      ascii = false;
      break;
    }
  }
  r.decodeBudget -= sub.length + 1;
  if (r.decodeBudget < 0) {
    throw new ElfFormatError('ELF_MALFORMED', `${what}: the file's string references decode to far more text than the file holds`, { offset: start });
  }
  if (ascii) {
    return sub.length < 1024 ? String.fromCharCode(...sub) : utf8.decode(sub);
  }
  try {
    return utf8.decode(sub);
  } catch {
    let out = '';
    for (const b of sub) out += b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    warnings?.push({ code: 'ELF_STRING_NOT_UTF8', message: `${what}: string is not valid UTF-8, read as ${JSON.stringify(out)}`, offset: start });
    return out;
  }
}
