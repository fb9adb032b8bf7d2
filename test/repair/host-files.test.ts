// Reading host libraries for repair, against real files: bytes, digests and DT_NEEDED equal what
// independent tools say (sha256sum, readelf).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RepairError } from '../../src/errors.js';
import { gatherSources, hashFile, readInto } from '../../src/repair/host-files.js';
import { needs, requireFile, requireTool, requireAll } from '../helpers/requires.js';

const LIB = '/lib/x86_64-linux-gnu/libm.so.6';
const canRun = requireAll(requireFile(LIB, 'libc6'), requireTool('readelf', 'binutils'), requireTool('sha256sum', 'coreutils'));

describe('host files', () => {
  it('readInto fills the scratch buffer with the whole file and returns a view of it', needs(canRun), () => {
    const real = fs.readFileSync(LIB);
    const scratch = new Uint8Array(real.length + 100).fill(0xaa);
    const got = readInto(LIB, scratch);
    expect(got.buffer).toBe(scratch.buffer);
    expect(got.length).toBe(real.length);
    expect(Buffer.compare(Buffer.from(got), real)).toBe(0);
  });

  it('readInto names the library in a REPAIR_IO error when it cannot be read', () => {
    const err = (() => {
      try {
        readInto('/nonexistent/libnothing.so.1', new Uint8Array(16));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RepairError);
    expect((err as RepairError).code).toBe('REPAIR_IO');
    expect((err as Error).message).toMatch(/^cannot read library \/nonexistent\/libnothing\.so\.1: /);
  });

  it('hashFile equals sha256sum', needs(canRun), () => {
    const expected = execFileSync('sha256sum', [LIB], { encoding: 'utf8' }).split(' ')[0];
    expect(hashFile(LIB)).toBe(expected);
  });

  it('gatherSources reads DT_NEEDED as readelf lists it, the hash prefix and the mode', needs(canRun), () => {
    const dyn = execFileSync('readelf', ['-d', LIB], { encoding: 'utf8' });
    const needed = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    const src = gatherSources([LIB, LIB]).get(LIB);
    expect(src?.needed).toEqual(needed);
    expect(src?.h8).toBe(hashFile(LIB).slice(0, 8));
    expect(src?.mode).toBe(fs.statSync(LIB).mode);
  });
});
