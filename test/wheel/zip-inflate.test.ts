// Bounded inflation: the declared size is a ceiling zlib stops at, whole or streamed; size and
// CRC-32 are checked at the end; a head read decodes only a prefix.
import { Readable } from 'node:stream';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WheelFormatError } from '../../src/errors.js';
import { headPrefixLength, inflateChunks, inflateHead, inflateWhole, type InflateTarget } from '../../src/wheel/zip-inflate.js';
import { repeatedDeflate } from './zip-builder.js';

const content = new TextEncoder().encode('a line of text\n'.repeat(5000));
const raw = deflateRawSync(content);
const target = (over: Partial<InflateTarget> = {}): InflateTarget => ({
  name: 'pkg/x.txt',
  compressionMethod: 8,
  compressedSize: raw.length,
  uncompressedSize: content.length,
  crc32: crc32(content),
  ...over,
});

function refusal(f: () => unknown): WheelFormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof WheelFormatError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

async function collect(raws: Uint8Array[], t: InflateTarget): Promise<number> {
  let n = 0;
  await inflateChunks(Readable.from(raws), t, (c) => {
    n += c.length;
  }, 'w.whl');
  return n;
}

describe('inflateWhole', () => {
  it('inflates deflate and passes stored data through, checking size and CRC', () => {
    expect(Buffer.from(inflateWhole(raw, target(), 'w.whl')).equals(Buffer.from(content))).toBe(true);
    expect(inflateWhole(content, target({ compressionMethod: 0, compressedSize: content.length }), 'w.whl').length).toBe(content.length);
    expect(inflateWhole(deflateRawSync(new Uint8Array(0)), target({ uncompressedSize: 0, crc32: 0 }), 'w.whl').length).toBe(0);
  });

  it('refuses more data than declared, less, a wrong CRC and corrupt data, naming the entry', () => {
    expect(refusal(() => inflateWhole(raw, target({ uncompressedSize: 100 }), 'w.whl')).message).toBe('w.whl: entry pkg/x.txt: inflated to more than 100 bytes, expected 100');
    expect(refusal(() => inflateWhole(raw, target({ uncompressedSize: content.length + 1 }), 'w.whl')).message).toBe(`w.whl: entry pkg/x.txt: inflated to ${content.length} bytes, expected ${content.length + 1}`);
    expect(refusal(() => inflateWhole(raw, target({ crc32: 1 }), 'w.whl')).message).toMatch(/^w\.whl: entry pkg\/x\.txt: CRC-32 of the data is 0x[0-9a-f]{8}, expected 0x00000001$/);
    const bad = refusal(() => inflateWhole(new Uint8Array([0xff, 0xff, 0xff]), target(), 'w.whl'));
    expect(bad.code).toBe('WHEEL_NOT_ZIP');
    expect(bad.message).toMatch(/^w\.whl: entry pkg\/x\.txt: cannot inflate its data: /);
  });

  it('stops a bomb at the declared size: 1 GiB of zeros declared as 1 KiB costs about 1 KiB', () => {
    const bomb = repeatedDeflate(new Uint8Array(1 << 20), 1024);
    const before = process.memoryUsage().arrayBuffers;
    const e = refusal(() => inflateWhole(bomb.raw, target({ compressedSize: bomb.raw.length, uncompressedSize: 1024, crc32: bomb.crc }), 'w.whl'));
    expect(e.message).toContain('inflated to more than 1024 bytes');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });
});

describe('inflateChunks', () => {
  it('streams deflate and stored data in pieces, checking size and CRC at the end', async () => {
    const parts = [raw.subarray(0, 10), raw.subarray(10, 500), raw.subarray(500)];
    expect(await collect(parts, target())).toBe(content.length);
    expect(await collect([content.subarray(0, 7), content.subarray(7)], target({ compressionMethod: 0, compressedSize: content.length }))).toBe(content.length);
    await expect(collect([raw], target({ crc32: 5 }))).rejects.toThrow(/CRC-32 of the data is/);
    await expect(collect([raw.subarray(0, 20)], target())).rejects.toThrow(/cannot inflate its data/);
  });

  it('stops at the first chunk past the declared size: a 4 GiB bomb is refused after about 1 MiB', async () => {
    const bomb = repeatedDeflate(new Uint8Array(1 << 20), 4096);
    let seen = 0;
    const e = await inflateChunks(Readable.from([bomb.raw]), target({ compressedSize: bomb.raw.length, uncompressedSize: 1000, crc32: bomb.crc }), (c) => {
      seen += c.length;
    }, 'w.whl').catch((err: unknown) => err);
    expect((e as Error).message).toMatch(/inflated to at least \d+ bytes, expected 1000$/);
    expect(seen).toBe(0);
  });
});

describe('inflateHead', () => {
  it('decodes the first bytes from a short prefix of the raw data', () => {
    const t = target();
    const n = headPrefixLength(t, 4);
    expect(n).toBe(Math.min(raw.length, 4 + 1024));
    expect(Buffer.from(inflateHead(raw.subarray(0, n), t, 4, 'w.whl')).toString()).toBe('a li');
    expect(inflateHead(content, target({ compressionMethod: 0 }), 3, 'w.whl')).toEqual(content.subarray(0, 3));
    // A prefix cut inside a block is not an error: it yields what it holds.
    const flushed = deflateRawSync(content, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(inflateHead(flushed.subarray(0, 30), t, 4, 'w.whl').length).toBeLessThanOrEqual(4);
  });
});

describe('inflateChunks: errors from the consumer', () => {
  it('passes an error thrown by onChunk through unchanged', async () => {
    const mine = new RangeError('the consumer failed');
    const e = await inflateChunks(Readable.from([raw]), target(), () => {
      throw mine;
    }, 'w.whl').catch((err: unknown) => err);
    expect(e).toBe(mine);
  });
});
