// Issue 7, "decompression bombs": RECORD, WHEEL and ELF entries that inflate to hundreds of MB
// or GB from a wheel of a few MB, each either declaring its real size (refused before anything
// is inflated, by the named limits) or lying about it (refused at the first byte past what it
// declared). Built by generators (repeated deflate blocks), run through `show` and `repair` in
// a child process with a 256 MB heap: one error line, exit 1, bounded time and peak RSS,
// nothing written, input unchanged.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { buildZip, DIST_INFO, extensionBytes, repeatedDeflate, text, WHEEL_NAME, wheelEntries, type BuildEntry } from '../wheel/zip-builder.js';
import { errorLines, RSS_LIMIT_KIB, runMeasured, sha256File, snapshot, TIME_LIMIT_MS } from './measured.js';

const SO = 'hostile/_ext.cpython-311-x86_64-linux-gnu.so';
const MiB = 1024 * 1024;

let tmp = '';
let so: Uint8Array = new Uint8Array(0);
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-bomb-'));
  so = extensionBytes(REPO);
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function wheelWith(replace: Record<string, Partial<BuildEntry>>, extra: BuildEntry[] = []): Buffer {
  const files: BuildEntry[] = [{ name: 'hostile/__init__.py', data: 'x = 1\n' }, { name: SO, data: so }, ...extra];
  return buildZip(wheelEntries({ files }).map((e) => ({ ...e, ...replace[e.name] })));
}

/** `n` MiB of RECORD-like rows. */
function rows(n: number): { raw: Uint8Array; crc: number; size: number } {
  const line = text('hostile/x.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,1\r\n');
  const chunk = new Uint8Array(MiB);
  for (let i = 0; i + line.length <= chunk.length; i += line.length) chunk.set(line, i);
  return repeatedDeflate(chunk, n);
}

/** An ELF header followed by zeros: `n` MiB in all. */
function elfZeros(n: number): { raw: Uint8Array; crc: number; size: number } {
  return repeatedDeflate(new Uint8Array(MiB), n - 1, so.subarray(0, MiB > so.length ? so.length : MiB));
}

interface Bomb {
  readonly name: string;
  readonly code: string;
  readonly problem: RegExp;
  readonly build: () => Buffer;
}

const BOMBS: readonly Bomb[] = [
  {
    // Under the 32 MiB ratio floor: the RECORD limit itself refuses it.
    name: 'RECORD declaring its real size of 30 MiB',
    code: 'WHEEL_LIMIT_EXCEEDED',
    problem: /entry hostile-1\.0\.dist-info\/RECORD: declares 30\.0 MiB, more than the 70656 bytes allowed for the RECORD of 5 entries/,
    build: () => wheelWith({ [`${DIST_INFO}/RECORD`]: rows(30) }),
  },
  {
    name: 'RECORD declaring its real size of 200 MiB',
    code: 'WHEEL_LIMIT_EXCEEDED',
    problem: /entry hostile-1\.0\.dist-info\/RECORD: declares 200\.0 MiB from \d+ bytes of stored data \(\d+:1\); entries over 32\.0 MiB may inflate at most 100:1/,
    build: () => wheelWith({ [`${DIST_INFO}/RECORD`]: rows(200) }),
  },
  {
    name: 'RECORD declaring 1 KiB that inflates to 200 MiB',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile-1\.0\.dist-info\/RECORD: inflated to more than 1024 bytes, expected 1024/,
    build: () => wheelWith({ [`${DIST_INFO}/RECORD`]: { ...rows(200), size: 1024 } }),
  },
  {
    name: 'WHEEL declaring its real size of 20 MiB',
    code: 'WHEEL_LIMIT_EXCEEDED',
    problem: /entry hostile-1\.0\.dist-info\/WHEEL: declares 20\.0 MiB, more than the 4\.0 MiB allowed for a WHEEL file/,
    build: () => wheelWith({ [`${DIST_INFO}/WHEEL`]: repeatedDeflate(text('Tag: cp311-cp311-linux_x86_64\n'.repeat(34952)), 20) }),
  },
  {
    name: 'WHEEL declaring 200 bytes that inflates to 100 MiB',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile-1\.0\.dist-info\/WHEEL: inflated to more than 200 bytes, expected 200/,
    build: () => wheelWith({ [`${DIST_INFO}/WHEEL`]: { ...repeatedDeflate(text('Tag: x\n'.repeat(100_000)), 140), size: 200 } }),
  },
  {
    name: 'an ELF entry declaring its real size of 1.66 GB (a 1.6 MB wheel)',
    code: 'WHEEL_LIMIT_EXCEEDED',
    problem: /entry hostile\/_ext\.cpython-311-x86_64-linux-gnu\.so: declares 1\.5 GiB from [\d.]+ MiB of stored data \(\d+:1\); entries over 32\.0 MiB may inflate at most 100:1/,
    build: () => wheelWith({ [SO]: elfZeros(1583) }),
  },
  {
    name: 'an ELF entry declaring 20 KiB that inflates to 1.66 GB',
    code: 'WHEEL_NOT_ZIP',
    problem: /entry hostile\/_ext\.cpython-311-x86_64-linux-gnu\.so: inflated to more than 20480 bytes, expected 20480/,
    build: () => wheelWith({ [SO]: { ...elfZeros(1583), size: 20480 } }),
  },
  {
    name: 'forty entries of 30 MiB each, each under the per-entry floor, 1.2 GiB in all',
    code: 'WHEEL_LIMIT_EXCEEDED',
    problem: /entries declare 1\.2 GiB in total from a 1\.\d MiB file; archives over 1\.0 GiB may inflate at most 100:1/,
    build: () => {
      const blob = repeatedDeflate(new Uint8Array(MiB), 30);
      return wheelWith({}, Array.from({ length: 40 }, (_, i) => ({ name: `hostile/data/blob${i}.bin`, ...blob })));
    },
  },
];

describe('decompression bombs are refused within bounded time and memory', () => {
  it.each(BOMBS)('$name', (b) => {
    const dir = path.join(tmp, b.name.replace(/[^a-z0-9]+/gi, '-'));
    fs.mkdirSync(dir);
    const file = path.join(dir, WHEEL_NAME);
    fs.writeFileSync(file, b.build());
    expect(fs.statSync(file).size, 'the generated wheel is small').toBeLessThan(4 * MiB);
    const before = sha256File(file);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    for (const argv of [['show', file], ['repair', file, '-w', out]]) {
      const r = runMeasured(argv);
      const lines = errorLines(r.stderr);
      expect(lines, `${argv[0]}: ${r.stderr}`).toHaveLength(1);
      const [line] = lines;
      expect(line?.startsWith(`wheelaudit: error[${b.code}]: `), line).toBe(true);
      expect(line, `${argv[0]} names the wheel`).toContain(WHEEL_NAME);
      expect(line).toMatch(b.problem);
      expect(r.code, argv[0]).toBe(1);
      expect(r.cpuMs, `${argv[0]} time`).toBeLessThan(TIME_LIMIT_MS);
      expect(r.maxRssKiB, `${argv[0]} peak RSS`).toBeLessThan(RSS_LIMIT_KIB);
    }
    expect(sha256File(file)).toBe(before);
    expect(snapshot(out)).toEqual([]);
  });
});
