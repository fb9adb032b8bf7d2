// Reading the host libraries repair grafts: whole into a reused buffer for patching, hashed
// through a small buffer for their file names, and the facts planRepair needs.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { AuditReport } from '../analyze/report.js';
import { parseElf } from '../elf/index.js';
import { describeError, RepairError } from '../errors.js';
import type { GraftSource } from './plan.js';

/** The bytes of a host file as a plain Uint8Array view (no copy; a Buffer's slice() would alias). */
function readBytes(p: string): Uint8Array {
  const b = readFileSync(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Read a whole file into `scratch` (large enough), returning the filled view. */
export function readInto(p: string, scratch: Uint8Array): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(p, 'r');
    let n = 0;
    for (;;) {
      const got = readSync(fd, scratch, n, scratch.length - n, n);
      if (got <= 0) break;
      n += got;
    }
    return scratch.subarray(0, n);
  } catch (e) {
    throw new RepairError('REPAIR_IO', `cannot read library ${p}: ${describeError(e)}`, { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** SHA-256 of a file, streamed through one small buffer. */
export function hashFile(p: string): string {
  const h = createHash('sha256');
  const fd = openSync(p, 'r');
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Read the facts planRepair needs about each library to graft (DT_NEEDED from the trees). */
export function gatherSources(paths: Iterable<string>, report?: AuditReport): Map<string, GraftSource> {
  const neededOf = new Map<string, readonly string[]>();
  for (const elf of report?.elves ?? []) for (const lib of elf.tree.libraries.values()) if (lib.realpath !== undefined) neededOf.set(lib.realpath, lib.needed);
  const out = new Map<string, GraftSource>();
  for (const p of paths) {
    if (out.has(p)) continue;
    try {
      const needed = neededOf.get(p) ?? parseElf(readBytes(p)).dynamic?.needed ?? [];
      out.set(p, { realpath: p, h8: hashFile(p).slice(0, 8), mode: statSync(p).mode, needed });
    } catch (e) {
      if (e instanceof Error && 'code' in e && typeof e.code === 'string' && !('hint' in e)) {
        throw new RepairError('REPAIR_IO', `cannot read library ${p}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
  return out;
}
