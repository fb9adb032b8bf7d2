// Entry names: decoded as Python's zipfile does (code page 437 checked byte for byte against
// Python's own cp437 codec; UTF-8 when flagged; an Info-ZIP Unicode Path field only when its
// CRC matches), and refused when unsafe, duplicated, or a file used as a directory.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/wheel/crc32.js';
import { checkEntryName, checkNameConflicts, decodeEntryName, unsafeNameReason } from '../../src/wheel/zip-names.js';
import { needs, requireTool } from '../helpers/requires.js';
import { cpuClock } from '../helpers/cpu-clock.js';

const UTF8_FLAG = 0x800;
const W = 'w.whl';

function unicodePathField(raw: Uint8Array, name: string, crc = crc32(raw)): Uint8Array {
  const utf8 = Buffer.from(name, 'utf8');
  const out = new Uint8Array(5 + utf8.length);
  out[0] = 1;
  new DataView(out.buffer).setUint32(1, crc, true);
  out.set(utf8, 5);
  return out;
}

describe('decodeEntryName', () => {
  it('code page 437 for unflagged names: every byte as Python decodes it', needs(requireTool('python3', 'python3')), () => {
    const all = Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1));
    const want = execFileSync('python3', ['-c', 'import sys; sys.stdout.write(bytes(range(1, 256)).decode("cp437").encode("utf-8").hex())'], { encoding: 'utf8' });
    expect(Buffer.from(decodeEntryName(all, 0, all.length, 0, undefined, W), 'utf8').toString('hex')).toBe(want);
  });

  it('UTF-8 when bit 11 is set; invalid UTF-8 under the flag is an unsafe path naming the bytes', () => {
    const name = Buffer.from('pkg/naïve/日本.txt', 'utf8');
    expect(decodeEntryName(name, 0, name.length, UTF8_FLAG, undefined, W)).toBe('pkg/naïve/日本.txt');
    // The same bytes unflagged are code page 437.
    expect(decodeEntryName(name, 0, name.length, 0, undefined, W)).toBe('pkg/na├»ve/µùÑµ£¼.txt');
    const bad = Buffer.from([0x61, 0xff, 0x62]);
    expect(() => decodeEntryName(bad, 0, 3, UTF8_FLAG, undefined, W)).toThrow(expect.objectContaining({ code: 'WHEEL_UNSAFE_PATH', message: expect.stringMatching(/^w\.whl: entry .*: name is flagged UTF-8 but is not valid UTF-8$/) as string }) as Error);
  });

  it('decodes only [start, end) of a larger buffer', () => {
    const buf = Buffer.from('xxpkg/a.pyyy');
    expect(decodeEntryName(buf, 2, 10, 0, undefined, W)).toBe('pkg/a.py');
  });

  it('a Unicode Path extra field wins when its CRC matches the raw name, and is ignored otherwise', () => {
    const raw = Buffer.from([0x70, 0x6b, 0x67, 0x2f, 0x82]); // "pkg/é" in cp437
    expect(decodeEntryName(raw, 0, raw.length, 0, unicodePathField(raw, 'pkg/résumé'), W)).toBe('pkg/résumé');
    expect(decodeEntryName(raw, 0, raw.length, 0, unicodePathField(raw, 'pkg/résumé', crc32(raw) ^ 1), W)).toBe('pkg/é');
    const v2 = unicodePathField(raw, 'pkg/x');
    v2[0] = 2;
    expect(decodeEntryName(raw, 0, raw.length, 0, v2, W)).toBe('pkg/é');
  });
});

describe('unsafeNameReason and checkEntryName', () => {
  it.each([
    ['pkg/a.py', undefined],
    ['pkg/', undefined],
    ['a..b/..c', undefined],
    ['', 'empty name'],
    ['pkg/a\0.py', 'name contains a NUL byte'],
    ['pkg\\a.py', "name contains a backslash, expected '/' separators"],
    ['/etc/passwd', 'absolute path, expected a path relative to the wheel root'],
    ['C:/x', 'absolute path, expected a path relative to the wheel root'],
    ['../x', 'path escapes the wheel'],
    ['pkg/../../x', 'path escapes the wheel'],
    ['pkg/..', 'path escapes the wheel'],
    ['pkg//a', "path is not normalized (empty or '.' component)"],
    ['./a', "path is not normalized (empty or '.' component)"],
    ['pkg/./a', "path is not normalized (empty or '.' component)"],
    ['/', 'absolute path, expected a path relative to the wheel root'],
  ])('%j -> %s', (name, why) => {
    expect(unsafeNameReason(name)).toBe(why);
    if (why === undefined) expect(() => checkEntryName(name, W)).not.toThrow();
    else expect(() => checkEntryName(name, W)).toThrow(expect.objectContaining({ code: 'WHEEL_UNSAFE_PATH', message: expect.stringMatching(new RegExp(`^w\\.whl: entry .*: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)) as string }) as Error);
  });
});

describe('checkNameConflicts', () => {
  it('accepts directories named before or after their files', () => {
    expect(() => checkNameConflicts(['pkg/', 'pkg/a.py', 'pkg/sub/b.py', 'pkg/sub/'], W)).not.toThrow();
  });

  it('refuses duplicates (naming both records), a file and a directory of one path, and a file used as a parent', () => {
    expect(() => checkNameConflicts(['a', 'b', 'a'], W)).toThrow("w.whl: entry a: duplicate name (central directory records 1 and 3)");
    expect(() => checkNameConflicts(['pkg', 'pkg/'], W)).toThrow("w.whl: entry pkg/: duplicate name (central directory records 1 and 2)");
    expect(() => checkNameConflicts(['pkg', 'pkg/a.py'], W)).toThrow("w.whl: entry pkg/a.py: parent pkg is a file entry, expected a directory");
    expect(() => checkNameConflicts(['pkg/sub/deep/x', 'pkg/sub'], W)).toThrow(/parent pkg\/sub is a file entry/);
  });

  it('stays fast on 150,000 names in deep trees', () => {
    const names = Array.from({ length: 150_000 }, (_, i) => `pkg/d${i % 500}/e${i % 37}/f${i}.py`);
    const t0 = cpuClock();
    checkNameConflicts(names, W);
    expect(t0()).toBeLessThan(10_000);
  });
});
