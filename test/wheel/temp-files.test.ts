// The one atomic-write helper: exclusive creation under an unpredictable hidden name beside the
// final file, with the final file's mode; commit renames, discard removes; the registry of live
// temporary files lets a signal handler remove them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WheelFormatError } from '../../src/errors.js';
import { copyFileAtomic, createTempFile, liveTempFiles, openExclusive, removeLiveTempFiles, writeFileAtomicSync, writeScratchFileSync } from '../../src/wheel/temp-files.js';

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-temp-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The permission bits a new file created with `mode` gets here (the umask applied). */
function maskedMode(mode: number): number {
  const probe = path.join(tmp, `.probe-${mode.toString(8)}`);
  fs.writeFileSync(probe, '', { mode });
  const got = fs.statSync(probe).mode & 0o777;
  fs.rmSync(probe);
  return got;
}

describe('createTempFile', () => {
  it('creates a hidden, unpredictable name beside the final file, with the mode the final file gets', async () => {
    const final = path.join(tmp, 'a.whl');
    const t1 = await createTempFile(final, 0o666);
    const t2 = await createTempFile(final, 0o666);
    try {
      for (const t of [t1, t2]) {
        expect(path.dirname(t.path)).toBe(tmp);
        expect(path.basename(t.path)).toMatch(/^\.a\.whl\.[0-9a-f]{16}\.tmp$/);
        expect(fs.statSync(t.path).mode & 0o777).toBe(maskedMode(0o666));
      }
      expect(t1.path).not.toBe(t2.path);
      expect(liveTempFiles()).toEqual(expect.arrayContaining([t1.path, t2.path]));
    } finally {
      await t1.discard();
      await t2.discard();
    }
    expect(fs.existsSync(t1.path)).toBe(false);
    expect(liveTempFiles()).not.toContain(t1.path);
  });

  it('commit renames over the final path (replacing a symlink there, never writing through it)', async () => {
    const outside = path.join(tmp, 'outside.txt');
    fs.writeFileSync(outside, 'untouched');
    const final = path.join(tmp, 'b.whl');
    fs.symlinkSync(outside, final);
    const t = await createTempFile(final, 0o644);
    await t.handle.write(Buffer.from('new content'));
    await t.commit();
    expect(fs.lstatSync(final).isFile()).toBe(true);
    expect(fs.readFileSync(final, 'utf8')).toBe('new content');
    expect(fs.readFileSync(outside, 'utf8')).toBe('untouched');
    expect(liveTempFiles()).not.toContain(t.path);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an unwritable directory is WHEEL_IO naming the final path', async () => {
    const final = path.join(tmp, 'no-such-dir', 'c.whl');
    await expect(createTempFile(final, 0o644)).rejects.toThrow(WheelFormatError);
    await expect(createTempFile(final, 0o644)).rejects.toThrow(new RegExp(`^cannot write ${final.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
});

describe('openExclusive', () => {
  it('refuses a name that exists, as a file, a symlink or a dangling symlink, and never touches its target', async () => {
    const target = path.join(tmp, 'target.txt');
    fs.writeFileSync(target, 'target');
    const planted = [
      ['file', (p: string) => fs.writeFileSync(p, 'x')],
      ['symlink', (p: string) => fs.symlinkSync(target, p)],
      ['dangling', (p: string) => fs.symlinkSync(path.join(tmp, 'nowhere'), p)],
    ] as const;
    for (const [kind, plant] of planted) {
      const p = path.join(tmp, `.planted-${kind}.tmp`);
      plant(p);
      const err = await openExclusive(p, 0o644).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code, kind).toBe('EEXIST');
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('target');
    expect(fs.existsSync(path.join(tmp, 'nowhere'))).toBe(false);
  });
});

describe('removeLiveTempFiles', () => {
  it('removes every temporary file still being written, synchronously', async () => {
    const a = await createTempFile(path.join(tmp, 'd.whl'), 0o644);
    const b = await createTempFile(path.join(tmp, 'e.whl'), 0o644);
    expect(removeLiveTempFiles()).toBe(2);
    expect(fs.existsSync(a.path)).toBe(false);
    expect(fs.existsSync(b.path)).toBe(false);
    expect(liveTempFiles()).toEqual([]);
    await a.discard();
    await b.discard();
  });
});

describe('writeFileAtomicSync and copyFileAtomic', () => {
  it('writes with exactly the given mode, whatever the umask', () => {
    const final = path.join(tmp, 'f.bin');
    writeFileAtomicSync(final, new Uint8Array([1, 2, 3]), 0o750);
    expect([...fs.readFileSync(final)]).toEqual([1, 2, 3]);
    expect(fs.statSync(final).mode & 0o7777).toBe(0o750);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.f.bin.'))).toEqual([]);
  });

  it('leaves nothing behind when the write fails', () => {
    const final = path.join(tmp, 'missing-dir', 'g.bin');
    expect(() => writeFileAtomicSync(final, new Uint8Array(1), 0o644)).toThrow(WheelFormatError);
    expect(liveTempFiles()).toEqual([]);
  });

  it('copies content, permission bits and times, as shutil.copy2', async () => {
    const from = path.join(tmp, 'h.whl');
    fs.writeFileSync(from, Buffer.alloc(3 * 1024 * 1024 + 7, 9));
    fs.chmodSync(from, 0o640);
    const when = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
    fs.utimesSync(from, when, when);
    const to = path.join(tmp, 'copy', 'h.whl');
    fs.mkdirSync(path.dirname(to));
    await copyFileAtomic(from, to);
    expect(Buffer.compare(fs.readFileSync(to), fs.readFileSync(from))).toBe(0);
    const st = fs.statSync(to);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtime.getTime()).toBe(when.getTime());
    expect(fs.readdirSync(path.dirname(to))).toEqual(['h.whl']);
  });
});

describe('writeScratchFileSync', () => {
  it('writes the bytes to a hidden exclusive file with the mode, live until removed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-scratch-'));
    const s = writeScratchFileSync(dir, 'lib.so.patchelf', Uint8Array.of(1, 2, 3), 0o755);
    expect(path.dirname(s.path)).toBe(dir);
    expect(path.basename(s.path)).toMatch(/^\.lib\.so\.patchelf\.[0-9a-f]{16}\.tmp$/);
    expect([...fs.readFileSync(s.path)]).toEqual([1, 2, 3]);
    expect(fs.statSync(s.path).mode & 0o777).toBe(0o755);
    expect(liveTempFiles()).toContain(s.path);
    s.remove();
    s.remove();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(liveTempFiles()).not.toContain(s.path);
  });

  it('is removed by removeLiveTempFiles (an interrupted run leaves nothing)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-scratch-'));
    writeScratchFileSync(dir, 'x', Uint8Array.of(7), 0o644);
    expect(removeLiveTempFiles()).toBeGreaterThanOrEqual(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('fails with WHEEL_IO naming the file when the directory does not exist', () => {
    const missing = path.join(os.tmpdir(), 'wa-no-such-dir', 'sub');
    expect(() => writeScratchFileSync(missing, 'x', Uint8Array.of(7), 0o644)).toThrow(WheelFormatError);
    expect(() => writeScratchFileSync(missing, 'x', Uint8Array.of(7), 0o644)).toThrow(/^cannot write .*wa-no-such-dir\/sub\/\.x\.[0-9a-f]{16}\.tmp: /);
  });
});
