// The changed entries of a repair: large ones are hashed at once and deflated with at most
// `limit` deflates running; every deflate gives back exactly the bytes it was given.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { changedEntries } from '../../src/repair/changed-entries.js';
import { crc32 } from '../../src/wheel/crc32.js';

const content = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * seed + (i >> 7)) & 0xff);

describe('changedEntries', () => {
  it('keeps small entries as bytes and deflates large ones, with their RECORD rows', async () => {
    const c = changedEntries(6, 2);
    const big = content(3 << 20, 31);
    c.small('pkg/WHEEL', new TextEncoder().encode('Wheel-Version: 1.0\n'), 0o100644);
    await c.big('pkg.libs/libx.so', big, 0o100755);
    const s = c.entries.get('pkg/WHEEL');
    expect(s?.data).toBeDefined();
    expect(s?.deflated).toBeUndefined();
    const b = c.entries.get('pkg.libs/libx.so');
    expect(b?.data).toBeUndefined();
    expect(b?.row).toEqual({ path: 'pkg.libs/libx.so', hash: `sha256=${createHash('sha256').update(big).digest('base64url')}`, size: String(big.length) });
    const d = await (b?.deflated as Promise<{ crc: number; uncompressedSize: number; data: Uint8Array }>);
    expect(d.uncompressedSize).toBe(big.length);
    expect(d.crc).toBe(crc32(big));
    expect(Buffer.compare(inflateRawSync(d.data), Buffer.from(big))).toBe(0);
  });

  it('lets a large entry wait until fewer than `limit` deflates run', async () => {
    const c = changedEntries(9, 1);
    await c.big('a', content(8 << 20, 7), 0o100644);
    const first = c.entries.get('a')?.deflated as Promise<unknown>;
    let firstDone = false;
    void first.then(() => {
      firstDone = true;
    });
    await c.big('b', content(1 << 20, 13), 0o100644);
    // The second deflate could start only after the first one finished.
    expect(firstDone).toBe(true);
    expect(c.entries.get('b')?.deflated).toBeDefined();
    await c.entries.get('b')?.deflated;
  });

  it('runs up to `limit` deflates at once without waiting', async () => {
    const c = changedEntries(9, 2);
    await c.big('a', content(8 << 20, 7), 0o100644);
    let firstDone = false;
    void (c.entries.get('a')?.deflated as Promise<unknown>).then(() => {
      firstDone = true;
    });
    await c.big('b', content(1 << 10, 3), 0o100644);
    expect(firstDone).toBe(false);
    await Promise.all([c.entries.get('a')?.deflated, c.entries.get('b')?.deflated]);
  });
});
