// Shared by the ELF layer's tests: the committed fixtures, and GNU readelf's section and
// program header tables parsed into plain data (an oracle independent of src/elf).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/corpus.js';

export const OUT = path.join(FIXTURES, 'elf', 'out');

/** fixtures/elf/out/<rel> */
export function fixture(rel: string): string {
  return path.join(OUT, rel);
}

/** A fresh copy of fixtures/elf/out/<rel>'s bytes. */
export function load(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixture(rel)));
}

/** One fixture per class and byte order (and the x86_64 pair of library and program). */
export const SAMPLES = ['x86_64/verdemo/libverdemo.so.1', 'x86_64/verdemo/verdemo-main', 'i686/libverdemo.so.1', 'aarch64/verdemo-main', 'ppc64/libverdemo.so.1', 's390x/verdemo-main', 'armv7l/libverdemo.so.1'] as const;

export interface ReadelfSection {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
}

/** `readelf -SW`: every section header. */
export function readelfSections(file: string): ReadelfSection[] {
  const out = execFileSync('readelf', ['-SW', file], { encoding: 'utf8' });
  const rows: ReadelfSection[] = [];
  for (const m of out.matchAll(/^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s/gm)) {
    const [, index, name, type, addr, offset, size] = m;
    if (index === '0') continue; // the null section (readelf prints no name and a type NULL)
    rows.push({ index: Number(index), name: name ?? '', type: type ?? '', addr: BigInt(`0x${addr}`), offset: BigInt(`0x${offset}`), size: BigInt(`0x${size}`) });
  }
  return rows;
}

export interface ReadelfSegment {
  readonly type: string;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly flags: string;
  readonly align: bigint;
}

/** `readelf -lW`: every program header, in table order. */
export function readelfSegments(file: string): ReadelfSegment[] {
  const out = execFileSync('readelf', ['-lW', file], { encoding: 'utf8' });
  const rows: ReadelfSegment[] = [];
  for (const m of out.matchAll(/^\s{2}(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s(.{3})\s(0x[0-9a-f]+|\d+)[ \t]*$/gm)) {
    const [, type, offset, vaddr, filesz, memsz, flags, align] = m;
    rows.push({ type: type ?? '', offset: BigInt(`0x${offset}`), vaddr: BigInt(`0x${vaddr}`), filesz: BigInt(`0x${filesz}`), memsz: BigInt(`0x${memsz}`), flags: (flags ?? '').trim(), align: BigInt(align ?? '0') });
  }
  return rows;
}
