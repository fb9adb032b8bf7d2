// Parse GNU readelf's text output into plain data, as an independent oracle for src/elf.
// Only the fields the tests compare are extracted.
import { execFileSync, spawnSync } from 'node:child_process';

export function haveTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

function run(args: string[]): string {
  return execFileSync('readelf', ['-W', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ReadelfHeader {
  elfClass: 32 | 64;
  littleEndian: boolean;
  type: string;
  flags: number;
  entry: bigint;
  phnum: number;
  shnum: number;
}

export function readelfHeader(path: string): ReadelfHeader {
  const out = run(['-h', path]);
  const field = (name: string): string => {
    const m = new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(out);
    if (!m?.[1]) throw new Error(`readelf -h: no ${name} in output for ${path}`);
    return m[1].trim();
  };
  return {
    elfClass: field('Class') === 'ELF64' ? 64 : 32,
    littleEndian: field('Data').includes('little endian'),
    type: field('Type').split(' ')[0] ?? '',
    flags: Number.parseInt(field('Flags').split(/[ ,]/)[0] ?? '', 16),
    entry: BigInt(field('Entry point address')),
    phnum: Number.parseInt(field('Number of program headers'), 10),
    shnum: Number.parseInt(field('Number of section headers'), 10),
  };
}

export interface ReadelfDynamic {
  needed: string[];
  soname: string | undefined;
  rpath: string | undefined;
  runpath: string | undefined;
  interpreter: string | undefined;
}

export function readelfDynamic(path: string): ReadelfDynamic {
  const d = run(['-d', path]);
  const l = run(['-l', path]);
  const all = (kind: string): string[] => [...d.matchAll(new RegExp(`\\(${kind}\\)\\s+[^\\[]*\\[(.*)\\]$`, 'gm'))].map((m) => m[1] ?? '');
  return {
    needed: all('NEEDED'),
    soname: all('SONAME')[0],
    rpath: all('RPATH')[0],
    runpath: all('RUNPATH')[0],
    interpreter: /Requesting program interpreter: (.*)\]/.exec(l)?.[1],
  };
}

export interface ReadelfVersions {
  /** [file, [version names...]] in table order. */
  needs: [string, string[]][];
  /** verdef names (first name of each entry) in order. */
  defs: string[];
}

export function readelfVersions(path: string, useDynamic = false): ReadelfVersions {
  const out = run([...(useDynamic ? ['-D'] : []), '-V', path]);
  const needs: [string, string[]][] = [];
  const defs: string[] = [];
  let section: 'need' | 'def' | 'other' = 'other';
  for (const line of out.split('\n')) {
    if (line.startsWith('Version needs section')) section = 'need';
    else if (line.startsWith('Version definition section')) section = 'def';
    else if (line.startsWith('Version symbols section')) section = 'other';
    if (section === 'need') {
      const f = /File: (\S+)\s+Cnt:/.exec(line);
      if (f?.[1]) needs.push([f[1], []]);
      const n = /^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags:/.exec(line);
      if (n?.[1]) needs[needs.length - 1]?.[1].push(n[1]);
    } else if (section === 'def') {
      const m = /Index: \d+\s+Cnt: \d+\s+Name: (\S+)/.exec(line);
      if (m?.[1]) defs.push(m[1]);
    }
  }
  return { needs, defs };
}

export interface ReadelfSymbol {
  name: string;
  version: string | undefined;
  bind: string;
  type: string;
  undefined: boolean;
}

export function readelfDynSyms(path: string): ReadelfSymbol[] {
  const out = run(['--dyn-syms', path]);
  const syms: ReadelfSymbol[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*\d+: [0-9a-f]+\s+\S+\s+(\S+)\s+(\S+)\s+\S+(?:\s+\[[^\]]*\])?\s+(\S+)\s?(.*)$/.exec(line);
    if (!m) continue;
    const raw = (m[4] ?? '').replace(/ \(\d+\)$/, '');
    const at = raw.indexOf('@');
    syms.push({
      type: m[1] ?? '',
      bind: m[2] ?? '',
      undefined: m[3] === 'UND',
      name: at < 0 ? raw : raw.slice(0, at),
      version: at < 0 ? undefined : raw.slice(at).replace(/^@+/, ''),
    });
  }
  return syms;
}

/** The "x86 ISA needed" list from readelf -n, or undefined. */
export function readelfIsaNeeded(path: string): string | undefined {
  const out = run(['-n', path]);
  return /x86 ISA needed: (.*)$/m.exec(out)?.[1]?.trim();
}
