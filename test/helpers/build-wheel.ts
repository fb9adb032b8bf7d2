// Build a small, valid wheel in memory from a file list (with yazl, a dev dependency): the
// WHEEL and METADATA files and a RECORD with every file's sha256 and size are added, entries
// get one fixed timestamp, so the same spec always gives the same bytes. For tests that make
// their own wheels without Python on the machine; also list and unpack a wheel (through
// wheelaudit's own zip reader, for tests whose subject is not the zip layer).
import { createHash } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { openWheelZip } from '../../src/wheel/zip-read.js';

export interface WheelFile {
  readonly data: Uint8Array | string;
  /** Unix mode bits; default 0o644. */
  readonly mode?: number;
}

export interface WheelSpec {
  readonly distribution: string;
  readonly version: string;
  /** The tag triple of the filename and WHEEL, e.g. 'cp311-cp311-linux_x86_64'. */
  readonly tag: string;
  /** Entry name -> content. */
  readonly files: Readonly<Record<string, WheelFile | Uint8Array | string>>;
  /** Root-Is-Purelib; default false. */
  readonly purelib?: boolean;
}

const WHEN = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

function b64sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}

/** The file name of the wheel `spec` describes. */
export function wheelFileName(spec: WheelSpec): string {
  return `${spec.distribution}-${spec.version}-${spec.tag}.whl`;
}

/** Write the wheel into `dir` (created); resolves to its path. */
export async function buildWheel(dir: string, spec: WheelSpec): Promise<string> {
  const distInfo = `${spec.distribution}-${spec.version}.dist-info`;
  const entries = new Map<string, { data: Uint8Array; mode: number }>();
  for (const [name, f] of Object.entries(spec.files)) {
    const file: WheelFile = typeof f === 'string' || f instanceof Uint8Array ? { data: f } : f;
    entries.set(name, { data: typeof file.data === 'string' ? Buffer.from(file.data) : file.data, mode: file.mode ?? 0o644 });
  }
  const meta = (name: string, text: string): void => {
    if (!entries.has(`${distInfo}/${name}`)) entries.set(`${distInfo}/${name}`, { data: Buffer.from(text), mode: 0o644 });
  };
  meta('METADATA', `Metadata-Version: 2.1\nName: ${spec.distribution}\nVersion: ${spec.version}\n`);
  meta('WHEEL', `Wheel-Version: 1.0\nGenerator: wheelaudit-tests\nRoot-Is-Purelib: ${spec.purelib === true ? 'true' : 'false'}\nTag: ${spec.tag}\n\n`);
  const rows = [...entries].map(([name, e]) => `${name},sha256=${b64sha256(e.data)},${e.data.length}`);
  rows.push(`${distInfo}/RECORD,,`);
  entries.set(`${distInfo}/RECORD`, { data: Buffer.from(`${rows.join('\n')}\n`), mode: 0o644 });

  const zip = new yazl.ZipFile();
  for (const [name, e] of entries) zip.addBuffer(Buffer.from(e.data), name, { mtime: WHEN, mode: 0o100000 | e.mode });
  zip.end();
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, wheelFileName(spec));
  await pipeline(zip.outputStream, createWriteStream(out));
  return out;
}

/** The entry names of a wheel, in archive order. */
export async function wheelEntries(whl: string): Promise<string[]> {
  const z = await openWheelZip(whl);
  try {
    return z.entries.map((e) => e.name);
  } finally {
    await z.close();
  }
}

/** Unpack a wheel into `dir` (files keep their Unix mode). */
export async function unpackWheel(whl: string, dir: string): Promise<void> {
  const z = await openWheelZip(whl);
  try {
    for (const e of z.entries) {
      const to = path.join(dir, e.name);
      if (e.isDirectory) {
        mkdirSync(to, { recursive: true });
        continue;
      }
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, await z.readEntry(e));
      if ((e.mode & 0o777) !== 0) chmodSync(to, e.mode & 0o777);
    }
  } finally {
    await z.close();
  }
}

/** The files of a wheel (not its .dist-info), with their modes: to build variants of a fixture. */
export async function wheelFiles(whl: string): Promise<Record<string, WheelFile>> {
  const z = await openWheelZip(whl);
  try {
    const out: Record<string, WheelFile> = {};
    for (const e of z.entries) {
      if (e.isDirectory || /^[^/]+\.dist-info\//.test(e.name)) continue;
      out[e.name] = { data: await z.readEntry(e), mode: (e.mode & 0o777) || 0o644 };
    }
    return out;
  } finally {
    await z.close();
  }
}
