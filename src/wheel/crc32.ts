// CRC-32 as zip uses it (IEEE 802.3, reflected). node:zlib's `crc32` exists only since Node
// 20.15 (and 22.2); older Nodes get the table-driven version below. Every CRC in the project
// goes through `crc32` here.
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * @internal CRC-32 in plain TypeScript, continuing from `value` (the CRC of the bytes before).
 * Exported so tests can compare it with zlib's.
 */
export function crc32Portable(data: Uint8Array, value = 0): number {
  table ??= makeTable();
  const t = table;
  let c = ~value >>> 0;
  for (const byte of data) {
    c = (t[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

// Read through the namespace, so that a Node without `crc32` still loads this module.
const native: unknown = Reflect.get(zlib, 'crc32');

/** CRC-32 of `data`, continuing from `value`; an unsigned 32-bit number. */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof native === 'function' ? (data, value = 0) => zlib.crc32(data, value) >>> 0 : crc32Portable;

/** True when the native implementation is in use (for tests and diagnostics). */
export const crc32IsNative = typeof native === 'function';
