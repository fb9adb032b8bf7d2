// The changed entries of a repair: small ones as bytes or as a promise of bytes, large ones as
// slots the patch pipeline fills with a deflate stream and a RECORD row (or fails, and then
// both reject with that error).
import { describe, expect, it } from 'vitest';
import { changedEntries } from '../../src/repair/changed-entries.js';
import { recordRowFor } from '../../src/wheel/record.js';
import type { StreamedContent } from '../../src/wheel/zip-write.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('changedEntries', () => {
  it('keeps small entries as bytes, later ones as their promise', async () => {
    const c = changedEntries();
    c.small('pkg/WHEEL', bytes('Wheel-Version: 1.0\n'), 0o100644);
    c.later('pkg/RECORD', Promise.resolve(bytes('x,,\r\n')), 0o100600);
    expect(c.entries.get('pkg/WHEEL')?.data).toEqual(bytes('Wheel-Version: 1.0\n'));
    expect(c.entries.get('pkg/WHEEL')?.stream).toBeUndefined();
    expect(await c.entries.get('pkg/RECORD')?.later).toEqual(bytes('x,,\r\n'));
    expect(c.entries.get('pkg/RECORD')?.mode).toBe(0o100600);
  });

  it('a streamed slot resolves its content and row when delivered', async () => {
    const c = changedEntries();
    const slot = c.streamed('pkg.libs/libx.so', 0o100755);
    const e = c.entries.get('pkg.libs/libx.so');
    expect(e?.mode).toBe(0o100755);
    let settled = false;
    void e?.stream?.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    const content: StreamedContent = { crc: 1, uncompressedSize: 3, pieces: [] as unknown as AsyncIterable<Uint8Array> };
    const row = recordRowFor('pkg.libs/libx.so', bytes('abc'));
    slot.deliver(content, Promise.resolve(row));
    expect(await e?.stream).toBe(content);
    expect(await e?.row).toEqual(row);
  });

  it('a failed slot rejects both, and an unawaited failure is not "unhandled"', async () => {
    const c = changedEntries();
    const slot = c.streamed('a', 0o100644);
    const boom = new Error('boom');
    slot.fail(boom);
    c.streamed('b', 0o100644).fail(new Error('never awaited'));
    await expect(c.entries.get('a')?.stream).rejects.toBe(boom);
    await expect(c.entries.get('a')?.row).rejects.toBe(boom);
  });
});
