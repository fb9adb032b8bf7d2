// One CRC-32 for the project: zlib's when the running Node has it, else the portable version,
// which must agree with it (and with the standard check value) on any input and any start.
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32IsNative, crc32Portable } from '../../src/wheel/crc32.js';
import { noise } from '../helpers/noise.js';

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Portable(check)).toBe(0xcbf43926);
  });

  it('the portable version agrees with zlib, whole or continued in pieces', () => {
    for (const n of [0, 1, 7, 64, 1000, 65_537]) {
      const d = noise(n, n + 1);
      const whole = crc32Portable(d);
      expect(whole).toBe(zlib.crc32(d) >>> 0);
      const cut = Math.floor(n / 3);
      expect(crc32Portable(d.subarray(cut), crc32Portable(d.subarray(0, cut)))).toBe(whole);
      expect(crc32(d.subarray(cut), crc32(d.subarray(0, cut)))).toBe(whole);
    }
  });

  it('uses zlib when the running Node has it', () => {
    expect(crc32IsNative).toBe(typeof Reflect.get(zlib, 'crc32') === 'function');
  });
});
