// Reading a wheel on several threads must give exactly what reading it on one gives: the same
// ELF facts, digests and problems in the same order, and the same first error. The wheels hold
// real libraries over the size that goes to the worker threads (1 MiB), next to small entries.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWheel, type LoadedWheel } from '../../src/analyze/load-wheel.js';
import { ENTRY_POOL_AVAILABLE } from '../../src/analyze/entry-pool.js';
import { REPO } from '../helpers/corpus.js';
import { needs, requireFile, unmet } from '../helpers/requires.js';
import { buildZip, extensionBytes, recordHash, text, WHEEL_NAME, wheelEntries, type BuildEntry } from '../wheel/zip-builder.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const canRun = ENTRY_POOL_AVAILABLE ? requireFile(LIBC, 'libc6') : unmet("workers need node:zlib's crc32 (Node 20.15+) and synchronous piecewise inflation");

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-jobs-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Large libraries (two copies of libc under other names), a big data file, an extension, modules. */
function files(): BuildEntry[] {
  const libc = new Uint8Array(fs.readFileSync(LIBC));
  const data = new Uint8Array(3 << 20).map((_, i) => (i * 7919) & 0xff);
  return [
    { name: 'hostile/__init__.py', data: 'import ctypes\nctypes.CDLL("libfoo.so.1")\n' },
    { name: 'hostile/_libs/libc-copy.so.6', data: libc, mode: 0o100755 },
    { name: 'hostile/_ext.cpython-311-x86_64-linux-gnu.so', data: extensionBytes(REPO), mode: 0o100755 },
    { name: 'hostile/data.bin', data },
    { name: 'hostile/_libs/libc-again.so.6', data: libc, mode: 0o100755 },
    ...Array.from({ length: 40 }, (_, i) => ({ name: `hostile/m${i}.py`, data: `X = ${i}\n` })),
  ];
}

function write(name: string, entries: BuildEntry[]): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const file = path.join(dir, WHEEL_NAME);
  fs.writeFileSync(file, buildZip(entries));
  return file;
}

/** Everything a LoadedWheel says, maps as ordered entry lists (their order is part of the result). */
function facts(w: LoadedWheel): unknown {
  return {
    elves: [...w.contents.elves.entries()],
    digests: [...w.digests.entries()],
    problems: w.problems,
    record: w.record,
    loads: w.runtimeLoads === undefined ? undefined : { elf: [...w.runtimeLoads.elf.entries()], py: [...w.runtimeLoads.py.entries()] },
  };
}

async function failure(file: string, jobs: number, forRepair: boolean): Promise<string> {
  try {
    await loadWheel(file, { jobs, forRepair });
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('loadWheel on several threads', () => {
  it('gives the same ELF facts, digests, run-time loads and problems as one thread', needs(canRun), async () => {
    const file = write('same', wheelEntries({ files: files() }));
    for (const forRepair of [false, true]) {
      const one = await loadWheel(file, { jobs: 1, forRepair, runtimeLoads: true });
      const two = await loadWheel(file, { jobs: 2, forRepair, runtimeLoads: true });
      const four = await loadWheel(file, { jobs: 4, forRepair, runtimeLoads: true });
      expect(one.contents.elves.size).toBe(3);
      expect(facts(two)).toEqual(facts(one));
      expect(facts(four)).toEqual(facts(one));
    }
  });

  it('reports RECORD mismatches of large entries in file order, as one thread does', needs(canRun), async () => {
    const fs0 = files();
    const rows = fs0.map((e) => {
      const bytes = typeof e.data === 'string' ? text(e.data) : (e.data as Uint8Array);
      // Wrong hashes for the two libc copies and the data file (all pooled), and one small module.
      const wrong = /libc-|data\.bin|m7\.py/.test(e.name);
      return `${e.name},${wrong ? recordHash(text('other')) : recordHash(bytes)},${bytes.length}\r\n`;
    });
    const record = `${rows.join('')}hostile-1.0.dist-info/METADATA,,\r\nhostile-1.0.dist-info/WHEEL,,\r\nhostile-1.0.dist-info/RECORD,,\r\n`;
    const file = write('record', wheelEntries({ files: fs0, record }));
    const one = await loadWheel(file, { jobs: 1 });
    const two = await loadWheel(file, { jobs: 2 });
    expect(one.problems.length).toBe(4);
    expect(two.problems).toEqual(one.problems);
    // Repair's mode throws the first one in file order, whichever thread finished first.
    const first = await failure(file, 1, true);
    expect(first).toMatch(/libc-copy\.so\.6/);
    expect(await failure(file, 2, true)).toBe(first);
  });

  it('throws the same error for a large entry whose CRC-32 is wrong, even when a later one is wrong too', needs(canRun), async () => {
    const entries = wheelEntries({ files: files() }).map((e) => (/libc-(copy|again)/.test(e.name) ? { ...e, crc: 0xdeadbeef } : e));
    const file = write('crc', entries);
    const one = await failure(file, 1, false);
    expect(one).toMatch(/entry hostile\/_libs\/libc-copy\.so\.6: CRC-32 of the data is 0x[0-9a-f]{8}, expected 0xdeadbeef/);
    expect(await failure(file, 2, false)).toBe(one);
    expect(await failure(file, 3, true)).toBe(one);
  });

  it('names a small entry that fails before a large one does', needs(canRun), async () => {
    const entries = wheelEntries({ files: files() }).map((e) => (e.name === 'hostile/__init__.py' || e.name.includes('libc-again') ? { ...e, crc: 0x1 } : e));
    const file = write('early', entries);
    const one = await failure(file, 1, false);
    expect(one).toMatch(/entry hostile\/__init__\.py: CRC-32/);
    expect(await failure(file, 2, false)).toBe(one);
  });
});
