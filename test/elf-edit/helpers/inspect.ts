// Structural view of an ELF file from GNU readelf (an oracle independent of src/elf): one
// `readelf -W -h -l -S -d -V --dyn-syms -n` run, parsed into plain data, plus whatever readelf
// printed on stderr (a warning there is a finding). Files without section headers are read again
// with -D so versions and dynamic symbols come from the dynamic array.
import { exec } from './exec.js';

export interface Phdr {
  readonly index: number;
  readonly type: string;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  /** readelf's three-column flag field, e.g. "R E", "RW ". */
  readonly flags: string;
  readonly align: bigint;
  /** From "Section to Segment mapping". */
  readonly sections: readonly string[];
}

export interface Shdr {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly flags: string;
  readonly align: bigint;
}

export interface DynEntry {
  readonly tag: bigint;
  readonly type: string;
  /** The text after the type column: "Shared library: [x]", "0x1000", "12 (bytes)", ... */
  readonly text: string;
  /** The bracketed string, for string tags. */
  readonly str: string | undefined;
  /** The numeric value when the text is one number. */
  readonly num: bigint | undefined;
}

export interface Verneed {
  readonly file: string;
  readonly names: readonly string[];
}

export interface Inspection {
  readonly path: string;
  readonly elfType: string;
  readonly entry: bigint;
  readonly phoff: bigint;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shoff: bigint;
  readonly shnum: number;
  readonly phdrs: readonly Phdr[];
  readonly interp: string | undefined;
  readonly shdrs: readonly Shdr[];
  readonly dynamic: readonly DynEntry[];
  readonly needed: readonly string[];
  readonly sonames: readonly string[];
  readonly rpaths: readonly string[];
  readonly runpaths: readonly string[];
  readonly verneed: readonly Verneed[];
  readonly verdefs: readonly string[];
  /** `Ndx` replaced by the section name, `Num` dropped: "FUNC GLOBAL DEFAULT .text 0x1150 51 foo_compute". */
  readonly dynsyms: readonly string[];
  /** readelf -n without the per-section headings (they name offsets when there are no sections). */
  readonly notes: string;
  /** Lines readelf printed on stderr. */
  readonly warnings: readonly string[];
}

const hex = (s: string): bigint => BigInt(s.startsWith('0x') ? s : `0x${s}`);

function between(text: string, start: RegExp, end: RegExp | undefined): string {
  const s = start.exec(text);
  if (!s) return '';
  const rest = text.slice(s.index);
  if (!end) return rest;
  const e = end.exec(rest.slice(1));
  return e ? rest.slice(0, e.index + 1) : rest;
}

function headerField(text: string, name: string): string {
  const m = new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(text);
  return (m?.[1] ?? '').trim();
}

function parseShdrs(text: string): Shdr[] {
  const out: Shdr[] = [];
  const block = between(text, /^Section Headers:/m, /^(Key to Flags|Program Headers|Elf file type|There are)/m);
  for (const m of block.matchAll(/^\s*\[\s*(\d+)\]\s+(.*)$/gm)) {
    // Name Type Address Off Size ES [Flg] Lk Inf Al; section 0 has an empty name.
    let t = (m[2] ?? '').trim().split(/\s+/);
    if (m[1] === '0') t = ['', ...t];
    if (t.length === 9) t.splice(6, 0, '');
    if (t.length !== 10) continue;
    out.push({
      index: Number(m[1]),
      name: t[0] ?? '',
      type: t[1] ?? '',
      addr: hex(t[2] ?? '0'),
      offset: hex(t[3] ?? '0'),
      size: hex(t[4] ?? '0'),
      flags: t[6] ?? '',
      align: BigInt(t[9] ?? '0'),
    });
  }
  return out;
}

function parsePhdrs(text: string): Phdr[] {
  const block = between(text, /^Program Headers:/m, /^(Dynamic section|There is no dynamic|Symbol table|Version|Displaying notes|No version)/m);
  const rows: Omit<Phdr, 'sections'>[] = [];
  // (a PT_NULL entry prints its alignment as a bare "0")
  const re = /^\s{2}(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s(.{3})\s(0x[0-9a-f]+|\d+)[ \t]*$/gm;
  for (const m of block.matchAll(re)) {
    rows.push({
      index: rows.length,
      type: m[1] ?? '',
      offset: hex(m[2] ?? '0'),
      vaddr: hex(m[3] ?? '0'),
      paddr: hex(m[4] ?? '0'),
      filesz: hex(m[5] ?? '0'),
      memsz: hex(m[6] ?? '0'),
      flags: m[7] ?? '',
      align: BigInt(m[8] ?? '0'),
    });
  }
  const mapping = new Map<number, string[]>();
  const mapBlock = between(block, /^ Section to Segment mapping:/m, undefined);
  for (const m of mapBlock.matchAll(/^ {3}(\d\d+)[ \t]*(.*)$/gm)) {
    mapping.set(Number(m[1]), (m[2] ?? '').trim().split(/\s+/).filter(Boolean));
  }
  return rows.map((r) => ({ ...r, sections: mapping.get(r.index) ?? [] }));
}

function parseDynamic(text: string): DynEntry[] {
  const block = between(text, /^Dynamic section at offset/m, /^(Symbol table|Version|Displaying notes|No version|Histogram)/m);
  const out: DynEntry[] = [];
  for (const m of block.matchAll(/^\s*0x([0-9a-f]+)\s+\((\S+)\)\s+(.*)$/gm)) {
    const body = (m[3] ?? '').trim();
    const str = /\[(.*)\]$/.exec(body)?.[1];
    const numText = /^(0x[0-9a-f]+|\d+)(\s+\(bytes\))?$/.exec(body)?.[1];
    out.push({ tag: BigInt.asIntN(64, hex(m[1] ?? '0')), type: m[2] ?? '', text: body, str, num: numText === undefined ? undefined : BigInt(numText) });
  }
  return out;
}

function parseVersions(text: string): { verneed: Verneed[]; verdefs: string[] } {
  const verneed: Verneed[] = [];
  const verdefs: string[] = [];
  const needBlock = between(text, /^Version needs section/m, /^(Version |Displaying notes|Symbol table|Histogram)/m);
  for (const line of needBlock.split('\n')) {
    const f = /File: (\S+)\s+Cnt:/.exec(line);
    if (f?.[1]) verneed.push({ file: f[1], names: [] });
    const n = /Name: (\S+)\s+Flags:/.exec(line);
    const last = verneed[verneed.length - 1];
    if (n?.[1] && last) (last.names as string[]).push(n[1]);
  }
  const defBlock = between(text, /^Version definition section/m, /^(Version |Displaying notes|Symbol table|Histogram)/m);
  for (const m of defBlock.matchAll(/Name: (\S+)/g)) if (m[1]) verdefs.push(m[1]);
  return { verneed, verdefs };
}

function parseDynsyms(text: string, shdrs: readonly Shdr[]): string[] {
  const block = between(text, /^Symbol table '\.dynsym'/m, /^(Version |Displaying notes|Histogram|Symbol table '\.symtab')/m);
  const out: string[] = [];
  const re = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/gm;
  for (const m of block.matchAll(re)) {
    const ndx = m[6] ?? '';
    const sec = /^\d+$/.test(ndx) ? (shdrs.find((s) => s.index === Number(ndx))?.name ?? `#${ndx}`) : ndx;
    out.push(`${m[3]} ${m[4]} ${m[5]} ${sec} 0x${hex(m[1] ?? '0').toString(16)} ${m[2]} ${(m[7] ?? '').trim()}`);
  }
  return out;
}

function parseNotes(text: string): string {
  const block = between(text, /^Displaying notes/m, undefined);
  return block
    .split('\n')
    .filter((l) => !l.startsWith('Displaying notes') && l.trim() !== '')
    .join('\n');
}

async function readelf(args: string[], files: readonly string[]): Promise<{ stdout: string; warnings: string[] }> {
  const r = await exec('readelf', ['-W', ...args, ...files], { timeoutMs: 60_000 });
  const warnings = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (r.code !== 0 && warnings.length === 0) warnings.push(`readelf exited with ${r.code ?? r.signal}`);
  return { stdout: r.stdout, warnings };
}

/** readelf's output for several files, split at its "File: <path>" headings. */
function splitByFile(stdout: string, files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (files.length === 1) {
    out.set(files[0] ?? '', stdout);
    return out;
  }
  const parts = stdout.split(/^File: (.*)$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i] ?? '', parts[i + 1] ?? '');
  return out;
}

function build(file: string, text: string, verText: string, warnings: string[]): Inspection {
  const shdrs = parseShdrs(text);
  const dynamic = parseDynamic(text);
  const strs = (type: string): string[] => dynamic.filter((d) => d.type === type).map((d) => d.str ?? `<${d.text}>`);
  return {
    path: file,
    elfType: headerField(text, 'Type').split(' ')[0] ?? '',
    entry: hex(headerField(text, 'Entry point address') || '0'),
    phoff: BigInt(headerField(text, 'Start of program headers').split(' ')[0] ?? '0'),
    phentsize: Number(headerField(text, 'Size of program headers').split(' ')[0] ?? '0'),
    phnum: Number(headerField(text, 'Number of program headers').split(' ')[0] ?? '0'),
    shoff: BigInt(headerField(text, 'Start of section headers').split(' ')[0] ?? '0'),
    shnum: Number(headerField(text, 'Number of section headers').split(' ')[0] ?? '0'),
    phdrs: parsePhdrs(text),
    interp: /\[Requesting program interpreter: (.*)\]/.exec(text)?.[1],
    shdrs,
    dynamic,
    needed: strs('NEEDED'),
    sonames: strs('SONAME'),
    rpaths: strs('RPATH'),
    runpaths: strs('RUNPATH'),
    ...parseVersions(verText),
    dynsyms: parseDynsyms(verText, shdrs),
    notes: parseNotes(text),
    warnings,
  };
}

const MAIN_ARGS = ['-h', '-l', '-S', '-d', '-V', '--dyn-syms', '-n'];

/**
 * Inspect several files with one readelf run (process creation is the expensive part of the
 * matrix). If readelf warns, the files are read again one by one so each warning is attributed.
 */
export async function inspectMany(files: readonly string[]): Promise<Map<string, Inspection>> {
  const result = new Map<string, Inspection>();
  if (files.length === 0) return result;
  const main = await readelf(MAIN_ARGS, files);
  if (main.warnings.length > 0 && files.length > 1) {
    for (const [f, i] of await Promise.all(files.map(async (f) => [f, (await inspectMany([f])).get(f)] as const))) if (i) result.set(f, i);
    return result;
  }
  const texts = splitByFile(main.stdout, files);
  // No section headers: versions and dynamic symbols only through the dynamic array (-D).
  const noSht = files.filter((f) => parseShdrs(texts.get(f) ?? '').length === 0);
  let dynTexts = new Map<string, string>();
  const warnings = [...main.warnings];
  if (noSht.length > 0) {
    const d = await readelf(['-D', '-V', '--dyn-syms'], noSht);
    dynTexts = splitByFile(d.stdout, noSht);
    warnings.push(...d.warnings);
  }
  for (const f of files) {
    const text = texts.get(f);
    if (text === undefined) throw new Error(`readelf printed nothing for ${f}`);
    result.set(f, build(f, text, dynTexts.get(f) ?? text, warnings));
  }
  return result;
}

export async function inspect(file: string): Promise<Inspection> {
  const i = (await inspectMany([file])).get(file);
  if (!i) throw new Error(`readelf printed nothing for ${file}`);
  return i;
}

export const loads = (i: Inspection): Phdr[] => i.phdrs.filter((p) => p.type === 'LOAD');
export const section = (i: Inspection, name: string): Shdr | undefined => i.shdrs.find((s) => s.name === name);
