// The worker-thread inflater: real library bytes deflated as zip stores them, inflated on other
// threads, checked (size, CRC-32) and hashed exactly as the main thread would; every failure
// comes back as the same WheelFormatError the main thread's inflater gives.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { InternalError, WheelFormatError } from '../../src/errors.js';
import { crc32 } from '../../src/wheel/crc32.js';
import { inflatePool, POOL_AVAILABLE, type InflatePool } from '../../src/wheel/inflate-pool.js';
import { inflateWhole, type InflateTarget } from '../../src/wheel/zip-inflate.js';
import { needs, requireFile, unmet } from '../helpers/requires.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const ELF = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46);
const canRun = POOL_AVAILABLE ? requireFile(LIBC, 'libc6') : unmet('node:zlib has no crc32 before Node 20.15 (workers are not used there)');

let pool: InflatePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** Content as a zip entry would store it: its target fields and a fresh raw buffer. */
function stored(content: Uint8Array, method = 8, over: Partial<InflateTarget> = {}): { target: InflateTarget; raw: () => Uint8Array } {
  const raw = method === 8 ? new Uint8Array(deflateRawSync(content)) : content;
  const target = { name: 'lib/x.so', compressionMethod: method, compressedSize: raw.length, uncompressedSize: content.length, crc32: crc32(content), ...over };
  // Each run transfers its buffer away, so every call gets its own copy.
  return { target, raw: () => new Uint8Array(raw) };
}

const b64 = (alg: string, data: Uint8Array): string => createHash(alg).update(data).digest('base64url');

describe('inflatePool', () => {
  it('inflates a real library on a worker: content, sha256 and another digest equal the main thread\'s', needs(canRun), async () => {
    const lib = new Uint8Array(fs.readFileSync(LIBC));
    const e = stored(lib);
    pool = inflatePool(2);
    const r = await pool.run({ target: e.target, raw: e.raw(), hashes: ['sha256', 'sha512'], keepIfStartsWith: ELF }, 'w.whl');
    expect(r.digests).toEqual([b64('sha256', lib), b64('sha512', lib)]);
    expect(r.content).toBeDefined();
    expect(Buffer.compare(Buffer.from(r.content as Uint8Array), Buffer.from(inflateWhole(e.raw(), e.target, 'w.whl')))).toBe(0);
  });

  it('hands the content back only when it starts with the asked-for bytes; stored entries too', needs(canRun), async () => {
    const data = new Uint8Array(300_000).fill(7);
    pool = inflatePool(1);
    const deflated = stored(data);
    const r1 = await pool.run({ target: deflated.target, raw: deflated.raw(), hashes: ['sha256'], keepIfStartsWith: ELF }, 'w.whl');
    expect(r1.content).toBeUndefined();
    expect(r1.digests).toEqual([b64('sha256', data)]);
    const plain = stored(data, 0);
    const r2 = await pool.run({ target: plain.target, raw: plain.raw(), hashes: ['sha256'], keepIfStartsWith: Uint8Array.of(7, 7) }, 'w.whl');
    expect(r2.content?.length).toBe(data.length);
  });

  it('refuses data whose CRC-32 differs, naming the entry and both values', needs(canRun), async () => {
    const e = stored(new Uint8Array(100_000).fill(1), 8, { crc32: 0x12345678 });
    pool = inflatePool(1);
    const err = await pool.run({ target: e.target, raw: e.raw(), hashes: ['sha256'] }, 'w.whl').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_NOT_ZIP');
    expect((err as Error).message).toMatch(/^w\.whl: entry lib\/x\.so: CRC-32 of the data is 0x[0-9a-f]{8}, expected 0x12345678$/);
  });

  it('stops at the first byte past the declared size, and refuses data that ends short of it', needs(canRun), async () => {
    const data = new Uint8Array(200_000).fill(3);
    pool = inflatePool(1);
    const long = stored(data, 8, { uncompressedSize: 1000 });
    await expect(pool.run({ target: long.target, raw: long.raw(), hashes: [] }, 'w.whl')).rejects.toThrow(/entry lib\/x\.so: inflated to more than 1000 bytes, expected 1000/);
    const short = stored(data, 8, { uncompressedSize: 300_000 });
    await expect(pool.run({ target: short.target, raw: short.raw(), hashes: [] }, 'w.whl')).rejects.toThrow(/inflated to 200000 bytes, expected 300000/);
  });

  it('reports corrupt deflate data as the main thread does', needs(canRun), async () => {
    const e = stored(new Uint8Array(50_000).fill(9));
    const raw = e.raw();
    raw[0] = 0xff; // reserved block type 3
    const mainErr = (() => {
      try {
        inflateWhole(new Uint8Array(raw), e.target, 'w.whl');
      } catch (x) {
        return x as Error;
      }
      return undefined;
    })();
    pool = inflatePool(1);
    const err = await pool.run({ target: e.target, raw, hashes: [] }, 'w.whl').catch((x: unknown) => x as Error);
    expect(mainErr?.message).toMatch(/cannot inflate its data/);
    expect((err as Error).message).toBe(mainErr?.message);
  });

  it('runs many jobs on two threads, each answered with its own result', needs(canRun), async () => {
    pool = inflatePool(2);
    const p = pool;
    const contents = Array.from({ length: 12 }, (_, i) => new Uint8Array(70_000 + i * 5000).fill(i));
    const results = await Promise.all(contents.map((c) => {
      const e = stored(c);
      return p.run({ target: e.target, raw: e.raw(), hashes: ['sha256'] }, 'w.whl');
    }));
    expect(results.map((r) => r.digests[0])).toEqual(contents.map((c) => b64('sha256', c)));
  });

  it('refuses raw bytes that share their buffer, and jobs after close(); close() fails queued jobs', needs(canRun), async () => {
    pool = inflatePool(1);
    const e = stored(new Uint8Array(1000).fill(2));
    const big = new Uint8Array(e.target.compressedSize + 10);
    big.set(e.raw());
    await expect(pool.run({ target: e.target, raw: big.subarray(0, e.target.compressedSize), hashes: [] }, 'w.whl')).rejects.toBeInstanceOf(InternalError);
    const first = pool.run({ target: e.target, raw: e.raw(), hashes: [] }, 'w.whl');
    const queued = pool.run({ target: e.target, raw: e.raw(), hashes: [] }, 'w.whl');
    const settled = Promise.allSettled([first, queued]);
    await pool.close();
    const [, q] = await settled;
    expect(q.status).toBe('rejected');
    await expect(pool.run({ target: e.target, raw: e.raw(), hashes: [] }, 'w.whl')).rejects.toBeInstanceOf(InternalError);
  });
});
