// ELF notes (gABI "Note Section") and the GNU property note (NT_GNU_PROPERTY_TYPE_0, from the
// x86-64 and AArch64 psABIs), which carries the x86 ISA level a file needs. Notes are read
// from SHT_NOTE sections when the file has section headers, else from PT_NOTE segments.
import { hex, type ByteReader } from '../util/bytes.js';
import { NT_GNU_PROPERTY_TYPE_0 } from './constants.js';
import { addrSize } from './layout.js';
import type { ElfNote, GnuProperty, ParseWarning } from './types.js';

const ascii = new TextDecoder('latin1');

function align(n: number, a: number): number {
  return a <= 1 ? n : Math.ceil(n / a) * a;
}

/** Parse the notes in [offset, offset+size). Malformed trailing bytes become a warning. */
export function parseNotes(r: ByteReader, offset: number, size: number, alignment: number, warnings: ParseWarning[]): ElfNote[] {
  r.check(offset, size, 'note area');
  const a = alignment === 8 ? 8 : 4;
  const out: ElfNote[] = [];
  let p = offset;
  const end = offset + size;
  while (p + 12 <= end) {
    // Elf_Nhdr: 0x00 n_namesz, 0x04 n_descsz, 0x08 n_type, then name and desc, each padded.
    const namesz = r.u32(p, 'n_namesz');
    const descsz = r.u32(p + 4, 'n_descsz');
    const type = r.u32(p + 8, 'n_type');
    const nameOff = p + 12;
    const descOff = align(nameOff + namesz, a);
    const next = align(descOff + descsz, a);
    if (descOff + descsz > end || namesz > size || descsz > size) {
      warnings.push({ code: 'ELF_BAD_NOTE', message: `note at ${hex(p)} (namesz ${namesz}, descsz ${descsz}) overruns its note area`, offset: p });
      break;
    }
    let owner = ascii.decode(r.bytes.subarray(nameOff, nameOff + namesz));
    if (owner.endsWith('\0')) owner = owner.slice(0, -1);
    out.push({ namesz, descsz, type, owner, desc: r.bytes.subarray(descOff, descOff + descsz) });
    p = next;
  }
  return out;
}

/** The properties of the first GNU property note among `notes`. */
export function parseGnuProperties(notes: readonly ElfNote[], littleEndian: boolean, is64: boolean, warnings: ParseWarning[]): GnuProperty[] {
  const note = notes.find((n) => n.type === NT_GNU_PROPERTY_TYPE_0 && n.owner === 'GNU');
  if (note === undefined) return [];
  const out: GnuProperty[] = [];
  const d = note.desc;
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const a = addrSize(is64);
  let p = 0;
  while (p + 8 <= d.length) {
    // Each property: pr_type u32, pr_datasz u32, pr_data padded to the class alignment.
    const pr_type = view.getUint32(p, littleEndian);
    const datasz = view.getUint32(p + 4, littleEndian);
    if (p + 8 + datasz > d.length) {
      warnings.push({ code: 'ELF_BAD_NOTE', message: `GNU property ${hex(pr_type)} (pr_datasz ${datasz}) overruns its note` });
      break;
    }
    out.push({ pr_type, data: d.subarray(p + 8, p + 8 + datasz) });
    p = align(p + 8 + datasz, a);
  }
  return out;
}
