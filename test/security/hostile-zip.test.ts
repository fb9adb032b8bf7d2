// Issue 7, "the entry set must be exactly what Python's zipfile (and so pip) sees, or the wheel
// is refused": one generated archive per hostile class, run through the built CLI (`show` and
// `repair`) in a child process with a bounded heap. Each must give exactly one error line naming
// the wheel and the problem, exit 1, stay within generous time and memory bounds, and leave the
// input unchanged and the output directory empty. A well-formed control wheel passes both.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { buildZip, extensionBytes, localOffsets, text, WHEEL_NAME, wheelEntries, type BuildEntry, type BuildOptions } from '../wheel/zip-builder.js';
import { errorLines, RSS_LIMIT_KIB, runMeasured, sha256File, snapshot, TIME_LIMIT_MS } from './measured.js';
import { needs, requireTool } from '../helpers/requires.js';

const SO = 'hostile/_ext.cpython-311-x86_64-linux-gnu.so';
const PY = 'hostile/__init__.py';
const PY_TEXT = 'print("hostile")\n'.repeat(20);

let tmp = '';
let so: Uint8Array = new Uint8Array(0);
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-hostile-'));
  so = extensionBytes(REPO);
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The usual files, with `change` applied to the entry list before building. */
function wheel(change: (files: BuildEntry[]) => BuildEntry[] = (f) => f, opts: BuildOptions = {}): Buffer {
  const files: BuildEntry[] = [
    { name: PY, data: PY_TEXT },
    { name: SO, data: so },
  ];
  return buildZip(change(wheelEntries({ files })), opts);
}

interface Case {
  readonly name: string;
  readonly code: string;
  /** The problem, as the error line states it (after the wheel's path). */
  readonly problem: RegExp;
  readonly build: () => Buffer;
}

const at = (files: BuildEntry[], name: string): number => files.findIndex((f) => f.name === name);
const replace = (files: BuildEntry[], name: string, patch: Partial<BuildEntry>): BuildEntry[] =>
  files.map((f) => (f.name === name ? { ...f, ...patch } : f));

const CASES: readonly Case[] = [
  {
    name: 'the end record counts fewer entries than the central directory holds',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /the end record counts 3 entries, but the central directory holds 5; Python's zipfile \(and so pip\) would see 5/,
    build: () => wheel(undefined, { count: 3 }),
  },
  {
    name: 'the end record counts more entries than the central directory holds',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /the end record counts 9 entries, but the central directory holds 5/,
    build: () => wheel(undefined, { count: 9 }),
  },
  {
    name: 'more than 65,535 entries without zip64',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /the central directory holds 65541 entries, more than 65535, but there is no zip64 end record to count them \(the end record says 5, the count modulo 65536\)/,
    build: () => wheel((f) => [...Array.from({ length: 65_536 }, (_, i) => ({ name: `hostile/data/${i}.txt`, data: 'x' })), ...f]),
  },
  {
    name: 'a local header names another file than its central record',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /entry hostile\/_ext\.cpython-311-x86_64-linux-gnu\.so: the local header at offset \d+ names hostile\/_evil\.cpython-311-x86_64-linux-gnu\.so/,
    build: () => wheel((f) => replace(f, SO, { localName: 'hostile/_evil.cpython-311-x86_64-linux-gnu.so' })),
  },
  {
    name: "an entry's data runs into the next entry's local header (overlapping entries)",
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /entry hostile\/__init__\.py: its data \(\d+ bytes at offset \d+\) overlaps the local header of entry hostile\/_ext\.cpython-311-x86_64-linux-gnu\.so at offset \d+/,
    // The compressed size claims 40 bytes more than the deflate stream, covering the next header.
    build: () => {
      const probe = buildZip([{ name: PY, data: PY_TEXT }]).readUInt32LE(18);
      return wheel((f) => replace(f, PY, { csize: probe + 40 }));
    },
  },
  {
    name: 'two central records share one local header and its data',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /its data \(\d+ bytes at offset \d+\) overlaps the local header of entry/,
    // A second record for the extension's bytes, under its name, at its offset (the builder
    // also writes this record's own copy, which nothing points to).
    build: () => wheel((f) => [...f, { name: SO, data: so, headerOffset: localOffsets(f)[at(f, SO)] ?? 0 }]),
  },
  {
    name: 'the last entry runs into the central directory',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /entry hostile-1\.0\.dist-info\/RECORD: its data \(\d+ bytes at offset \d+\) overlaps the central directory at offset \d+/,
    build: () =>
      wheel((f) => {
        const record = f[f.length - 1] as BuildEntry;
        const real = buildZip([record]).readUInt32LE(18);
        return replace(f, record.name, { csize: real + 8 });
      }),
  },
  {
    name: 'two entries with the same name',
    code: 'WHEEL_UNSAFE_PATH',
    problem: /entry hostile\/__init__\.py: duplicate name \(central directory records 1 and 3\)/,
    build: () => wheel((f) => [f[0] as BuildEntry, f[1] as BuildEntry, { name: PY, data: 'print("the other one")\n' }, ...f.slice(2)]),
  },
  {
    name: 'an encrypted entry',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile\/__init__\.py: encrypted, expected plain data/,
    build: () => wheel((f) => replace(f, PY, { flags: 1 })),
  },
  {
    name: 'an entry compressed with an unsupported method (bzip2)',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile\/__init__\.py: unsupported compression method 12, expected 0 \(stored\) or 8 \(deflate\)/,
    build: () => wheel((f) => replace(f, PY, { method: 12, raw: text('BZh9 not really bzip2') })),
  },
  {
    name: 'a Python file with a bad CRC-32 (show used to skip it)',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile\/__init__\.py: CRC-32 of the data is 0x[0-9a-f]{8}, expected 0x[0-9a-f]{8}/,
    build: () => wheel((f) => replace(f, PY, { crc: (crc32(PY_TEXT) ^ 0x5a5a5a5a) >>> 0 })),
  },
  {
    name: 'an entry that inflates to fewer bytes than it declares',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile\/__init__\.py: inflated to 340 bytes, expected 350/,
    build: () => wheel((f) => replace(f, PY, { size: PY_TEXT.length + 10 })),
  },
  {
    name: 'an entry that inflates to more bytes than it declares',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile\/_ext\.cpython-311-x86_64-linux-gnu\.so: inflated to more than \d+ bytes, expected \d+/,
    build: () => wheel((f) => replace(f, SO, { size: 4096 })),
  },
  {
    name: 'an end record whose comment length disagrees with the bytes after it',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /the end of central directory record at offset \d+ has a 2-byte comment, but 10 bytes follow it/,
    build: () => wheel(undefined, { comment: text('0123456789'), commentLength: 2 }),
  },
  {
    name: 'a central directory offset that disagrees with where the directory is',
    code: 'WHEEL_ZIP_INCONSISTENT',
    problem: /the end record places the central directory at offset \d+ with \d+ bytes, ending at \d+, but the end record begins at \d+/,
    build: () => wheel(undefined, { cdOffset: 10 }),
  },
];

describe('hostile zip structures are refused the same way by show and repair', () => {
  it('the control wheel passes show and repair', () => {
    const dir = path.join(tmp, 'control');
    fs.mkdirSync(dir);
    const file = path.join(dir, WHEEL_NAME);
    fs.writeFileSync(file, wheel());
    const show = runMeasured(['show', file]);
    expect(show.code, show.stderr).toBe(0);
    expect(errorLines(show.stderr)).toEqual([]);
    const out = path.join(dir, 'out');
    const repair = runMeasured(['repair', file, '-w', out]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(fs.readdirSync(out)).toEqual(['hostile-1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
  });

  it("the premise: Python's zipfile sees every record of a directory whose end record undercounts", needs(requireTool('python3', 'python3')), () => {
    const file = path.join(tmp, 'premise.whl');
    fs.writeFileSync(file, wheel(undefined, { count: 3 }));
    const names = execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file], { encoding: 'utf8' });
    expect(names.trim().split('\n')).toContain(SO);
    expect(names.trim().split('\n')).toHaveLength(5);
  });

  it.each(CASES)('$name', (c) => {
    const dir = path.join(tmp, c.name.replace(/[^a-z0-9]+/gi, '-'));
    fs.mkdirSync(dir);
    const file = path.join(dir, WHEEL_NAME);
    fs.writeFileSync(file, c.build());
    const before = sha256File(file);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    for (const argv of [['show', file], ['repair', file, '-w', out]]) {
      const r = runMeasured(argv);
      const lines = errorLines(r.stderr);
      expect(lines, `${argv[0]}: ${r.stderr}`).toHaveLength(1);
      const [line] = lines;
      expect(line?.startsWith(`wheelaudit: error[${c.code}]: `), line).toBe(true);
      expect(line, `${argv[0]} names the wheel`).toContain(WHEEL_NAME);
      expect(line).toMatch(c.problem);
      expect(r.code, argv[0]).toBe(1);
      expect(r.cpuMs, `${argv[0]} time`).toBeLessThan(TIME_LIMIT_MS);
      expect(r.maxRssKiB, `${argv[0]} peak RSS`).toBeLessThan(RSS_LIMIT_KIB);
    }
    expect(sha256File(file), 'the input is unchanged').toBe(before);
    expect(snapshot(out), 'nothing was written').toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['out', WHEEL_NAME].sort());
  });
});
