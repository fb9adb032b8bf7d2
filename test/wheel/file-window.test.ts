// Positional reads through one window: reads on in file order are served from it, jumps read
// only their bytes, views stay valid after refills, and reads past the end or after a close fail
// with typed errors.
import * as fs from 'node:fs';
import { open } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WheelFormatError } from '../../src/errors.js';
import { fileWindow, WINDOW_BYTES } from '../../src/wheel/file-window.js';

let tmp = '';
let file = '';
const SIZE = 3 * WINDOW_BYTES + 123;
const byteAt = (i: number): number => (i * 31 + (i >> 8)) & 0xff;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-window-'));
  file = path.join(tmp, 'data.bin');
  fs.writeFileSync(file, Uint8Array.from({ length: SIZE }, (_, i) => byteAt(i)));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const expectBytes = (got: Uint8Array, start: number): void => {
  for (const k of [0, got.length >> 1, got.length - 1]) if (got.length > 0) expect(got[k], `byte ${start + k}`).toBe(byteAt(start + k));
};

describe('fileWindow', () => {
  it('serves reads on in file order from one window, and keeps earlier views intact', async () => {
    const fh = await open(file, 'r');
    try {
      const w = fileWindow(fh, SIZE, 'data.bin', () => false);
      const first = await w.read(10, 100, WINDOW_BYTES);
      expectBytes(first, 10);
      expect(w.peek(5000, 200)).toBeDefined();
      expect(w.peek(WINDOW_BYTES + 10, 4)).toBeUndefined();
      const later = await w.read(WINDOW_BYTES + 10, 64, WINDOW_BYTES);
      expectBytes(later, WINDOW_BYTES + 10);
      expectBytes(first, 10);
      // Without readahead a jump reads just its bytes and leaves the window where it was.
      expectBytes(await w.read(17, 33), 17);
      expect(w.peek(WINDOW_BYTES + 20, 4)).toBeDefined();
      // Longer than a window: read directly.
      const big = await w.read(5, 2 * WINDOW_BYTES + 1);
      expect(big.length).toBe(2 * WINDOW_BYTES + 1);
      expectBytes(big, 5);
      expectBytes(await w.read(SIZE - 3, 3, WINDOW_BYTES), SIZE - 3);
    } finally {
      await fh.close();
    }
  });

  it('refuses reads past the end, and reads after a close', async () => {
    const fh = await open(file, 'r');
    let closed = false;
    const w = fileWindow(fh, SIZE, 'data.bin', () => closed);
    await expect(w.read(SIZE - 2, 3)).rejects.toThrow('data.bin: 3 bytes at offset');
    closed = true;
    const err = await w.read(0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_IO');
    expect((err as Error).message).toBe('data.bin: read interrupted because the zip file was closed');
    await fh.close();
  });

  it('notices a file that shrank after it was opened', async () => {
    const copy = path.join(tmp, 'shrinking.bin');
    fs.copyFileSync(file, copy);
    const fh = await open(copy, 'r');
    try {
      const w = fileWindow(fh, SIZE, 'shrinking.bin', () => false);
      fs.truncateSync(copy, 1000);
      const err = await w.read(2000, 10).catch((e: unknown) => e);
      expect((err as WheelFormatError).code).toBe('WHEEL_IO');
      expect((err as Error).message).toMatch(/^shrinking\.bin: the file ended at offset 2000, expected \d+ bytes \(was it changed while being read\?\)$/);
    } finally {
      await fh.close();
    }
  });
});
