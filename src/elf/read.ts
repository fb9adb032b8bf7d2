// parseElf: bytes -> ElfFile. Eager: e_ident, the header, program headers (whose file ranges
// must lie inside the file), PT_INTERP and PT_DYNAMIC. Lazy and memoized: section headers,
// dynamic symbols, symbol versions and notes. Nothing here trusts an offset: every read is
// bounds-checked, so bad input ends in an ElfFormatError, never a RangeError or a hang.
import { ElfFormatError } from '../errors.js';
import { ByteReader, toOffset, toSize } from '../util/bytes.js';
import {
  ET_CORE,
  ET_REL,
  GNU_PROPERTY_X86_ISA_1_NEEDED,
  PT_DYNAMIC,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  SHT_GNU_versym,
  SHT_NOBITS,
  SHT_NOTE,
} from './constants.js';
import { parseDynamic, type VaddrMapper } from './dynamic.js';
import { parseHeader, parseIdent, parseProgramHeaders, parseSectionHeaders } from './headers.js';
import { parseGnuProperties, parseNotes } from './notes.js';
import { readCString } from './strtab.js';
import { hashEntrySize, locateDynamicSymbols, parseSymbols, scanSymbols, stringEquals } from './symbols.js';
import type { DynamicInfo, ElfFile, ElfHeader, ElfIdent, ElfNote, ElfSymbol, GnuProperty, ParseWarning, ProgramHeader, SectionHeader, SymbolVersion, Verdef, Verneed } from './types.js';
import { VERSYM_HIDDEN, VERSYM_VERSION } from './constants.js';
import { parseVerdef, parseVerneed, parseVersym, type VersionSource } from './versions.js';

/** Options of {@link parseElf}. */
export interface ParseOptions {
  /** Accept relocatable objects and core files too (the analysis never needs them). */
  readonly allowAnyType?: boolean;
}

function memo<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/**
 * Parse an ELF image held in memory. Throws ElfFormatError (ELF_BAD_MAGIC, ELF_TRUNCATED,
 * ELF_MALFORMED, ELF_UNSUPPORTED) for anything it cannot read faithfully.
 */
export function parseElf(bytes: Uint8Array, options: ParseOptions = {}): ElfFile {
  const ident = parseIdent(bytes);
  const r = new ByteReader(bytes, ident.littleEndian, ident.elfClass === 64);
  const header = parseHeader(r);
  if (!options.allowAnyType && (header.e_type === ET_REL || header.e_type === ET_CORE)) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `e_type ${header.e_type} (${header.e_type === ET_REL ? 'relocatable object' : 'core file'}) is not an executable or shared object`);
  }
  const programHeaders = parseProgramHeaders(r, header);
  const warnings: ParseWarning[] = [];
  const vaddrToOffset = loadMapper(r, programHeaders);
  const interpreter = readInterpreter(r, programHeaders, warnings);
  const dynPh = programHeaders.find((p) => p.p_type === PT_DYNAMIC);
  const dynamic = dynPh === undefined ? undefined : parseDynamic(r, dynPh, vaddrToOffset, warnings);
  const eager: EagerParts = { r, ident, header, programHeaders, interpreter, dynamic, warnings, vaddrToOffset };
  const sections = memo(() => namedSections(r, header, warnings));
  return {
    bytes,
    ident,
    header,
    programHeaders,
    interpreter,
    dynamic,
    warnings,
    vaddrToOffset,
    sections,
    sectionByName: (name) => sections().find((s) => s.name === name),
    ...symbolViews(eager, sections),
    ...noteViews(eager, sections),
  };
}

/** What parseElf reads eagerly, shared by the lazy views. */
interface EagerParts {
  readonly r: ByteReader;
  readonly ident: ElfIdent;
  readonly header: ElfHeader;
  readonly programHeaders: readonly ProgramHeader[];
  readonly interpreter: string | undefined;
  readonly dynamic: DynamicInfo | undefined;
  readonly warnings: ParseWarning[];
  readonly vaddrToOffset: VaddrMapper;
}

/**
 * File offsets of virtual addresses through the PT_LOAD segments. The loader maps every
 * PT_LOAD's file range (and reads PT_DYNAMIC, PT_INTERP, PT_NOTE): one that runs past EOF
 * means a truncated file.
 */
function loadMapper(r: ByteReader, programHeaders: readonly ProgramHeader[]): VaddrMapper {
  const loads: ProgramHeader[] = [];
  for (const ph of programHeaders) {
    if (ph.p_type !== PT_LOAD && ph.p_type !== PT_DYNAMIC && ph.p_type !== PT_INTERP && ph.p_type !== PT_NOTE) continue;
    if (ph.p_filesz === 0n) continue;
    const off = toOffset(ph.p_offset, r.length, `program header ${ph.index} p_offset`);
    toSize(ph.p_filesz, r.length - off, `program header ${ph.index} p_filesz`);
    if (ph.p_type === PT_LOAD) loads.push(ph);
  }
  return (vaddr, size) => {
    for (const ph of loads) {
      if (vaddr >= ph.p_vaddr && vaddr + BigInt(size) <= ph.p_vaddr + ph.p_filesz) return Number(ph.p_offset + (vaddr - ph.p_vaddr));
    }
    return undefined;
  };
}

/** PT_INTERP's string, without its NUL. */
function readInterpreter(r: ByteReader, programHeaders: readonly ProgramHeader[], warnings: ParseWarning[]): string | undefined {
  const interpPh = programHeaders.find((p) => p.p_type === PT_INTERP);
  if (interpPh === undefined) return undefined;
  const off = toOffset(interpPh.p_offset, r.length, 'PT_INTERP p_offset');
  const size = toSize(interpPh.p_filesz, r.length - off, 'PT_INTERP p_filesz');
  if (size === 0) throw new ElfFormatError('ELF_MALFORMED', 'PT_INTERP is empty');
  return readCString(r, { offset: off, size }, 0, 'PT_INTERP', warnings);
}

/** The section headers with their names; names that cannot be read are '' (and warned about once). */
function namedSections(r: ByteReader, header: ElfHeader, warnings: ParseWarning[]): SectionHeader[] {
  const raw = parseSectionHeaders(r, header);
  const strIdx = header.e_shstrndx;
  const shstr = raw[strIdx];
  let table: { offset: number; size: number } | undefined;
  if (shstr !== undefined && strIdx !== 0 && shstr.sh_type !== SHT_NOBITS) {
    const off = toOffset(shstr.sh_offset, r.length, 'section name table sh_offset');
    table = { offset: off, size: toSize(shstr.sh_size, r.length - off, 'section name table sh_size') };
  }
  // undefined: the name lies outside the table.
  const names = raw.map((s): string | undefined => {
    if (table === undefined) return '';
    try {
      return readCString(r, table, s.sh_name, `section ${s.index} name`, warnings);
    } catch {
      return undefined;
    }
  });
  if (names.includes(undefined)) warnings.push({ code: 'ELF_BAD_SECTION_NAMES', message: 'some section names lie outside the section name table' });
  return raw.map((s, i) => ({ ...s, name: names[i] ?? '' }));
}

type SymbolViews = Pick<
  ElfFile,
  'dynamicSymbols' | 'dynamicSymbolCount' | 'scanDynamicSymbols' | 'dynamicString' | 'dynamicStringIs' | 'symbolVersionIndexes' | 'symbolVersion' | 'versionNeeds' | 'versionDefs'
>;

/** The dynamic symbols and their versions, each read on first use. */
function symbolViews(e: EagerParts, sections: () => readonly SectionHeader[]): SymbolViews {
  const { r, dynamic, vaddrToOffset, warnings } = e;
  const strtab = { offset: dynamic?.strtabOffset ?? 0, size: dynamic?.strtabSize ?? 0 };
  const symbolLocation = memo(() => locateDynamicSymbols(r, dynamic, sections(), vaddrToOffset, hashEntrySize(e.header.e_machine, e.ident.elfClass === 64)));
  const versionSource = (): VersionSource => ({ r, dyn: dynamic, sections: sections(), mapVaddr: vaddrToOffset, strtab, warnings });
  const versionNeeds = memo((): Verneed[] => parseVerneed(versionSource()));
  const versionDefs = memo((): Verdef[] => parseVerdef(versionSource()));
  const symbolVersionIndexes = memo((): number[] => {
    const loc = symbolLocation();
    return loc === undefined ? [] : parseVersym(r, dynamic, vaddrToOffset, loc.count, sections().find((s) => s.sh_type === SHT_GNU_versym));
  });
  const versionNames = memo(() => {
    const m = new Map<number, { name: string; file: string | undefined }>();
    for (const d of versionDefs()) {
      const first = d.aux[0];
      if (first !== undefined) m.set(d.vd_ndx, { name: first.name, file: undefined });
    }
    for (const n of versionNeeds()) for (const a of n.aux) m.set(a.vna_other & VERSYM_VERSION, { name: a.name, file: n.file });
    return m;
  });
  return {
    dynamicSymbols: memo((): ElfSymbol[] => {
      const loc = symbolLocation();
      return loc === undefined ? [] : parseSymbols(r, loc, strtab, warnings);
    }),
    dynamicSymbolCount: () => symbolLocation()?.count ?? 0,
    scanDynamicSymbols(visit) {
      const loc = symbolLocation();
      if (loc !== undefined) scanSymbols(r, loc, visit);
    },
    dynamicString: (offset) => (offset === 0 ? '' : readCString(r, strtab, offset, 'dynamic symbol name', warnings)),
    dynamicStringIs: (offset, s) => stringEquals(r, strtab, offset, s),
    symbolVersionIndexes,
    symbolVersion(symbolIndex: number): SymbolVersion | undefined {
      const v = symbolVersionIndexes()[symbolIndex];
      if (v === undefined) return undefined;
      const index = v & VERSYM_VERSION;
      const named = index >= 2 ? versionNames().get(index) : undefined;
      return { index, hidden: (v & VERSYM_HIDDEN) !== 0, name: named?.name, file: named?.file };
    },
    versionNeeds,
    versionDefs,
  };
}

/** Notes and GNU properties, from SHT_NOTE sections when there are any, else from PT_NOTE. */
function noteViews(e: EagerParts, sections: () => readonly SectionHeader[]): Pick<ElfFile, 'notes' | 'gnuProperties' | 'x86IsaNeeded'> {
  const { r, ident, warnings } = e;
  const noteAreas = memo((): ElfNote[][] => {
    const secs = sections().filter((s) => s.sh_type === SHT_NOTE);
    if (secs.length > 0) {
      return secs.map((s) => {
        const off = toOffset(s.sh_offset, r.length, `section ${s.name} sh_offset`);
        return parseNotes(r, off, toSize(s.sh_size, r.length - off, `section ${s.name} sh_size`), Number(s.sh_addralign), warnings);
      });
    }
    return e.programHeaders.filter((p) => p.p_type === PT_NOTE && p.p_filesz > 0n).map((p) => parseNotes(r, Number(p.p_offset), Number(p.p_filesz), Number(p.p_align), warnings));
  });
  return {
    notes: () => noteAreas().flat(),
    gnuProperties: memo((): GnuProperty[] => parseGnuProperties(noteAreas().flat(), ident.littleEndian, ident.elfClass === 64, warnings)),
    x86IsaNeeded: memo((): number | undefined => {
      // As the reference does: the first property note of each note area counts, and a later
      // area overrides an earlier one.
      let found: number | undefined;
      for (const area of noteAreas()) {
        // Problems in these notes were already reported by notes(); do not repeat them.
        for (const p of parseGnuProperties(area, ident.littleEndian, ident.elfClass === 64, [])) {
          if (p.pr_type === GNU_PROPERTY_X86_ISA_1_NEEDED && p.data.length === 4) found = new DataView(p.data.buffer, p.data.byteOffset, 4).getUint32(0, ident.littleEndian);
        }
      }
      return found;
    }),
  };
}
