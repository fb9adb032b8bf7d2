// Deflating one entry in pieces on several threads: the pieces concatenate into one raw-deflate
// stream that zlib (and Python's zipfile, in zip-write-stream.test.ts) inflates back to the
// content, whatever the piece boundaries; the bytes do not depend on how many run at once; the
// queue never runs more than its limit and starts jobs in order; a failing piece fails the stream;
// content read from a source piece by piece comes out the same, and a failed read stops it.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { taskQueue } from '../../src/util/task-queue.js';
import { DEFLATE_PIECE, deflateAhead, deflateInPieces, type PieceSource } from '../../src/wheel/chunked-deflate.js';
import { crc32 } from '../../src/wheel/crc32.js';
import { noise } from '../helpers/noise.js';

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of pieces) parts.push(p);
  return Buffer.concat(parts);
}

/** Half noise, half text: pieces that compress differently, with matches across boundaries. */
function mixed(n: number, seed: number): Uint8Array {
  const out = noise(n, seed);
  const text = new TextEncoder().encode('symbol_name_that_repeats_across_piece_boundaries\n');
  for (let i = 0; i < n; i++) if (((i / 4096) | 0) % 2 === 1) out[i] = text[i % text.length] ?? 0;
  return out;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('deflateInPieces', () => {
  for (const size of [0, 1, DEFLATE_PIECE - 1, DEFLATE_PIECE, DEFLATE_PIECE + 1, Math.floor(3.5 * DEFLATE_PIECE)]) {
    it(`inflates back to the content (${size} bytes), with its CRC-32 and size`, async () => {
      const data = mixed(size, size + 7);
      const s = deflateInPieces(data, 6, taskQueue(2), 'x.so');
      expect(s.uncompressedSize).toBe(size);
      const stream = await collect(s.pieces);
      expect(sha(inflateRawSync(stream))).toBe(sha(data));
      await s.read;
      expect(s.crc).toBe(crc32(data));
      await s.done;
    });
  }

  it('gives the same bytes for any number of threads, and compresses like one deflate call', async () => {
    const data = mixed(3 * DEFLATE_PIECE + 12345, 5);
    const outs = await Promise.all([1, 2, 4].map((n) => collect(deflateInPieces(data, 6, taskQueue(n), 'x').pieces)));
    expect(sha(outs[1] ?? Buffer.alloc(0))).toBe(sha(outs[0] ?? Buffer.alloc(1)));
    expect(sha(outs[2] ?? Buffer.alloc(0))).toBe(sha(outs[0] ?? Buffer.alloc(1)));
    // The dictionary carries matches across pieces: within 1% of a single deflate.
    const { deflateRawSync } = await import('node:zlib');
    expect((outs[0]?.length ?? 0) / deflateRawSync(data, { level: 6 }).length).toBeLessThan(1.01);
  });

  it('reads a piece source in order as pieces start, showing every byte once and releasing each read', async () => {
    const data = mixed(2 * DEFLATE_PIECE + 999, 11);
    const reads: [number, number][] = [];
    let released = 0;
    const source: PieceSource = {
      length: data.length,
      read: (from, end) => {
        reads.push([from, end]);
        return data.slice(from, end);
      },
      release: () => {
        released++;
      },
    };
    const seen: Uint8Array[] = [];
    const s = deflateInPieces(source, 6, taskQueue(2), 'src.so', { observe: (b) => seen.push(b.slice()) });
    const stream = await collect(s.pieces);
    await s.done;
    // Each piece comes with the 32 KiB before it (the dictionary), from the second on.
    expect(reads).toEqual([
      [0, DEFLATE_PIECE],
      [DEFLATE_PIECE - 32768, 2 * DEFLATE_PIECE],
      [2 * DEFLATE_PIECE - 32768, data.length],
    ]);
    expect(released).toBe(3);
    expect(sha(Buffer.concat(seen))).toBe(sha(data));
    expect(s.crc).toBe(crc32(data));
    // The same bytes as the same content in memory.
    expect(sha(stream)).toBe(sha(await collect(deflateInPieces(data, 6, taskQueue(1), 'mem.so').pieces)));
  });

  it('takes the pieces deflated ahead instead of deflating them again, never for the last piece', async () => {
    const data = mixed(3 * DEFLATE_PIECE + 5, 21);
    const read = (from: number, end: number): Uint8Array => data.subarray(from, end);
    // Ahead at level 1, the rest at 9: the stream shows which were taken.
    const ahead = deflateAhead([DEFLATE_PIECE, 3 * DEFLATE_PIECE], read, 1, taskQueue(2), 'a.so');
    const mixedLevels = await collect(deflateInPieces(data, 9, taskQueue(2), 'a.so', { ahead }).pieces);
    expect(sha(inflateRawSync(mixedLevels))).toBe(sha(data));
    const nine = await collect(deflateInPieces(data, 9, taskQueue(2), 'a.so').pieces);
    expect(sha(mixedLevels)).not.toBe(sha(nine));
    // Same level ahead: the same bytes as without.
    const same = await collect(deflateInPieces(data, 9, taskQueue(2), 'a.so', { ahead: deflateAhead([DEFLATE_PIECE, 2 * DEFLATE_PIECE], read, 9, taskQueue(1), 'a.so') }).pieces);
    expect(sha(same)).toBe(sha(nine));
  });

  it('a source that fails to read fails the stream and its read, and reads nothing after', async () => {
    const data = mixed(3 * DEFLATE_PIECE, 3);
    const reads: number[] = [];
    const source: PieceSource = {
      length: data.length,
      read: (from, end) => {
        reads.push(from);
        if (reads.length === 2) throw new Error('disk gone');
        return data.subarray(from, end);
      },
    };
    const s = deflateInPieces(source, 6, taskQueue(1), 'gone.so');
    await expect(collect(s.pieces)).rejects.toThrow('disk gone');
    await expect(s.read).rejects.toThrow('disk gone');
    await s.done;
    expect(reads).toHaveLength(2);
  });

  it('a piece that cannot be deflated fails the stream with WHEEL_IO naming the entry', async () => {
    const s = deflateInPieces(new Uint8Array(10), 42, taskQueue(1), 'bad.so');
    await expect(collect(s.pieces)).rejects.toThrow(/bad\.so/);
    await s.done;
  });
});
