// One deflate call as one thread-pool job: the output inflates back to the input for text,
// noise (output larger than input) and nothing, equals zlib's own one-shot output byte for
// byte, and is never held in a buffer much larger than itself.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateBound, deflateRawOnce } from '../../src/wheel/deflate-call.js';
import { noise } from '../helpers/noise.js';

function once(data: Uint8Array, level: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    deflateRawOnce(data, { level }, (err, out) => {
      if (err === null) resolve(out);
      else reject(err);
    });
  });
}

const text = (n: number): Uint8Array => new TextEncoder().encode('a line of text that deflates well\n'.repeat(Math.ceil(n / 34))).subarray(0, n);

describe('deflateRawOnce', () => {
  for (const [label, data] of [
    ['empty', new Uint8Array(0)],
    ['text, 3 MiB', text(3 << 20)],
    ['noise, 1 MiB', noise(1 << 20, 7)],
  ] as const) {
    it(`${label}: same bytes as zlib's one-shot deflate, inflating back to the input`, async () => {
      const out = await once(data, 6);
      expect(Buffer.from(out).equals(deflateRawSync(data, { level: 6 }))).toBe(true);
      expect(Buffer.from(inflateRawSync(out)).equals(Buffer.from(data))).toBe(true);
      expect(out.length).toBeLessThanOrEqual(deflateBound(data.length));
      // A small result is copied out of the worst-case buffer instead of pinning it.
      expect(out.buffer.byteLength - out.length).toBeLessThanOrEqual(64 * 1024);
    });
  }

  it('throws for options zlib refuses (a bad level), as zlib.deflateRaw does', () => {
    expect(() => deflateRawOnce(text(10), { level: 42 }, () => undefined)).toThrow();
  });
});
