// Wheels for the CLI tests, built from the fixture wheels: the same files under other platform
// tags (filename and WHEEL agree, RECORD updated), extra entries, or one generated ELF file.
// Written with yazl (independent of wheelaudit's own zip writer), read with the fixture's bytes.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { openWheelZip } from '../../../src/wheel/zip-read.js';
import { parseWheelName } from '../../../src/wheel/name.js';
import { FIXTURES } from '../../helpers/corpus.js';

export function fixtureWheel(name: string): string {
  return path.join(FIXTURES, 'wheels', name);
}

export function scratchDir(prefix = 'wheelaudit-cli-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

const b64 = (data: Uint8Array): string => createHash('sha256').update(data).digest('base64url');

/** RECORD text for `files` (name -> bytes), RECORD itself last with no hash. */
function recordFor(files: ReadonlyMap<string, Uint8Array>, recordName: string): string {
  const rows = [...files].filter(([n]) => n !== recordName).map(([n, d]) => `${n},sha256=${b64(d)},${d.length}`);
  return `${[...rows, `${recordName},,`].join('\n')}\n`;
}

async function writeWheel(out: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const zip = new yazl.ZipFile();
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const [name, data] of files) zip.addBuffer(Buffer.from(data), name, { mtime, mode: name.endsWith('.so') || name.includes('/scripts/') ? 0o100755 : 0o100644 });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  writeFileSync(out, Buffer.concat(chunks));
}

export interface WheelEdit {
  /** New platform tags (filename and WHEEL); default: keep. */
  readonly platforms?: readonly string[];
  /** WHEEL's platform tags when they should differ from the filename's. */
  readonly wheelPlatforms?: readonly string[];
  /** Entries to add or replace, listed in RECORD. */
  readonly add?: ReadonlyMap<string, Uint8Array>;
}

/** A copy of fixture wheel `src` in `dir`, edited; returns its path. */
export async function editWheel(src: string, dir: string, edit: WheelEdit): Promise<string> {
  const name = parseWheelName(path.basename(src));
  const zip = await openWheelZip(src);
  const files = new Map<string, Uint8Array>();
  let distInfo = '';
  try {
    for (const e of zip.entries) {
      if (e.isDirectory) continue;
      if (e.name.endsWith('.dist-info/RECORD')) distInfo = e.name.slice(0, -'/RECORD'.length);
      files.set(e.name, await zip.readEntry(e));
    }
  } finally {
    await zip.close();
  }
  const platforms = edit.platforms ?? name.platformTags;
  const py = name.pythonTags.join('.');
  const abi = name.abiTags.join('.');
  if (edit.platforms !== undefined || edit.wheelPlatforms !== undefined) {
    const wheelName = `${distInfo}/WHEEL`;
    const old = new TextDecoder().decode(files.get(wheelName));
    const kept = old.split('\n').filter((l) => l !== '' && !l.startsWith('Tag:'));
    const tags = (edit.wheelPlatforms ?? platforms).map((p) => `Tag: ${py}-${abi}-${p}`);
    files.set(wheelName, new TextEncoder().encode(`${[...kept, ...tags].join('\n')}\n`));
  }
  for (const [n, d] of edit.add ?? []) {
    files.delete(n);
    files.set(n, d);
  }
  // dist-info last, RECORD last of all, as wheels are packed.
  const recordName = `${distInfo}/RECORD`;
  const ordered = new Map([...files].filter(([n]) => !n.startsWith(`${distInfo}/`)));
  for (const [n, d] of files) if (n.startsWith(`${distInfo}/`) && n !== recordName) ordered.set(n, d);
  ordered.set(recordName, new Uint8Array());
  ordered.set(recordName, new TextEncoder().encode(recordFor(ordered, recordName)));
  const filename = `${name.distribution}-${name.version}${name.build === undefined ? '' : `-${name.build}`}-${py}-${abi}-${platforms.join('.')}.whl`;
  const out = path.join(dir, filename);
  await writeWheel(out, ordered);
  return out;
}

/**
 * A minimal x86-64 shared library (ELF64 LE, ET_DYN) with no section headers: one PT_LOAD
 * over the whole file, PT_DYNAMIC, .dynstr and a dynamic array with `needed` as DT_NEEDED
 * entries. Enough for the analysis, which reads everything through the dynamic segment.
 */
export function elfWithNeeded(needed: readonly string[]): Uint8Array {
  const EHDR = 64;
  const PHDR = 56;
  const strs = ['', ...needed];
  const offsets: number[] = [];
  let strtab = '';
  for (const s of strs) {
    offsets.push(Buffer.byteLength(strtab));
    strtab += `${s}\0`;
  }
  const strBytes = Buffer.from(strtab, 'utf8');
  const strOff = EHDR + 2 * PHDR;
  const dynOff = Math.ceil((strOff + strBytes.length) / 8) * 8;
  // DT_NEEDED..., DT_STRTAB, DT_STRSZ, DT_NULL: 16 bytes each.
  const dynCount = needed.length + 3;
  const size = dynOff + dynCount * 16;
  const b = Buffer.alloc(size);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2; // EI_CLASS ELFCLASS64
  b[5] = 1; // EI_DATA ELFDATA2LSB
  b[6] = 1; // EI_VERSION
  b.writeUInt16LE(3, 16); // e_type ET_DYN
  b.writeUInt16LE(62, 18); // e_machine EM_X86_64
  b.writeUInt32LE(1, 20); // e_version
  b.writeBigUInt64LE(BigInt(EHDR), 32); // e_phoff
  b.writeUInt16LE(EHDR, 52); // e_ehsize
  b.writeUInt16LE(PHDR, 54); // e_phentsize
  b.writeUInt16LE(2, 56); // e_phnum
  b.writeUInt16LE(64, 58); // e_shentsize
  // PT_LOAD: offset 0 = vaddr 0, the whole file, R.
  let p = EHDR;
  b.writeUInt32LE(1, p); // p_type PT_LOAD
  b.writeUInt32LE(4, p + 4); // p_flags PF_R
  b.writeBigUInt64LE(BigInt(size), p + 32); // p_filesz
  b.writeBigUInt64LE(BigInt(size), p + 40); // p_memsz
  b.writeBigUInt64LE(0x1000n, p + 48); // p_align
  // PT_DYNAMIC
  p += PHDR;
  b.writeUInt32LE(2, p); // p_type PT_DYNAMIC
  b.writeUInt32LE(6, p + 4); // p_flags PF_R|PF_W
  b.writeBigUInt64LE(BigInt(dynOff), p + 8); // p_offset
  b.writeBigUInt64LE(BigInt(dynOff), p + 16); // p_vaddr
  b.writeBigUInt64LE(BigInt(dynOff), p + 24); // p_paddr
  b.writeBigUInt64LE(BigInt(dynCount * 16), p + 32); // p_filesz
  b.writeBigUInt64LE(BigInt(dynCount * 16), p + 40); // p_memsz
  b.writeBigUInt64LE(8n, p + 48); // p_align
  strBytes.copy(b, strOff);
  let d = dynOff;
  const dyn = (tag: number, val: number): void => {
    b.writeBigInt64LE(BigInt(tag), d);
    b.writeBigUInt64LE(BigInt(val), d + 8);
    d += 16;
  };
  for (let i = 0; i < needed.length; i++) dyn(1, offsets[i + 1] as number); // DT_NEEDED
  dyn(5, strOff); // DT_STRTAB
  dyn(10, strBytes.length); // DT_STRSZ
  dyn(0, 0); // DT_NULL
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
