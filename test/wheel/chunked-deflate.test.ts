// Deflating one entry in pieces on several threads: the pieces concatenate into one raw-deflate
// stream that zlib (and Python's zipfile, in zip-write-stream.test.ts) inflates back to the
// content, whatever the piece boundaries; the bytes do not depend on how many run at once; the
// queue never runs more than its limit and starts jobs in order; a failing piece fails the stream.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { taskQueue } from '../../src/util/task-queue.js';
import { DEFLATE_PIECE, deflateInPieces } from '../../src/wheel/chunked-deflate.js';
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
      expect(s.crc).toBe(crc32(data));
      const stream = await collect(s.pieces);
      expect(sha(inflateRawSync(stream))).toBe(sha(data));
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

  it('a piece that cannot be deflated fails the stream with WHEEL_IO naming the entry', async () => {
    const s = deflateInPieces(new Uint8Array(10), 42, taskQueue(1), 'bad.so');
    await expect(collect(s.pieces)).rejects.toThrow(/bad\.so/);
    await s.done;
  });
});
