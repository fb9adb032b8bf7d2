// The buffers the patch pipeline reads libraries into: reused once given back, handed out in
// turn within the byte budget (one request larger than the budget still goes through when
// nothing else is in use), several at once or not at all.
import { describe, expect, it } from 'vitest';
import { capacityFor, imagePool } from '../../src/repair/image-pool.js';

const MiB = 1 << 20;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('imagePool', () => {
  it('hands out room for growth, and the same buffer again once it is given back', async () => {
    const pool = imagePool(64 * MiB);
    const [a] = await pool.acquire([10 * MiB]);
    expect(a?.buffer.length).toBe(capacityFor(10 * MiB));
    expect(capacityFor(10 * MiB)).toBeGreaterThan(10 * MiB);
    const first = a?.buffer;
    a?.release();
    a?.release(); // idempotent
    const [b] = await pool.acquire([4 * MiB]);
    expect(b?.buffer).toBe(first);
    expect(pool.inUse).toBe(first?.length);
  });

  it('makes a request wait until the buffers in use leave room for it, first come first served', async () => {
    const pool = imagePool(40 * MiB);
    const [a] = await pool.acquire([20 * MiB]);
    const order: string[] = [];
    const second = pool.acquire([20 * MiB]).then((l) => (order.push('second'), l));
    const third = pool.acquire([1 * MiB]).then((l) => (order.push('third'), l));
    await tick();
    expect(order).toEqual([]);
    a?.release();
    const [s] = await second;
    const [t] = await third;
    expect(order).toEqual(['second', 'third']);
    expect(pool.inUse).toBe((s?.buffer.length ?? 0) + (t?.buffer.length ?? 0));
  });

  it('counts only what a lease says it wrote once charged: the next request fits beside it', async () => {
    const pool = imagePool(40 * MiB);
    const [a] = await pool.acquire([20 * MiB]);
    let started = false;
    const second = pool.acquire([20 * MiB]).then((l) => ((started = true), l));
    await tick();
    expect(started).toBe(false);
    a?.charge(4 * MiB);
    const [b] = await second;
    expect(started).toBe(true);
    expect(b?.buffer.buffer).not.toBe(a?.buffer.buffer);
    expect(pool.inUse).toBe(4 * MiB + (b?.buffer.length ?? 0));
    a?.release();
    a?.charge(1);
    expect(pool.inUse).toBe(b?.buffer.length);
    // A charged buffer is not handed out again (its written pages go back with it).
    b?.release();
    const [c] = await pool.acquire([20 * MiB]);
    expect(c?.buffer.buffer).toBe(b?.buffer.buffer);
    expect(c?.buffer.buffer).not.toBe(a?.buffer.buffer);
  });

  it('lets one request larger than the budget through when nothing is in use', async () => {
    const pool = imagePool(1 * MiB);
    const [a, b] = await pool.acquire([3 * MiB, 2 * MiB]);
    expect(a?.buffer.length).toBeGreaterThanOrEqual(3 * MiB);
    expect(b?.buffer.length).toBeGreaterThanOrEqual(2 * MiB);
    expect(a?.buffer.buffer).not.toBe(b?.buffer.buffer);
    let waited = true;
    const next = pool.acquire([1]).then((l) => ((waited = false), l));
    await tick();
    expect(waited).toBe(true);
    a?.release();
    await tick();
    expect(waited).toBe(true);
    b?.release();
    await next;
    expect(waited).toBe(false);
  });
});
