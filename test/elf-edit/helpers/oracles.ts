// The oracles that judge one edited file, each returning a list of findings (empty = pass), so a
// test can report every problem of a run at once:
//   semanticFindings   (a) the requested edits, and nothing else, are visible in readelf -dVW
//   layoutFindings     (a) the design's §2 rules on readelf -lSW, compared with the input
//   contentFindings        every section's bytes survive (wherever the section now lives)
//   elflintFindings    (b) eu-elflint --gnu-ld reports nothing the input did not already have
// Runtime and post-processing oracles (c), (d) are in runtime.ts.
import type { ElfEditOp } from './backend.js';
import { DYN_TABLE_TAGS, dynamicEntries, dynTableSize, PT_DYNAMIC, PT_LOAD, readRaw, sectionBytes, SHT_NOBITS, vaddrToOffset } from './elf-bytes.js';
import { exec } from './exec.js';
import type { ArchInfo } from './fixtures.js';
import { loads, section, type Inspection, type Phdr } from './inspect.js';

const hx = (v: bigint | number): string => `0x${v.toString(16)}`;

// ---------------------------------------------------------------------------------------------
// (a) semantics

export interface ExpectedDynamic {
  readonly needed: readonly string[];
  readonly sonames: readonly string[];
  readonly rpaths: readonly string[];
  readonly runpaths: readonly string[];
  /** Verneed file names, in table order. */
  readonly verneedFiles: readonly string[];
}

/** What readelf must show after `ops` (a valid plan: the result does not depend on their order). */
export function expectedDynamic(input: Inspection, ops: readonly ElfEditOp[]): ExpectedDynamic {
  let needed = [...input.needed];
  let sonames = [...input.sonames];
  let rpaths = [...input.rpaths];
  let runpaths = [...input.runpaths];
  const rename = new Map<string, string>();
  for (const op of ops) {
    switch (op.kind) {
      case 'set-soname':
        sonames = [op.soname];
        break;
      case 'replace-needed':
        rename.set(op.from, op.to);
        break;
      case 'remove-needed':
        needed = needed.filter((n) => n !== op.name);
        break;
      case 'set-rpath':
        rpaths = op.tag === 'DT_RPATH' ? [op.value] : [];
        runpaths = op.tag === 'DT_RUNPATH' ? [op.value] : [];
        break;
      case 'remove-rpath':
        rpaths = [];
        runpaths = [];
        break;
    }
  }
  needed = needed.map((n) => rename.get(n) ?? n);
  const verneedFiles = input.verneed.map((v) => rename.get(v.file) ?? v.file);
  return { needed, sonames, rpaths, runpaths, verneedFiles };
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (a: readonly string[]): string => JSON.stringify(a);

export function semanticFindings(input: Inspection, output: Inspection, ops: readonly ElfEditOp[]): string[] {
  const f: string[] = [];
  const want = expectedDynamic(input, ops);
  if (output.warnings.length > 0) f.push(`readelf warnings: ${output.warnings.join(' | ')}`);
  if (!same(output.needed, want.needed)) f.push(`DT_NEEDED ${show(output.needed)}, expected ${show(want.needed)}`);
  if (!same(output.sonames, want.sonames)) f.push(`DT_SONAME ${show(output.sonames)}, expected ${show(want.sonames)}`);
  if (!same(output.rpaths, want.rpaths)) f.push(`DT_RPATH ${show(output.rpaths)}, expected ${show(want.rpaths)}`);
  if (!same(output.runpaths, want.runpaths)) f.push(`DT_RUNPATH ${show(output.runpaths)}, expected ${show(want.runpaths)}`);
  const files = output.verneed.map((v) => v.file);
  if (!same(files, want.verneedFiles)) f.push(`Verneed files ${show(files)}, expected ${show(want.verneedFiles)}`);
  for (const file of files) if (!output.needed.includes(file)) f.push(`Verneed names '${file}', which is not a DT_NEEDED entry`);
  const versions = (i: Inspection): string[] => i.verneed.map((v) => v.names.join(','));
  if (!same(versions(output), versions(input))) f.push(`Verneed versions ${show(versions(output))}, were ${show(versions(input))}`);
  // The base Verdef names the SONAME; updating it with the SONAME is allowed, nothing else is.
  const defs = (i: Inspection, skipBase: boolean): string[] => i.verdefs.slice(skipBase ? 1 : 0);
  if (!same(defs(output, true), defs(input, true))) f.push(`Verdef names ${show(output.verdefs)}, were ${show(input.verdefs)}`);
  const base = output.verdefs[0];
  if (base !== undefined && base !== input.verdefs[0] && !want.sonames.includes(base)) f.push(`base Verdef '${base}' is neither the old nor the new SONAME`);
  // Dynamic symbols: names, versions, types, sections, sizes and values are untouched (F9, F12);
  // only _DYNAMIC may follow a moved .dynamic.
  const syms = (i: Inspection): string[] => i.dynsyms.map((s) => (/ _DYNAMIC(@|$)/.test(s) ? s.replace(/ 0x[0-9a-f]+ /, ' 0x? ') : s));
  const si = syms(input);
  const so = syms(output);
  if (!same(si, so)) {
    const gone = si.filter((s) => !so.includes(s));
    const added = so.filter((s) => !si.includes(s));
    f.push(`.dynsym changed: lost ${show(gone.slice(0, 5))}, gained ${show(added.slice(0, 5))}`);
  }
  // Notes are compared as a set: readelf lists them in section order, which is not their content.
  const notes = (i: Inspection): string[] => i.notes.split(/\n(?=\s*Owner)/).map((n) => n.trim()).sort();
  if (!same(notes(input), notes(output))) f.push(`readelf -n output changed:\n--- before\n${input.notes}\n--- after\n${output.notes}`);
  if (output.interp !== input.interp) f.push(`PT_INTERP '${output.interp}', was '${input.interp}'`);
  return f;
}

// ---------------------------------------------------------------------------------------------
// (a) layout rules (design §2), judged against the input

export interface LayoutContext {
  readonly arch: ArchInfo;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly strategy: string;
}

const isPow2 = (v: bigint): boolean => v > 0n && (v & (v - 1n)) === 0n;
const roundDown = (v: bigint, p: bigint): bigint => v - (v % p);
const roundUp = (v: bigint, p: bigint): bigint => roundDown(v + p - 1n, p);
const loadKey = (p: Phdr): string => [p.offset, p.vaddr, p.filesz, p.memsz, p.align].map(hx).join('/') + `/${p.flags}`;

const POINTER_TAGS = new Set([
  'INIT', 'FINI', 'INIT_ARRAY', 'FINI_ARRAY', 'PREINIT_ARRAY', 'HASH', 'GNU_HASH', 'STRTAB', 'SYMTAB', 'RELA', 'REL', 'JMPREL',
  'RELR', 'PLTGOT', 'VERSYM', 'VERDEF', 'VERNEED', 'PPC64_GLINK', 'PPC64_OPD', 'PPC_GOT',
]);

/** The section containing an address: [addr, addr+size], the end included (array ends). */
function sectionAt(i: Inspection, addr: bigint): { name: string; delta: bigint } | undefined {
  const hits = i.shdrs.filter((s) => s.flags.includes('A') && s.size > 0n && addr >= s.addr && addr < s.addr + s.size);
  const hit = hits[0] ?? i.shdrs.find((s) => s.flags.includes('A') && s.size > 0n && addr === s.addr + s.size);
  return hit ? { name: hit.name, delta: addr - hit.addr } : undefined;
}

/** New PT_LOADs of the output: the ones not present, unchanged, in the input. */
export function newLoads(input: Inspection, output: Inspection): Phdr[] {
  const before = new Set(loads(input).map(loadKey));
  return loads(output).filter((p) => !before.has(loadKey(p)));
}

export function layoutFindings(input: Inspection, output: Inspection, ctx: LayoutContext): string[] {
  const f: string[] = [];
  const P = BigInt(ctx.arch.pageSize);
  const inLoads = loads(input);
  const outLoads = loads(output);
  const outKeys = new Set(outLoads.map(loadKey));
  const reused = ctx.strategy === 'reused';

  if (output.elfType !== input.elfType) f.push(`e_type ${output.elfType}, was ${input.elfType}`);
  if (output.entry !== input.entry) f.push(`e_entry ${hx(output.entry)}, was ${hx(input.entry)}`);
  if (ctx.strategy === 'unchanged' || ctx.strategy === 'in-place') {
    if (ctx.outputSize !== ctx.inputSize) f.push(`strategy ${ctx.strategy} but the size changed ${ctx.inputSize} -> ${ctx.outputSize}`);
  }

  // F15/F16/F3: every existing PT_LOAD is kept as it was (a re-used own segment may change size).
  inLoads.forEach((p, k) => {
    if (outKeys.has(loadKey(p))) return;
    const ownLast = reused && k === inLoads.length - 1;
    const moved = outLoads.find((q) => q.offset === p.offset && q.vaddr === p.vaddr);
    if (ownLast && moved) return;
    f.push(`existing PT_LOAD ${loadKey(p)} was changed or dropped${moved ? ` (now ${loadKey(moved)})` : ''}`);
  });
  if (outLoads.length > inLoads.length + 1) f.push(`${outLoads.length - inLoads.length} PT_LOADs were added (at most one allowed)`);

  // Rule 1: ascending, disjoint at page granularity, lowest vaddr unchanged.
  for (let k = 1; k < outLoads.length; k++) {
    const a = outLoads[k - 1];
    const b = outLoads[k];
    if (a && b && b.vaddr < a.vaddr) f.push(`PT_LOADs not in ascending vaddr order at ${hx(a.vaddr)} / ${hx(b.vaddr)}`);
  }
  const minV = (ls: Phdr[]): bigint => ls.reduce((m, p) => (p.vaddr < m ? p.vaddr : m), ls[0]?.vaddr ?? 0n);
  if (inLoads.length > 0 && minV(outLoads) !== minV(inLoads)) f.push(`lowest PT_LOAD vaddr ${hx(minV(outLoads))}, was ${hx(minV(inLoads))}`);
  const fresh = newLoads(input, output);
  for (const n of fresh) {
    for (const o of outLoads) {
      if (o === n) continue;
      const a0 = roundDown(n.vaddr, P);
      const a1 = roundUp(n.vaddr + n.memsz, P);
      const b0 = roundDown(o.vaddr, P);
      const b1 = roundUp(o.vaddr + o.memsz, P);
      if (a0 < b1 && b0 < a1) f.push(`new PT_LOAD ${loadKey(n)} overlaps PT_LOAD ${loadKey(o)} at ${hx(P)} pages`);
    }
  }

  // Rules 2, 3 (F1, F2): congruence and alignment.
  const inBad = new Set(inLoads.filter((p) => !isPow2(p.align) || (p.vaddr - p.offset) % p.align !== 0n).map(loadKey));
  for (const p of outLoads) {
    if (inBad.has(loadKey(p))) continue;
    if (!isPow2(p.align) || p.align % 4096n !== 0n) f.push(`PT_LOAD ${loadKey(p)}: p_align is not a power-of-two multiple of 4096`);
    else if ((p.vaddr - p.offset) % p.align !== 0n) f.push(`PT_LOAD ${loadKey(p)}: (p_vaddr - p_offset) % p_align != 0`);
  }
  for (const n of fresh) {
    if (reused && n === outLoads[outLoads.length - 1] && inLoads.some((p) => p.offset === n.offset && p.vaddr === n.vaddr)) continue;
    if (n.align < P) f.push(`new PT_LOAD ${loadKey(n)}: p_align < ${hx(P)} (the ${ctx.arch.key} page size)`);
    if (n.offset % n.align !== 0n || n.vaddr % n.align !== 0n) f.push(`new PT_LOAD ${loadKey(n)}: offset/vaddr not multiples of p_align`);
    if (n.offset < BigInt(ctx.inputSize)) f.push(`new PT_LOAD ${loadKey(n)} starts inside the input (size ${hx(ctx.inputSize)}): existing bytes overwritten`);
    if (n.flags.includes('E')) f.push(`new PT_LOAD ${loadKey(n)} is executable`);
    // Rule 7: no earlier phdr starts where the new segment starts.
    const idx = n.index;
    for (const q of output.phdrs) {
      if (q.index < idx && q.type !== 'LOAD' && q.offset === n.offset && q.filesz > 0n) f.push(`${q.type} (phdr ${q.index}) starts at the new PT_LOAD's offset ${hx(n.offset)} and comes first in the table`);
    }
  }

  // Rule 4 (F4): PT_DYNAMIC inside a writable PT_LOAD.
  const dyn = output.phdrs.find((p) => p.type === 'DYNAMIC');
  if (dyn) {
    const host = outLoads.find((l) => dyn.vaddr >= l.vaddr && dyn.vaddr + dyn.filesz <= l.vaddr + l.filesz && dyn.offset - l.offset === dyn.vaddr - l.vaddr);
    if (!host) f.push(`PT_DYNAMIC ${hx(dyn.offset)}/${hx(dyn.vaddr)} is not inside a PT_LOAD's file range`);
    else if (!host.flags.includes('W')) f.push(`PT_DYNAMIC lies in the read-only PT_LOAD ${loadKey(host)}`);
  }

  // Rule 5 (F5, F15): the PHT stays put, inside the first PT_LOAD; PT_PHDR describes it and comes first.
  if (output.phoff !== input.phoff) f.push(`e_phoff ${hx(output.phoff)}, was ${hx(input.phoff)} (the PHT moved)`);
  const phtEnd = output.phoff + BigInt(output.phnum * output.phentsize);
  const phtLoad = outLoads.find((l) => output.phoff >= l.offset && phtEnd <= l.offset + l.filesz);
  if (!phtLoad) f.push(`the PHT [${hx(output.phoff)}, ${hx(phtEnd)}) is not inside a PT_LOAD`);
  const phdr = output.phdrs.find((p) => p.type === 'PHDR');
  if (phdr) {
    if (phdr.offset !== output.phoff || phdr.filesz !== BigInt(output.phnum * output.phentsize) || phdr.memsz !== phdr.filesz) {
      f.push(`PT_PHDR ${hx(phdr.offset)}+${hx(phdr.filesz)} does not describe the PHT ${hx(output.phoff)}+${hx(output.phnum * output.phentsize)}`);
    }
    if (phtLoad && phdr.vaddr - phtLoad.vaddr !== phdr.offset - phtLoad.offset) f.push('PT_PHDR vaddr does not match its PT_LOAD');
    const firstLoad = output.phdrs.find((p) => p.type === 'LOAD');
    if (firstLoad && firstLoad.index < phdr.index) f.push('PT_PHDR comes after a PT_LOAD');
  }
  const interp = output.phdrs.find((p) => p.type === 'INTERP');
  const firstLoad = output.phdrs.find((p) => p.type === 'LOAD');
  if (interp && firstLoad && firstLoad.index < interp.index) f.push('PT_INTERP comes after a PT_LOAD');

  // Rule 6: every PT_LOAD holds a section; every alloc section lies in a PT_LOAD (when there is an SHT).
  if (output.shdrs.length > 0) {
    for (const l of outLoads) if (l.sections.length === 0 && l.memsz > 0n) f.push(`PT_LOAD ${loadKey(l)} contains no section`);
    const inside = (i: Inspection, name: string): boolean => {
      const s = section(i, name);
      if (!s) return true;
      return loads(i).some((l) => s.addr >= l.vaddr && s.addr + s.size <= l.vaddr + l.memsz && (s.type === 'NOBITS' || s.offset - l.offset === s.addr - l.vaddr));
    };
    for (const s of output.shdrs) {
      if (!s.flags.includes('A') || s.size === 0n || s.flags.includes('T')) continue;
      if (!inside(output, s.name) && inside(input, s.name)) f.push(`alloc section ${s.name} (${hx(s.offset)}/${hx(s.addr)}) is not inside a PT_LOAD`);
    }
    // Section indices are kept: same names in the same order.
    if (input.shdrs.length > 0 && !same(output.shdrs.map((s) => s.name), input.shdrs.map((s) => s.name))) {
      const a = input.shdrs.map((s) => s.name);
      const b = output.shdrs.map((s) => s.name);
      let k = 0;
      while (k < a.length && a[k] === b[k]) k++;
      f.push(`section table changed from index ${k}: ${show(a.slice(k, k + 4))}... -> ${show(b.slice(k, k + 4))}... (${a.length} -> ${b.length} sections)`);
    }
    // Rule 8: DT_STRTAB/DT_STRSZ are .dynstr.
    const dynstr = section(output, '.dynstr');
    const strtab = output.dynamic.find((d) => d.type === 'STRTAB')?.num;
    const strsz = output.dynamic.find((d) => d.type === 'STRSZ')?.num;
    if (dynstr && (strtab !== dynstr.addr || strsz !== dynstr.size)) {
      f.push(`DT_STRTAB/DT_STRSZ ${hx(strtab ?? -1n)}/${hx(strsz ?? -1n)} != .dynstr ${hx(dynstr.addr)}/${hx(dynstr.size)}`);
    }
    // PT_GNU_PROPERTY covers .note.gnu.property exactly (F13).
    const prop = output.phdrs.find((p) => p.type === 'GNU_PROPERTY');
    const propSec = section(output, '.note.gnu.property');
    if (prop && propSec && (prop.vaddr !== propSec.addr || prop.filesz !== propSec.size || prop.offset !== propSec.offset)) {
      f.push(`PT_GNU_PROPERTY ${hx(prop.offset)}/${hx(prop.vaddr)}+${hx(prop.filesz)} != .note.gnu.property ${hx(propSec.offset)}/${hx(propSec.addr)}+${hx(propSec.size)}`);
    }
    // Other segments that cover sections still cover the same sections.
    // (Not GNU_RELRO: a moved .dynamic legitimately leaves it, design §2 rule 4.)
    const covering = new Set(['DYNAMIC', 'INTERP', 'NOTE', 'GNU_PROPERTY', 'TLS', 'GNU_EH_FRAME']);
    for (const p of output.phdrs) {
      if (!covering.has(p.type)) continue;
      // The k-th header of a type in the output is the k-th of that type in the input (the new
      // PT_LOAD may shift the indices of those after it).
      const k = output.phdrs.filter((x) => x.type === p.type && x.index < p.index).length;
      const q = input.phdrs.filter((x) => x.type === p.type)[k];
      if (q && q.sections.length > 0 && !same(q.sections, p.sections)) f.push(`${p.type} covered ${show(q.sections)}, now ${show(p.sections)}`);
    }
  }

  return f;
}

/** F14: every pointer tag still points at the same byte of the same section (remapped by address). */
export function pointerFindings(input: Inspection, output: Inspection): string[] {
  const f: string[] = [];
  const seen = new Map<string, number>();
  for (const d of output.dynamic) {
    if (!POINTER_TAGS.has(d.type) || d.num === undefined) continue;
    const k = seen.get(d.type) ?? 0;
    seen.set(d.type, k + 1);
    const before = input.dynamic.filter((x) => x.type === d.type)[k];
    if (before?.num === undefined || before.num === d.num) continue;
    // Without sections there is nothing to name the target by: tableFindings compares its bytes.
    if (input.shdrs.length === 0 && output.shdrs.length === 0) continue;
    if (input.shdrs.length === 0 || output.shdrs.length === 0) {
      f.push(`DT_${d.type} changed ${hx(before.num)} -> ${hx(d.num)} and the section headers appeared or vanished`);
      continue;
    }
    const a = sectionAt(input, before.num);
    const b = sectionAt(output, d.num);
    if (!a || a.name !== b?.name || a.delta !== b.delta) {
      f.push(`DT_${d.type} ${hx(before.num)} (${a ? `${a.name}+${hx(a.delta)}` : '?'}) now ${hx(d.num)} (${b ? `${b.name}+${hx(b.delta)}` : 'in no section'})`);
    }
  }
  for (const type of POINTER_TAGS) {
    const a = input.dynamic.filter((d) => d.type === type).length;
    const b = output.dynamic.filter((d) => d.type === type).length;
    if (a !== b) f.push(`DT_${type}: ${a} entries before, ${b} after`);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Content: every section's bytes survive, wherever the section lives now (F6, F20).

const MAY_CHANGE = new Set(['.dynamic', '.dynstr', '.gnu.version_r', '.dynsym', '.symtab', '.shstrtab']);

export function contentFindings(inputBytes: Uint8Array, outputBytes: Uint8Array): string[] {
  const f: string[] = [];
  const a = readRaw(inputBytes);
  const b = readRaw(outputBytes);
  if (a.shnum === 0 || b.shnum === 0) return f;
  for (const s of a.shdrs) {
    if (s.type === SHT_NOBITS || s.type === 0 || s.size === 0) continue;
    const t = b.shdrs[s.index];
    if (t?.name !== s.name) continue; // reported by the section-table check
    const before = Buffer.from(sectionBytes(a, s));
    const after = Buffer.from(sectionBytes(b, t));
    if (s.name === '.dynstr') {
      if (!after.subarray(0, before.length).equals(before)) f.push('.dynstr: existing strings were modified (must only be appended to)');
      continue;
    }
    if (MAY_CHANGE.has(s.name)) continue;
    if (!after.equals(before)) {
      let at = 0;
      while (at < before.length && before[at] === after[at]) at++;
      f.push(`section ${s.name}: contents changed (first difference at +${hx(at)}, size ${hx(before.length)} -> ${hx(after.length)})`);
    }
  }
  return f;
}

/**
 * Files without section headers (sstripped): every table a pointer tag names holds the same
 * bytes wherever it is now (sizes from the dynamic array alone, elf-bytes.ts), .dynstr only
 * grew, and every byte of the input outside what the editor may rewrite in place (the ELF
 * header, the program header table and one more entry, the dynamic array, Verneed, and a
 * segment an earlier edit appended at the end) is unchanged.
 */
export function tableFindings(inputBytes: Uint8Array, outputBytes: Uint8Array): string[] {
  const f: string[] = [];
  const a = readRaw(inputBytes);
  const b = readRaw(outputBytes);
  if (a.shnum !== 0 || b.shnum !== 0) return f;
  const va = dynamicEntries(a).entries;
  const vb = dynamicEntries(b).entries;
  for (const tag of DYN_TABLE_TAGS) {
    const x = va.find((e) => e.tag === tag);
    const y = vb.find((e) => e.tag === tag);
    if (x === undefined && y === undefined) continue;
    if (x === undefined || y === undefined) {
      f.push(`dynamic tag ${hx(tag)} ${x === undefined ? 'appeared' : 'vanished'}`);
      continue;
    }
    const size = dynTableSize(a, tag);
    const from = vaddrToOffset(a, Number(x.val));
    const to = vaddrToOffset(b, Number(y.val));
    if (size === undefined || from === undefined || to === undefined || to + size > outputBytes.length) {
      f.push(`dynamic tag ${hx(tag)}: table ${hx(x.val)} -> ${hx(y.val)} cannot be located (size ${size})`);
      continue;
    }
    // Verneed: vn_file may be renamed (readelf -V judges it); its layout must not change.
    if (tag === 0x6ffffffen) {
      if (dynTableSize(b, tag) !== size) f.push(`Verneed size ${hx(size)} -> ${hx(dynTableSize(b, tag) ?? -1)}`);
      continue;
    }
    if (!Buffer.from(inputBytes.subarray(from, from + size)).equals(Buffer.from(outputBytes.subarray(to, to + size)))) {
      f.push(`the table of dynamic tag ${hx(tag)} (${hx(size)} bytes) differs at its new place ${hx(y.val)} from the input's at ${hx(x.val)}`);
    }
  }
  // Bytes the editor may rewrite in place; the rest of the input must be untouched.
  const allowed: [number, number][] = [
    [0, a.is64 ? 64 : 52],
    [a.phoff, a.phoff + (a.phnum + 1) * a.phentsize],
  ];
  const dyn = a.phdrs.find((p) => p.type === PT_DYNAMIC);
  if (dyn) allowed.push([dyn.offset, dyn.offset + dyn.filesz]);
  const vn = va.find((e) => e.tag === 0x6ffffffen);
  const vnOff = vn === undefined ? undefined : vaddrToOffset(a, Number(vn.val));
  if (vnOff !== undefined) allowed.push([vnOff, vnOff + (dynTableSize(a, 0x6ffffffen) ?? 0)]);
  // A segment an earlier edit appended (it ends the file and starts with .dynstr) is rebuilt.
  const last = a.phdrs.filter((p) => p.type === PT_LOAD).reduce<{ offset: number; filesz: number; memsz: number; vaddr: number } | undefined>((m, p) => (m === undefined || p.vaddr > m.vaddr ? p : m), undefined);
  const strtab = va.find((e) => e.tag === 5n);
  const own = last && strtab && last.offset + last.filesz === inputBytes.length && last.filesz === last.memsz && vaddrToOffset(a, Number(strtab.val)) === last.offset;
  if (last && own) allowed.push([last.offset, inputBytes.length]);
  for (let i = 0; i < inputBytes.length; i++) {
    const hole = allowed.find(([s, e]) => i >= s && i < e);
    if (hole) {
      i = hole[1] - 1;
      continue;
    }
    if (inputBytes[i] !== outputBytes[i]) {
      f.push(`input byte ${hx(i)} changed (${hx(inputBytes[i] ?? 0)} -> ${hx(outputBytes[i] ?? -1)}) outside what may be rewritten in place`);
      break;
    }
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// (b) eu-elflint differential

function elflintLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'No errors')
    // Addresses change with a move, and a new PT_LOAD shifts the index of every later program
    // header; section names identify sections well enough (their indices must not change either,
    // which layoutFindings checks directly).
    .map((l) =>
      l
        .replace(/0x[0-9a-f]+/gi, '0x?')
        .replace(/(segment|program header( entry)?) \[?\s*\d+\]?/g, '$1 [#]')
        .replace(/section \[\s*\d+\] /g, 'section ')
        .replace(/^[^:]*?: (?=section|DT_|program header|ELF|GNU_|_DYNAMIC)/, ''),
    );
}

/** eu-elflint --gnu-ld over several files in one run: normalised diagnostic lines per file. */
export async function elflintMany(files: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (files.length === 0) return out;
  const r = await exec('eu-elflint', ['--gnu-ld', ...files], { timeoutMs: 120_000 });
  if (r.signal || r.timedOut) {
    for (const f of files) out.set(f, [`eu-elflint crashed: ${r.signal ?? 'timeout'}`]);
    return out;
  }
  const text = `${r.stdout}\n${r.stderr}`;
  if (files.length === 1) {
    out.set(files[0] ?? '', elflintLines(text));
    return out;
  }
  // "\n<file>:\n<diagnostics>" per file
  const starts = files.map((f) => ({ f, at: text.indexOf(`\n${f}:\n`) }));
  if (starts.some((x) => x.at < 0)) {
    for (const f of files) out.set(f, (await elflintMany([f])).get(f) ?? []);
    return out;
  }
  starts.sort((a, b) => a.at - b.at);
  starts.forEach(({ f, at }, k) => {
    const end = starts[k + 1]?.at ?? text.length;
    out.set(f, elflintLines(text.slice(at + f.length + 3, end)));
  });
  return out;
}

export async function elflint(file: string): Promise<string[]> {
  return (await elflintMany([file])).get(file) ?? [];
}

/** Diagnostics of the output that the input did not already have (as a multiset). */
export function elflintDiff(before: readonly string[], after: readonly string[]): string[] {
  const left = [...before];
  const fresh: string[] = [];
  for (const l of after) {
    const k = left.indexOf(l);
    if (k >= 0) left.splice(k, 1);
    else fresh.push(l);
  }
  return fresh.map((l) => `eu-elflint: ${l}`);
}

/** A cache of per-file results that fills itself with one batched run for all missing files. */
export function batchedCache<T>(runMany: (files: readonly string[]) => Promise<Map<string, T>>): (files: readonly string[]) => Promise<T[]> {
  const cache = new Map<string, Promise<T>>();
  return (files) => {
    const missing = [...new Set(files.filter((f) => !cache.has(f)))];
    if (missing.length > 0) {
      const batch = runMany(missing);
      for (const f of missing) {
        cache.set(
          f,
          batch.then((m) => {
            const v = m.get(f);
            if (v === undefined) throw new Error(`no result for ${f}`);
            return v;
          }),
        );
      }
    }
    return Promise.all(files.map((f) => cache.get(f) as Promise<T>));
  };
}

/** eu-elflint of fixture inputs, cached. */
export const elflintInputs = batchedCache(elflintMany);

export async function elflintFindings(inputFile: string, outputFile: string): Promise<string[]> {
  const [[before], after] = await Promise.all([elflintInputs([inputFile]), elflint(outputFile)]);
  return elflintDiff(before ?? [], after);
}
